#!/bin/sh
# t0230-users: a multi-user root (iar-init --group). Each job runs as the
# user who owns its file, whatever the file says; a user cannot cancel
# another's job, neither with iar-cancel nor with a request file dropped
# in spool/ctl; root can; a user cannot write the dispatcher's
# directories. Needs root and useradd; makes iartest1 and iartest2 if
# they are missing and removes them (and the iar group) at the end if it
# made them.
. "$(dirname "$0")/lib.sh"

t_users

S=$IAR_ROOT/spool
U1=$(id -u iartest1) U2=$(id -u iartest2)

# An installed tree (make install), and the root made multi-user by its
# own iar-init, which makes the installed commands set-gid.
t_install
ok $? "make install DESTDIR=... PREFIX=/usr"
B=$T_BIN
"$B/iar-init" --group iar "$IAR_ROOT" >"$IAR_ROOT/init.log" 2>&1
ok $? "iar-init --group iar converts the root"
getent group iar >/dev/null
ok $? "the iar group exists"
is "$(stat -c '%a %G' "$S/incoming")" "1771 iar" "incoming/: 1771 root:iar"
is "$(stat -c '%a %G' "$S/ctl")" "1770 iar" "ctl/: 1770 root:iar"
is "$(stat -c '%a %G' "$S/tmp")" "1770 iar" "tmp/: 1770 root:iar"
is "$(stat -c '%a %G' "$S/next")" "770 iar" "next/: 770 root:iar"
is "$(stat -c '%a %G' "$B/iar-submit")" "2755 iar" \
    "the installed iar-submit: 2755 root:iar"

out() { jlog "$S/jobs/$1/stdout" 2>/dev/null | tr '\n' ' '; }

# --- each job runs as its owner ----------------------------------------
j1=$(as iartest1 "$B/iar-submit --parsable -J who1 -- sh -c 'id -u; id -un'")
ok $? "iartest1 submits (job $j1)"
j2=$(as iartest2 "$B/iar-submit --parsable -J who2 -- sh -c 'id -u; id -un'")
ok $? "iartest2 submits (job $j2)"
is "$(stat -c %U "$S/incoming/$j1" 2>/dev/null)" iartest1 \
    "the job file belongs to iartest1"
# The environment says root: it changes nothing.
j3=$(as iartest1 "USER=root LOGNAME=root HOME=/root $B/iar-submit \
    --parsable -J who3 -- sh -c 'id -u; echo \$USER'")
ok $? "iartest1 submits with USER=root in its environment (job $j3)"
drain 30
ok $? "drain"
is "$(jstate "$j1")" COMPLETED "job $j1 COMPLETED"
is "$(out "$j1")" "$U1 iartest1 " "job $j1 ran as iartest1"
is "$(out "$j2")" "$U2 iartest2 " "job $j2 ran as iartest2"
is "$(out "$j3")" "$U1 iartest1 " "job $j3 ran as iartest1 (USER reset)"
is "$(jfield "$j1" user)" iartest1 "iar-stat: user of $j1"
is "$(jfield "$j2" uid)" "$U2" "iar-stat: uid of $j2"
is "$(stat -c %U "$S/jobs/$j1/stdout.gz")" iartest1 \
    "the job's stdout belongs to iartest1"
v=$(as iartest2 "$B/iar-stat -n --tsv -j $j1" | cut -f4)
is "$v" COMPLETED "iartest2 can see job $j1 with iar-stat"

# --- another user's job: not theirs to cancel -------------------------
h=$(as iartest1 "$B/iar-submit --parsable --hold -J held1 -- \
    touch $IAR_ROOT/home/iartest1/held.ran")
iar-dispatch -1
is "$(jstate "$h")" HELD "iartest1's job $h is HELD"
err=$(as iartest2 "$B/iar-cancel $h" 2>&1)
is "$?" 102 "iartest2: iar-cancel $h exits 102"
case $err in *"not your job"*) r=0 ;; *) r=1 ;; esac
ok $r "message: $err"
err=$(as iartest2 "$B/iar-release $h" 2>&1)
is "$?" 102 "iartest2: iar-release $h exits 102"
is "$(ls -A "$S/ctl")" "" "no request was written"
iar-dispatch -1
is "$(jstate "$h")" HELD "job $h is unaffected"

# A forged request, dropped in ctl/ under iartest2's name.
as iartest2 "touch $S/ctl/$h.cancel.1" 2>/dev/null
ok $(( ! $? )) "iartest2 cannot write ctl/ directly"
for verb in cancel release; do
	f="$S/ctl/$h.$verb.$$"
	printf 'iar-ctl 1\nid=%s\nverb=%s\nend\n' "$h" "$verb" > "$f"
	chown iartest2 "$f"
done
iar-dispatch -1 -v 2>"$IAR_ROOT/d.log"
ok $? "a pass with forged requests exits 0"
is "$(jstate "$h")" HELD "forged cancel and release are ignored: HELD"
is "$(ls -A "$S/ctl")" "" "the forged requests are consumed"
grep -q "DENY uid $U2 may not cancel job $h" "$IAR_ROOT/d.log"
ok $? "the dispatcher logs the denial"

# Root may cancel anyone's job; the owner may release its own.
h2=$(as iartest1 "$B/iar-submit --parsable --hold -J held2 -- true")
iar-cancel "$h" "$h2"
is "$?" 0 "root cancels iartest1's jobs"
iar-dispatch -1
is "$(jstate "$h")" CANCELLED "job $h CANCELLED by root"
is "$(jfield "$h" reason)" "cancelled by uid 0" "reason: cancelled by uid 0"
is "$(jstate "$h2")" CANCELLED "job $h2 CANCELLED by root"
[ ! -e "$IAR_ROOT/home/iartest1/held.ran" ]
ok $? "the cancelled job never ran"
r=$(as iartest1 "$B/iar-submit --parsable --hold -J held3 -- id -u")
iar-dispatch -1
is "$(jstate "$r")" HELD "iartest1's job $r is HELD"
as iartest1 "$B/iar-release $r"
is "$?" 0 "iartest1 releases its own held job $r"
drain 30
is "$(jstate "$r")" COMPLETED "job $r COMPLETED"
is "$(out "$r")" "$U1 " "and ran as iartest1"
# Released at once, before any pass has seen it.
r=$(as iartest1 "$B/iar-submit --parsable --hold -J held4 -- id -u")
as iartest1 "$B/iar-release $r"
is "$?" 0 "iartest1 releases job $r before a pass has seen it"
drain 30
is "$(jstate "$r")" COMPLETED "job $r COMPLETED"
[ "$(jstate "$r")" = HELD ] && iar-cancel "$r" && drain 30

# --- what the file says cannot change who runs it ----------------------
jf() {	# a job file running id -u; extra header lines from $1
	printf 'iar-job 1\nname=forged\n%bcwd=%s\n' "${1:-}" \
	    "$IAR_ROOT/home/iartest1"
	printf 'script=7\nid -u\n\n\nend\n'
}
jf 'uid=0\n' > "$IAR_ROOT/f1"
jf 'prio=5\n' > "$IAR_ROOT/f2"
jf > "$IAR_ROOT/f3"
chown iartest1 "$IAR_ROOT/f1" "$IAR_ROOT/f2" "$IAR_ROOT/f3"
mv "$IAR_ROOT/f1" "$S/incoming/4001"
mv "$IAR_ROOT/f2" "$S/incoming/4002"
mv "$IAR_ROOT/f3" "$S/incoming/4003"
drain 30 2>"$IAR_ROOT/bad.log"
is "$(cat "$S/bad/4001.why" 2>/dev/null)" "line 3: unknown key 'uid'" \
    "a file with uid=0 is rejected: unknown key"
is "$(cat "$S/bad/4002.why" 2>/dev/null)" \
    "only root may raise a priority above 0" "prio=5 from iartest1: rejected"
is "$(jstate 4003)" COMPLETED "a file owned by iartest1, planted by root"
is "$(out 4003)" "$U1 " "runs as its owner, iartest1"

# --- a user cannot read another's job file ------------------------------
# Queued files are 0640 root:iar-group readable (for iar-stat); a user
# must not get at them through the set-gid iar-submit reading a script.
s1=$(as iartest1 "SECRET=hunter2.$$ $B/iar-submit --parsable --hold \
    -J secret -- true")
iar-dispatch -1
e=$(as iartest2 "cat $S/hold/$s1" 2>&1)
[ $? -ne 0 ]
ok $? "iartest2 cannot read iartest1's job file ($e)"
s2=$(as iartest2 "$B/iar-submit --parsable --hold $S/hold/$s1" 2>&1)
echo "# iartest2: iar-submit $S/hold/$s1: $s2"
iar-dispatch -1
leak=$(grep -rlF "hunter2.$$" "$S" | xargs -r stat -c %U | grep -v iartest1)
is "$leak" "" "iartest1's environment is in no file of iartest2's"
iar-cancel $s1 $s2 2>/dev/null

# A second link to one's own queued file (the owner may make one) does
# not take the job from its owner: iartest1 can still cancel it.
l=$(as iartest1 "$B/iar-submit --parsable --hold -J linked -- true")
iar-dispatch -1
as iartest1 "ln $S/hold/$l $IAR_ROOT/home/iartest1/link.$l"
ok $? "iartest1 links its held job's file"
as iartest1 "$B/iar-cancel $l"
is "$?" 0 "iartest1: iar-cancel of its linked job exits 0"
iar-dispatch -1 -v 2>"$IAR_ROOT/d2.log"
is "$(jstate "$l")" CANCELLED "iartest1 cancelled its own job $l"
grep -q "DENY" "$IAR_ROOT/d2.log" && sed 's/^/# /' "$IAR_ROOT/d2.log"
iar-cancel "$l" 2>/dev/null
drain 30 2>/dev/null

# --- users cannot write the dispatcher's directories -------------------
for d in queue hold run done jobs bad incoming; do
	e=$(as iartest1 "echo x > $S/$d/4100" 2>&1)
	r=$?
	case $e in *"ermission denied"*) p=0 ;; *) p=1 ;; esac
	[ $r -ne 0 ] && [ $p -eq 0 ] && [ ! -e "$S/$d/4100" ]
	ok $? "iartest1 cannot write spool/$d ($e)"
done
j=$(as iartest1 "$B/iar-submit --parsable --hold -- true")
e=$(as iartest1 "mv $S/incoming/$j $S/queue/$j" 2>&1)
[ $? -ne 0 ] && [ ! -e "$S/queue/$j" ]
ok $? "iartest1 cannot move its job into queue/ ($e)"
iar-cancel "$j"
drain 30

# --- sources as the job's user (issue 5) ---------------------------------
# A repository iartest1 owns (libgit2's owner validation would refuse it
# to root) and a bundle directory only iartest1 can read.
if command -v git >/dev/null 2>&1; then
	H1=$IAR_ROOT/home/iartest1
	G="git -c user.name=t -c user.email=t@example.org -c init.defaultBranch=main"
	$G init -q "$H1/w" && (cd "$H1/w" && echo 'id -un; echo from-git' > run.sh &&
	    $G add run.sh && $G commit -qm one) >/dev/null &&
	    $G clone -q --bare "$H1/w" "$H1/r.git"
	mkdir -p "$H1/in" && echo secret > "$H1/in/data"
	chown -R iartest1 "$H1"
	chmod 700 "$H1/in"
	is "$(stat -c '%a %G' "$S/bundles")" "1770 iar" "bundles/: 1770 root:iar"
	gj=$(as iartest1 "$B/iar-submit --parsable --git file://$H1/r.git -- sh run.sh")
	bj=$(as iartest1 "$B/iar-submit --parsable --bundle $H1/in -- cat data")
	is "$(stat -c %U "$S/bundles/$bj.tar.gz")" iartest1 \
	    "the bundle file belongs to its submitter"
	drain 30
	is "$(jstate "$gj")" COMPLETED "a Git job of iartest1 from its own repository"
	is "$(out "$gj")" "iartest1 from-git " "fetched and run as iartest1"
	is "$(stat -c '%U %a' "$S/jobs/$gj/src")" "iartest1 700" \
	    "its src belongs to iartest1, mode 700"
	is "$(stat -c %U "$S/jobs/$gj/src/run.sh")" iartest1 \
	    "the checkout was written by iartest1"
	is "$(stat -c %U "$S"/cache/git/*)" iartest1 \
	    "its cache entry belongs to iartest1"
	is "$(out "$bj")" "secret " "a bundle of a directory only iartest1 reads"
	e=$(as iartest2 "$B/iar-submit --parsable --bundle $H1/in -- true" 2>&1)
	[ $? -ne 0 ]
	ok $? "iartest2 cannot bundle it ($e)"
	e=$(as iartest2 "$B/iar-submit --parsable --rerun $gj" 2>&1)
	[ $? -eq 102 ]
	ok $? "iartest2 cannot rerun iartest1's job ($e)"
	as iartest1 "$TOP/bin/iar-fetch -o $H1/res.tgz $gj"
	ok $? "iartest1 fetches its job's results"
	tar tzf "$H1/res.tgz" | grep -qx "iar-$gj/src/run.sh"
	ok $? "... with its src"
	e=$(as iartest2 "$TOP/bin/iar-fetch -o /dev/null $gj" 2>&1)
	[ $? -eq 102 ]
	ok $? "iartest2 cannot fetch iartest1's job ($e)"
fi

done_testing
