#!/bin/sh
# t0610-deb: the Debian package, as an admin meets it on a fresh Debian
# 12 machine. Built from this tree with dpkg-buildpackage (a copy of the
# tracked and new files, so the build tree is untouched), checked with
# lintian (no errors), installed with dpkg -i: the iar group, the spool
# in /var/spool/iar with its modes, the set-gid commands; an ordinary
# user submits, the installed dispatcher runs the job as that user, the
# user reads it with iar-stat and through lighttpd (iar-serve); then the
# package is purged and nothing of it is left. Needs root, debhelper and
# lintian (etc/install-deps installs them); installs system-wide, so it
# refuses to run over an iar that is installed from elsewhere.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "not root"
command -v dpkg-buildpackage >/dev/null || skip_all "no dpkg-buildpackage"
command -v dh >/dev/null || skip_all "no debhelper (etc/install-deps)"
command -v lintian >/dev/null || skip_all "no lintian (etc/install-deps)"
command -v useradd >/dev/null || skip_all "no useradd"
if dpkg-query -W -f='${Status}' iar 2>/dev/null | grep -q 'ok installed'; then
	dpkg --purge iar >/dev/null 2>&1
fi
[ -e /usr/bin/iar-submit ] && skip_all "/usr/bin/iar-submit is not from the iar package"

B=$(mktemp -d /tmp/iar-deb.XXXXXX)
U=iartest1
made=""
deb_cleanup() {
	dpkg --purge iar >/dev/null 2>&1
	[ -n "$made" ] && userdel $U 2>/dev/null
	rm -rf "$B"
}
trap 't_cleanup; deb_cleanup' EXIT
# As on a server: the installed programs only, no root of the test's.
T_KEEP=$IAR_ROOT
unset IAR_ROOT
PATH=/usr/sbin:/usr/bin:/sbin:/bin
t_cleanup_deb() { IAR_ROOT=$T_KEEP; t_cleanup; }
trap 't_cleanup_deb; deb_cleanup' EXIT

mkdir "$B/iar-0.9"
(cd "$TOP" && git ls-files -co --exclude-standard | tar -cf - -T -) |
    tar -xf - -C "$B/iar-0.9"
(cd "$B/iar-0.9" && dpkg-buildpackage -us -uc -b -j2) >"$B/build.log" 2>&1
ok $? "dpkg-buildpackage -us -uc -b"
[ $? -eq 0 ] || tail -20 "$B/build.log" | sed 's/^/# /'
deb=$B/iar_0.9_$(dpkg --print-architecture).deb
lintian --fail-on error "$deb" >"$B/lintian.log" 2>&1
ok $? "lintian: no errors"
grep '^[EW]:' "$B/lintian.log" | sed 's/^/# /'

dpkg -i "$deb" >"$B/install.log" 2>&1
ok $? "dpkg -i"
[ $? -eq 0 ] || sed 's/^/# /' "$B/install.log"
getent group iar >/dev/null
ok $? "the iar group exists"
is "$(stat -c '%a %U:%G' /usr/bin/iar-submit)" "2755 root:iar" \
    "/usr/bin/iar-submit is set-gid iar"
is "$(stat -c '%a %U:%G' /usr/bin/iar-suspend)" "2755 root:iar" \
    "/usr/bin/iar-suspend is set-gid iar"
is "$(stat -c '%a %G' /var/spool/iar/tmp)" "1770 iar" "/var/spool/iar/tmp: 1770 iar"
is "$(stat -c '%a %G' /var/spool/iar/incoming)" "1771 iar" \
    "/var/spool/iar/incoming: 1771 iar"
[ -d /var/lib/iar/nodes/"$(hostname -s)" ]
ok $? "this host is a node in /var/lib/iar/nodes"
[ -f /etc/iar/iar.conf ] && dpkg-query -L iar | grep -qx /etc/iar/iar.conf
ok $? "/etc/iar/iar.conf belongs to the package"
[ -L /etc/systemd/system/multi-user.target.wants/iar-dispatch.service ]
ok $? "iar-dispatch.service is enabled"
echo "cgroup_parent = $T_CG" >> /etc/iar/iar.conf

id $U >/dev/null 2>&1 || { useradd -M -s /bin/sh $U && made=1; }
id=$(su $U -s /bin/sh -c "cd /tmp && PATH=/usr/bin:/bin iar-submit --parsable -J deb -- id -un" \
    2>"$B/err")
ok $? "$U submits with the installed iar-submit (job $id) $(cat "$B/err")"
/usr/libexec/iar/iar-dispatch -w -T 60 2>"$B/err"
ok $? "the installed dispatcher runs it $(cat "$B/err")"
is "$(su $U -s /bin/sh -c "PATH=/usr/bin:/bin iar-log $id" 2>&1)" "$U" "the job ran as $U"
is "$(su $U -s /bin/sh -c "PATH=/usr/bin:/bin iar-stat -n --tsv -j $id" | cut -f4)" COMPLETED \
    "$U sees it COMPLETED in iar-stat"

if command -v lighttpd >/dev/null && command -v curl >/dev/null; then
	port=$((20000 + $$ % 20000))
	setsid /usr/libexec/iar/iar-serve -p $port >"$B/serve.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	i=0
	while [ $i -lt 50 ] && ! curl -s -o /dev/null \
	    "http://127.0.0.1:$port/cgi-bin/iar.cgi/"; do
		sleep 0.1; i=$((i + 1))
	done
	curl -s "http://127.0.0.1:$port/cgi-bin/iar.cgi/text/jobs" >"$B/page"
	grep -q "^ *$id .*deb .*$U .*COMPLETED" "$B/page"
	ok $? "the job is COMPLETED under lighttpd (iar-serve)"
	[ $? -eq 0 ] || { head -5 "$B/page"; cat "$B/serve.log"; } | sed 's/^/# /'
	kill -- -"$(pgrep -f "iar-serve -p $port" | head -1)" 2>/dev/null
fi

dpkg --purge iar >"$B/purge.log" 2>&1
ok $? "dpkg --purge iar"
[ ! -e /usr/bin/iar-submit ] && [ ! -e /var/spool/iar ] &&
    [ ! -e /var/lib/iar ] && [ ! -e /etc/iar ] &&
    [ ! -e /etc/systemd/system/multi-user.target.wants/iar-dispatch.service ]
ok $? "nothing of it is left (programs, spool, nodes, configuration)"
! dpkg-statoverride --list | grep -q '/usr/bin/iar-'
ok $? "no set-gid override is left"
done_testing
