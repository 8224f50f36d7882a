#!/bin/sh
# t0310-pool: several simulated nodes on one machine, each with its own
# synthetic topology, its own executor (iar-dispatch -d --node NAME) and
# its own cgroup parent, and a head (this host's dispatcher, the only
# one head_node allows, drained so that it only matches). Placement by
# policy (spread, pack), tags, node lists, GPUs, NUMA, why-pending with
# the smallest change, a job no node can ever run, and failover: kill one node's executor, its job's shepherd
# fences itself, the head requeues the job after heartbeat_timeout, it
# runs elsewhere and never twice at once; the node comes back and rejoins.
. "$(dirname "$0")/lib.sh"

N=$(ls "$IAR_ROOT/nodes")
ND=$IAR_ROOT/nodes
cat >> "$IAR_ROOT/etc/iar.conf" <<EOF
heartbeat_interval = 1
heartbeat_timeout = 4
placement = spread
head_node = $N
EOF
iar-node add n1 --synthetic 'pack:1 core:2 pu:1' --tags fast >/dev/null &&
iar-node add n2 --synthetic 'pack:1 numa:2 core:2 pu:1' >/dev/null &&
iar-node add n3 --synthetic 'pack:1 core:2 pu:1' --tags gpu --gpus 1 \
    >/dev/null
ok $? "three simulated nodes: n1 (2 cores, fast), n2 (4 cores in 2 NUMA" \
    "nodes), n3 (2 cores, gpu, 1 GPU)"
iar-node drain "$N" --reason "head only"

HEAD=""
head_start() {
	iar-dispatch -d 2>>"$IAR_ROOT/head.log" &
	HEAD=$!
	T_PIDS="$T_PIDS $HEAD"
}
head_stop() { kill "$HEAD"; wait "$HEAD" 2>/dev/null; }
exec_start() {	# exec_start NODE: its executor; its pid in E_NODE
	iar-dispatch -d --node "$1" 2>>"$IAR_ROOT/exec-$1.log" &
	eval "E_$1=$!"
	T_PIDS="$T_PIDS $!"
}
node_of() { jfield "$1" node; }

head_start
for n in n1 n2 n3; do exec_start $n; done
# Up, and each with its executor running (the head places nothing on a
# node whose executor it cannot see yet).
up() { iar-node list --json | python3 -c '
import json, sys
n = [x for x in json.load(sys.stdin) if x["name"] in ("n1", "n2", "n3")]
sys.exit(0 if len(n) == 3 and all(x["state"] == "up" and x["executor"]
    for x in n) else 1)'; }
waitfor 20 up
ok $? "the three nodes beat and are up"

# spread: the emptiest node first.
gate=$IAR_ROOT/gate
s1=$(iar-submit --parsable -J s -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$s1"
s2=$(iar-submit --parsable -J s -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$s2"
s3=$(iar-submit --parsable -J s -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$s3"
is "$(node_of "$s1") $(node_of "$s2") $(node_of "$s3")" "n2 n1 n2" \
    "spread: n2 (4 cores) first, then n1; n3's GPU is left to GPU jobs"
is "$(cat "$IAR_ROOT/spool/jobs/$s1/alloc" | grep -c '^bind=0$')" 1 \
    "a simulated node's job is not pinned to cores this host lacks"
[ -d /sys/fs/cgroup/memory/"$T_CG"/n2/"$s1" ] || ! cg_usable
ok $? "its cgroup is under the node's own parent ($T_CG/n2/$s1)"
touch "$gate"
waitfor 30 all_final "$s1" "$s2" "$s3"
is "$(jstate "$s1") $(jstate "$s2") $(jstate "$s3")" \
    "COMPLETED COMPLETED COMPLETED" "all three completed"
rm -f "$gate"

# pack: the tightest fit (iar.conf is read when the head starts).
head_stop
sed -i 's/^placement = spread/placement = pack/' "$IAR_ROOT/etc/iar.conf"
head_start
p1=$(iar-submit --parsable -J p -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$p1"
p2=$(iar-submit --parsable -J p -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$p2"
p3=$(iar-submit --parsable -J p -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$p3"
is "$(node_of "$p1") $(node_of "$p2") $(node_of "$p3")" "n1 n1 n2" \
    "pack: n1 filled first, then n2 (n3's GPU is left to GPU jobs)"

# Why pending, with the smallest change: 2 fast cores, n1 is full.
w=$(iar-submit --parsable -J w -C fast -c 2 -- true)
sleep 2
is "$(jstate "$w")" PENDING "a fast 2-core job waits while n1 is full"
jfield "$w" reason | grep -q "^cores busy: n1; lacks a tag: n2, n3, $N; would start now on n2 without --constraint\$"
ok $? "its reason: n1 busy, the others lack the tag; without --constraint it starts"
jfield "$w" reason | sed 's/^/# reason: /'
grep -q "^$w=" "$IAR_ROOT/spool/why"
ok $? "spool/why has a line for it, for scripts"
touch "$gate"
waitfor 30 all_final "$p1" "$p2" "$p3" "$w"
is "$(jstate "$w"),$(node_of "$w")" COMPLETED,n1 "it ran on n1 once free"
rm -f "$gate"

# Tags, node lists, GPUs, NUMA.
c1=$(iar-submit --parsable -C gpu -- sh -c 'echo $IAR_NODE')
c2=$(iar-submit --parsable --nodelist n2 -- true)
c3=$(iar-submit --parsable --exclude n1,n3 -- true)
c4=$(iar-submit --parsable --gpus 1 -- sh -c 'echo "$CUDA_VISIBLE_DEVICES $IAR_GPUS"')
c5=$(iar-submit --parsable -c 3 -- true)
c6=$(iar-submit --parsable --numa -c 2 --nodelist n2 -- true)
waitfor 30 all_final "$c1" "$c2" "$c3" "$c4" "$c5" "$c6"
is "$(node_of "$c1"),$(iar-log "$c1")" n3,n3 "--constraint gpu: n3"
is "$(node_of "$c2") $(node_of "$c3")" "n2 n2" "--nodelist n2, --exclude n1,n3"
is "$(node_of "$c4"),$(iar-log "$c4")" "n3,0 0" \
    "--gpus 1: n3, CUDA_VISIBLE_DEVICES and IAR_GPUS name GPU 0"
is "$(node_of "$c5")" n2 "-c 3: only n2 has 3 cores"
grep -q '^mems=[01]$' "$IAR_ROOT/spool/jobs/$c6/alloc"
ok $? "--numa -c 2: both cores in one NUMA node of n2"

# Jobs no node can ever run end FAILED at once, saying why.
f1=$(iar-submit --parsable --numa -c 3 -- true)
f2=$(iar-submit --parsable -C nosuch -- true)
waitfor 20 all_final "$f1" "$f2"
is "$(jstate "$f1"),$(jstate "$f2")" FAILED,FAILED "never-fitting jobs FAILED"
jfield "$f1" reason | grep -q '^no node can ever run it: .*no NUMA node that large: n2'
ok $? "--numa -c 3: 'no NUMA node that large: n2'"
jfield "$f2" reason | grep -q 'lacks a tag: n1, n2, n3'
ok $? "-C nosuch: 'lacks a tag: n1, n2, n3'"

# Failover: a job on n1 (n2, n3 excluded only by being busy: gated jobs
# hold them), kill n1's executor, the job runs on n2 after the timeout.
b2=$(iar-submit --parsable --nodelist n2 -c 4 -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
b3=$(iar-submit --parsable --nodelist n3 -c 2 -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$b2" && waitfor 20 running "$b3"
ok $? "n2 and n3 held by gated jobs"
RUNS=$IAR_ROOT/runs
cat > "$IAR_ROOT/fo.sh" <<EOF
for p in \$(cut -d' ' -f2 "$RUNS" 2>/dev/null); do
	# alive and not a zombie (this sandbox's PID 1 does not reap)
	st=\$(sed 's/.*) //' /proc/\$p/stat 2>/dev/null | cut -c1)
	[ -n "\$st" ] && [ "\$st" != Z ] && echo overlap >> "$IAR_ROOT/overlap"
done
echo "\$IAR_NODE \$\$" >> "$RUNS"
while [ ! -e "$IAR_ROOT/fo-go" ]; do sleep 0.1; done
EOF
fo=$(iar-submit --parsable --retries 2 -J failover "$IAR_ROOT/fo.sh")
waitfor 20 running "$fo"
is "$(node_of "$fo")" n1 "the job runs on n1"
kill -9 "$E_n1"
# n2 frees up so that the job has somewhere to go.
touch "$gate"
waitfor 30 all_final "$b2" "$b3"
rm -f "$gate"
t0=$(date +%s)
moved() { [ "$(jstate "$fo")" = RUNNING ] && [ "$(node_of "$fo")" != n1 ]; }
waitfor 40 moved
ok $? "after the timeout the job runs elsewhere ($(node_of "$fo"))"
echo "# moved after $(($(date +%s) - t0)) s (heartbeat_timeout = 4)"
is "$(iar-node list --csv | grep '^n1,' | cut -d, -f2)" down "n1 is down"
twice() { [ "$(wc -l < "$RUNS" | tr -d ' ')" -ge 2 ]; }
waitfor 10 twice
is "$(wc -l < "$RUNS" | tr -d ' ')" 2 "it ran twice in all"
[ ! -e "$IAR_ROOT/overlap" ]
ok $? "never two copies at once (the first was fenced before the second began)"
grep -q "node n1 has not beaten" "$IAR_ROOT/exec-n1.log"
ok $? "its shepherd on n1 fenced itself (it says so)"
is "$(jfield "$fo" requeues)" 1 "the requeue is counted"
touch "$IAR_ROOT/fo-go"
waitfor 30 final "$fo"
is "$(jstate "$fo")" COMPLETED "and it completed"

# n1 comes back and rejoins.
exec_start n1
n1up() { [ "$(iar-node list --csv | grep '^n1,' | cut -d, -f2)" = up ]; }
waitfor 20 n1up
ok $? "n1's executor is back: up"
r=$(iar-submit --parsable --nodelist n1 -- true)
waitfor 20 final "$r"
is "$(jstate "$r"),$(node_of "$r")" COMPLETED,n1 "n1 runs jobs again"

# A node that beats without an executor gets no jobs.
kill "$E_n3"; wait "$E_n3" 2>/dev/null
iar-heartbeat --node n3 &
T_PIDS="$T_PIDS $!"
sleep 2
x=$(iar-submit --parsable --nodelist n3 -- true)
sleep 2
is "$(jstate "$x")" PENDING "no executor on n3: the job waits"
is "$(iar-node list --csv | grep '^n3,' | awk -F, '{print $2 "," $NF}')" up,0 \
    "iar-node list: n3 up, executor 0"
iar-node list | grep -q '^n3 .*(no executor)$'
ok $? "the table says (no executor)"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO=/api/v1/nodes \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" | sed '1,/^\r*$/d' |
    python3 -c 'import json, sys
n = {x["name"]: x for x in json.load(sys.stdin)["nodes"]}
assert n["n3"]["executor"] is False and n["n1"]["executor"] is True, n
'
ok $? "the CGI's /api/v1/nodes says executor false for n3, true for n1"
jfield "$x" reason | grep -q 'no executor running: n3'
ok $? "and says 'no executor running: n3'"
exec_start n3
waitfor 20 final "$x"
is "$(jstate "$x")" COMPLETED "its executor back, it runs"

head_stop
done_testing
