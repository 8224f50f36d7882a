#!/bin/sh
# t0200-crash: crashes at the worst moments lose no job and run none twice.
# (a) kill -9 of a daemon dispatcher in the middle of 20 jobs; a new
#     dispatcher finishes them: each ran exactly once and COMPLETED.
# (b) kill -9 of a job's shepherd: the next pass kills what is left of the
#     job; with --retries 0 it ends NODE_FAIL, with --retries 1 it is
#     requeued once and completes, never two copies at once.
# (c) a job in run/ whose shepherd never started is requeued and runs.
# (d) kill -9 of dispatchers holding the history (BerkeleyDB) open while
#     they record: iar-stat still works, a new pass records everything.
# (e) a job's cgroup left half-made (or half-removed) by a shepherd
#     killed meanwhile, as t0260-chaos found: the job's next run makes it
#     again instead of failing with "File exists", and removes it.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
waitfor() {	# waitfor TENTHS COMMAND...: poll until COMMAND succeeds
	w_n=$1
	shift
	while [ "$w_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		w_n=$((w_n - 1))
	done
	"$@"
}
lines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }
atleast() { [ "$(lines "$1")" -ge "$2" ]; }
lockfree() { flock -n "$S/jobs/$1/lock" true; }
nomarker() { ! pgrep -xf "$1" >/dev/null; }
marker_up() { pgrep -xf "$1" >/dev/null; }
started() { [ -e "$S/jobs/$1/started" ]; }
# The shepherd's pid, from its lock file.
shepherd_pid() { tr -dc 0-9 < "$S/jobs/$1/lock"; }
# Kill a shepherd and wait until its lock is free (it may stay a zombie:
# our init does not reap orphans).
shepherd_kill() {
	sp=$(shepherd_pid "$1")
	[ -n "$sp" ] && [ "$sp" -gt 1 ] && kill -9 "$sp"
	waitfor 100 lockfree "$1"
}
spoolfiles() { for d; do ls -A "$S/$d"; done; }
states() {	# states IDS...: "ID STATE" lines
	for s_id; do echo "$s_id $(jstate "$s_id")"; done
}

# --- (a) kill -9 of a daemon in the middle of its work -----------------
LOG=$IAR_ROOT/ran.log
iar-dispatch -d 2>"$IAR_ROOT/a.err" &
dpid=$!
T_PIDS="$T_PIDS $dpid"
A=""
i=0
while [ $i -lt 20 ]; do
	A="$A $(iar-submit --parsable -J crash-a -- sh -c \
	    "echo \$IAR_JOB_ID >> $LOG; sleep 0.2")"
	i=$((i + 1))
done
waitfor 150 atleast "$LOG" 3
ok $? "(a) the daemon has started jobs ($(lines "$LOG") ran)"
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
n=$(lines "$LOG")
[ "$n" -lt 20 ]
ok $? "(a) killed mid-way: $n of 20 had started"
timeout 60 iar-dispatch -w -T 50
ok $? "(a) a new dispatcher finishes the work"
is "$(lines "$LOG")" 20 "(a) 20 runs in all"
is "$(sort -n "$LOG" | uniq -d | tr '\n' ' ')" "" "(a) no job ran twice"
miss=""
for id in $A; do grep -qx "$id" "$LOG" || miss="$miss $id"; done
is "$miss" "" "(a) no job lost"
bad=$(states $A | awk '$2 != "COMPLETED"' | tr '\n' ' ')
is "$bad" "" "(a) every job COMPLETED"
if [ -n "$bad" ]; then
	for id in $A; do
		r=$(jfield "$id" reason)
		[ "$r" != "" ] && [ "$r" != "-" ] && echo "#   job $id: $r"
	done
fi
is "$(spoolfiles done queue incoming)" "" "(a) done/ queue/ incoming/ empty"

# --- (b) kill -9 of a shepherd -----------------------------------------
# retries 0: NODE_FAIL, and the leftover process is killed.
M0="sleep 30.$$1"
b0=$(iar-submit --parsable -J crash-b0 --retries 0 -- $M0)
iar-dispatch -1
waitfor 100 started "$b0" && waitfor 50 marker_up "$M0"
ok $? "(b) job $b0 is running ($M0)"
is "$(jstate "$b0")" RUNNING "(b) RUNNING"
shepherd_kill "$b0"
ok $? "(b) its shepherd is dead, the lock free"
marker_up "$M0"
ok $? "(b) the job's process outlived its shepherd"
iar-dispatch -1
ok $? "(b) the next pass exits 0"
waitfor 30 nomarker "$M0"
ok $? "(b) the leftover '$M0' is killed"
is "$(jstate "$b0")" NODE_FAIL "(b) --retries 0: NODE_FAIL"
is "$(jfield "$b0" reason)" "shepherd lost while the job ran" "(b) reason"
is "$(jfield "$b0" requeues)" 0 "(b) not requeued"

# retries 1: requeued once, then runs to the end (short the second time).
# A second copy running at the same time would fail to take b.lock or
# see the first one's sleep.
M1="sleep 30.$$2"
B=$IAR_ROOT/b
cat > "$IAR_ROOT/b.sh" <<EOF
#!/bin/sh
exec 9>>$B.lock
flock -n 9 || echo concurrent >> $B.conc
pgrep -xf "$M1" | wc -l >> $B.count
if [ ! -e $B.flag ]; then
	: > $B.flag
	$M1
fi
echo done >> $B.out
EOF
b1=$(iar-submit --parsable -J crash-b1 --retries 1 "$IAR_ROOT/b.sh")
iar-dispatch -1
waitfor 100 started "$b1" && waitfor 50 marker_up "$M1"
ok $? "(b) job $b1 is running ($M1)"
shepherd_kill "$b1"
ok $? "(b) its shepherd is dead, the lock free"
timeout 40 iar-dispatch -w -T 30 2>"$IAR_ROOT/b.log"
ok $? "(b) passes until idle"
grep -q "REQUEUE job $b1: shepherd lost" "$IAR_ROOT/b.log"
ok $? "(b) the pass logs the requeue"
ok "$(pgrep -xf -c "$M1")" "(b) no '$M1' left"
is "$(jstate "$b1")" COMPLETED "(b) --retries 1: COMPLETED"
is "$(jfield "$b1" requeues)" 1 "(b) requeues column = 1"
is "$(cat "$B.count" 2>/dev/null | tr -d ' ' | tr '\n' ' ')" "0 0 " \
    "(b) ran twice, each time alone (count of $M1 at start)"
[ ! -e "$B.conc" ]
ok $? "(b) never two copies at once (lock)"
is "$(lines "$B.out")" 1 "(b) ran to its end once"

# --- (c) a job in run/ whose shepherd never started -------------------
NODE=$(ls "$S/run")
is "$(echo "$NODE" | wc -w | tr -d ' ')" 1 "(c) one node dir in run/ ($NODE)"
c=$(iar-submit --parsable -J crash-c -- sh -c "echo ran >> $IAR_ROOT/c.ran")
# As if accepted, then moved to run/ by a pass that died before it took
# the lock and wrote the alloc.
mv "$S/incoming/$c" "$S/queue/$c" && mv "$S/queue/$c" "$S/run/$NODE/$c"
ok $? "(c) job $c moved by hand into run/$NODE/"
[ ! -e "$S/jobs/$c/lock" ] && [ ! -e "$S/jobs/$c/alloc" ]
ok $? "(c) no lock, no alloc"
is "$(jstate "$c")" PENDING "(c) it looks PENDING (assigned, not launched)"
timeout 40 iar-dispatch -w -T 30 2>"$IAR_ROOT/c.log"
ok $? "(c) passes until idle"
grep -q "REQUEUE job $c: assigned without an allocation" "$IAR_ROOT/c.log"
ok $? "(c) the pass logs the requeue"
is "$(jstate "$c")" COMPLETED "(c) requeued and COMPLETED"
is "$(lines "$IAR_ROOT/c.ran")" 1 "(c) ran once"
is "$(jfield "$c" requeues)" 0 "(c) never started: not counted as a requeue"

# --- (d) kill -9 while the history is open and being written -----------
i=0
while [ $i -lt 150 ]; do
	iar-submit --parsable -J crash-d -- true >/dev/null
	i=$((i + 1))
done
# Rounds 1-3 let a daemon start 10 jobs, then kill it mid-stride; rounds
# 4-6 kill it at once, as it opens (and maybe recovers) the history.
dead=""
for round in 1 2 3 4 5 6; do
	iar-dispatch -d 2>>"$IAR_ROOT/d.err" &
	dpid=$!
	T_PIDS="$T_PIDS $dpid"
	n0=$(ls "$S/jobs" | wc -l)
	k=0
	[ $round -gt 3 ] && k=100 && sleep "0.0$round"
	while [ $k -lt 100 ] && [ $(($(ls "$S/jobs" | wc -l) - n0)) -lt 10 ]
	do
		sleep 0.02
		k=$((k + 1))
	done
	kill -9 "$dpid" 2>/dev/null || dead="$dead $round"
	wait "$dpid" 2>/dev/null
done
is "$dead" "" "(d) each daemon was alive when killed"
left=$(ls "$S/queue" | wc -l)
[ "$left" -gt 0 ]
ok $? "(d) killed with work left ($left queued)"
timeout 30 iar-stat >/dev/null 2>"$IAR_ROOT/stat.err"
is "$?" 0 "(d) iar-stat works after the kills"
is "$(cat "$IAR_ROOT/stat.err")" "" "(d) and says nothing on stderr"
timeout 30 iar-dispatch -w -T 25
is "$?" 0 "(d) a new dispatcher runs until idle (no hang)"
is "$(spoolfiles done queue incoming)" "" "(d) done/ queue/ incoming/ empty"
n=$(timeout 30 iar-stat -n --tsv -s done | awk -F'\t' '$2 == "crash-d"' |
    wc -l)
is "$n" 150 "(d) all 150 jobs are in the history"
n=$(timeout 30 iar-stat -n --tsv -s completed | awk -F'\t' \
    '$2 == "crash-d"' | wc -l)
is "$n" 150 "(d) all 150 COMPLETED"
timeout 30 iar-stat -n --tsv -s done | awk -F'\t' \
    '$2 == "crash-d" && $4 != "COMPLETED" {print "#   job " $1 ": " $4}' |
    head -5

# --- (e) a stale cgroup of the job's own ---------------------------------
if cg_usable; then
	e=$(iar-submit --parsable -J crash-e -- sh -c "echo ran >> $IAR_ROOT/e.ran")
	for h in /sys/fs/cgroup/memory/"$T_CG" /sys/fs/cgroup/"$T_CG"; do
		[ -d "$h" ] && break
	done
	mkdir "$h/$e"
	ok $? "(e) an empty cgroup $h/$e left behind, as by a killed shepherd"
	timeout 30 iar-dispatch -w -T 25
	is "$(jstate "$e")" COMPLETED "(e) job $e still runs (not 'File exists')"
	is "$(lines "$IAR_ROOT/e.ran")" 1 "(e) once"
	[ ! -d "$h/$e" ]
	ok $? "(e) and its cgroup is gone afterwards"
fi

done_testing
