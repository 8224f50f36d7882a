. "$(dirname "$0")/lib.sh"
S=$IAR_ROOT/spool
a=$(iar-submit --parsable -a 1-50%3 -- sh -c 'echo $IAR_ARRAY_JOB_ID $IAR_ARRAY_TASK_ID >> '$IAR_ROOT'/out')
echo array=$a
timeout 60 iar-dispatch -w -T 50 -v 2>&1 | grep -v "START\|END\|PASS\|ASSIGN" | tail -5
sort -k2 -n $IAR_ROOT/out | head -3; wc -l < $IAR_ROOT/out; sort -u $IAR_ROOT/out | wc -l
iar-stat -j $a
