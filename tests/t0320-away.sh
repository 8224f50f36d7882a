#!/bin/sh
# t0320-away: away is not dead. Two simulated nodes with real executors
# and a head (as t0310). n1 says it goes to sleep (iar-heartbeat --away)
# and its executor stops (SIGSTOP: its heartbeat stands still, as a
# laptop's does in suspend): n1 is "away", gets no new work (why-pending
# says so), and keeps its running job; a job of its with a short
# --lost-after is requeued once that runs out (counting against
# --retries) and runs on n2. n2 then dies without a word (SIGKILL): its
# job is lost after heartbeat_timeout (NODE_FAIL, its retries spent).
# n1 wakes (SIGCONT), is up again and its first job completes there,
# never requeued.
. "$(dirname "$0")/lib.sh"

N=$(ls "$IAR_ROOT/nodes")
cat >> "$IAR_ROOT/etc/iar.conf" <<EOF
heartbeat_interval = 1
heartbeat_timeout = 3
lost_after = 1h
placement = spread
head_node = $N
EOF
pool_start n1 n2
ok $? "two simulated nodes, n1 and n2 (2 cores each), a head, executors"
nstate() { iar-node list --csv | grep "^$1," | cut -d, -f2; }
both_up() { [ "$(nstate n1)" = up ] && [ "$(nstate n2)" = up ] &&
	iar-node list --csv | grep -q '^n2,.*,1$'; }
waitfor 20 both_up
ok $? "both nodes beat and are up"

# Both jobs on n1: n2 is drained while they start.
iar-node drain n2 --reason "not yet"
gate=$IAR_ROOT/gate
a=$(iar-submit --parsable -J keep --retries 1 -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
b=$(iar-submit --parsable -J short --retries 1 --lost-after 6 -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done; echo \$IAR_NODE")
waitfor 20 running "$a" && waitfor 20 running "$b"
is "$(jfield "$a" node),$(jfield "$b" node)" n1,n1 "two jobs run on n1"
grep -q '^lost_after=3600$' "$IAR_ROOT/spool/jobs/$a/alloc" &&
    grep -q '^lost_after=6$' "$IAR_ROOT/spool/jobs/$b/alloc"
ok $? "the alloc records each job's lost_after (iar.conf's 1h; --lost-after 6)"
iar-node resume n2

# n1 goes to sleep: systemd runs the hook (etc/iar-sleep.sh) before.
sleephook() {
	IAR_LIBEXEC=$TOP/libexec IAR_SLEEP_NODE=n1 IAR_AWAY_UNTIL=+2h \
	    sh "$TOP/etc/iar-sleep.sh" "$1" suspend
}
sleephook pre
ok $? "the sleep hook (pre): iar-heartbeat --away +2h"
grep -q '^away=[0-9]' "$IAR_ROOT/nodes/n1/heartbeat"
ok $? "its heartbeat says away="
sleep 1.5
grep -q '^away=[0-9]' "$IAR_ROOT/nodes/n1/heartbeat"
ok $? "the executor's next beats keep the mark"
kill -STOP "$E_n1"
t0=$(date +%s)
waitfor 20 eval '[ "$(nstate n1)" = away ]'
ok $? "n1 is away once its heartbeat stands still (not down)"
iar-node list | grep -q '^n1  *away .*back by [0-9]'
ok $? "iar-node list shows away and when it means to be back"
cgi() {	# cgi PATH: the CGI's body, as a web server would run it
	env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="$1" \
	    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" | sed '1,/^\r*$/d'
}
cgi /api/v1/nodes | python3 -c 'import json, sys
n = {x["name"]: x for x in json.load(sys.stdin)["nodes"]}
assert n["n1"]["state"] == "away" and n["n1"]["away"] is True, n["n1"]
assert n["n2"]["state"] == "up" and n["n2"]["away"] is False, n["n2"]'
ok $? "the CGI's /api/v1/nodes: n1 away, n2 up"
cgi /metrics | grep -q '^iar_node_away{node="n1"} 1$' &&
    cgi /metrics | grep -q '^iar_node_away{node="n2"} 0$'
ok $? "/metrics: iar_node_away 1 for n1, 0 for n2"
cgi /nodes | grep -q 'class="down">away<'
ok $? "the CGI's node list shows n1 away"
c=$(iar-submit --parsable --nodelist n1 -- true)
has_why() { jfield "$c" reason | grep -q 'away (asleep): n1'; }
waitfor 20 has_why
ok $? "a job for n1 waits: 'away (asleep): n1'"
jfield "$c" reason | sed 's/^/# reason: /'

# b's lost_after (6 s) runs out: requeued, it runs on n2.
moved() { [ "$(jstate "$b")" = RUNNING ] && [ "$(jfield "$b" node)" = n2 ]; }
waitfor 40 moved
ok $? "after its --lost-after the short job runs on n2"
echo "# moved after $(($(date +%s) - t0)) s (lost_after 6, heartbeat_timeout 3)"
is "$(jfield "$b" requeues)" 1 "its requeue is counted against --retries"
is "$(jstate "$a"),$(jfield "$a" node),$(jfield "$a" requeues)" RUNNING,n1,0 \
    "the other job is kept on the sleeping node"
grep -q "job $b: node n1 has not beaten" "$IAR_ROOT/exec-n1.log"
ok $? "the short job's shepherd on n1 fenced itself before the requeue"
grep -q "job $a: node n1 has not beaten" "$IAR_ROOT/exec-n1.log"
[ $? -ne 0 ]
ok $? "the kept job's shepherd did not"

# n2 dies without a word: its job is lost after heartbeat_timeout.
kill -9 "$E_n2"
waitfor 30 final "$b"
is "$(jstate "$b"),$(nstate n2)" NODE_FAIL,down \
    "a dead node loses its job at once (NODE_FAIL: its one retry spent)"
jfield "$b" reason | grep -q 'node n2 down'
ok $? "the reason names n2 down"

# n1 wakes up: its executor runs again, the kept job completes there.
kill -CONT "$E_n1"
waitfor 20 eval '[ "$(nstate n1)" = up ]'
ok $? "n1 is up again when it beats"
sleephook post
! grep -q '^away=' "$IAR_ROOT/nodes/n1/heartbeat"
ok $? "the sleep hook (post): iar-heartbeat --back clears the mark"
touch "$gate"
waitfor 30 all_final "$a" "$c"
is "$(jstate "$a"),$(jfield "$a" node),$(jfield "$a" requeues)" \
    COMPLETED,n1,0 "the kept job completed on n1, never requeued"
is "$(jstate "$c"),$(jfield "$c" node)" COMPLETED,n1 "the waiting job ran on n1"

# --lost-after is checked.
iar-submit --lost-after 5x -- true 2>"$IAR_ROOT/err"
is $? 100 "--lost-after 5x: usage error"
iar-heartbeat --node n1 --away soon 2>/dev/null
is $? 100 "--away soon: usage error"

kill "$HEAD"; wait "$HEAD" 2>/dev/null
done_testing
