#!/bin/sh
# t0620-user-day: an ordinary user's day on a shared install (issue 14),
# as a new user meets it: the programs installed (make install), the
# root made by the installed iar-init --group, the dispatcher run by
# root, and everything else done as the user iartest1 through the
# set-gid commands.
#   - iar-wait never misses a job that exists, while an array expands
#     and jobs come and go (submit --parsable, then iar-wait, 25 times);
#   - a listing shows every job exactly once at every moment, while jobs
#     end and move from the spool into the history;
#   - a job --after another starts at once when that one ends;
#   - a job held back by a backfill reservation says why;
#   - a --git repository owned by another user fails with git's reason
#     (dubious ownership) and how to allow it;
#   - an out-of-memory reason gives the limit as the user wrote it;
#   - plain iar-stat lists live and recently ended jobs, -a all of them;
#   - iar-log of a held job, -W of a job that can never run and a bad
#     option each say what is wrong.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "not root (needs a second user)"
command -v useradd >/dev/null || skip_all "no useradd"
command -v python3 >/dev/null || skip_all "no python3"
t_install || { echo "Bail out! make install failed"; exit 1; }
U=iartest1
made=""
id $U >/dev/null 2>&1 || { useradd -M -s /bin/sh $U && made=1; }
trap 't_cleanup; [ -n "$made" ] && userdel $U 2>/dev/null' EXIT
R=$IAR_ROOT
"$T_BIN/iar-init" --group iar "$R" >/dev/null 2>"$R.err"
ok $? "iar-init --group iar (installed) $(cat "$R.err")"
rm -f "$R.err"
# The user's shell: the installed commands first on PATH, in /tmp.
as_u() { su $U -s /bin/sh -c "cd /tmp && IAR_ROOT=$R PATH=$T_BIN:/usr/bin:/bin \
    ASAN_OPTIONS='$ASAN_OPTIONS' UBSAN_OPTIONS='$UBSAN_OPTIONS' $*"; }
IAR_ROOT=$R setsid "$T_DEST/usr/libexec/iar/iar-dispatch" -d \
    2>"$R/dispatch.log" &
T_PIDS="$T_PIDS $!"
jf() {	# jf ID FIELD: one field of iar-stat --json, as the user reads it
	as_u "iar-stat --json -j $1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["jobs"][0][sys.argv[1]])' "$2"
}

# 2. iar-wait finds every job, while an array of 200 tasks expands.
cat > "$R/wait.sh" <<'EOF'
a=$(iar-submit --parsable --array 1-200 -- sleep 0.05) || exit 1
miss=0
for i in $(seq 25); do
	id=$(iar-submit --parsable -- true) || exit 1
	iar-wait "$id" 2>>/tmp/iar-t0620.$$ || miss=$((miss + 1))
done
iar-wait "$a" || miss=$((miss + 100))
cat /tmp/iar-t0620.$$ >&2; rm -f /tmp/iar-t0620.$$
echo "$miss"
EOF
is "$(as_u "sh $R/wait.sh" 2>"$R/wait.err")" 0 \
    "iar-wait after iar-submit --parsable: no job missed in 25, array too $(head -3 "$R/wait.err")"

# 3. Every listing holds every job exactly once, while 30 jobs end.
cat > "$R/list.sh" <<'EOF'
ids=""
for i in $(seq 30); do
	ids="$ids $(iar-submit --parsable -- sleep 0.$((i % 5))$i)" || exit 1
done
bad=0 n=0
while [ $n -lt 80 ]; do
	iar-stat -a -n --tsv | cut -f1 | sort | uniq -c > /tmp/iar-t0620l.$$
	for id in $ids; do
		grep -qx " *1 $id" /tmp/iar-t0620l.$$ || {
			bad=$((bad + 1)); echo "listing $n: job $id" \
			    "$(grep " $id\$" /tmp/iar-t0620l.$$)" >&2; }
	done
	n=$((n + 1))
done
rm -f /tmp/iar-t0620l.$$
iar-wait $ids >/dev/null
echo "$bad"
EOF
is "$(as_u "sh $R/list.sh" 2>"$R/list.err")" 0 \
    "80 listings while 30 jobs end: each job in each exactly once $(head -3 "$R/list.err")"

# 4. A job --after another starts when it ends, not seconds later.
a=$(as_u "iar-submit --parsable -- sleep 1")
b=$(as_u "iar-submit --parsable --after $a:ok -- true")
as_u "iar-wait $b"
gap=$(python3 -c '
import datetime, sys
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
print("%.3f" % (t(sys.argv[2]) - t(sys.argv[1])).total_seconds())' \
    "$(jf "$a" ended)" "$(jf "$b" started)")
python3 -c "import sys; sys.exit(0 if $gap < 1.5 else 1)"
ok $? "--after: started ${gap}s after its dependency ended (under 1.5 s)"

# 5. A one-core job held back by a backfill reservation says why.
n=$(nproc)
long=$(as_u "iar-submit --parsable -t 1:00 -- sleep 60")
i=0; while [ $i -lt 50 ] && [ "$(jf "$long" state)" != RUNNING ]; do
	sleep 0.1; i=$((i + 1)); done
big=$(as_u "iar-submit --parsable -c $n -- true")
small=$(as_u "iar-submit --parsable -- true")
i=0; while [ $i -lt 30 ] && [ -z "$(jf "$small" reason)" ]; do
	sleep 0.1; i=$((i + 1)); done
case $(jf "$small" reason) in "reserved for a job ahead of it"*) r=0 ;;
	*) r=1 ;; esac
[ "$n" -ge 2 ] || r=0	# one core: the small job waits for cores instead
ok $r "held back by backfill: $(jf "$small" reason)"
grep -q "^$small=" "$R/spool/why"
ok $? "... and it has its line in spool/why"
as_u "iar-cancel $long $big $small" >/dev/null

# 10. A repository another user owns: git's reason, and the way out.
G="git -C $R/repo"
(git init -q -b main "$R/repo" && $G config user.email t@example.org &&
    $G config user.name t && echo 'echo hi' > "$R/repo/run.sh" &&
    $G add run.sh && $G commit -qm one) >/dev/null 2>&1
j=$(as_u "iar-submit --parsable --git $R/repo -- sh run.sh")
as_u "iar-wait $j" >/dev/null
why=$(jf "$j" reason)
case $why in *"owned by root"*"dubious ownership"*safe.directory*) r=0 ;;
	*) r=1 ;; esac
ok $r "--git of root's repository: $why"

# 11. Out of memory: the limit as the user wrote it.
if cg_usable; then
	j=$(as_u "iar-submit --parsable --mem 32M -- python3 -c \"b=b'x'*(256<<20)\"")
	as_u "iar-wait $j" >/dev/null
	is "$(jf "$j" state) $(jf "$j" reason)" \
	    "OUT_OF_MEMORY out of memory (limit 32M)" "OOM reason: 32M"
else
	ok 0 "# SKIP no usable cgroups for the OOM case"
fi

# 14. Plain iar-stat: live jobs and those ended lately; -a: all.
old=$(as_u "iar-submit --parsable -- true")
as_u "iar-wait $old"
sleep 2
live=$(as_u "iar-submit --parsable -H -- true")
has() { printf '%s\n' "$1" | cut -f1 | grep -qx "$2"; }
l=$(as_u "iar-stat -n --tsv")
has "$l" "$old" && has "$l" "$live"
ok $? "plain iar-stat: a held job and one that ended seconds ago"
l=$(as_u "iar-stat -n --tsv --since 0:01")
! has "$l" "$old" && has "$l" "$live"
ok $? "--since 0:01: not the job that ended 2 s ago, the held one yes"
l=$(as_u "iar-stat -n --tsv -a")
has "$l" "$old" && has "$l" "$live" && has "$l" "$a"
ok $? "-a: all of them"

# 9. iar-log of a job with no output yet says why.
as_u "iar-log $live" >/dev/null 2>"$R/log.err"
is "$?:$(cat "$R/log.err")" "102:iar-log: no output yet: job $live is HELD" \
    "iar-log of a held job: exit 102 and why"
as_u "iar-cancel $live" >/dev/null

# 6. -W of a job that fails before it runs says why.
as_u "iar-submit -W --gpus 1 -- true" >/dev/null 2>"$R/w.err"
r=$?
case $(cat "$R/w.err") in *"ended FAILED before it started: no node can ever run it"*)
	[ $r -eq 1 ]; r=$? ;; *) r=1 ;; esac
ok $r "-W --gpus 1: exit 1 and why: $(cat "$R/w.err")"

# 7. A bad option: one shape, naming the word.
as_u "iar-node --bogus" >/dev/null 2>"$R/o.err"
is "$?:$(head -1 "$R/o.err")" "100:iar-node: unknown option '--bogus'" \
    "iar-node --bogus: exit 100, the bad word named"
rm -f "$R/log.err" "$R/w.err" "$R/o.err"
done_testing
