#!/bin/sh
# t0315-share: oversubscription, opt-in (iar-node(5) oversubscribe and
# gpu_slots). Simulated nodes with real executors, as t0310: a 2-core
# node with --oversubscribe 2 runs four one-core jobs at once, each core
# holding two of them (cpusets overlap), the least shared cores first; the
# same node without it runs two; a GPU node from tests/topo with
# --gpu-slots 2 runs two jobs per GPU, spreading over the GPUs first.
# iar-node list and the CGI keep counting busy cores as cores.
. "$(dirname "$0")/lib.sh"

pool_conf 10
iar-node add o2 --synthetic 'pack:1 core:2 pu:1' --oversubscribe 2 \
    >/dev/null &&
iar-node add p2 --synthetic 'pack:1 core:2 pu:1' >/dev/null &&
iar-node add g4 --topology "$(dirname "$0")/topo/power8gpudistances.xml" \
    --kind sim --gpu-slots 2 >/dev/null
ok $? "nodes o2 (2 cores, oversubscribe 2), p2 (2 cores), g4 (4 GPUs, 2 jobs each)"
grep -qx 'oversubscribe=2' "$IAR_ROOT/nodes/o2/settings" &&
    grep -qx 'gpu_slots=2' "$IAR_ROOT/nodes/g4/settings" &&
    ! grep -q 'oversubscribe\|gpu_slots' "$IAR_ROOT/nodes/p2/settings"
ok $? "the settings say so, and nothing where it is off"
iar-node add bad --synthetic 'pack:1 core:1 pu:1' --oversubscribe 17 \
    2>"$IAR_ROOT/err" >/dev/null
is "$?" 100 "--oversubscribe 17: a usage error (at most 16)"
pool_start o2 p2 g4
ok $? "the three nodes beat and are up"

gate=$IAR_ROOT/gate
gated() {	# gated NODE [OPTIONS]: a job that waits for the gate
	n=$1; shift
	iar-submit --parsable --nodelist "$n" "$@" -- sh -c \
	    "while [ ! -e $gate ]; do sleep 0.2; done"
}
nrunning() { c=0; for j in "$@"; do running "$j" && c=$((c + 1)); done
	echo $c; }
cpus() { sed -n 's/^cpus=//p' "$IAR_ROOT/spool/jobs/$1/alloc"; }
gpus() { sed -n 's/^gpus=//p' "$IAR_ROOT/spool/jobs/$1/alloc"; }
count_is() { [ "$(nrunning $2)" = "$1" ]; }
says() { jfield "$1" reason | grep -q "$2"; }	# says ID PATTERN

# oversubscribe = 2: four one-core jobs at once on two cores.
o=""; for i in 1 2 3 4 5; do o="$o $(gated o2)"; done
waitfor 30 count_is 4 "$o"
is "$(nrunning $o)" 4 "o2 (2 cores, oversubscribe 2) runs 4 one-core jobs at once"
set -- $o
is "$(jstate "$5")" PENDING "the fifth waits"
waitfor 20 says "$5" "cores busy: o2"
ok $? "its reason: cores busy: o2"
jfield "$5" reason | sed 's/^/# reason: /'
is "$(cpus "$1") $(cpus "$2") $(for j in $3 $4; do cpus $j; done | sort |
    tr '\n' ' ')" "0 1 0 1 " \
    "the least shared cores first: one job per core, then each core shared"
iar-node list --json | python3 -c '
import json, sys
n = {x["name"]: x for x in json.load(sys.stdin)}
o = n["o2"]
sys.exit(0 if o["running"] == 4 and o["free_cores"] == 0 and
    o["cores"] == 2 and o["oversubscribe"] == 2 and
    n["p2"]["oversubscribe"] == 1 else 1)'
ok $? "iar-node list: o2 runs 4, 0 of its 2 cores free, oversubscribe 2"
iar-node list | grep -q '^o2  *up  *2x2 '
ok $? "iar-node list: CORES shows 2x2"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO=/api/v1/nodes \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" |
    sed '1,/^\r*$/d' | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = {x["name"]: x for x in d["nodes"]}
sys.exit(0 if n["o2"]["cores_busy"] == 2 and n["o2"]["cores"] == 2 and
    n["o2"]["oversubscribe"] == 2 and n["g4"]["gpu_slots"] == 2 and
    n["p2"]["oversubscribe"] == 1 else 1)'
ok $? "CGI /api/v1/nodes: o2 has 2 of 2 cores busy, not 4; oversubscribe 2"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO=/nodes/o2 \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" > "$IAR_ROOT/o2.html"
grep -q 'Cores in use</th><td>2 of 2' "$IAR_ROOT/o2.html" &&
    grep -q '<th>Shared</th><td>each core may hold 2 jobs, each GPU 1' \
    "$IAR_ROOT/o2.html"
ok $? "the CGI's node page: 2 of 2 cores in use, each core may hold 2 jobs"

# oversubscribe off (p2): two.
p=""; for i in 1 2 3; do p="$p $(gated p2)"; done
waitfor 30 count_is 2 "$p"
sleep 1
is "$(nrunning $p)" 2 "p2 (2 cores, not shared) runs 2 one-core jobs"
set -- $p
is "$(cpus "$1") $(cpus "$2")" "0 1" "each on its own core"

# gpu_slots = 2 on four GPUs: --gpus 2 jobs take free GPUs first, then
# share; the fifth waits for a GPU.
g=""; for i in 1 2 3 4 5; do g="$g $(gated g4 --gpus 2)"; done
waitfor 30 count_is 4 "$g"
is "$(nrunning $g)" 4 "g4 (4 GPUs, gpu_slots 2) runs 4 two-GPU jobs"
set -- $g
is "$(jstate "$5")" PENDING "the fifth waits"
waitfor 20 says "$5" "GPUs in use: g4"
ok $? "its reason: GPUs in use: g4"
for j in $1 $2 $3 $4; do gpus $j | tr ',' '\n'; done | sort | uniq -c |
    awk '{print $1}' | tr '\n' ' ' > "$IAR_ROOT/gcount"
is "$(cat "$IAR_ROOT/gcount")" "2 2 2 2 " "each of the 4 GPUs holds 2 jobs"
is "$(printf '%s,%s\n' "$(gpus "$1")" "$(gpus "$2")" | tr ',' '\n' |
    sort -u | wc -l)" 4 "the first two jobs got four different GPUs"

touch "$gate"
waitfor 40 all_final $o $p $g
ok $? "all end once the gate opens"
is "$(for j in $o $p $g; do jstate $j; done | sort -u)" COMPLETED \
    "all completed"
done_testing
