#!/bin/sh
# t0316-groups: node groups (iar-node(5) GROUPS). Two simulated nodes
# whose executors' locks are held (the head sees them live and assigns to
# them; nothing runs), the host's own node drained. iar-node group makes
# nodes/.groups/NAME durable and lists it; --group NAME and -p NAME put a
# job on the group's node only; a job for a group no node is in ends
# FAILED at once with why; removing the group takes it away again; a
# group of a node that does not exist is refused (102).
. "$(dirname "$0")/lib.sh"
command -v flock >/dev/null || skip_all "no flock(1)"

N=$IAR_ROOT/nodes
S=$IAR_ROOT/spool
echo "heartbeat_timeout = 86400" >> "$IAR_ROOT/etc/iar.conf"
iar-node drain "$(ls "$N")" --reason test >/dev/null
for n in n1 n2; do
	iar-node add $n --synthetic 'pack:1 core:4 pu:1' >/dev/null
	iar-heartbeat --once --node $n
	flock -F "$N/$n/lock" sleep 600 >/dev/null 2>&1 & T_PIDS="$T_PIDS $!"
done
sleep 0.3

iar-node group big n2
ok $? "iar-node group big n2"
is "$(sed -n 2p "$N/.groups/big")" "nodes=n2" "nodes/.groups/big names n2"
is "$(iar-node group -l)" "big n2" "iar-node group -l lists it"
iar-node group ghost n9 2>"$IAR_ROOT/err"
is "$?:$(cat "$IAR_ROOT/err")" \
    "102:iar-node: cannot put node 'n9' in group 'ghost': no such node" \
    "a group of a node that does not exist: 102"
iar-node group 'bad/name' n1 2>/dev/null
is $? 100 "a bad group name: 100"

j1=$(iar-submit --parsable --group big -- true)
j2=$(iar-submit --parsable -p big -- true)
j3=$(iar-submit --parsable --group big -- true)
j4=$(iar-submit --parsable --group nosuch -- true)
iar-dispatch -1 >/dev/null 2>&1
for j in $j1 $j2 $j3; do
	[ -e "$S/run/n2/$j" ]
	ok $? "job $j is assigned to n2, the group's node"
done
is "$(jstate "$j4")" FAILED "a job for a group no node is in: FAILED"
case $(jfield "$j4" reason) in
*"no node can ever run it"*) r=0 ;; *) r=1 ;; esac
ok $r "with why: $(jfield "$j4" reason)"

iar-node group -d big
ok $? "iar-node group -d big"
[ ! -e "$N/.groups/big" ]
ok $? "the group file is gone"
iar-node group -d big 2>/dev/null
is $? 102 "removing it again: 102"
j5=$(iar-submit --parsable --group big -- true)
iar-dispatch -1 >/dev/null 2>&1
is "$(jstate "$j5")" FAILED "once removed, --group big matches no node"

done_testing
