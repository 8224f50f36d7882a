#!/bin/sh
# t0175-bignode: the dispatcher on real machines' topologies (simulated
# nodes, each with its executor): a big job on a fragmented 384-PU node
# starts with its whole PU list (once cut to 128 bytes and left pending
# without a word), a smaller job behind it waits; on a DGX-2 a GPU job
# gets a GPU near its core and sees it in PCI bus order; --numa --mem
# larger than any NUMA node's memory never runs.
. "$(dirname "$0")/lib.sh"

N=$(ls "$IAR_ROOT/nodes")
TD=$TOP/tests/topo
cat >> "$IAR_ROOT/etc/iar.conf" <<CONF
heartbeat_interval = 1
heartbeat_timeout = 4
placement = pack
head_node = $N
CONF
iar-node add big --topology "$TD/192em64t-24n8c2t.xml" --kind sim \
    >/dev/null &&
iar-node add dgx --topology "$TD/nvidiaDGX2.xml" --kind sim --tags gpu \
    >/dev/null &&
iar-node add hy --topology "$TD/20em64t-hybrid-1p6c2t+2ca4co1t.xml" \
    --kind sim --tags hybrid >/dev/null
ok $? "three simulated nodes: 192 cores (24 NUMA nodes), DGX-2 (16 GPUs)," \
    "a hybrid laptop"
iar-node drain "$N" --reason "head only"

iar-dispatch -d 2>>"$IAR_ROOT/head.log" &
T_PIDS="$T_PIDS $!"
for n in big dgx hy; do
	iar-dispatch -d --node $n 2>>"$IAR_ROOT/exec-$n.log" &
	T_PIDS="$T_PIDS $!"
done
up() { [ "$(iar-node list --csv | grep -c ',up,')" -ge 3 ]; }
waitfor 20 up
ok $? "the nodes beat and are up"
alloc() { sed -n "s/^$2=//p" "$IAR_ROOT/spool/jobs/$1/alloc" 2>/dev/null; }
in_state() {	# in_state STATE ID...
	s=$1; shift
	for j in "$@"; do [ "$(jstate "$j")" = "$s" ] || return 1; done
}
npus() { echo "$1" | tr ',' '\n' |
	awk -F- '{ n += ($2 == "" ? 1 : $2 - $1 + 1) } END { print n + 0 }'; }

# Fragment: 80 one-core jobs take cores 0..79 in order; every other one
# is cancelled, leaving 40 single free cores among busy ones.
gate=$IAR_ROOT/gate
ids=""
i=0
while [ $i -lt 80 ]; do
	ids="$ids $(iar-submit --parsable --nodelist big -J f$i -- \
	    sh -c "while [ ! -e $gate ]; do sleep 1; done")"
	i=$((i + 1))
done
waitfor 180 in_state RUNNING $ids
ok $? "80 one-core jobs run on big"
i=0
gone=""
for j in $ids; do
	if [ $((i % 2)) = 1 ]; then
		iar-cancel "$j" >/dev/null
		gone="$gone $j"
	fi
	i=$((i + 1))
done
waitfor 60 in_state CANCELLED $gone
ok $? "every other one cancelled: 152 free cores, 40 of them alone"

big=$(iar-submit --parsable --nodelist big -c 152 -J big -- \
    sh -c "while [ ! -e $gate ]; do sleep 1; done")
small=$(iar-submit --parsable --nodelist big -c 1 -J small -- true)
waitfor 30 in_state RUNNING "$big"
ok $? "-c 152 on the fragmented node runs (not left pending)"
c=$(alloc "$big" cpus)
is "$(npus "$c")" 304 "its alloc holds all 304 PUs"
[ ${#c} -gt 128 ]
ok $? "a PU list of ${#c} bytes, longer than the 128 once kept"
waitfor 30 grep -q "^$small=.*cores busy: big" "$IAR_ROOT/spool/why"
ok $? "the node is full: a small job behind it waits, and why says so"
is "$(jstate "$small")" PENDING "it is pending"
page() {	# page PATH_INFO: the CGI's answer in $IAR_ROOT/page
	env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="$1" \
	    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" > "$IAR_ROOT/page" 2>&1
}
page /nodes/big
is "$(grep -o "held by job $big<" "$IAR_ROOT/page" | wc -l)" 304 \
    "the node page colours the big job's 304 PUs"
is "$(grep -o 'held by job [0-9]*<' "$IAR_ROOT/page" | wc -l)" 384 \
    "and every PU of the full node is someone's"
touch "$gate"
waitfor 60 in_state COMPLETED "$small"
ok $? "then it runs"

# DGX-2: a GPU job gets a GPU near its core, in bus order.
g=$(iar-submit --parsable --constraint gpu -c 1 --gpus 1 -J g -- \
    sh -c 'echo "$CUDA_VISIBLE_DEVICES $CUDA_DEVICE_ORDER"')
waitfor 60 in_state COMPLETED "$g"
is "$(alloc "$g" gpus),$(alloc "$g" mems)" "0,0" "GPU 0, near NUMA node 0"
is "$(jlog "$IAR_ROOT/spool/jobs/$g/stdout")" "0 PCI_BUS_ID" \
    "the job sees CUDA_VISIBLE_DEVICES=0 in PCI bus order"
page "/jobs/$g"
grep -q ', GPUs 0</td>' "$IAR_ROOT/page"
ok $? "its job page names its GPU"
n=$(iar-submit --parsable --constraint gpu -c 2 --numa --mem 1000G -J n \
    -- true)
waitfor 30 in_state FAILED "$n"
ok $? "--numa --mem 1000G on the DGX-2 (755G per NUMA node): never runs"
reason_numa() { jfield "$n" reason 2>/dev/null |
	grep -q 'no NUMA node that large: dgx'; }
waitfor 30 reason_numa
ok $? "and the reason says no NUMA node is that large"

# --cpu-kind on the hybrid: P-cores are PUs 0-11, E-cores 12-19.
iar-submit --cpu-kind x -- true 2>/dev/null
is $? 100 "--cpu-kind x: a usage error"
e=$(iar-submit --parsable -C hybrid -c 2 --cpu-kind e -J e -- true)
p=$(iar-submit --parsable -C hybrid -c 2 --cpu-kind p -J p -- true)
waitfor 60 in_state COMPLETED "$e" "$p"
is "$(alloc "$e" cpus),$(alloc "$p" cpus)" "12-13,0-3" \
    "--cpu-kind e got two E-cores, p two P-cores (2 threads each)"
x=$(iar-submit --parsable -C hybrid -c 7 --cpu-kind p -J x -- true)
reason_kind() { jfield "$x" reason 2>/dev/null |
	grep -q 'too few cores of that kind: hy'; }
waitfor 30 reason_kind
ok $? "-c 7 --cpu-kind p (6 P-cores): never, and says why"

done_testing
