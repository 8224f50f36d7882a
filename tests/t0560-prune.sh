#!/bin/sh
# t0560-prune: the retention policy (iar-prune(8)). Finished, recorded jobs
# older than `retention` are archived into spool/archive/NAME.tar.gz (the
# archive holds exactly their files, byte for byte) and their directories
# removed; the history keeps them; iar-log and iar-fetch say where they
# went; live jobs are untouched; a planted symlink is not followed; an
# orphan bundle is removed after bundle_grace; a kill -9 in the middle
# loses nothing.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
cat >> "$IAR_ROOT/etc/iar.conf" <<CONF
retention = 0:01
bundle_grace = 0:01
CONF
iar-prune --help | grep -q '^usage: iar-prune'
ok $? "--help"
iar-prune --bogus 2>/dev/null
is $? 100 "a bad option: 100"

a=$(iar-submit --parsable -J a -- sh -c 'echo out-a; echo err-a >&2')
b=$(iar-submit --parsable -J b -- sh -c 'echo out-b')
drain 30
h=$(iar-submit --parsable -H -J held -- true)
iar-dispatch -1
is "$(jstate "$a"),$(jstate "$b"),$(jstate "$h")" COMPLETED,COMPLETED,HELD \
    "two jobs done, one held"
[ -f "$S/jobs/$a/job" ] && [ -f "$S/jobs/$b/job" ]
ok $? "both recorded (jobs/ID/job)"
ln -s /etc "$S/jobs/$a/planted"
mkdir -p "$IAR_ROOT/save" && cp -a "$S/jobs/$a" "$S/jobs/$b" "$IAR_ROOT/save/"
sleep 2
iar-prune -n -v 2>"$IAR_ROOT/dry"
[ -d "$S/jobs/$a" ] && grep -q "would archive and remove jobs/$a" "$IAR_ROOT/dry"
ok $? "-n says what it would do and does nothing"
iar-prune -v 2>"$IAR_ROOT/p.log"
is $? 0 "iar-prune exits 0"
[ ! -e "$S/jobs/$a" ] && [ ! -e "$S/jobs/$b" ]
ok $? "the finished jobs' directories are gone"
[ -e "$S/hold/$h" ]
ok $? "the held job is untouched"
ar=$(ls "$S/archive" | grep 'tar.gz$')
is "$(echo "$ar" | wc -l | tr -d ' ')" 1 "one archive ($ar)"
is "$(sort "$S/archive/${ar%.tar.gz}.ids" | tr '\n' ' ')" "$a $b " \
    "its .ids lists the two jobs"
mkdir "$IAR_ROOT/x" && tar -xzf "$S/archive/$ar" -C "$IAR_ROOT/x"
ok $? "the archive unpacks"
diff -r "$IAR_ROOT/save/$b" "$IAR_ROOT/x/$b" >/dev/null
ok $? "job $b's files, byte for byte"
[ ! -e "$IAR_ROOT/x/$a/planted" ] &&
    [ "$(ls "$IAR_ROOT/x/$a" | sort | tr '\n' ' ')" = \
    "$(cd "$IAR_ROOT/save/$a" && ls | grep -v planted | sort | tr '\n' ' ')" ]
ok $? "job $a's files, and not the planted symlink (nor /etc)"
is "$(jstate "$a"),$(jfield "$a" name)" COMPLETED,a \
    "the history still has the job"
iar-log "$a" 2>"$IAR_ROOT/e"
is "$?,$(cat "$IAR_ROOT/e")" \
    "102,iar-log: job $a was pruned; its logs are in $S/archive/$ar" \
    "iar-log says where its logs went"
iar-fetch -o "$IAR_ROOT/f.tgz" "$a" 2>"$IAR_ROOT/e"
grep -q "it was pruned; its files are in $S/archive/$ar" "$IAR_ROOT/e"
ok $? "so does iar-fetch"

# An orphan bundle: a bundled job cancelled before it ran.
mkdir -p "$IAR_ROOT/in" && echo data > "$IAR_ROOT/in/f"
iar-release "$h" >/dev/null 2>&1
o=$(iar-submit --parsable -H --bundle "$IAR_ROOT/in" -- cat f)
[ -f "$S/bundles/$o.tar.gz" ]
ok $? "a held bundled job has its bundle"
iar-prune
[ -f "$S/bundles/$o.tar.gz" ]
ok $? "kept while the job is live"
iar-cancel "$o"
iar-dispatch -1
sleep 2
iar-prune -v 2>"$IAR_ROOT/b.log"
[ ! -e "$S/bundles/$o.tar.gz" ] && grep -q "removed bundles/$o.tar.gz" \
    "$IAR_ROOT/b.log"
ok $? "removed once its job was cancelled, after bundle_grace"

# kill -9 between the archive and the removal: the next run archives the
# jobs again (into a second archive) and removes them; nothing is lost.
c=$(iar-submit --parsable -J c -- echo c)
drain 30
sleep 2
IAR_PRUNE_TEST_PAUSE=1 iar-prune &
pp=$!
i=0
while [ $i -lt 50 ] && [ "$(ls "$S/archive" | grep -c 'tar.gz$')" -lt 2 ]; do
	sleep 0.1; i=$((i + 1)); done
kill -9 $pp; wait $pp 2>/dev/null
[ -d "$S/jobs/$c" ]
ok $? "killed after its archive was written: the job dir is still there"
iar-prune
[ ! -e "$S/jobs/$c" ] && grep -qx "$c" "$S"/archive/*.ids
ok $? "the next run finishes: archived and removed"
is "$(ls "$S/archive" | grep -c '^\.')" 0 "no temporary archive left"
done_testing
