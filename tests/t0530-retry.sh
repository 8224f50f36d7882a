#!/bin/sh
# t0530-retry: --retries N with backoff (retry_backoff, doubled, capped).
# (a) a job that fails twice then succeeds, --retries 3: COMPLETED, 2/3,
#     attempts apart by at least the backoff (1 s, then 2 s), each
#     attempt's log kept, the requeues in the history's events.
# (b) --retries 1 on a job that always fails: FAILED after 2 attempts, 1/1.
# (c) while it waits for its backoff, REASON says so.
# (d) TIMEOUT is not retried.
# (e) iar-wait does not take a failed attempt about to be retried as the end.
# (f) a crash between the count and the rename counts once.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
cat >> "$IAR_ROOT/etc/iar.conf" <<CONF
retry_backoff = 1
retry_backoff_max = 2
CONF
C=$IAR_ROOT/count
TM=$IAR_ROOT/times
cat > "$IAR_ROOT/flaky.sh" <<SCRIPT
#!/bin/sh
n=\$(cat $C 2>/dev/null || echo 0)
n=\$((n + 1))
echo \$n > $C
date +%s.%N >> $TM
echo "attempt \$n"
echo "err \$n" >&2
[ \$n -ge 3 ]
SCRIPT

# --- (a) ----------------------------------------------------------------
j=$(iar-submit --parsable --retries 3 "$IAR_ROOT/flaky.sh")
drain 90
is "$(jstate "$j")" COMPLETED "(a) failed twice, then COMPLETED"
is "$(cat "$C")" 3 "(a) three attempts"
is "$(jfield "$j" requeues)/$(jfield "$j" retries)" 2/3 "(a) requeues 2 of 3"
iar-stat -j "$j" > "$IAR_ROOT/tab"
head -1 "$IAR_ROOT/tab" | grep -q " RETRY " && grep -q " 2/3 " "$IAR_ROOT/tab"
ok $? "(a) the RETRY column says 2/3"
iar-stat --json -j "$j" | grep -q '"requeues":2,'
ok $? "(a) JSON requeues"
gaps=$(awk 'NR>1{printf "%d ", (($1 - p) >= w[NR])} {p=$1} BEGIN{w[2]=1;w[3]=2}' "$TM")
echo "# seconds between attempts: $(awk 'NR>1{printf "%.2f ", $1 - p} {p=$1}' "$TM")"
is "$gaps" "1 1 " "(a) attempts at least 1 s, then 2 s apart (backoff doubled)"
is "$(jlog "$S/jobs/$j/stdout.1")" "attempt 1" "(a) attempt 1's output kept"
is "$(jlog "$S/jobs/$j/stdout.2")" "attempt 2" "(a) attempt 2's output kept"
is "$(jlog "$S/jobs/$j/stderr.2")" "err 2" "(a) and its errors"
is "$(jlog "$S/jobs/$j/stdout")" "attempt 3" "(a) the last attempt's output"
is "$(iar-log "$j")" "attempt 3" "(a) iar-log shows the last attempt"
W=$IAR_ROOT/cgi
mkdir -p "$W"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="/api/v1/jobs/$j" \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" > "$W/b" 2>/dev/null
grep -q "requeued after exit 1: retry 1 of 3, not before [0-9:]*\"" "$W/b" &&
    grep -q "requeued after exit 1: retry 2 of 3" "$W/b"
ok $? "(a) the history has both requeues as events"

# --- (b) ----------------------------------------------------------------
k=$(iar-submit --parsable --retries 1 -- sh -c "echo x >> $IAR_ROOT/k; exit 4")
drain 60
is "$(jstate "$k")" FAILED "(b) --retries 1, always failing: FAILED"
is "$(wc -l < "$IAR_ROOT/k" | tr -d ' ')" 2 "(b) two attempts"
is "$(jfield "$k" requeues)/$(jfield "$k" retries)" 1/1 "(b) 1/1"
is "$(jfield "$k" exit)" 4 "(b) the last exit status"

# --- (c) the reason while it waits --------------------------------------
sed -i 's/^retry_backoff = 1$/retry_backoff = 60/' "$IAR_ROOT/etc/iar.conf"
r=$(iar-submit --parsable --retries 2 -- false)
iar-dispatch -1 2>/dev/null
t=0
while [ ! -e "$S/jobs/$r/result" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
iar-dispatch -1 2>/dev/null
iar-dispatch -1 2>/dev/null
is "$(jstate "$r")" PENDING "(c) requeued: PENDING"
jfield "$r" reason | grep -q '^waiting to retry (retry 1 of 2) until [0-9][0-9]:[0-9][0-9]:[0-9][0-9]$'
ok $? "(c) REASON: waiting to retry (retry 1 of 2) until HH:MM:SS"
[ -s "$S/jobs/$r/not-before" ] && [ -f "$S/queue/$r" ]
ok $? "(c) jobs/ID/not-before written, the job back in queue/"
iar-cancel "$r" >/dev/null
drain 30
is "$(jstate "$r")" CANCELLED "(c) cancelled while it waits"
sed -i 's/^retry_backoff = 60$/retry_backoff = 1/' "$IAR_ROOT/etc/iar.conf"

# --- (e) a failed attempt in done/ is not over for iar-wait -------------
w=$(iar-submit --parsable --retries 1 -- sh -c "[ -e $IAR_ROOT/w ] || { touch $IAR_ROOT/w; exit 5; }")
iar-dispatch -1 2>/dev/null
t=0
while [ ! -e "$S/done/$w" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
[ -e "$S/done/$w" ]
ok $? "(e) the first attempt ended in done/"
iar-wait -t 1 "$w" >/dev/null 2>&1
is "$?" 111 "(e) iar-wait keeps waiting: it will be retried"
drain 60
iar-wait -t 5 "$w"
is "$?" 0 "(e) iar-wait: the retry COMPLETED"

# --- (f) a kill -9 after requeues was written, before the rename ---------
# (iar-spool(5)): the next pass finishes the requeue without counting it
# again, so the job still gets all its attempts.
g=$(iar-submit --parsable --retries 2 -- sh -c "echo g >> $IAR_ROOT/g; exit 1")
iar-dispatch -1 2>/dev/null
t=0
while [ ! -e "$S/done/$g" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
echo 1 > "$S/jobs/$g/requeues"
echo "$(date +%s)000000" > "$S/jobs/$g/not-before"
iar-dispatch -1 2>/dev/null
is "$(cat "$S/jobs/$g/requeues")" 1 "(f) the decided requeue is not counted again"
drain 60
is "$(jstate "$g") $(jfield "$g" requeues)/$(jfield "$g" retries)" "FAILED 2/2" \
    "(f) FAILED after its retries"
is "$(wc -l < "$IAR_ROOT/g" | tr -d ' ')" 3 "(f) three attempts in all"

# --- (d) TIMEOUT ----------------------------------------------------------
tmo=$(iar-submit --parsable --retries 2 -t 00:01 -- sh -c "echo t >> $IAR_ROOT/t; sleep 30")
drain 60
is "$(jstate "$tmo")" TIMEOUT "(d) TIMEOUT"
is "$(jfield "$tmo" requeues) $(wc -l < "$IAR_ROOT/t" | tr -d ' ')" "0 1" \
    "(d) not retried"
done_testing
