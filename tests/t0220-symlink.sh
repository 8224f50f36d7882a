#!/bin/sh
# t0220-symlink: nothing in the spool is followed if it is a symbolic
# link. A symlink planted in incoming/ (to a valid job file, to
# /etc/shadow) goes to bad/ as "a symbolic link", its target untouched and
# never read into the spool; a symlink planted as a job's stdout or stderr
# is not written through; a symlink planted in queue/ or run/NODE/ is
# never run, and the queue keeps flowing.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
W=$IAR_ROOT/work
mkdir -p "$W"
V=/tmp/iar-victim.$$
trap 't_cleanup; rm -rf "$V" "$V".*' EXIT

# A valid job file running the shell command $1 (no argv: a script).
jobfile() {
	s="#!/bin/sh
$1
"
	printf 'iar-job 1\nname=symlink\ncwd=/tmp\nenv=PATH=/bin:/usr/bin\n'
	printf 'script=%d\n%s\nend\n' "$(printf %s "$s" | wc -c)" "$s"
}
sum() { sha256sum < "$1" | cut -d' ' -f1; }
statof() { stat -c '%u:%g %a %s %Y' "$1"; }
# No file in the spool has this line in it (no symlink followed).
not_in_spool() { ! grep -rqF -- "$1" "$S"; }

# --- incoming/: a symlink to a valid job file ----------------------------
jobfile "touch $IAR_ROOT/marker.incoming" > "$W/valid"
before=$(statof "$W/valid") sumv=$(sum "$W/valid")
ln -s "$W/valid" "$S/incoming/2001"
# --- incoming/: a symlink to /etc/shadow -------------------------------
shadow_sum=$(sum /etc/shadow) shadow_stat=$(statof /etc/shadow)
ln -s /etc/shadow "$S/incoming/2002"
# --- incoming/: a dangling symlink, and one to a directory ---------------
ln -s "$W/nothing-here" "$S/incoming/2003"
ln -s /etc "$S/incoming/2004"
iar-dispatch -1 2>"$IAR_ROOT/d.log"
ok $? "a pass with symlinks in incoming/ exits 0"
for id in 2001 2002 2003 2004; do
	[ -L "$S/bad/$id" ]
	ok $? "symlink $id: moved to bad/ as a symlink"
	is "$(cat "$S/bad/$id.why" 2>/dev/null)" "a symbolic link" \
	    "symlink $id: why"
	[ ! -e "$S/incoming/$id" ] && [ ! -L "$S/incoming/$id" ]
	ok $? "symlink $id: gone from incoming/"
	[ ! -e "$S/queue/$id" ] && [ ! -e "$S/jobs/$id" ]
	ok $? "symlink $id: never queued, no job directory"
done
is "$(statof "$W/valid") $(sum "$W/valid")" "$before $sumv" \
    "the valid target is untouched"
is "$(sum /etc/shadow) $(statof /etc/shadow)" "$shadow_sum $shadow_stat" \
    "/etc/shadow is untouched"
is "$(readlink "$S/bad/2002")" /etc/shadow "bad/2002 still points there"
first=$(head -n 1 /etc/shadow)
if [ -n "$first" ]; then
	not_in_spool "$first"
	ok $? "no file in the spool holds a line of /etc/shadow"
else
	ok 0 "# SKIP /etc/shadow is empty"
fi
is "$(jstate 2002)" FAILED "iar-stat: the shadow symlink is FAILED"
is "$(jfield 2002 reason)" "rejected: a symbolic link" "iar-stat: reason"
drain 20
[ ! -e "$IAR_ROOT/marker.incoming" ]
ok $? "the symlinked job never ran"

# --- jobs/ID/stdout and stderr planted as symlinks ---------------------
printf 'precious\n' > "$V"
printf 'precious2\n' > "$V.err"
vs=$(statof "$V") ves=$(statof "$V.err")
o=$(iar-submit --parsable -J planted-out -- sh -c 'echo OUT; echo ERR >&2')
mkdir -p "$S/jobs/$o"
ln -s "$V" "$S/jobs/$o/stdout"
ln -s "$V.err" "$S/jobs/$o/stderr"
n=$(iar-submit --parsable -J planted-new -- sh -c 'echo OUT; echo ERR >&2')
mkdir -p "$S/jobs/$n"
ln -s "$V.new" "$S/jobs/$n/stdout"		# dangling: O_CREAT would make it
drain 20
ok $? "drain"
is "$(cat "$V")" precious "stdout symlink: the victim's content is unchanged"
is "$(statof "$V")" "$vs" "stdout symlink: owner, mode, size, mtime unchanged"
is "$(cat "$V.err")" precious2 "stderr symlink: the victim is unchanged"
is "$(statof "$V.err")" "$ves" "stderr symlink: its owner, mode... unchanged"
[ ! -e "$V.new" ] && [ ! -L "$V.new" ]
ok $? "dangling stdout symlink: its target is not created"
for id in $o $n; do
	st=$(jstate "$id") r=$(jfield "$id" reason)
	case $st in
	FAILED) case $r in *output*) x=0 ;; *) x=1 ;; esac
		ok $x "job $id failed with a clear cause ($r)" ;;
	COMPLETED)
		[ ! -L "$S/jobs/$id/stdout" ] && [ -f "$S/jobs/$id/stdout" ]
		ok $? "job $id completed, its stdout a plain file" ;;
	*)	ok 1 "job $id ended FAILED or COMPLETED (got $st: $r)" ;;
	esac
done

# --- jobs/ID planted as a symlink to a directory -----------------------
mkdir "$V.dir"
d=$(iar-submit --parsable -J planted-dir -- touch "$IAR_ROOT/marker.dir")
ln -s "$V.dir" "$S/jobs/$d"
iar-dispatch -1 2>>"$IAR_ROOT/d.log"
ok $? "a pass with jobs/$d a symlink exits 0"
is "$(ls -A "$V.dir")" "" "nothing written through the jobs/$d symlink"
[ ! -e "$IAR_ROOT/marker.dir" ]
ok $? "the job did not run through it"
rm "$S/jobs/$d"
iar-cancel "$d" 2>/dev/null
drain 20

# --- queue/ID and run/NODE/ID planted as symlinks ----------------------
jobfile "touch $IAR_ROOT/marker.queue" > "$W/q.job"
jobfile "touch $IAR_ROOT/marker.run" > "$W/r.job"
qs=$(sum "$W/q.job") rs=$(sum "$W/r.job")
ln -s "$W/q.job" "$S/queue/3001"
NODE=$(ls "$S/run")
ln -s "$W/r.job" "$S/run/$NODE/3002"
g=$(iar-submit --parsable -J good -- touch "$IAR_ROOT/marker.good")
iar-dispatch -1 2>>"$IAR_ROOT/d.log"
ok $? "a pass with symlinks in queue/ and run/$NODE/ exits 0"
iar-dispatch -1 2>>"$IAR_ROOT/d.log"
ok $? "and a second pass"
timeout 20 iar-wait -t 10 "$g" >/dev/null 2>&1
is "$(jstate "$g")" COMPLETED "a good job beside them runs"
iar-dispatch -1 2>>"$IAR_ROOT/d.log"
sleep 0.5
[ ! -e "$IAR_ROOT/marker.queue" ]
ok $? "the queue/ symlink's target never ran"
[ ! -e "$IAR_ROOT/marker.run" ]
ok $? "the run/$NODE/ symlink's target never ran"
for id in 3001 3002; do
	[ ! -e "$S/jobs/$id/started" ]
	ok $? "job $id: never started"
done
is "$(sum "$W/q.job") $(sum "$W/r.job")" "$qs $rs" "the targets are untouched"
timeout 10 iar-stat >/dev/null 2>&1
is $? 0 "iar-stat still works"

done_testing
