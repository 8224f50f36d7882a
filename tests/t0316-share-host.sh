#!/bin/sh
# t0316-share-host: oversubscription on this host's own node, where jobs
# are pinned (bind=1): with --oversubscribe 2 twice as many one-core jobs
# as cores run at once, and each job's own view of its CPUs
# (Cpus_allowed_list in /proc/self/status, as the cpuset and affinity
# leave it) shows every core given to exactly two of them: the cpusets
# overlap, and no job gets more than its core. Then --oversubscribe 1
# turns it off again.
. "$(dirname "$0")/lib.sh"

iar-node register --oversubscribe 2 >/dev/null
N=$(ls "$IAR_ROOT/nodes")
grep -qx 'oversubscribe=2' "$IAR_ROOT/nodes/$N/settings"
ok $? "iar-node register --oversubscribe 2: this host shares its cores"
C=$(iar-node list --csv | awk -F, -v n="$N" '$1 == n { print $8 }')
[ "$C" -ge 1 ] && [ "$C" -le 8 ] ||
    skip_all "this host has $C cores (1 to 8 keep the test short)"

gate=$IAR_ROOT/gate
ids=""
i=0
while [ $i -lt $((2 * C)) ]; do
	ids="$ids $(iar-submit --parsable -- sh -c "sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status; while [ ! -e $gate ]; do sleep 0.2; done")"
	i=$((i + 1))
done
extra=$(iar-submit --parsable -- sh -c "while [ ! -e $gate ]; do sleep 0.2; done")
iar-dispatch -d 2>>"$IAR_ROOT/disp.log" &
T_PIDS="$T_PIDS $!"
all_running() { for j in $ids; do running "$j" || return 1; done; }
waitfor 30 all_running
ok $? "$((2 * C)) one-core jobs run at once on $C cores"
is "$(jstate "$extra")" PENDING "one more waits"
touch "$gate"
waitfor 40 all_final $ids "$extra"
ok $? "all end once the gate opens"
for j in $ids; do iar-log "$j"; done | sort | uniq -c |
    awk '{ print $1 }' | sort -u > "$IAR_ROOT/per-cpu"
is "$(cat "$IAR_ROOT/per-cpu")" 2 "each job saw one CPU, and each CPU was given to two jobs"
is "$(for j in $ids; do iar-log "$j"; done | sort -u | wc -l)" "$C" \
    "all $C cores were used"

iar-node register --oversubscribe 1 >/dev/null
! grep -q oversubscribe "$IAR_ROOT/nodes/$N/settings"
ok $? "--oversubscribe 1: off again (the key is gone)"
done_testing
