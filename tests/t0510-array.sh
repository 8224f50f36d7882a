#!/bin/sh
# t0510-array: job arrays. A 10,000-task array with %4 is one job file;
# the head makes its tasks lazily (never more than a small window queued,
# never more than 4 running), each with IAR_ARRAY_JOB_ID and
# IAR_ARRAY_TASK_ID; the dispatcher is killed -9 twice while it expands
# and no task is lost or run twice; the array job ends with the counts;
# tasks show as ARRAY_INDEX; one task and then the whole array cancelled.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
N=$(ls "$IAR_ROOT/nodes")
iar-submit --array 5-1 -- true 2>"$IAR_ROOT/e"
is "$?,$(cut -c1-31 "$IAR_ROOT/e")" "100,iar-submit: bad array spec '5-1" \
    "a bad spec: 100 with the reason"
iar-submit --array 1-2000000 -- true 2>/dev/null
is $? 100 "more than 1,000,000 tasks: 100"

T=${T_ARRAY_N:-10000}
OUT=$IAR_ROOT/out
a=$(iar-submit --parsable -J arr --array "1-$T%4" -- sh -c \
    "echo \"\$IAR_ARRAY_JOB_ID \$IAR_ARRAY_TASK_ID\" >> $OUT")
is "$(ls "$S/incoming" | wc -l | tr -d ' ')" 1 "one job file for $T tasks"
grep -q "^array=1-$T%4\$" "$S/incoming/$a"
ok $? "its array key"
# Sample the spool while it runs: queued task files, running tasks.
(
	mq=0 mr=0
	while [ ! -e "$IAR_ROOT/stop" ]; do
		q=$(ls "$S/queue" | grep -c '^[0-9]')
		r=$(ls "$S/run/$N" 2>/dev/null | grep -c '^[0-9]')
		[ "$q" -gt $mq ] && mq=$q
		[ "$r" -gt $mr ] && mr=$r
		echo "$mq $mr" > "$IAR_ROOT/max"
		sleep 0.05
	done
) &
T_PIDS="$T_PIDS $!"
t0=$(date +%s)
for k in 1 2; do
	iar-dispatch -d 2>>"$IAR_ROOT/d.log" &
	dp=$!
	sleep 3
	kill -9 $dp
	wait $dp 2>/dev/null
done
ok 0 "the dispatcher killed -9 twice while it expands the array"
timeout 600 iar-dispatch -w -T 590 2>>"$IAR_ROOT/d.log"
touch "$IAR_ROOT/stop"
t1=$(date +%s)
echo "# $T tasks in $((t1 - t0)) s"
is "$(wc -l < "$OUT" | tr -d ' ')" "$T" "$T tasks ran"
is "$(cut -d' ' -f2 "$OUT" | sort -n | uniq | wc -l | tr -d ' ')" "$T" \
    "each index once, no task run twice"
is "$(cut -d' ' -f2 "$OUT" | sort -n | sed -n '1p;$p' | tr '\n' ' ')" \
    "1 $T " "indexes 1 to $T"
is "$(cut -d' ' -f1 "$OUT" | sort -u)" "$a" "IAR_ARRAY_JOB_ID is the array's"
sleep 0.2
read mq mr < "$IAR_ROOT/max"
echo "# at most $mq task files queued, $mr running"
[ "$mr" -le 4 ]
ok $? "never more than 4 running (%4)"
[ "$mq" -le 20 ]
ok $? "never more than a small window of task files queued ($mq)"
is "$(jstate "$a")" COMPLETED "the array job COMPLETED"
is "$(jfield "$a" reason)" "$T tasks: $T COMPLETED, 0 FAILED, 0 CANCELLED" \
    "with the counts"
iar-stat -j "$a" | awk 'NR==2{print $1}' | grep -qx "${a}_\[1-$T%4\]"
ok $? "iar-stat shows it as ${a}_[1-$T%4]"
is "$(iar-stat | grep -c "^ *${a}_")" 1 "the table folds its tasks into its line"
is "$(iar-stat -r | grep -c "^ *${a}_[0-9]")" "$T" "-r lists every task"

# Cancel one task by ARRAY_INDEX, then the whole array.
b=$(iar-submit --parsable -J arr2 --array 1-100%2 -- sleep 30)
iar-dispatch -d 2>>"$IAR_ROOT/d.log" &
T_PIDS="$T_PIDS $!"
i=0
while [ $i -lt 100 ] && [ "$(ls "$S/run/$N" | grep -c '^[0-9]')" -lt 2 ]; do
	sleep 0.1; i=$((i + 1)); done
t=$(ls "$S/run/$N" | grep '^[0-9]' | head -1)
ix=$(sed -n 's/^array_task=//p' "$S/run/$N/$t")
iar-stat -j "$t" | awk 'NR==2{print $1}' | grep -qx "${b}_$ix"
ok $? "a running task shows as ${b}_$ix"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="/jobs/$t" \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" | grep -q "(${b}_$ix)"
ok $? "the CGI's job page names it ${b}_$ix"
# A running task's ARRAY_TASK id names that task in every command, not
# its array (issue 17: the id was parsed before setup, and became the
# array's id: "no output yet: job B is PENDING").
is "$(iar-stat -n --tsv -j "${b}_$ix" | cut -f1)" "$t" \
    "iar-stat -j ${b}_$ix is the running task $t"
iar-log "${b}_$ix" >/dev/null 2>"$IAR_ROOT/lerr"
lrc=$?
[ $lrc = 0 ] && ! grep -q "job $b " "$IAR_ROOT/lerr"
ok $? "iar-log ${b}_$ix reads the running task's log (exit $lrc$(cat "$IAR_ROOT/lerr"))"
iar-wait -t 0 "${b}_$ix" >/dev/null 2>"$IAR_ROOT/werr"
is "$?" 111 "iar-wait -t 0 ${b}_$ix times out on the running task"
iar-fetch "${b}_$ix" >/dev/null 2>"$IAR_ROOT/ferr"
grep -q "$t" "$IAR_ROOT/ferr" && ! grep -q "job $b " "$IAR_ROOT/ferr"
ok $? "iar-fetch ${b}_$ix speaks of task $t ($(cat "$IAR_ROOT/ferr"))"
iar-cancel "${b}_$ix"
is $? 0 "iar-cancel ${b}_$ix"
i=0
while [ $i -lt 100 ] && [ "$(jstate "$t")" != CANCELLED ]; do
	sleep 0.1; i=$((i + 1)); done
is "$(jstate "$t")" CANCELLED "that task is CANCELLED"
iar-cancel "$b"
i=0
while [ $i -lt 100 ] && [ "$(jstate "$b")" != CANCELLED ]; do
	sleep 0.1; i=$((i + 1)); done
is "$(jstate "$b")" CANCELLED "the array job is CANCELLED"
# Its running tasks end as their shepherds finish (TERM, kill_grace).
i=0
while [ $i -lt 100 ] && [ "$(ls "$S/run/$N" "$S/queue" | grep -c '^[0-9]')" -gt 0 ]; do
	sleep 0.1; i=$((i + 1)); done
left=$(ls "$S/run/$N" "$S/queue" | grep '^[0-9]')
is "$(echo $left | wc -w)" 0 "no task of it left queued or running"
for t in $left; do echo "# left: $t $(jstate "$t") $(jfield "$t" reason)"; done
iar-cancel "${b}_99" 2>/dev/null
is $? 102 "a task never made: 102"

# iar-wait on a terminal draws the array's progress.
c=$(iar-submit --parsable --array 1-20%2 -- true)
if command -v script >/dev/null; then
	timeout 60 script -qc "iar-wait $c" /dev/null | tr '\r' '\n' |
	    grep -v '^$' | tail -1 > "$IAR_ROOT/bar"
	grep -q '^\[#*\] 20/20 done, 0 failed' "$IAR_ROOT/bar"
	ok $? "iar-wait's progress bar ends at 20/20 done"
	iar-wait "$c" 2>"$IAR_ROOT/nobar"
	[ ! -s "$IAR_ROOT/nobar" ]
	ok $? "and draws nothing when stderr is not a terminal"
fi
done_testing
