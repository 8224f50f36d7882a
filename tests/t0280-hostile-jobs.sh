#!/bin/sh
# t0280-hostile-jobs: jobs that try to take the machine or to outlive
# their end, run as the ordinary user iartest1 on a multi-user root
# (iar-init --group, dispatcher as root, a daemon), while iartest2's
# jobs keep coming:
# (a) a fork bomb stays under pids_max (32 here) in its cgroup, and
#     iartest2's jobs start and complete beside it;
# (b) iar-stat answers iartest2 in under a second meanwhile (the
#     guarantee's figure; the bound is generous on purpose);
# (c) a memory hog is killed at its --mem and iartest2's jobs go on;
# (d) cancelling the bomb ends it whole: no process of it is left and its
#     cgroup is gone;
# (e) a job that ignores TERM, closes its stdout and stderr, and leaves a
#     double-forked, setsid'd child that ignores TERM and HUP dies whole
#     at cancel, and (f) at walltime.
# Needs root, useradd, cgroups with limits, two cores and cc.
. "$(dirname "$0")/lib.sh"

cg_usable || skip_all "cgroups not writable here"
command -v cc >/dev/null || skip_all "no cc to build the bomb and the hog"
command -v setsid >/dev/null || skip_all "no setsid(1)"
# The bomb takes a core; the other user's jobs need another.
[ "$(nproc)" -ge 2 ] || skip_all "one core: nothing could run beside the bomb"
t_users

S=$IAR_ROOT/spool
cat >> "$IAR_ROOT/etc/iar.conf" <<CONF
pids_max = 32
CONF
t_group_root
H1=$IAR_ROOT/home/iartest1

iar-dispatch -d 2>"$IAR_ROOT/d.err" &
D=$!
T_PIDS="$T_PIDS $D"
waitfor 10 sh -c "cat $IAR_ROOT/nodes/*/limits >/dev/null 2>&1"
lim=$(cat "$IAR_ROOT"/nodes/*/limits 2>/dev/null)
case $lim in
"" | none*) skip_all "limits not enforced: ${lim:-no nodes/*/limits}" ;;
esac

# The bomb forks for ever, each child too; a failed fork is tried again.
cat > "$H1/bomb.c" <<'EOF'
#include <unistd.h>
int main(void)
{
	for (;;)
		if (fork() < 0)
			usleep(1000);
}
EOF
# The hog touches 1 GiB, a page at a time.
cat > "$H1/hog.c" <<'EOF'
#include <stdlib.h>
int main(void)
{
	size_t n = (size_t)1 << 30, i;
	char *p = malloc(n);

	if (!p)
		return 2;
	for (i = 0; i < n; i += 4096)
		p[i] = 1;
	return 0;
}
EOF
cc -o "$H1/bomb" "$H1/bomb.c" && cc -o "$H1/hog" "$H1/hog.c" ||
    skip_all "cc cannot build the bomb"
chmod 755 "$H1/bomb" "$H1/hog"

# Where a job's cgroup is (v1: the pids hierarchy; v2: the one tree).
cgdir() {
	if [ -d /sys/fs/cgroup/pids ]; then echo "/sys/fs/cgroup/pids/$T_CG/$1"
	else echo "/sys/fs/cgroup/$T_CG/$1"; fi
}
cg_gone() {
	for h in /sys/fs/cgroup/*/"$T_CG/$1" "/sys/fs/cgroup/$T_CG/$1"; do
		[ -d "$h" ] && return 1
	done
	return 0
}
# flow N NAME: iartest2 submits N short jobs; they all complete (60 s).
flow() {
	f_ids=""
	f_i=0
	while [ $f_i -lt "$1" ]; do
		f_ids="$f_ids $(as iartest2 "$B/iar-submit --parsable -J $2 -- true")"
		f_i=$((f_i + 1))
	done
	waitfor 60 all_final $f_ids
	f_bad=0
	for j in $f_ids; do
		[ "$(jstate "$j")" = COMPLETED ] || f_bad=$((f_bad + 1))
	done
	return $f_bad
}

# --- (a) a fork bomb -----------------------------------------------------
b=$(as iartest1 "$B/iar-submit --parsable -t 2:00 -J bomb -- $H1/bomb")
ok $? "iartest1 submits a fork bomb (job $b)"
waitfor 20 running "$b"
ok $? "the bomb runs"
pc() { cat "$(cgdir "$b")/pids.current" 2>/dev/null || echo 0; }
waitfor 20 sh -c "[ \$(cat $(cgdir "$b")/pids.current 2>/dev/null ||
    echo 0) -ge 30 ]"
ok $? "it fills its cgroup ($(pc) tasks)"
is "$(cat "$(cgdir "$b")/pids.max")" 32 "its cgroup's pids.max: pids_max"
most=0
i=0
while [ $i -lt 20 ]; do
	n=$(pc)
	[ "$n" -gt "$most" ] && most=$n
	sleep 0.05
	i=$((i + 1))
done
[ "$most" -le 32 ]
ok $? "the bomb never has more than 32 tasks (most seen: $most)"
n=$(pgrep -c -f "^$H1/bomb")
[ "$n" -le 32 ]
ok $? "and no more than 32 processes on the host ($n)"
flow 10 beside
ok $? "iartest2's 10 jobs ran and COMPLETED beside the bomb"

# --- (b) iar-stat answers --------------------------------------------------
slow=0
i=0
while [ $i -lt 5 ]; do
	ms=$(as iartest2 "s=\$(date +%s%N); $B/iar-stat -a >/dev/null; \
	    e=\$(date +%s%N); echo \$(((e - s) / 1000000))")
	[ "${ms:-99999}" -gt "$slow" ] && slow=${ms:-99999}
	i=$((i + 1))
done
echo "# iar-stat -a during the bomb: at most $slow ms of 5 runs"
[ "$slow" -lt 1000 ]
ok $? "iar-stat -a answers iartest2 in under a second during the bomb (${slow} ms)"

# --- (c) a memory hog --------------------------------------------------------
h=$(as iartest1 "$B/iar-submit --parsable --mem 32M -J hog -- $H1/hog")
ok $? "iartest1 submits a 1 GiB hog with --mem 32M (job $h)"
flow 5 afterhog
ok $? "iartest2's 5 jobs COMPLETED beside bomb and hog"
waitfor 30 final "$h"
is "$(jstate "$h")" OUT_OF_MEMORY "the hog: OUT_OF_MEMORY"
running "$b"
ok $? "the bomb still runs (contained, not killed)"

# --- (d) the bomb cancelled --------------------------------------------------
as iartest1 "$B/iar-cancel $b"
ok $? "iartest1 cancels the bomb"
waitfor 30 final "$b"
is "$(jstate "$b")" CANCELLED "the bomb: CANCELLED"
waitfor 10 sh -c "! pgrep -f '^$H1/bomb' >/dev/null"
ok $? "no process of the bomb is left ($(pgrep -c -f "^$H1/bomb"))"
waitfor 10 cg_gone "$b"
ok $? "its cgroup is gone"

# --- (e), (f) jobs that try to outlive their end ----------------------------
cat > "$H1/escapee" <<'EOF'
#!/bin/sh
trap '' TERM HUP INT
exec >/dev/null 2>&1 </dev/null
while :; do sleep 1; done
EOF
cat > "$H1/escape" <<EOF
#!/bin/sh
trap '' TERM HUP INT
exec >&- 2>&-
( setsid $H1/escapee & )
touch $H1/started.\$IAR_JOB_ID
while :; do sleep 0.2; done
EOF
chmod 755 "$H1/escapee" "$H1/escape"
alive() { pgrep -f "^/bin/sh $H1/escape" >/dev/null; }
c=$(as iartest1 "$B/iar-submit --parsable -J escape -- $H1/escape")
waitfor 20 test -e "$H1/started.$c"
ok $? "an escaping job runs (job $c)"
waitfor 10 sh -c "pgrep -f '^/bin/sh $H1/escapee' >/dev/null"
ok $? "its setsid'd grandchild runs"
as iartest1 "$B/iar-cancel $c"
waitfor 30 final "$c"
is "$(jstate "$c")" CANCELLED "cancelled: CANCELLED"
waitfor 10 sh -c "! pgrep -f '^/bin/sh $H1/escape' >/dev/null"
ok $? "at cancel, no process of it is left, setsid'd or not"
waitfor 10 cg_gone "$c"
ok $? "its cgroup is gone"

w=$(as iartest1 "$B/iar-submit --parsable -t 0:03 -J escape -- $H1/escape")
waitfor 20 test -e "$H1/started.$w"
ok $? "the same job with -t 0:03 runs (job $w)"
waitfor 30 final "$w"
is "$(jstate "$w")" TIMEOUT "at its walltime: TIMEOUT"
waitfor 10 sh -c "! pgrep -f '^/bin/sh $H1/escape' >/dev/null"
ok $? "at walltime, no process of it is left, setsid'd or not"
waitfor 10 cg_gone "$w"
ok $? "its cgroup is gone"

kill -0 "$D"
ok $? "the dispatcher still runs"
done_testing
