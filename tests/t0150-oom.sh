#!/bin/sh
# t0150-oom: a job over its --mem limit is killed by the kernel and ends
# OUT_OF_MEMORY; a job under it completes and reports its peak.
. "$(dirname "$0")/lib.sh"

cg_usable || skip_all "cgroups not writable here"
iar-dispatch -1
lim=$(cat "$IAR_ROOT"/nodes/*/limits 2>/dev/null)
case $lim in
"" | none*) skip_all "limits not enforced: ${lim:-no nodes/*/limits}" ;;
esac

S=$IAR_ROOT/spool
res() { sed -n "s/^$2=//p" "$S/jobs/$1/result"; }

# The hog: touch 256 MiB, a page at a time. A C program if there is a
# compiler, else python3.
HOG=""
if command -v cc >/dev/null 2>&1; then
	cat > "$IAR_ROOT/hog.c" <<'EOF'
#include <stdlib.h>
int main(void)
{
	size_t n = (size_t)256 << 20, i;
	char *p = malloc(n);

	if (!p)
		return 2;
	for (i = 0; i < n; i += 4096)
		p[i] = 1;
	return p[n / 2] == 1 ? 0 : 3;
}
EOF
	cc -O0 -o "$IAR_ROOT/hog" "$IAR_ROOT/hog.c" 2>/dev/null &&
	    HOG="$IAR_ROOT/hog"
fi
if [ -z "$HOG" ] && command -v python3 >/dev/null 2>&1; then
	HOG="python3 -c b=b'x'*(256<<20)"
fi
[ -n "$HOG" ] || skip_all "neither cc nor python3 to make a memory hog"

# A control group of our own may not be enforced if the memory
# controller is missing; say so rather than fail.
[ -d "/sys/fs/cgroup/memory" ] || [ -f /sys/fs/cgroup/cgroup.controllers ] ||
    skip_all "no memory controller"

o=$(iar-submit --parsable --mem 32M -J hog -- $HOG)
s=$(iar-submit --parsable --mem 64M -J small -- sh -c \
    'cat /sys/fs/cgroup/memory/'"$T_CG"'/$IAR_JOB_ID/memory.limit_in_bytes 2>/dev/null ||
     cat /sys/fs/cgroup/'"$T_CG"'/$IAR_JOB_ID/memory.max; echo small done')
drain 30
ok $? "drain"

is "$(jstate "$o")" OUT_OF_MEMORY "256 MiB under --mem 32M: OUT_OF_MEMORY"
is "$(jfield "$o" signal)" 9 "killed by signal 9"
is "$(jfield "$o" mem)" 33554432 "mem column: the limit in bytes"
is "$(jfield "$o" reason)" "out of memory (limit 32M)" \
    "reason: the limit as the user wrote it"
is "$(res "$o" state)" OUT_OF_MEMORY "result file: OUT_OF_MEMORY"
is "$(res "$o" limits)" cgroup "result file: limits=cgroup"
p=$(jfield "$o" mem_peak)
[ "${p:-0}" -gt 0 ] && [ "$p" -le $((40 << 20)) ]
ok $? "hog's mem_peak is > 0 and near the limit ($p)"
iar-wait "$o"
is $? 137 "iar-wait: 128+9"

is "$(jstate "$s")" COMPLETED "a small job under --mem 64M: COMPLETED"
is "$(jlog "$S/jobs/$s/stdout")" "$(printf '67108864\nsmall done')" \
    "the job's memory cgroup has the 64 MiB limit"
p=$(jfield "$s" mem_peak)
[ "${p:-0}" -gt 0 ] && [ "$p" -lt $((64 << 20)) ]
ok $? "small job's mem_peak > 0 and under the limit ($p)"
is "$(jfield "$s" limits)" cgroup "limits column: cgroup"
is "$(jfield "$s" mem)" 67108864 "mem column: 64 MiB"

# A job with no --mem and a 256 MiB hog is not killed (default_mem = 0).
f=$(iar-submit --parsable -J free -- $HOG)
drain 30
is "$(jstate "$f")" COMPLETED "the same hog with no --mem: COMPLETED"

done_testing
