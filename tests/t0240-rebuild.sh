# t0240-rebuild: the history can be rebuilt from the spool.
. "$(dirname "$0")/lib.sh"
S=$IAR_ROOT/spool
a=$(iar-submit --parsable -J one -- true)
b=$(iar-submit --parsable -J two -- sh -c 'exit 4')
c=$(iar-submit --parsable -J held -H -- true)
drain 30
is "$(iar-stat -n --tsv -s done | cut -f1,4 | tr '\t\n' ' ;')" \
    "$a COMPLETED;$b FAILED;" "two finished jobs in the history"
mv "$S/db" "$IAR_ROOT/db.old" && mkdir "$S/db"
is "$(iar-stat -n --tsv -s done | wc -l | tr -d ' ')" 0 \
    "history gone: no finished job listed"
out=$(iar-rebuild -n)
is "$out" "would store 2 jobs, 0 live or unreadable left to the spool" \
    "-n counts and stores nothing"
out=$(iar-rebuild)
ok $? "iar-rebuild exits 0"
is "$out" "stored 2 jobs, 0 live or unreadable left to the spool" \
    "it says what it stored"
is "$(iar-stat -n --tsv -s done | cut -f1,2,4,5 | tr '\t\n' ' ;')" \
    "$a one COMPLETED 0;$b two FAILED 4;" "the rebuilt history lists them"
db_dump -p "$S/db/events.db" > "$IAR_ROOT/ev" 2>/dev/null
n=$(grep -cE '^ [0-9]+ (PENDING|RUNNING|COMPLETED|FAILED)' "$IAR_ROOT/ev")
is "$n" 6 "three events per job"
iar-rebuild >/dev/null
db_dump -p "$S/db/events.db" > "$IAR_ROOT/ev" 2>/dev/null
n=$(grep -cE '^ [0-9]+ (PENDING|RUNNING|COMPLETED|FAILED)' "$IAR_ROOT/ev")
is "$n" 6 "a second rebuild adds nothing"
is "$(jstate "$c")" HELD "the held job is left to the spool"
iar-rebuild -x >/dev/null 2>&1
is $? 100 "bad option: exit 100"
done_testing
