#!/bin/sh
# t0100-path: the whole path of a job, from iar-submit through a
# dispatcher pass and the shepherd to iar-stat, iar-log and iar-wait.
. "$(dirname "$0")/lib.sh"

W=$IAR_ROOT/work
mkdir -p "$W/sub"
cd "$W" || exit 1
res() { sed -n "s/^$2=//p" "$IAR_ROOT/spool/jobs/$1/result"; }

# A script file with #IAR directives.
cat > "$W/job.sh" <<'EOF'
#!/bin/sh
#IAR -J pathjob
#IAR -c 1
#IAR -t 1
echo "out of script"
echo "err of script" >&2
EOF
out=$(iar-submit "$W/job.sh"); rc=$?
is "$rc" 0 "submit a script file"
case $out in "Submitted job "[0-9]*) r=0 ;; *) r=1 ;; esac
ok $r "submit says 'Submitted job N' ($out)"
s=${out#Submitted job }

# A command after --, with --parsable: only digits.
c=$(iar-submit --parsable -- echo hello world)
echo "$c" | grep -qx '[0-9][0-9]*'
ok $? "--parsable prints only the id ($c)"
is "$(printf '%s\n' "$c" | wc -l)" 1 "--parsable prints one line"

# From standard input.
i=$(printf 'echo from stdin\n' | iar-submit --parsable)
echo "$i" | grep -qx '[0-9][0-9]*'
ok $? "submit from standard input ($i)"

# No dispatcher has run: all three are PENDING, and iar-stat says so.
is "$(jstate "$s")" PENDING "script job PENDING before any pass"
is "$(jstate "$c")" PENDING "command job PENDING before any pass"
iar-stat | grep -q "^ *$c  *echo .*PENDING"
ok $? "iar-stat table lists the pending job"
ls "$IAR_ROOT/spool/incoming/$s" >/dev/null 2>&1
ok $? "pending job sits in spool/incoming"

# -D and -o with %j; the environment; --export=NONE; IAR_JOB_ID.
FOO=bar
export FOO
d=$(iar-submit --parsable -D "$W/sub" -o 'out.%j' -- \
    sh -c 'pwd; echo "FOO=${FOO-unset}"; echo "ID=$IAR_JOB_ID"')
n=$(iar-submit --parsable --export=NONE -- \
    sh -c 'echo "FOO=${FOO-unset}"; echo "ID=$IAR_JOB_ID"')
unset FOO

drain 30
ok $? "dispatcher drains the queue"

for j in "$s" "$c" "$i" "$d" "$n"; do
	is "$(jstate "$j")" COMPLETED "job $j COMPLETED"
	is "$(jfield "$j" exit)" 0 "job $j exit 0"
done
is "$(jfield "$s" name)" pathjob "name from #IAR -J"
is "$(jfield "$s" cores)" 1 "cores from #IAR -c"
is "$(jfield "$s" time)" 60 "walltime from #IAR -t 1 (60 s)"
is "$(jfield "$c" name)" echo "a command job is named after the command"
is "$(jfield "$i" name)" stdin "a job from stdin is named 'stdin'"
is "$(res "$s" state)" COMPLETED "result file says COMPLETED"
is "$(res "$s" name)" pathjob "result file has the name"
is "$(jlog "$IAR_ROOT/spool/jobs/$s/stdout")" "out of script" \
    "script output in spool/jobs/ID/stdout"
is "$(jlog "$IAR_ROOT/spool/jobs/$s/stderr")" "err of script" \
    "script error output in spool/jobs/ID/stderr"
is "$(jlog "$IAR_ROOT/spool/jobs/$c/stdout")" "hello world" \
    "command output (arguments kept)"
is "$(jlog "$IAR_ROOT/spool/jobs/$i/stdout")" "from stdin" "stdin job output"
is "$(cat "$W/sub/out.$d" 2>/dev/null)" "$(printf '%s\nFOO=bar\nID=%s' \
    "$W/sub" "$d")" "-D sets the cwd, -o out.%j is relative to it, env kept"
[ ! -e "$IAR_ROOT/spool/jobs/$d/stdout" ]
ok $? "no default stdout when -o is given"
is "$(jlog "$IAR_ROOT/spool/jobs/$n/stdout")" "$(printf 'FOO=unset\nID=%s' \
    "$n")" "--export=NONE drops FOO; IAR_JOB_ID is still set"
for k in started ended submitted; do
	v=$(jfield "$s" $k)
	echo "$v" | grep -q '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T'
	ok $? "$k is an ISO time ($v)"
done

# iar-stat formats.
iar-stat | head -1 | grep -q '^ *ID  *NAME  *USER  *STATE'
ok $? "iar-stat table header"
iar-stat | grep -q "^ *$s  *pathjob  *[a-z0-9_]*  *COMPLETED  *0 "
ok $? "iar-stat table row of the finished job"
hdr=$(iar-stat --csv | head -1)
case $hdr in id,name,user,state,exit,signal,node,cpus,*) r=0 ;; *) r=1 ;; esac
ok $r "csv header ($hdr)"
iar-stat --csv -j "$s" | grep -q "^$s,pathjob,[^,]*,COMPLETED,0,0,"
ok $? "csv row"
is "$(iar-stat --csv | wc -l)" 6 "csv: header and five jobs"
iar-stat --tsv | head -1 | grep -q "$(printf '^id\tname\tuser\tstate\texit\tsignal\tnode\tcpus\t')"
ok $? "tsv header"
is "$(iar-stat -n --tsv -j "$c" | cut -f1,2,4,5)" \
    "$(printf '%s\techo\tCOMPLETED\t0' "$c")" "tsv row"
iar-stat --json > "$W/stat.json"
python3 -m json.tool "$W/stat.json" >/dev/null
ok $? "iar-stat --json is valid JSON"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "iar-stat/1", d.get("schema")
jobs = {j["id"]: j for j in d["jobs"]}
assert len(jobs) == 5, len(jobs)
j = jobs[int(sys.argv[2])]
assert j["name"] == "pathjob", j
assert j["state"] == "COMPLETED", j
assert j["exit"] == 0 and j["signal"] == 0, j
assert j["cores"] == 1 and j["time"] == 60, j
assert isinstance(j["cpus"], str) and j["cpus"] != "", j
assert j["started"] and j["ended"], j
' "$W/stat.json" "$s"
ok $? "json: schema iar-stat/1 and the job's fields"
iar-stat --json -j "$n" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["schema"] == "iar-stat/1"
assert [j["id"] for j in d["jobs"]] == [int(sys.argv[1])], d
' "$n"
ok $? "json -j lists only that job"

# iar-log and iar-wait.
is "$(iar-log "$s")" "out of script" "iar-log prints stdout"
is "$(iar-log -e "$s")" "err of script" "iar-log -e prints stderr"
iar-wait "$s"
is $? 0 "iar-wait on a COMPLETED job exits 0"
f=$(iar-submit --parsable -- sh -c 'exit 5')
drain 30
iar-wait "$f"
is $? 5 "iar-wait exits with the job's status (5)"
iar-wait "$s" "$f"
is $? 5 "iar-wait on several: the first one that failed"

# iar-submit --wait, with a dispatcher in the background. A -w dispatcher
# leaves as soon as nothing is queued, which would race with a submit
# that has not landed yet; a bounded cron-style pass stays for -T
# seconds, woken by inotify, so it picks the job up at once.
iar-dispatch -T 30 &
dpid=$!
T_PIDS="$T_PIDS $dpid"
iar-submit --wait -- sh -c 'exit 7' >/dev/null
is $? 7 "iar-submit --wait returns the job's exit status (7)"
out=$(iar-submit --wait -J waited -- echo done-waiting)
is $? 0 "iar-submit --wait of a job that completes exits 0"
case $out in "Submitted job "[0-9]*) r=0 ;; *) r=1 ;; esac
ok $r "iar-submit --wait still prints the id first"
kill "$dpid" 2>/dev/null
wait "$dpid"
is $? 0 "background dispatcher leaves cleanly on SIGTERM"

# Errors.
err=$(iar-submit --bogus -- true 2>&1 >/dev/null); rc=$?
is "$rc" 100 "bad option: exit 100"
case $err in "iar-submit: "*) r=0 ;; *) r=1 ;; esac
ok $r "bad option: message 'iar-submit: ...' ($(echo "$err" | head -1))"
err=$("$TOP/bin/iar-submit" --bogus -- true 2>&1 >/dev/null); rc=$?
is "$rc" 100 "bad option, called by path: exit 100"
case $err in "iar-submit: "*) r=0 ;; *) r=1 ;; esac
ok $r "bad option, called by path: message 'iar-submit: ...' ($(echo "$err" | head -1))"
err=$(iar-submit -t xyz -- true 2>&1 >/dev/null); rc=$?
is "$rc" 100 "bad time: exit 100"
is "$err" "iar-submit: bad time 'xyz'" "bad time: message"
err=$(iar-submit "$W/no-such-script" 2>&1 >/dev/null); rc=$?
is "$rc" 102 "missing script file: exit 102"
case $err in "iar-submit: "*no-such-script*) r=0 ;; *) r=1 ;; esac
ok $r "missing script file: message names it"
iar-submit --help > "$W/help"; rc=$?
is "$rc" 0 "--help exits 0"
grep -q '^usage: iar-submit' "$W/help"
ok $? "--help prints the usage on stdout"
is "$(ls -A "$IAR_ROOT/spool/incoming"; ls -A "$IAR_ROOT/spool/queue")" "" \
    "failed submissions leave nothing queued"

done_testing
