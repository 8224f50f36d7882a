#!/bin/sh
# t0600-install: the whole path from an installed tree, as an admin and a
# user meet it. make install DESTDIR=TREE PREFIX=/usr puts every file in
# its FHS place with the installed paths written in; every command
# answers --help and --version with no root at all; a root made anywhere
# by the installed iar-init runs a --bundle job through the installed
# dispatcher (its helpers found beside it, none in the root); and, as
# root with useradd, an ordinary user submits through the set-gid
# commands that iar-init --group made and the job runs as that user.
. "$(dirname "$0")/lib.sh"

t_install
ok $? "make install DESTDIR=TREE PREFIX=/usr"
D=$T_DEST
for f in usr/bin/iar-submit usr/bin/iar-stat usr/bin/iar-init \
    usr/libexec/iar/iar-dispatch usr/libexec/iar/iar-run \
    usr/libexec/iar/iar-stage usr/libexec/iar/iar-bundle \
    usr/libexec/iar/iar-serve usr/lib/cgi-bin/iar.cgi \
    usr/share/man/man1/iar-submit.1 usr/share/man/man5/iar-spool.5 \
    usr/share/man/man8/iar-dispatch.8 etc/iar/iar.conf \
    lib/systemd/system/iar-dispatch.service \
    usr/share/doc/iar/examples/crontab; do
	[ -f "$D/$f" ]
	ok $? "installed $f"
done
grep -q '^ExecStart=/usr/libexec/iar/iar-dispatch -d$' \
    "$D/lib/systemd/system/iar-dispatch.service"
ok $? "the unit names the installed dispatcher"
grep -q '^\* \* \* \* \* /usr/libexec/iar/iar-dispatch$' \
    "$D/usr/share/doc/iar/examples/crontab"
ok $? "the crontab names the installed dispatcher"
! grep -rl '/opt/iar\|@[A-Z]*DIR@' "$D/usr/share/doc/iar/examples" \
    "$D/lib/systemd" "$D/usr/libexec/iar/iar-serve" >/dev/null
ok $? "no /opt/iar and no placeholder left in what was installed"
[ ! -e "$D/usr/spool" ] && [ ! -e "$D/usr/nodes" ]
ok $? "no state under PREFIX"

# --help and --version need no root, no configuration, no spool.
bad=""
for p in "$D"/usr/bin/iar-*; do
	env -u IAR_ROOT "$p" --help >/dev/null 2>&1 || bad="$bad ${p##*/}"
	env -u IAR_ROOT "$p" --version 2>/dev/null | grep -q '(iar)' ||
	    bad="$bad ${p##*/}(version)"
done
is "$bad" "" "every command answers --help and --version with no root"
IAR_ROOT=/nonexistent/r "$D/usr/bin/iar-submit" -- true 2>"$D.err"
is $? 111 "a missing root is trouble (111)"
grep -q "cannot open spool '/nonexistent/r/spool'" "$D.err"
ok $? "... and says which spool: $(cat "$D.err")"

# A root anywhere, made by the installed iar-init; nothing linked in.
R=$(mktemp -d /tmp/iar-test.XXXXXX)
trap 't_cleanup; rm -rf "$R"' EXIT
chmod 755 "$R"
"$D/usr/bin/iar-init" "$R" >/dev/null
ok $? "the installed iar-init makes a root in $R"
is "$(ls "$R" | tr '\n' ' ')" "etc nodes spool " "the root holds only state and configuration"
echo "cgroup_parent = $T_CG" >> "$R/etc/iar.conf"
# An older root: a directory missing, a mode changed, a job file there.
rmdir "$R/spool/cache" && chmod 755 "$R/spool/tmp"
echo keep > "$R/spool/bad/old.why"
"$D/usr/bin/iar-init" "$R" >"$D.err" 2>&1
ok $? "iar-init on an existing root upgrades it"
grep -qx "iar-init: created $R/spool/cache" "$D.err" &&
    grep -qx "iar-init: changed $R/spool/tmp" "$D.err"
ok $? "... and says what it changed: $(tr '\n' ' ' < "$D.err")"
is "$(stat -c %a "$R/spool/tmp") $(cat "$R/spool/bad/old.why")" "700 keep" \
    "... losing nothing"
grep -q "^cgroup_parent = $T_CG" "$R/etc/iar.conf"
ok $? "... and keeping the edited iar.conf"
mkdir "$R/in" && echo hello-bundle > "$R/in/input.txt"
id=$(cd "$R" && IAR_ROOT=$R "$D/usr/bin/iar-submit" --parsable \
    --bundle "$R/in" -- cat input.txt 2>"$D.err")
ok $? "iar-submit --bundle DIR from the installed tree (job $id) $(cat "$D.err")"
IAR_ROOT=$R "$D/usr/libexec/iar/iar-dispatch" -w -T 60 2>>"$D.err"
ok $? "the installed dispatcher runs it"
is "$(IAR_ROOT=$R "$D/usr/bin/iar-log" "$id" 2>&1)" "hello-bundle" \
    "the job read its bundle"
is "$(IAR_ROOT=$R "$D/usr/bin/iar-stat" -n --tsv -j "$id" | cut -f4)" \
    COMPLETED "iar-stat from the installed tree: COMPLETED"

# An ordinary user on a multi-user root.
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null; then
	done_testing
fi
U=iartest1
made=""
id $U >/dev/null 2>&1 || { useradd -M -s /bin/sh $U && made=1; }
trap 't_cleanup; rm -rf "$R"; [ -n "$made" ] && userdel $U 2>/dev/null' EXIT
"$D/usr/bin/iar-init" --group iar "$R" >"$D.err" 2>&1
ok $? "iar-init --group iar on the installed tree"
is "$(stat -c '%a %G' "$D/usr/bin/iar-suspend")" "2755 iar" \
    "it made the installed iar-suspend set-gid"
id=$(su $U -s /bin/sh -c "cd /tmp && IAR_ROOT=$R \
    ASAN_OPTIONS='$ASAN_OPTIONS' UBSAN_OPTIONS='$UBSAN_OPTIONS' \
    $D/usr/bin/iar-submit --parsable -- id -un" 2>"$D.err")
ok $? "$U submits (job $id) $(cat "$D.err")"
IAR_ROOT=$R "$D/usr/libexec/iar/iar-dispatch" -w -T 60
is "$(IAR_ROOT=$R "$D/usr/bin/iar-log" "$id" 2>&1)" "$U" \
    "the job ran as $U"
is "$(su $U -s /bin/sh -c "IAR_ROOT=$R ASAN_OPTIONS='$ASAN_OPTIONS' \
    $D/usr/bin/iar-stat -n --tsv -j $id" | cut -f4)" COMPLETED \
    "$U reads it COMPLETED in iar-stat"
# Every command a user may run works for that user (issue 14, 1): the
# requests are dropped through the set-gid group.
as_u() { su $U -s /bin/sh -c "cd /tmp && IAR_ROOT=$R \
    ASAN_OPTIONS='$ASAN_OPTIONS' UBSAN_OPTIONS='$UBSAN_OPTIONS' $*"; }
id2=$(as_u "$D/usr/bin/iar-submit --parsable -t 5 -- sleep 60" 2>"$D.err")
ok $? "$U submits a long job ($id2) $(cat "$D.err")"
IAR_ROOT=$R setsid "$D/usr/libexec/iar/iar-dispatch" -d 2>>"$D.log" &
T_PIDS="$T_PIDS $!"
st() { IAR_ROOT=$R "$D/usr/bin/iar-stat" -n --tsv -j "$id2" | cut -f4; }
until_st() { i=0; while [ $i -lt 100 ] && [ "$(st)" != "$1" ]; do
	sleep 0.1; i=$((i + 1)); done; st; }
is "$(until_st RUNNING)" RUNNING "it runs under the installed daemon"
for c in iar-suspend:SUSPENDED iar-resume:RUNNING "iar-modify --mem 512M:RUNNING"; do
	as_u "$D/usr/bin/${c%%:*} $id2" >/dev/null 2>"$D.err"
	ok $? "$U: ${c%%:*} of its own running job $(cat "$D.err")"
	is "$(until_st "${c#*:}")" "${c#*:}" "... it is ${c#*:}"
done
as_u "$D/usr/bin/iar-cancel $id2" >/dev/null 2>"$D.err"
ok $? "$U: iar-cancel of it $(cat "$D.err")"
is "$(until_st CANCELLED)" CANCELLED "... it is CANCELLED"
# iar-init by a user against the shared root says it is a permission
# problem (issue 14, 8).
as_u "$D/usr/bin/iar-init $R" >/dev/null 2>"$D.err"
is $? 111 "$U: iar-init on the shared root fails (111)"
grep -q "permission problem" "$D.err"
ok $? "... and says it is a permission problem: $(cat "$D.err")"
rm -f "$D.err"
done_testing
