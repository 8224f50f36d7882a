#!/bin/sh
# t0140-walltime: a job past its walltime gets TERM, then KILL after
# kill_grace (1 s in the test conf), and ends TIMEOUT.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
res() { sed -n "s/^$2=//p" "$S/jobs/$1/result"; }
# Run time of a finished job in seconds, from its result (microseconds).
runsecs() {
	awk -v s="$(res "$1" started)" -v e="$(res "$1" ended)" \
	    'BEGIN{printf "%.2f", (e - s) / 1e6}'
}
within() {	# within X LO HI
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN{exit !(x >= lo && x <= hi)}'
}

t0=$(date +%s)
# A job that dies at TERM.
a=$(iar-submit --parsable -t 0:02 -J obedient -- sleep 30)
# A job that catches TERM and carries on: only KILL ends it. Its sleeps
# are children, which TERM kills; the loop starts new ones.
b=$(iar-submit --parsable -t 0:02 -J stubborn -- sh -c \
    'trap "echo got TERM" TERM; echo started; while :; do sleep 0.2; done')
is "$(jfield "$a" time)" 2 "-t 0:02 is two seconds"
drain 30
ok $? "drain"
t1=$(date +%s)
el=$((t1 - t0))
[ "$el" -lt 10 ]
ok $? "both over in under 10 s (${el}s)"

is "$(jstate "$a")" TIMEOUT "sleep 30 with -t 0:02: TIMEOUT"
sig=$(jfield "$a" signal)
case $sig in 15|9) r=0 ;; *) r=1 ;; esac
ok $r "killed by signal 15 or 9 ($sig)"
is "$sig" 15 "TERM was enough for sleep"
is "$(jfield "$a" reason)" "walltime of 2 s reached" "reason"
rt=$(runsecs "$a")
within "$rt" 1.9 3.5
ok $? "ran about 2 s (${rt}s)"
iar-wait "$a"
is $? 143 "iar-wait: 128+15"

is "$(jstate "$b")" TIMEOUT "a job that ignores TERM: TIMEOUT"
is "$(jfield "$b" signal)" 9 "killed by KILL"
is "$(jlog "$S/jobs/$b/stdout")" "$(printf 'started\ngot TERM')" \
    "it got TERM first, and one TERM only"
rt=$(runsecs "$b")
within "$rt" 2.9 4.5
ok $? "KILL came about kill_grace after TERM (${rt}s)"
if cg_usable; then
	[ ! -d "/sys/fs/cgroup/memory/$T_CG/$b" ] &&
	    [ ! -d "/sys/fs/cgroup/freezer/$T_CG/$b" ]
	ok $? "the stubborn job's cgroup is gone"
fi

done_testing
