#!/bin/sh
# t0317-oversub: oversubscription on simulated nodes with real executors.
# A 2-core node with oversubscribe = 2 runs four one-core jobs at once
# (each core in two of their cpusets), a fifth waits with "cores busy";
# the same node without it runs two; a GPU node from hwloc's POWER8
# topology (8 cores, 4 GPUs) with gpu_slots = 2 runs eight one-GPU jobs, each GPU
# named by two of them, a ninth waits with "GPUs in use". iar-node list
# counts busy cores once however many jobs share them. On this host
# (jobs pinned), 2 x its cores one-core jobs run at once, each in the
# cpuset it was given, every core in two of them.
. "$(dirname "$0")/lib.sh"

N=$(ls "$IAR_ROOT/nodes")
cat >> "$IAR_ROOT/etc/iar.conf" <<EOC
heartbeat_interval = 1
heartbeat_timeout = 4
placement = spread
head_node = $N
EOC
iar-node add o2 --synthetic 'pack:1 core:2 pu:1' --oversubscribe 2 \
    >/dev/null &&
iar-node add o1 --synthetic 'pack:1 core:2 pu:1' >/dev/null &&
iar-node add g --topology "$TOP/tests/topo/power8gpudistances.xml" \
    --gpu-slots 2 --oversubscribe 2 --kind sim >/dev/null
ok $? "nodes o2 (2 cores, oversubscribe 2), o1 (2 cores), g (8 cores, 4 GPUs, gpu_slots 2, oversubscribe 2: cores are not what stops it)"
grep -qx oversubscribe=2 "$IAR_ROOT/nodes/o2/settings" &&
grep -qx gpu_slots=2 "$IAR_ROOT/nodes/g/settings" &&
! grep -q oversubscribe "$IAR_ROOT/nodes/o1/settings"
ok $? "settings: oversubscribe=2 on o2, gpu_slots=2 on g, nothing on o1"
iar-node drain "$N" --reason "head only"

iar-dispatch -d 2>>"$IAR_ROOT/head.log" &
HEAD=$!
T_PIDS="$T_PIDS $HEAD"
for n in o2 o1 g; do
	iar-dispatch -d --node "$n" 2>>"$IAR_ROOT/exec-$n.log" &
	T_PIDS="$T_PIDS $!"
done
waitfor 20 nodes_up o2 o1 g
ok $? "the three nodes beat and are up"

gate=$IAR_ROOT/gate
hold() {	# hold NODE [SUBMIT OPTIONS]: a job that waits for the gate
	w=$1; shift
	iar-submit --parsable --nodelist "$w" "$@" -- sh -c \
	    "while [ ! -e $gate ]; do sleep 0.1; done"
}
all_running() { for j in "$@"; do running "$j" || return 1; done; }
why_has() { jfield "$1" reason | grep -q "$2"; }
alloc_key() { sed -n "s/^$2=//p" "$IAR_ROOT/spool/jobs/$1/alloc"; }

# oversubscribe = 2: four one-core jobs on two cores.
a1=$(hold o2); a2=$(hold o2); a3=$(hold o2); a4=$(hold o2)
waitfor 30 all_running "$a1" "$a2" "$a3" "$a4"
ok $? "oversubscribe 2: four one-core jobs run at once on a 2-core node"
cpus=$(for j in $a1 $a2 $a3 $a4; do alloc_key "$j" cpus; done | sort |
    tr '\n' ' ')
is "$cpus" "0 0 1 1 " "each core is in the cpusets of two of them"
a5=$(hold o2)
waitfor 20 why_has "$a5" "cores busy: o2"
ok $? "a fifth waits: 'cores busy: o2'"
is "$(jstate "$a5")" PENDING "and is still pending"
is "$(iar-node list --csv | awk -F, '$1 == "o2" {print $17 "," $18}')" 4,0 \
    "iar-node list: o2 runs 4, 0 cores free (each busy core counted once)"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO=/api/v1/nodes \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" | sed '1,/^\r*$/d' |
    python3 -c 'import json, sys
n = {x["name"]: x for x in json.load(sys.stdin)["nodes"]}
assert n["o2"]["cores_busy"] == 2 and n["o2"]["cores"] == 2, n["o2"]
'
ok $? "the CGI's /api/v1/nodes: o2 has 2 of 2 cores busy, not 4"

# Without it: two.
b1=$(hold o1); b2=$(hold o1); b3=$(hold o1)
waitfor 30 all_running "$b1" "$b2"
ok $? "oversubscribe 1 (the default): two one-core jobs run on o1"
waitfor 20 why_has "$b3" "cores busy: o1"
ok $? "a third waits: 'cores busy: o1'"
is "$(jstate "$b3")" PENDING "and is still pending"
is "$(for j in $b1 $b2; do alloc_key "$j" cpus; done | sort | tr '\n' ' ')" \
    "0 1 " "their cpusets do not overlap"

# gpu_slots = 2: eight one-GPU jobs on four GPUs.
g=""
for i in 1 2 3 4 5 6 7 8; do g="$g $(hold g --gpus 1)"; done
waitfor 30 all_running $g
ok $? "gpu_slots 2: eight one-GPU jobs run at once on a 4-GPU node"
gpus=$(for j in $g; do alloc_key "$j" gpus; done | sort | tr '\n' ' ')
is "$gpus" "0 0 1 1 2 2 3 3 " "each GPU is given to two of them"
g9=$(hold g --gpus 1)
waitfor 20 why_has "$g9" "GPUs in use: g"
ok $? "a ninth waits: 'GPUs in use: g'"

touch "$gate"
waitfor 40 all_final $a1 $a2 $a3 $a4 $a5 $b1 $b2 $b3 $g $g9
ok $? "all end"
is "$(for j in $a1 $a2 $a3 $a4 $a5 $b1 $b2 $b3 $g $g9; do jstate "$j"; done |
    sort -u)" COMPLETED "all completed"
rm -f "$gate"

# This host, whose jobs are pinned (bind=1): oversubscribe = 2 in its
# settings, and each job sees the cpuset it was given.
echo oversubscribe=2 >> "$IAR_ROOT/nodes/$N/settings"
iar-node resume "$N" >/dev/null
c=$(nproc)
h=""
for i in $(seq 1 $((2 * c))); do
	h="$h $(iar-submit --parsable --nodelist "$N" -- sh -c \
	    "grep Cpus_allowed_list /proc/self/status > $IAR_ROOT/cpus.\$IAR_JOB_ID
	    while [ ! -e $gate ]; do sleep 0.1; done")"
done
waitfor 30 all_running $h
ok $? "on this host ($c cores), oversubscribe 2: $((2 * c)) one-core jobs at once"
is "$(for j in $h; do alloc_key "$j" bind; done | sort -u)" 1 \
    "they are pinned (bind=1)"
want=$(for j in $h; do alloc_key "$j" cpus; done | sort | uniq -c |
    awk '{ print $1 }' | sort -u)
is "$want" 2 "each of the host's cores is in two of their cpusets"
seen() { [ "$(ls "$IAR_ROOT"/cpus.* 2>/dev/null | wc -l)" -eq $((2 * c)) ]; }
if cg_usable; then
	waitfor 20 seen
	is "$(for j in $h; do sed 's/.*:[[:space:]]*//' "$IAR_ROOT/cpus.$j"; done |
	    sort | tr '\n' ' ')" "$(for j in $h; do alloc_key "$j" cpus; done |
	    sort | tr '\n' ' ')" "each job runs on the cpuset it was given"
else
	ok 0 "# SKIP no writable cgroups: cpusets not applied"
fi
touch "$gate"
waitfor 40 all_final $h
ok $? "they end"
kill "$HEAD"; wait "$HEAD" 2>/dev/null
done_testing
