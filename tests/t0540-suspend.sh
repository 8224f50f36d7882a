#!/bin/sh
# t0540-suspend: iar-suspend and iar-resume. A CPU-burning job is frozen
# (its cgroup's cpuacct.usage stops growing), shows SUSPENDED with the
# history events, resumes and burns again; its walltime stops while it
# is frozen; a suspended job can be cancelled; requests for jobs not in
# the right state, or not the caller's, are refused by the commands.
. "$(dirname "$0")/lib.sh"

cg_usable || skip_all "no writable cgroups here: the freezer needs them"
[ -d /sys/fs/cgroup/freezer ] || [ -f /sys/fs/cgroup/cgroup.freeze ] ||
    skip_all "no cgroup freezer on this host"
echo "kill_grace = 1" >> "$IAR_ROOT/etc/iar.conf"
iar-dispatch -d 2>"$IAR_ROOT/d.log" &
T_PIDS="$T_PIDS $!"
state_is() { [ "$(jstate "$1")" = "$2" ]; }
usage() {	# usage ID: CPU nanoseconds of the job's cgroup
	cat /sys/fs/cgroup/cpuacct/"$T_CG"/"$1"/cpuacct.usage 2>/dev/null ||
	    sed -n 's/^usage_usec \([0-9]*\)/\1000/p' \
	    /sys/fs/cgroup/"$T_CG"/"$1"/cpu.stat
}

j=$(iar-submit --parsable -J burn -- sh -c 'while :; do :; done')
waitfor 20 state_is "$j" RUNNING
ok $? "a CPU-burning job runs"
iar-resume "$j" 2>"$IAR_ROOT/e"
is "$?,$(cat "$IAR_ROOT/e")" \
    "101,iar-resume: cannot resume job $j: it is RUNNING" \
    "resume of a running job: 101 with the reason"
sleep 0.5
iar-suspend "$j"
is $? 0 "iar-suspend exits 0"
waitfor 10 state_is "$j" SUSPENDED
ok $? "the job shows SUSPENDED"
jfield "$j" reason | grep -q '^suspended since [0-9:]*$'
ok $? "its reason says since when"
sleep 0.3
u1=$(usage "$j"); sleep 1; u2=$(usage "$j")
echo "# cpuacct.usage while frozen: $u1 -> $u2"
[ -n "$u1" ] && [ $((u2 - u1)) -lt 10000000 ]
ok $? "frozen: under 10 ms of CPU in a second"
iar-suspend "$j" 2>/dev/null
is $? 101 "suspend of a suspended job: 101"
iar-resume "$j"
waitfor 10 state_is "$j" RUNNING
ok $? "resumed: RUNNING again"
# A thawed busy loop gains CPU again; on a loaded machine it may get
# less than its share, so allow it up to 5 s (frozen it gained none).
u1=$(usage "$j"); n=0
while :; do
	sleep 0.5; n=$((n + 1)); u2=$(usage "$j")
	[ $((u2 - u1)) -gt 300000000 ] || [ $n -ge 10 ] && break
done
echo "# cpuacct.usage after resume: $u1 -> $u2 in $((n * 500)) ms"
[ $((u2 - u1)) -gt 300000000 ]
ok $? "resumed: over 300 ms of CPU within 5 s"
if id iartest1 >/dev/null 2>&1; then
	su iartest1 -s /bin/sh -c "IAR_ROOT=$IAR_ROOT $TOP/bin/iar-suspend $j" \
	    2>"$IAR_ROOT/e"
	is "$?,$(cat "$IAR_ROOT/e")" \
	    "102,iar-suspend: cannot suspend job $j: not your job" \
	    "another user cannot suspend it"
fi
iar-suspend "$j"
waitfor 10 state_is "$j" SUSPENDED
iar-cancel "$j"
waitfor 20 state_is "$j" CANCELLED
ok $? "a suspended job is cancelled"
[ ! -d /sys/fs/cgroup/freezer/"$T_CG"/"$j" ]
ok $? "and its cgroup is gone"

# Walltime stops while frozen: -t 0:03 (3 s), frozen for 4 s after 1 s.
w=$(iar-submit --parsable -t 0:03 -- sleep 30)
waitfor 20 state_is "$w" RUNNING
sleep 1
iar-suspend "$w"
waitfor 10 state_is "$w" SUSPENDED
t0=$(date +%s)
sleep 4
is "$(jstate "$w")" SUSPENDED "after 5 s with -t 3, frozen 4 s: not timed out"
iar-resume "$w"
waitfor 20 state_is "$w" TIMEOUT
ok $? "after resume the rest of its walltime runs out: TIMEOUT"
t1=$(date +%s)
[ $((t1 - t0)) -ge 5 ]
ok $? "it ended $((t1 - t0)) s after being frozen (>= 5: 4 frozen + ~2 left)"
# The events, in the history the CGI reads.
sleep 1
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="/api/v1/jobs/$j" \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" > "$IAR_ROOT/ev"
grep -q '"state":"SUSPENDED","cause":"suspended by uid 0"' "$IAR_ROOT/ev" &&
    grep -q '"state":"RUNNING","cause":"resumed by uid 0"' "$IAR_ROOT/ev"
ok $? "the history has 'suspended by uid 0' and 'resumed by uid 0'"
done_testing
