#!/bin/sh
# t0265-idle: a daemon dispatcher with nothing to do sleeps. After a
# queue in which jobs had to wait has drained (a why line was due), it
# wakes only for its heartbeat and checkpoints: under a tenth of a core,
# measured from its own CPU time (not from wall-clock timing).
. "$(dirname "$0")/lib.sh"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
iar-dispatch -d 2>"$IAR_ROOT/d.err" &
D=$!
T_PIDS="$T_PIDS $D"
# More jobs than cores, so that some wait in the queue for a while.
n=$(($(nproc) * 2 + 1))
ids=""
i=0
while [ $i -lt "$n" ]; do
	ids="$ids $(iar-submit --parsable -- sleep 0.3)"
	i=$((i + 1))
done
busy() { [ -n "$(ls -A "$IAR_ROOT/spool/queue")$(ls -A "$IAR_ROOT/spool/done")$(ls "$IAR_ROOT"/spool/run/*/)" ]; }
w=0
while busy && [ $w -lt 300 ]; do
	sleep 0.1
	w=$((w + 1))
done
! busy
ok $? "$n jobs ran, some after waiting in the queue"
sleep 1.5	# past the time a why line would have been due
t0=$(cpu_ticks "$D")
sleep 3
t=$(($(cpu_ticks "$D") - t0))
hz=$(getconf CLK_TCK)
[ "$t" -lt $((hz * 3 / 10)) ]
ok $? "idle, it used $t of $((hz * 3)) ticks in 3 s (under a tenth of a core)"
kill -0 "$D"
ok $? "and is still running"
done_testing
