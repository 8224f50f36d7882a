#!/bin/sh
# t0260-chaos: many short jobs while a loop kill -9's the dispatcher (and,
# on a pool, the head and the node executors) and random shepherds every
# few hundred milliseconds, restarting the daemons. Judged afterwards
# from the jobs' own side effects, not from what iar says about them:
# none lost (every accepted job completed at least once), none ran twice
# at once (a per-job flock, and no overlapping start..end intervals), a
# rerun only where the history counts a requeue; the history shows each
# job once, final; no job cgroup, held lock, temp file or iar zombie is
# left behind.
# CHAOS_SECONDS (default 40) is how long the killing goes on, CHAOS_JOBS
# (default 1000) how many jobs are submitted meanwhile, CHAOS_NODES 1 (this
# host) or 3 (a head and three simulated nodes, as t0310 does).
# `make chaos` runs it for longer.
. "$(dirname "$0")/lib.sh"

SECS=${CHAOS_SECONDS:-40}
JOBS=${CHAOS_JOBS:-1000}
NODES=${CHAOS_NODES:-1}
S=$IAR_ROOT/spool
D=$IAR_ROOT/side
mkdir -p "$D"
SIDE=$D/log
HERE=$(ls "$IAR_ROOT/nodes")

# The job: a lock of its own token held while it runs (a second copy
# running at the same time cannot take it), a start and an end line with
# its token, its iar id, its shell's pid and the time.
cat > "$IAR_ROOT/job.sh" <<'EOF'
#!/bin/sh
exec 9>>"$CHAOS_D/lock.$1"
flock -n 9 || echo "C $1 $IAR_JOB_ID $$" >> "$CHAOS_D/log"
echo "S $1 $IAR_JOB_ID $$ $(date +%s.%N)" >> "$CHAOS_D/log"
sleep "$2"
echo "E $1 $IAR_JOB_ID $$ $(date +%s.%N)" >> "$CHAOS_D/log"
EOF
CHAOS_D=$D
export CHAOS_D

if [ "$NODES" -gt 1 ]; then
	cat >> "$IAR_ROOT/etc/iar.conf" <<EOF
heartbeat_interval = 1
heartbeat_timeout = 4
head_node = $HERE
EOF
	for n in n1 n2 n3; do
		iar-node add $n --synthetic 'pack:1 core:2 pu:1' >/dev/null ||
		    echo "Bail out! iar-node add $n"
	done
	iar-node drain "$HERE" --reason "head only" >/dev/null
	EXECS="n1 n2 n3"
else
	EXECS=""
fi

# Daemons: the head (or the only dispatcher) and one executor per node;
# each pid in a file so the killer and the cleanup can find it.
daemon_start() {	# daemon_start NAME [--node NAME]
	d_name=$1
	shift
	iar-dispatch -d "$@" 2>>"$IAR_ROOT/$d_name.err" &
	echo $! > "$IAR_ROOT/$d_name.pid"
	T_PIDS="$T_PIDS $!"
}
daemon_kill() {	# daemon_kill NAME
	kill -9 "$(cat "$IAR_ROOT/$1.pid")" 2>/dev/null
	wait "$(cat "$IAR_ROOT/$1.pid")" 2>/dev/null
}
daemon_start head
for n in $EXECS; do daemon_start "exec-$n" --node "$n"; done

# Submit in the background: "TOKEN ID" lines; every fifth job sleeps
# 0.2 s, the rest 0.02 s.
(
	i=1 fail=0
	while [ $i -le "$JOBS" ]; do
		t=0.02
		[ $((i % 5)) -eq 0 ] && t=0.2
		id=$(iar-submit --parsable -J chaos --retries 50 \
		    -- sh "$IAR_ROOT/job.sh" "$i" "$t") && echo "$i $id" ||
		    fail=1
		i=$((i + 1))
		[ $((i % 20)) -ne 0 ] || sleep 0.1
	done
	exit $fail
) > "$D/ids" 2>"$D/submit.err" &
SUBMITTER=$!
T_PIDS="$T_PIDS $SUBMITTER"

# The killer: every 0.2-0.5 s one of: the head (or the dispatcher), an
# executor, or the shepherd of a random running job; the daemons are
# restarted after a short while.
KD=0 KE=0 KS=0
end=$(($(date +%s) + SECS))
while [ "$(date +%s)" -lt "$end" ]; do
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	sleep "0.$((2 + r % 4))"
	case $((r % 10)) in
	0|1|2)
		daemon_kill head
		KD=$((KD + 1))
		sleep "0.0$((r % 10))"
		daemon_start head
		;;
	3|4)
		[ -n "$EXECS" ] || continue
		set -- $EXECS
		shift $((r % 3))
		daemon_kill "exec-$1"
		KE=$((KE + 1))
		sleep "0.0$((r % 10))"
		daemon_start "exec-$1" --node "$1"
		;;
	*)
		j=$(ls "$S"/run/*/ 2>/dev/null | grep -E '^[0-9]+$' |
		    shuf -n 1 2>/dev/null)
		[ -n "$j" ] || continue
		sp=$(tr -dc 0-9 < "$S/jobs/$j/lock" 2>/dev/null)
		[ -n "$sp" ] && [ "$sp" -gt 1 ] && kill -9 "$sp" 2>/dev/null &&
		    KS=$((KS + 1))
		;;
	esac
done
wait "$SUBMITTER"
ok $? "submitted while killing"
sed "s/^/# /" "$D/submit.err" | head -5
ACC=$(wc -l < "$D/ids" | tr -d ' ')
echo "# chaos: $SECS s, $ACC jobs accepted, kills: $KD dispatcher/head," \
    "$KE executor, $KS shepherd"
[ "$KD" -gt 0 ] && [ "$KS" -gt 0 ] && [ "$ACC" -eq "$JOBS" ]
ok $? "all $JOBS accepted; the dispatcher and shepherds were killed ($KD, $KS times)"

# Let the survivors finish: the daemons keep running, undisturbed.
final_all() {
	[ -z "$(ls "$S/incoming" "$S/queue" "$S/done" 2>/dev/null |
	    grep -E '^[0-9]+$')" ] &&
	[ -z "$(ls "$S"/run/*/ 2>/dev/null | grep -E '^[0-9]+$')" ]
}
n=0
while [ $n -lt 1200 ] && ! final_all; do sleep 0.1; n=$((n + 1)); done
final_all
ok $? "the queue drains once the killing stops ($((n / 10)) s)"
daemon_kill head
for x in $EXECS; do daemon_kill "exec-$x"; done
timeout 60 iar-dispatch -w -T 50 2>>"$IAR_ROOT/head.err"
ok $? "a last pass until idle exits 0"

# --- judged from the side effects -------------------------------------
timeout 60 iar-stat -a -n --tsv > "$D/hist"
ok $? "iar-stat -a answers"
# Per token: runs started, runs ended, concurrent starts; its id's state
# and requeues from the history, and how often the id is listed.
awk -F'\t' 'FNR == NR { h[$1]++; st[$1] = $4; rq[$1] = $19
	    why[$1] = $21; next }
	FILENAME ~ /ids$/ { id[$1] = $2; next }
	$1 == "S" { s[$2]++ } $1 == "E" { e[$2]++ } $1 == "C" { c[$2]++ }
	END {
		for (t in id) {
			i = id[t]
			if (e[t] < 1) lost = lost " " t "(" i ")"
			if (c[t] > 0) twice = twice " " t
			if (h[i] != 1) hist = hist " " i "x" h[i] + 0
			if (st[i] != "COMPLETED") notc = notc " " i ":" st[i] "(" why[i] ")"
			if (s[t] > rq[i] + 1) rerun = rerun " " i
			if (s[t] > 1) reruns++
			runs += s[t]
		}
		printf "lost=%s\ntwice=%s\nhist=%s\nnotc=%s\nrerun=%s\n", \
		    lost, twice, hist, notc, rerun
		printf "runs=%d\nreruns=%d\n", runs, reruns
	}' "$D/hist" FS=' ' "$D/ids" "$SIDE" > "$D/verdict"
v() { sed -n "s/^$1=//p" "$D/verdict"; }
echo "# $(v runs) runs of $ACC jobs, $(v reruns) jobs ran more than once"
is "$(v lost)" "" "none lost: every accepted job ran to its end"
is "$(v twice)" "" "none ran twice at once (the per-job lock)"
is "$(v hist)" "" "iar-stat -a lists each job once"
is "$(v notc)" "" "each job COMPLETED"
for i in $(v notc | sed 's/:[^ ]*//g'); do
	grep -h "job $i[: ]" "$IAR_ROOT"/*.err | head -8 | sed 's/^/#   /'
	grep " $i " "$SIDE" | sed 's/^/#   side: /'
done
is "$(v rerun)" "" "a rerun only where the history counts a requeue"
# Overlapping intervals among a token's runs that both ended.
ov=$(awk '$1 == "S" { s[$2 " " $4] = $5 } $1 == "E" { e[$2 " " $4] = $5 }
	END { for (k in e) { split(k, a, " "); n[a[1]]++
		    b[a[1], n[a[1]]] = s[k] " " e[k] }
		for (t in n) for (i = 1; i <= n[t]; i++)
		    for (j = i + 1; j <= n[t]; j++) {
			split(b[t, i], x, " "); split(b[t, j], y, " ")
			if (x[1] < y[2] && y[1] < x[2]) print t } }' "$SIDE" |
    sort -u | tr '\n' ' ')
is "$ov" "" "no two runs of one job overlap in time"

# --- nothing left behind ------------------------------------------------
is "$(ls -A "$S/tmp" "$S/incoming" "$S/queue" "$S/done" 2>/dev/null |
    grep -v ':$' | grep -v '^$' | tr '\n' ' ')" "" \
    "tmp/ incoming/ queue/ done/ empty"
held=""
for l in "$S"/jobs/*/lock "$S/.lock"; do
	[ -e "$l" ] || continue
	flock -n "$l" true || held="$held $l"
done
is "$held" "" "no lock held"
left=""
for h in /sys/fs/cgroup/*/"$T_CG" /sys/fs/cgroup/"$T_CG"; do
	[ -d "$h" ] || continue
	left="$left$(find "$h" -mindepth 1 -type d -name '[0-9]*' | head -3)"
done
is "$left" "" "no job cgroup left"
pids=$(find /sys/fs/cgroup/*/"$T_CG" -name cgroup.procs -exec cat {} + \
    2>/dev/null | sort -u | tr '\n' ' ')
is "$pids" "" "no process left in the job cgroups"
run=$(pgrep -f "iar-run .*" -a 2>/dev/null | while read -r p rest; do
	[ "$(tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null |
	    grep -cx "IAR_ROOT=$IAR_ROOT")" -gt 0 ] && echo "$p"; done)
is "$run" "" "no shepherd left running"
# Zombies whose parent is an iar program of this root (orphans go to PID
# 1, which in this test container may not reap them: that is not ours to
# judge; other tests' programs, run beside this one by make check, may
# hold a child for a moment before they reap it).
z=$(ps -eo stat=,ppid= | awk '$1 ~ /^Z/ { print $2 }' | sort -u |
    while read -r pp; do
	[ "$pp" -gt 1 ] || continue
	tr '\0' '\n' < "/proc/$pp/environ" 2>/dev/null |
	    grep -qx "IAR_ROOT=$IAR_ROOT" || continue
	case $(cat "/proc/$pp/comm" 2>/dev/null) in iar-*)
		echo "$pp: $(tr '\0' ' ' < "/proc/$pp/cmdline")"
		ps -o pid=,stat=,comm=,args= --ppid "$pp" | sed 's/^/#   /' ;;
	esac
    done)
is "$z" "" "no zombie under an iar process"
{
	echo "jobs=$ACC"
	echo "runs=$(v runs)"
	echo "kills=$((KD + KE + KS))"
	echo "kills_dispatcher=$KD"
	echo "kills_executor=$KE"
	echo "kills_shepherd=$KS"
	echo "seconds=$SECS"
	echo "nodes=$NODES"
} > "${CHAOS_REPORT:-/dev/null}"

done_testing
