#!/bin/sh
# t0070-log: iar-log for a job with no output says why instead of a bare
# "cannot open '.../stdout'": pending or held (with the job's reason),
# ended before it started (failed: no node can run it; cancelled), or an
# array job, which has no output of its own (its tasks are named). Each
# is exit 102.
. "$(dirname "$0")/lib.sh"

# nolog ID WANT DESCRIPTION: exit 102 and stderr is "iar-log: WANT".
nolog() {
	iar-log "$1" >"$IAR_ROOT/out" 2>"$IAR_ROOT/err"
	rc=$?
	is "$rc:$(cat "$IAR_ROOT/err")" "102:iar-log: $2" "$3"
	[ ! -s "$IAR_ROOT/out" ]
	ok $? "$3: nothing on standard output"
}

p=$(iar-submit --parsable -- echo hi)
nolog "$p" "no output yet: job $p is PENDING: not yet seen by a dispatcher" \
    "pending, with its reason"

h=$(iar-submit --parsable -H -- echo hi)
iar-dispatch -1
is "$(jstate "$h")" HELD "-H: HELD after a pass"
nolog "$h" "no output yet: job $h is HELD" "held"

f=$(iar-submit --parsable -c 1000 -- echo hi)
iar-dispatch -1
is "$(jstate "$f")" FAILED "1000 cores: FAILED"
reason=$(jfield "$f" reason)
case $reason in "no node can ever run it"*) r=0 ;; *) r=1 ;; esac
ok $r "its reason: $reason"
nolog "$f" "no output: job $f ended FAILED before it started: $reason" \
    "failed before it started: the reason"
iar-log -e "$f" 2>/dev/null
is $? 102 "-e: the same"

h2=$(iar-submit --parsable -H -- echo hi)
iar-cancel "$h2"
drain 10
is "$(jstate "$h2")" CANCELLED "held then cancelled: CANCELLED"
nolog "$h2" "no output: job $h2 ended CANCELLED before it started: $(jfield "$h2" reason)" \
    "cancelled before it started"

a=$(iar-submit --parsable --array 1-2 -- echo hi)
nolog "$a" "job $a is an array job (${a}_[1-2]) with no output of its own, and its tasks are not made yet" \
    "an array job not expanded yet"
iar-release "$h"
drain 30
is "$(jstate "$p")" COMPLETED "the pending job ran"
is "$(iar-log "$p")" hi "and has its output"
is "$(iar-log "$h")" hi "so has the released one"
task_id() {	# task_id ARRAY INDEX: the task's own job id
	iar-stat --json -r | python3 -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]:
    if (j.get("array_job"), j.get("array_task")) == tuple(map(int, sys.argv[1:])):
        print(j["id"])' "$1" "$2"
}
tid=$(task_id "$a" 1)
tid2=$(task_id "$a" 2)
is "$(jstate "$tid"):$(jstate "$tid2")" COMPLETED:COMPLETED \
    "the array's two tasks ran"
nolog "$a" "job $a is an array job (${a}_[1-2]) with no output of its own; its tasks, each with its own (iar-log $tid), are jobs $tid (${a}_1), $tid2 (${a}_2)" \
    "an array job: its tasks named"
is "$(iar-log "$tid")" hi "a task's output, by the id named"
done_testing
