#!/bin/sh
# t0110-exit: jobs that fail (an exit status, a signal) and what the
# history keeps of them once the spool has let them go.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
res() { sed -n "s/^$2=//p" "$S/jobs/$1/result"; }

e=$(iar-submit --parsable -J exit3 -- sh -c 'echo before; exit 3')
k=$(iar-submit --parsable -J killed -- sh -c 'kill -9 $$')
g=$(iar-submit --parsable -J good -- true)
drain 30
ok $? "drain"

is "$(jstate "$e")" FAILED "exit 3: FAILED"
is "$(jfield "$e" exit)" 3 "exit 3: exit column 3"
is "$(jfield "$e" signal)" 0 "exit 3: no signal"
is "$(jfield "$e" reason)" "exit status 3" "exit 3: reason"
is "$(jlog "$S/jobs/$e/stdout")" before "exit 3: output kept"
is "$(res "$e" state)" FAILED "exit 3: result file state"
is "$(res "$e" exit)" 3 "exit 3: result file exit"

is "$(jstate "$k")" FAILED "kill -9: FAILED"
is "$(jfield "$k" signal)" 9 "kill -9: signal 9"
is "$(res "$k" signal)" 9 "kill -9: result file signal 9"
is "$(jfield "$k" reason)" "killed by signal 9" "kill -9: reason"

is "$(jstate "$g")" COMPLETED "the good job COMPLETED"

iar-wait "$e"
is $? 3 "iar-wait: exit status 3"
iar-wait "$k"
is $? 137 "iar-wait: 128+9 for a job killed by signal 9"
is "$(iar-wait -v "$g" "$e" "$k")" "$(printf '%s COMPLETED 0\n%s FAILED 3\n%s FAILED SIG9' "$g" "$e" "$k")" \
    "iar-wait -v: ID STATE EXIT for each"

# After the drain the spool has let go of every job: each is in
# jobs/ID/job, nothing waits in done/, queue/ or run/.
for j in "$e" "$k" "$g"; do
	[ -f "$S/jobs/$j/job" ]
	ok $? "job $j recorded: spool/jobs/$j/job exists"
done
is "$(ls -A "$S/done")" "" "spool/done is empty"
is "$(ls -A "$S/queue")" "" "spool/queue is empty"
is "$(ls -A "$S/incoming")" "" "spool/incoming is empty"
is "$(find "$S/run" -mindepth 2 | wc -l)" 0 "spool/run/NODE is empty"

# The history database.
[ -f "$S/db/jobs.db" ] && [ -f "$S/db/events.db" ]
ok $? "history files jobs.db and events.db exist"
if command -v db_dump >/dev/null 2>&1; then
	db_dump -p "$S/db/jobs.db" > "$IAR_ROOT/jobs.dump" 2>/dev/null
	ok $? "db_dump reads jobs.db"
	grep -q 'name=exit3\\0a.*state=FAILED\\0aexit=3\\0a' "$IAR_ROOT/jobs.dump"
	ok $? "jobs.db holds the FAILED record with exit=3"
	grep -q 'name=killed\\0a.*state=FAILED\\0aexit=-1\\0asignal=9\\0a' "$IAR_ROOT/jobs.dump"
	ok $? "jobs.db holds the killed job with signal=9"
	db_dump -p "$S/db/events.db" > "$IAR_ROOT/events.dump" 2>/dev/null
	ok $? "db_dump reads events.db"
	for st in PENDING RUNNING FAILED; do
		grep -q "^ [0-9]* $st" "$IAR_ROOT/events.dump"
		ok $? "events.db has a $st event"
	done
	grep -q "^ [0-9]* FAILED exit status 3" "$IAR_ROOT/events.dump"
	ok $? "events.db: FAILED event with its cause"
	grep -q "^ [0-9]* COMPLETED" "$IAR_ROOT/events.dump"
	ok $? "events.db has a COMPLETED event"
	# Three events (accepted, running, ended) per job at least.
	n=$(grep -cE '^ [0-9]+ [A-Z_]+( |$)' "$IAR_ROOT/events.dump")
	[ "$n" -ge 9 ]
	ok $? "at least three events per job ($n)"
else
	ok 0 "# SKIP no db_dump"
fi

# The history alone is enough: with the job directories moved away,
# iar-stat still lists the finished jobs with their outcome.
mkdir "$IAR_ROOT/away"
for j in "$e" "$k" "$g"; do mv "$S/jobs/$j" "$IAR_ROOT/away/"; done
is "$(jstate "$e")" FAILED "from the history: exit 3 FAILED"
is "$(jfield "$e" exit)" 3 "from the history: exit 3"
is "$(jfield "$k" signal)" 9 "from the history: signal 9"
is "$(jfield "$g" state)" COMPLETED "from the history: COMPLETED"
iar-stat -n --tsv -s done | cut -f1,4 > "$IAR_ROOT/done.tsv"
is "$(cat "$IAR_ROOT/done.tsv")" "$(printf '%s\tFAILED\n%s\tFAILED\n%s\tCOMPLETED' "$e" "$k" "$g")" \
    "iar-stat -s done lists all three from the history"
iar-wait "$e"
is $? 3 "iar-wait reads the history: exit 3"

# A further pass changes nothing.
iar-dispatch -1
is "$(jstate "$e")" FAILED "another pass leaves the record alone"
is "$(ls -A "$S/done")" "" "spool/done still empty"

done_testing
