#!/bin/sh
# t0080-submit-wait: iar-submit -W of a job that does not complete says
# why on standard error, with the reason iar-stat shows: failed before it
# started (no node has a GPU), cancelled, out of walltime. A job that ran
# and failed by itself says nothing more than its exit status.
. "$(dirname "$0")/lib.sh"

# A bounded dispatcher in the background (see t0100-path).
iar-dispatch -T 60 &
T_PIDS="$T_PIDS $!"

iar-submit -W --gpus 1 -- echo hi >"$IAR_ROOT/out" 2>"$IAR_ROOT/err"
rc=$?
id=$(sed -n 's/^Submitted job //p' "$IAR_ROOT/out")
is "$rc" 1 "--gpus 1 on no GPU: exit 1"
is "$(jstate "$id")" FAILED "it is FAILED"
reason=$(jfield "$id" reason)
case $reason in "no node can ever run it: too few GPUs"*) r=0 ;; *) r=1 ;; esac
ok $r "its reason: $reason"
is "$(cat "$IAR_ROOT/err")" \
    "iar-submit: job $id ended FAILED before it started: $reason" \
    "-W says why on standard error"

iar-submit -W -t 0:01 -- sleep 60 >"$IAR_ROOT/out" 2>"$IAR_ROOT/err"
rc=$?
id=$(sed -n 's/^Submitted job //p' "$IAR_ROOT/out")
[ "$rc" -ne 0 ]
ok $? "walltime: exit non-zero ($rc)"
is "$(cat "$IAR_ROOT/err")" \
    "iar-submit: job $id ended TIMEOUT: $(jfield "$id" reason)" \
    "walltime: -W says TIMEOUT and the reason"

iar-submit -W -- sh -c 'exit 3' >/dev/null 2>"$IAR_ROOT/err"
is "$?" 3 "a job that fails by itself: its exit status"
is "$(cat "$IAR_ROOT/err")" "" "and nothing more on standard error"

iar-submit -W -- true >/dev/null 2>"$IAR_ROOT/err"
is "$?:$(cat "$IAR_ROOT/err")" "0:" "a completed job: exit 0, quiet"
done_testing
