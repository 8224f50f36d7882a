#!/bin/sh
# t0520-deps: iar-submit --after JOB[:ok|notok|any].
# (a) a chain a -> b (ok) -> c (any) runs in order; b waits with a reason;
#     a notok dependency on a failing job runs it.
# (b) a chain whose head fails: the jobs after it end CANCELLED with the
#     cause, down the chain; a notok at its end runs.
# (c) unknown dependencies and bad syntax are refused at submit.
# (d) a dependency known only to the history (its spool record pruned).
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
L=$IAR_ROOT/order.log
cause() { jfield "$1" reason; }

# --- (a) --------------------------------------------------------------
a=$(iar-submit --parsable -J a -- sh -c "sleep 1; echo a >> $L")
b=$(iar-submit --parsable -J b --after "$a" -- sh -c "echo b >> $L")
c=$(iar-submit --parsable -J c --after "$b:any" -- sh -c "echo c >> $L")
f=$(iar-submit --parsable -J f -- sh -c "exit 3")
cat > "$IAR_ROOT/n.sh" <<SCRIPT
#!/bin/sh
#IAR --after $f:notok
echo n >> $L
SCRIPT
n=$(iar-submit --parsable "$IAR_ROOT/n.sh")
grep -q "^after=$f:notok\$" "$S/incoming/$n"
ok $? "(a) #IAR --after becomes after= in the job file"
head -2 "$S/incoming/$c" | grep -q "^after=$b:any\$"
ok $? "(a) after= leads the job file (the scheduler reads only the head)"
iar-dispatch -1 2>/dev/null
is "$(jstate "$b")" PENDING "(a) b waits while a runs"
is "$(cause "$b")" "waiting for job $a to end ok" "(a) b's reason names a"
is "$(cause "$c")" "waiting for job $b to end any" "(a) c's reason names b"
iar-stat --json -j "$b" | grep -q "\"reason\":\"waiting for job $a to end ok\""
ok $? "(a) the reason in JSON"
drain 60
is "$(grep -v n "$L" | tr '\n' ' ')" "a b c " "(a) a, b, c ran in order"
is "$(grep -c n "$L")" 1 "(a) notok on a failed job: it ran"
is "$(jstate "$b") $(jstate "$c") $(jstate "$n")" \
    "COMPLETED COMPLETED COMPLETED" "(a) b, c and n COMPLETED"

# --- (b) cascade --------------------------------------------------------
h=$(iar-submit --parsable -J head -- false)
x=$(iar-submit --parsable --after "$h" -- sh -c "echo x >> $L")
y=$(iar-submit --parsable --after "$x:ok" -- sh -c "echo y >> $L")
z=$(iar-submit --parsable --after "$y:notok,$h:any" -- sh -c "echo z >> $L")
drain 60
is "$(jstate "$h")" FAILED "(b) the head failed"
is "$(jstate "$x") $(jstate "$y")" "CANCELLED CANCELLED" \
    "(b) the chain after it ended CANCELLED"
is "$(cause "$x")" "dependency never satisfied: job $h ended FAILED, needed ok" \
    "(b) x's cause names the head"
is "$(cause "$y")" \
    "dependency never satisfied: job $x ended CANCELLED, needed ok" \
    "(b) y's cause names x (cascade)"
is "$(grep -c '^[xy]$' "$L")" 0 "(b) neither x nor y ran"
is "$(jstate "$z")" COMPLETED "(b) notok after the cancelled one ran"

# --- (c) refused at submit ----------------------------------------------
out=$(iar-submit --after 987654 -- true 2>&1)
is "$?" 102 "(c) unknown dependency: exit 102"
is "$out" "iar-submit: cannot depend on job 987654: no such job" \
    "(c) ... with a clear message"
iar-submit --after "$a:maybe" -- true 2>/dev/null
is "$?" 100 "(c) bad condition: usage error"
iar-submit --after "$a," -- true 2>/dev/null
is "$?" 100 "(c) empty list item: usage error"
is "$(ls "$S/incoming" | wc -l)" 0 "(c) nothing was submitted"

# --- (d) only in the history --------------------------------------------
rm -rf "$S/jobs/$a" "$S/jobs/$f"
d1=$(iar-submit --parsable --after "$a:ok" -- sh -c "echo d1 >> $L")
ok $? "(d) a dependency only in the history is accepted"
d2=$(iar-submit --parsable --after "$f:ok" -- true)
drain 60
is "$(jstate "$d1")" COMPLETED "(d) ok after a COMPLETED job (history) ran"
is "$(jstate "$d2")" CANCELLED "(d) ok after a FAILED job (history): CANCELLED"
is "$(cause "$d2")" "dependency never satisfied: job $f ended FAILED, needed ok" \
    "(d) ... with the cause"
done_testing
