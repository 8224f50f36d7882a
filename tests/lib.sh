# tests/lib.sh: shared setup for the TAP shell tests.
#
# Each test sources this file, gets a fresh iar root in $IAR_ROOT, made
# as the README tells a user to (iar-init DIR, then settings added to its
# etc/iar.conf: a cgroup parent of its own), and prints TAP with
# ok/not_ok/skip_all. Nothing is linked or copied into the root: the
# programs find their helpers where they are built. Tests drive the real
# binaries from the build tree, or from an installed tree (t_install);
# no daemon is left behind: the EXIT trap kills what the test started and
# removes the root, the installed tree and the cgroups.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
PATH=$TOP/bin:$TOP/libexec:$PATH
export PATH
T_N=0
T_FAIL=0
T_PIDS=""
IAR_ROOT=$(mktemp -d /tmp/iar-test.XXXXXX)
export IAR_ROOT
chmod 755 "$IAR_ROOT"
T_DEST=""
T_CG=iar-test-$$
# Under a sanitizer build: memory errors and undefined behaviour are
# written to $T_SAN and fail the test in done_testing. Leak checking is
# off for the shell tests (short-lived commands leave memory to exit);
# the unit tests keep it.
T_SAN=$IAR_ROOT.san
mkdir -m 1777 "$T_SAN"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:log_path=$T_SAN/asan}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:log_path=$T_SAN/ubsan}
export ASAN_OPTIONS UBSAN_OPTIONS
"$TOP/bin/iar-init" "$IAR_ROOT" >/dev/null || { echo "Bail out! iar-init failed"; exit 1; }
cat >> "$IAR_ROOT/etc/iar.conf" <<CONF
cgroup_parent = $T_CG
kill_grace = 1
pass_seconds = 30
CONF

# t_install: install the build into a tree of its own, as an admin would
# (make install DESTDIR=TREE PREFIX=/usr), which every user can reach;
# T_BIN is its bin/. The compiled-in places are the FHS ones, so the
# tests keep IAR_ROOT set to their own root.
t_install() {
	T_DEST=$(mktemp -d /tmp/iar-inst.XXXXXX) || return 1
	chmod 755 "$T_DEST"
	make -s -C "$TOP" install DESTDIR="$T_DEST" PREFIX=/usr \
	    SAN="${SAN:-}" >"$T_DEST.log" 2>&1 || { cat "$T_DEST.log" |
	    sed 's/^/# /'; return 1; }
	T_BIN=$T_DEST/usr/bin
}

# t_users: as root, the ordinary users iartest1 and iartest2 (made if
# missing, and removed at the end with the iar group if made here), each
# with a home $IAR_ROOT/home/USER; skips the test where that cannot be.
# as USER COMMAND...: a command line run as USER in that home, with the
# root and the sanitizer settings (su clears the environment; a set-gid
# program cannot run LeakSanitizer).
t_users() {
	[ "$(id -u)" -eq 0 ] || skip_all "not root"
	command -v useradd >/dev/null || skip_all "no useradd"
	command -v su >/dev/null || skip_all "no su"
	T_MADE=""
	T_MADE_GROUP=""
	getent group iar >/dev/null || T_MADE_GROUP=1
	trap 't_cleanup; t_users_cleanup' EXIT
	for u in iartest1 iartest2; do
		if ! id "$u" >/dev/null 2>&1; then
			useradd -M -s /bin/sh "$u" ||
			    skip_all "useradd $u failed"
			T_MADE="$T_MADE $u"
		fi
		mkdir -p "$IAR_ROOT/home/$u"
		chown "$u" "$IAR_ROOT/home/$u"
	done
	chmod 755 "$IAR_ROOT/home"
}
# t_group_root: after t_users, install (t_install) and convert the root
# to a multi-user one (iar-init --group iar), two TAP lines; B=$T_BIN.
t_group_root() {
	t_install
	ok $? "make install DESTDIR=... PREFIX=/usr"
	B=$T_BIN
	"$B/iar-init" --group iar "$IAR_ROOT" >"$IAR_ROOT/init.log" 2>&1
	ok $? "iar-init --group iar converts the root"
}
t_users_cleanup() {
	for u in $T_MADE; do userdel "$u" 2>/dev/null; done
	[ -n "$T_MADE_GROUP" ] && groupdel iar 2>/dev/null
	return 0
}
as() {
	a_u=$1
	shift
	su -s /bin/sh "$a_u" -c "cd $IAR_ROOT/home/$a_u && \
	    IAR_ROOT=$IAR_ROOT; export IAR_ROOT; \
	    ASAN_OPTIONS='$ASAN_OPTIONS'; UBSAN_OPTIONS='$UBSAN_OPTIONS'; \
	    export ASAN_OPTIONS UBSAN_OPTIONS; $*"
}

t_cleanup() {
	for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
	# Kill whatever is left in our cgroups, then remove them.
	for h in /sys/fs/cgroup/*/"$T_CG" /sys/fs/cgroup/"$T_CG"; do
		[ -d "$h" ] || continue
		find "$h" -name cgroup.procs -exec cat {} + 2>/dev/null |
		    xargs -r kill -9 2>/dev/null
	done
	sleep 0.05
	for h in /sys/fs/cgroup/*/"$T_CG" /sys/fs/cgroup/"$T_CG"; do
		[ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	case $IAR_ROOT in /tmp/iar-test.*) rm -rf "$IAR_ROOT" "$T_SAN" ;; esac
	case $T_DEST in /tmp/iar-inst.*) rm -rf "$T_DEST" "$T_DEST.log" ;; esac
}
trap t_cleanup EXIT

ok() {	# ok CONDITION-EXIT-STATUS DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAIL=$((T_FAIL + 1))
	fi
}
is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   got: '$1'"; echo "#  want: '$2'"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() {
	if [ -n "$(ls "$T_SAN" 2>/dev/null)" ]; then
		ok 1 "no sanitizer reports"
		cat "$T_SAN"/* | sed 's/^/# /' | head -60
	fi
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# A default log of a job, plain or as its shepherd compressed it at the
# end (jobs/ID/stdout.gz).
jlog() {
	if [ -f "$1" ]; then cat "$1"
	elif [ -f "$1.gz" ]; then gzip -dc "$1.gz"
	else cat "$1"; fi
}
# Fields of one job from iar-stat (csv has no quoting for simple values).
jstate() { iar-stat -n --tsv -j "$1" | cut -f4; }
jfield() {	# jfield ID COLUMN-NAME
	iar-stat --tsv -j "$1" | awk -F'\t' -v c="$2" \
	    'NR==1{for(i=1;i<=NF;i++)if($i==c)k=i;next}{print $k}'
}
# Run passes until every job is final (bounded).
drain() { iar-dispatch -w -T "${1:-60}"; }
# waitfor SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
waitfor() {
	w_n=$(($1 * 10)); shift
	while [ $w_n -gt 0 ]; do "$@" && return 0; sleep 0.1; w_n=$((w_n - 1))
	done
	return 1
}
# final ID: the job is in a final state; all_final ID...: all of them are.
final() { case $(jstate "$1") in COMPLETED|FAILED|CANCELLED|TIMEOUT|\
	OUT_OF_MEMORY|NODE_FAIL) return 0 ;; esac; return 1; }
all_final() { for j in "$@"; do final "$j" || return 1; done; }
running() { [ "$(jstate "$1")" = RUNNING ]; }
nodes_up() {	# nodes_up NAME...: each up, with its executor running
	iar-node list --json | python3 -c '
import json, sys
want = set(sys.argv[1:])
n = [x for x in json.load(sys.stdin) if x["name"] in want]
sys.exit(0 if len(n) == len(want) and all(x["state"] == "up" and
    x["executor"] for x in n) else 1)' "$@"
}
cg_usable() {
	[ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup/cgroup.procs ]
}
# Simulated pools (t0320, t0330, t0340): pool_head_start runs the head
# (iar-dispatch -d, its pid in HEAD); pool_exec_start NODE runs NODE's
# executor (iar-dispatch -d --node NODE, its pid in E_NODE). Both log to
# $IAR_ROOT and are killed at exit.
pool_head_start() {
	iar-dispatch -d 2>>"$IAR_ROOT/head.log" &
	HEAD=$!
	T_PIDS="$T_PIDS $HEAD"
}
pool_exec_start() {
	iar-dispatch -d --node "$1" 2>>"$IAR_ROOT/exec-$1.log" &
	eval "E_$1=$!"
	T_PIDS="$T_PIDS $!"
}
# pool_start NODE...: each a simulated node of 2 cores, this host's own
# node drained ("head only"), the head and one executor per node running.
pool_start() {
	p_head=$(ls "$IAR_ROOT/nodes")	# iar-init's node, before the others
	for p_n in "$@"; do
		iar-node add "$p_n" --synthetic 'pack:1 core:2 pu:1' \
		    >/dev/null || return 1
	done
	iar-node drain "$p_head" --reason "head only" || return 1
	pool_head_start
	for p_n in "$@"; do pool_exec_start "$p_n"; done
}
