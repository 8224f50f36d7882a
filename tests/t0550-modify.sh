#!/bin/sh
# t0550-modify: iar-modify. A held and a queued job get a new priority,
# walltime, memory, cores and name: the job file is rewritten whole, still
# owned by its user, and iar-stat and the scheduler see the new values; a
# user cannot raise a priority or lengthen a walltime; a running job's
# memory limit changes in its cgroup; the history says who changed what.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
N=$(ls "$IAR_ROOT/nodes")
# as CMD...: run an iar command as an ordinary user, made here (root
# only where useradd cannot).
U=root
made=""
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null; then
	U=iarmod1
	id $U >/dev/null 2>&1 || { useradd -M -s /bin/sh $U && made=1; } ||
	    U=root
fi
trap '[ -n "$made" ] && userdel $U 2>/dev/null; t_cleanup' EXIT
if [ $U != root ]; then
	# A multi-user root on an installed tree (t0230).
	t_install && "$T_BIN/iar-init" --group iar "$IAR_ROOT" >/dev/null \
	    2>&1 || U=root
fi
as() { if [ $U = root ]; then "$@"; else
	su $U -s /bin/sh -c "cd /tmp && IAR_ROOT=$IAR_ROOT \
	    PATH=$T_BIN:$PATH $*"; fi; }

iar-modify 2>/dev/null
is $? 100 "no options: 100"
iar-modify -p 1 2>/dev/null
is $? 100 "no job: 100"
iar-modify --help | grep -q '^usage: iar-modify'
ok $? "--help"

h=$(as iar-submit --parsable -H -J old --priority -1 -t 1:00:00 -- true)
iar-dispatch -1
is "$(jstate "$h")" HELD "a held job ($U)"
as iar-modify -p 5 "$h" 2>"$IAR_ROOT/e"
r=$?
if [ $U = root ]; then ok 0 "(root may raise a priority)"; else
	is "$r,$(cat "$IAR_ROOT/e")" \
	    "101,iar-modify: cannot modify job $h: only root may raise a priority" \
	    "a user cannot raise a priority"
	as iar-modify -t 2:00:00 "$h" 2>/dev/null
	is $? 101 "nor lengthen a walltime"
fi
as iar-modify -p -3 -t 10:00 --mem 300M -c 1 -J renamed "$h"
is $? 0 "lower priority, shorter walltime, memory, cores, name: sent"
iar-dispatch -1
f=$S/hold/$h
grep -q '^prio=-3$' "$f" && grep -q '^time=600$' "$f" &&
    grep -q "^mem=$((300 * 1024 * 1024))\$" "$f" && grep -q '^name=renamed$' "$f"
ok $? "the held job's file has the new values"
is "$(stat -c %U "$f")" "$U" "still owned by $U"
is "$(jfield "$h" name),$(jfield "$h" prio),$(jfield "$h" time)" \
    "renamed,-3,600" "iar-stat shows them"
ls -a "$S/hold" | grep -q '^\.modify' && fail=1 || fail=0
is $fail 0 "no temporary file left"

# A queued job (the node drained so that it waits), then released: it runs
# with what it was changed to.
iar-node drain "$N" --reason test
q=$(iar-submit --parsable -J q -- sh -c 'echo "$IAR_JOB_NAME"')
iar-dispatch -1
iar-modify -J changed --mem 200M "$q"
iar-dispatch -1
is "$(jfield "$q" name),$(jstate "$q")" changed,PENDING "a queued job renamed"
iar-node resume "$N"
drain 30
is "$(jstate "$q"),$(iar-log "$q")" COMPLETED,changed \
    "it ran with its new name"
grep -q "^mem=$((200 * 1024 * 1024))\$" "$S/jobs/$q/alloc"
ok $? "and was scheduled with its new memory"

# A running job's memory.
if cg_usable && [ -d /sys/fs/cgroup/memory ]; then
	rj=$(iar-submit --parsable --mem 400M -- sleep 30)
	iar-dispatch -1
	lim() { cat /sys/fs/cgroup/memory/"$T_CG"/"$rj"/memory.limit_in_bytes; }
	# The pass starts the shepherd, which makes the cgroup a moment later.
	i=0; while [ $i -lt 100 ] && ! [ -e /sys/fs/cgroup/memory/"$T_CG"/"$rj"/memory.limit_in_bytes ]; do
		sleep 0.1; i=$((i + 1)); done
	is "$(lim)" $((400 * 1024 * 1024)) "a running job with 400M"
	iar-modify -p 1 "$rj" 2>"$IAR_ROOT/e"
	is "$?,$(cat "$IAR_ROOT/e")" \
	    "101,iar-modify: cannot modify job $rj: it is RUNNING: only --mem can change" \
	    "only --mem for a running job"
	iar-modify --mem 250M "$rj"
	iar-dispatch -1
	is "$(lim)" $((250 * 1024 * 1024)) "its cgroup limit is now 250M"
	grep -q "^mem=$((250 * 1024 * 1024))\$" "$S/jobs/$rj/alloc"
	ok $? "and its alloc says so"
	iar-cancel "$rj"
	drain 30
fi

# The history says who changed what.
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="/api/v1/jobs/$h" \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" > "$IAR_ROOT/ev"
grep -q '"cause":"modified by uid [0-9]*: prio=-3 time=600 mem=314572800 cores=1 name"' \
    "$IAR_ROOT/ev"
ok $? "the history: modified by uid N: prio=-3 time=600 mem=... name"
done_testing
