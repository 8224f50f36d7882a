#!/bin/sh
# t0120-cancel: iar-cancel of a queued job (it never runs), of a running
# job (it and everything it started die, its cgroup goes), and the
# errors: a finished job, a job that does not exist, a bad id.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
M="sleep 100.$$"	# marks this test's processes for pgrep
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b - a}'; }
waitfile() {	# waitfile PATH: up to 10 s for the file to appear
	k=0
	while [ ! -e "$1" ] && [ $k -lt 200 ]; do sleep 0.05; k=$((k + 1)); done
	[ -e "$1" ]
}

# Blockers: one per core (nproc; iar counts whole cores, so with SMT some
# of them just wait in the queue, ahead of the job under test). Each
# starts two background sleeps and says so.
N=$(nproc)
B=""
i=0
while [ $i -lt "$N" ]; do
	b=$(iar-submit --parsable -J blocker -- sh -c \
	    "$M & $M & echo up > $IAR_ROOT/up.\$IAR_JOB_ID; wait")
	B="$B $b"
	i=$((i + 1))
done
iar-dispatch -1
R=""
for b in $B; do
	[ "$(jstate "$b")" = RUNNING ] && R="$R $b"
done
[ -n "$R" ]
ok $? "blockers running:$R"
for b in $R; do
	waitfile "$IAR_ROOT/up.$b"
	ok $? "blocker $b has started its sleeps"
	st=$(jfield "$b" started)
	[ -n "$st" ]
	ok $? "iar-stat gives running job $b a start time ($st)"
done

# A queued job, cancelled before it runs.
q=$(iar-submit --parsable -J victim -- touch "$IAR_ROOT/ran.victim")
iar-dispatch -1
is "$(jstate "$q")" PENDING "the job waits behind the blockers"
[ -f "$S/queue/$q" ]
ok $? "it sits in spool/queue"
iar-cancel "$q"
is $? 0 "iar-cancel of a queued job exits 0"
[ -n "$(ls -A "$S/ctl")" ]
ok $? "the request waits in spool/ctl"
is "$(jstate "$q")" PENDING "nothing happens before a pass"
iar-dispatch -1
is "$(jstate "$q")" CANCELLED "after a pass: CANCELLED"
is "$(ls -A "$S/ctl")" "" "the request is consumed"
[ ! -e "$IAR_ROOT/ran.victim" ]
ok $? "the cancelled job never ran"
is "$(jfield "$q" started)" "" "no start time"
case $(jfield "$q" reason) in "cancelled by uid "*) r=0 ;; *) r=1 ;; esac
ok $r "reason says who cancelled it ($(jfield "$q" reason))"

# Running jobs, cancelled: all their processes die, quickly.
n=$(pgrep -f -c "$M")
[ "$n" -ge 2 ]
ok $? "the blockers' sleeps are there before the cancel ($n)"
t0=$(now)
iar-cancel $B
is $? 0 "iar-cancel of running jobs exits 0"
iar-dispatch -1
iar-wait -t 10 $R >/dev/null
[ $? -ne 111 ]
ok $? "running jobs end after the cancel"
t1=$(now)
el=$(secs "$t0" "$t1")
awk "BEGIN{exit !($el < 5)}"
ok $? "and quickly (${el}s)"
for b in $B; do
	is "$(jstate "$b")" CANCELLED "blocker $b CANCELLED"
done
for b in $R; do
	is "$(jfield "$b" reason)" cancelled "blocker $b: reason"
done
n=$(pgrep -f -c "$M")
is "$n" 0 "no process of the cancelled jobs is left"
if cg_usable; then
	left=""
	for b in $R; do
		for h in memory cpu cpuacct cpuset pids freezer; do
			[ -d "/sys/fs/cgroup/$h/$T_CG/$b" ] && left="$left $h/$b"
		done
		[ -d "/sys/fs/cgroup/$T_CG/$b" ] && left="$left $b"
	done
	is "$left" "" "the cancelled jobs' cgroups are gone"
else
	ok 0 "# SKIP cgroups not usable"
fi

drain 30
ok $? "drain"
is "$(ls -A "$S/done")" "" "every job recorded"

# Errors.
err=$(iar-cancel "$q" 2>&1); rc=$?
is "$rc" 101 "cancel of a cancelled job: 101"
case $err in "iar-cancel: "*CANCELLED*) r=0 ;; *) r=1 ;; esac
ok $r "message: $err"
g=$(iar-submit --parsable -- true)
drain 30
is "$(jstate "$g")" COMPLETED "a job that completes"
err=$(iar-cancel "$g" 2>&1); rc=$?
is "$rc" 101 "cancel of a COMPLETED job: 101"
case $err in "iar-cancel: "*) r=0 ;; *) r=1 ;; esac
ok $r "message: $err"
err=$(iar-cancel 99999 2>&1); rc=$?
is "$rc" 102 "cancel of a job that does not exist: 102"
case $err in "iar-cancel: "*99999*) r=0 ;; *) r=1 ;; esac
ok $r "message: $err"
err=$(iar-cancel abc 2>&1); rc=$?
is "$rc" 100 "cancel of a bad id: 100"
case $err in "iar-cancel: "*abc*) r=0 ;; *) r=1 ;; esac
ok $r "message: $err"
iar-cancel >/dev/null 2>&1
is $? 100 "cancel with no id: 100"
is "$(ls -A "$S/ctl")" "" "failed cancels leave no request behind"

done_testing
