#!/bin/sh
# t0340-health: a node's health score falls as it loses jobs (NODE_FAIL
# requeues), placement = healthy prefers the healthier node, and below
# health_min the node is drained with the reason until an administrator
# resumes it (iar-node resume), which gives it a fresh score. Two
# simulated nodes with real executors and a head, as t0310.
. "$(dirname "$0")/lib.sh"

N=$(ls "$IAR_ROOT/nodes")
printf 'head_node = %s\nplacement = healthy\nhealth_min = 30\n%s\n%s\n' \
    "$N" "heartbeat_interval = 1" "heartbeat_timeout = 3" \
    >> "$IAR_ROOT/etc/iar.conf"
pool_start n1 n2
ok $? "two simulated nodes, a head, executors"
col() {	# col NODE FIELD: from iar-node list --json
	iar-node list --json | python3 -c 'import json, sys
n = {x["name"]: x for x in json.load(sys.stdin)}
v = n[sys.argv[1]][sys.argv[2]]
print("" if v is None else v)' "$1" "$2"
}
both_up() { [ "$(col n1 state)" = up ] && [ "$(col n2 state)" = up ] &&
	[ "$(col n1 executor)" = 1 ] && [ "$(col n2 executor)" = 1 ]; }
waitfor 20 both_up
ok $? "both up"
is "$(col n1 health),$(col n2 health)" 100,100 "a fresh node's health is 100"

gate=$IAR_ROOT/gate
jb=$(iar-submit --parsable --nodelist n1 --retries 5 -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$jb"
ok $? "a job runs on n1"
lose() {	# kill n1's executor, wait for the requeue, bring it back
	want=$1
	kill -9 "$E_n1"; wait "$E_n1" 2>/dev/null
	waitfor 30 eval '[ "$(jfield "$jb" requeues)" = "$want" ]' || return 1
	pool_exec_start n1
}
lose 1
ok $? "n1 dies under it: requeued once (NODE_FAIL counted)"
is "$(col n1 health)" 33 "n1's health falls to 33 (1 lost)"
is "$(col n1 state)" up "still above health_min 30: not drained"
waitfor 20 running "$jb"
ok $? "the job runs on n1 again"

# healthy: with n1 and n2 each holding one job, a new one goes to n2.
g=$(iar-submit --parsable --nodelist n2 -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$g"
k=$(iar-submit --parsable -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$k"
is "$(jfield "$k" node)" n2 "placement = healthy: n2 (100) over n1 (33)"

lose 2
ok $? "n1 dies again: the second requeue"
is "$(col n1 health)" 22 "its health falls to 22"
is "$(col n1 state)" drain "below health_min: n1 is drained"
col n1 reason | grep -q '^health 22 < health_min 30 (lately 1.8 lost, 0.0 failed, 0.0 completed); iar-node resume n1$'
ok $? "the reason says why and what to do"
col n1 reason | sed 's/^/# reason: /'
waitfor 20 eval 'jfield "$jb" reason | grep -q "node n1 is drained: health 22"'
ok $? "the job waits: 'node n1 is drained: health 22 < health_min 30 ...'"
cgi() {	# cgi PATH: the CGI's body, as a web server would run it
	env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="$1" \
	    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" | sed '1,/^\r*$/d'
}
cgi /metrics | grep -q '^iar_node_health{node="n1"} 22$'
ok $? "/metrics: iar_node_health 22 for n1"
cgi /api/v1/nodes | grep -q '"name":"n1",.*"health":22,'
ok $? "/api/v1/nodes: health 22"
cgi /nodes | grep -q '>health 22<'
ok $? "the CGI's node list shows health 22 for n1"
grep -q "HEALTH node n1 drained" "$IAR_ROOT/head.log"
ok $? "the head's log says it drained n1"

iar-node resume n1
is "$(col n1 health),$(col n1 state)" 100,up "iar-node resume: up, health 100 again"
waitfor 20 running "$jb"
ok $? "the job runs on n1 once more"
touch "$gate"
waitfor 30 all_final "$jb" "$g" "$k"
is "$(jstate "$jb"),$(jfield "$jb" node)" COMPLETED,n1 "and completes there"
grep -q '^ok=[1-9]' "$IAR_ROOT/nodes/n2/health" && [ "$(col n2 health)" = 100 ]
ok $? "n2's completed jobs are counted in its health file, its score 100"

kill "$HEAD"; wait "$HEAD" 2>/dev/null
done_testing
