#!/bin/sh
# t0160-cpuset: a job runs on the cores it was given (cpuset), in its own
# cgroup under the root's cgroup parent, and the cgroup goes with it.
. "$(dirname "$0")/lib.sh"

cg_usable || skip_all "cgroups not writable here"
iar-dispatch -1
lim=$(cat "$IAR_ROOT"/nodes/*/limits 2>/dev/null)
case $lim in
"" | none*) skip_all "limits not enforced: ${lim:-no nodes/*/limits}" ;;
esac

S=$IAR_ROOT/spool
res() { sed -n "s/^$2=//p" "$S/jobs/$1/result"; }
allowed() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$1"; }
HIER="memory cpu cpuacct cpuset pids freezer"

# One job: where it runs, as it sees it and as iar says.
j=$(iar-submit --parsable -J where -- sh -c '
	grep Cpus_allowed_list /proc/self/status
	echo "IAR_CPUS=$IAR_CPUS"
	cat /proc/self/cgroup
	cat /sys/fs/cgroup/cpuset/'"$T_CG"'/$IAR_JOB_ID/cpuset.cpus')
drain 30
is "$(jstate "$j")" COMPLETED "the job COMPLETED"
O=$IAR_ROOT/work.out; jlog "$S/jobs/$j/stdout" > "$O"
c=$(jfield "$j" cpus)
[ -n "$c" ]
ok $? "iar-stat gives its cpus ($c)"
is "$(res "$j" cpus)" "$c" "the result file says the same"
is "$(allowed "$O")" "$c" "Cpus_allowed_list in the job is its cpus"
is "$(sed -n 's/^IAR_CPUS=//p' "$O")" "$c" "IAR_CPUS is its cpus"
is "$(tail -1 "$O")" "$c" "the cgroup's cpuset.cpus is its cpus"
grep -q "^[0-9]*:memory:/$T_CG/$j\$" "$O"
ok $? "its memory cgroup is $T_CG/$j"
for h in cpuset freezer pids; do
	grep -q "^[0-9]*:\([a-z_,]*,\)\{0,1\}$h\(,[a-z_,]*\)\{0,1\}:/$T_CG/$j\$" "$O"
	ok $? "its $h cgroup is $T_CG/$j"
done
left=""
for h in $HIER; do
	[ -d "/sys/fs/cgroup/$h/$T_CG/$j" ] && left="$left $h"
done
is "$left" "" "its cgroup directories are gone"

# Two one-core jobs at once get different cores.
N=$(nproc)
if [ "$N" -ge 2 ]; then
	a=$(iar-submit --parsable -c 1 -J two-a -- sh -c \
	    'grep Cpus_allowed_list /proc/self/status; sleep 2')
	b=$(iar-submit --parsable -c 1 -J two-b -- sh -c \
	    'grep Cpus_allowed_list /proc/self/status; sleep 2')
	drain 30
	is "$(jstate "$a")" COMPLETED "first one-core job COMPLETED"
	is "$(jstate "$b")" COMPLETED "second one-core job COMPLETED"
	ca=$(jlog "$S/jobs/$a/stdout" | sed -n "s/^Cpus_allowed_list:[[:space:]]*//p")
	cb=$(jlog "$S/jobs/$b/stdout" | sed -n "s/^Cpus_allowed_list:[[:space:]]*//p")
	if [ "$(res "$b" started)" -lt "$(res "$a" ended)" ]; then
		ok 0 "they ran at the same time"
		[ -n "$ca" ] && [ -n "$cb" ] && [ "$ca" != "$cb" ]
		ok $? "on different cpus ($ca, $cb)"
		# No cpu in common at all.
		common=$(for l in "$ca" "$cb"; do
			echo "$l" | tr ',' '\n' | awk -F- \
			    '{e = NF > 1 ? $2 : $1; for (i = $1; i <= e; i++) print i}' |
			    sort -u
		done | sort | uniq -d)
		is "$common" "" "no cpu shared"
	else
		# hwloc found fewer whole cores than nproc (SMT): one at a time.
		ok 0 "# SKIP only one core free at a time (nproc $N)"
	fi
	is "$(jfield "$a" cpus)" "$ca" "first job: cpus column matches"
	is "$(jfield "$b" cpus)" "$cb" "second job: cpus column matches"
	left=""
	for x in "$a" "$b"; do
		for h in $HIER; do
			[ -d "/sys/fs/cgroup/$h/$T_CG/$x" ] && left="$left $h/$x"
		done
	done
	is "$left" "" "their cgroup directories are gone"
else
	ok 0 "# SKIP one cpu only: no two jobs at once"
fi

done_testing
