#!/bin/sh
# t0420-cgi-submit: submitting a job over the web. The CGI takes an id
# and drops a request; the dispatcher writes the job as a file owned by
# the web user, so it runs as that user, and only if etc/cgi.conf allows
# that user (and, for a web server not running as root, names its
# account as cgi_user).
. "$(dirname "$0")/lib.sh"

CGI=$TOP/cgi-bin/iar.cgi
[ -x "$CGI" ] || skip_all "cgi-bin/iar.cgi is not built"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (makes a test user)"
command -v useradd >/dev/null || skip_all "no useradd"
command -v setpriv >/dev/null || skip_all "no setpriv"
W=$IAR_ROOT/work
mkdir -p "$W" "$IAR_ROOT/home"
chmod 755 "$IAR_ROOT/home"
U=iarweb
made=""
if ! id "$U" >/dev/null 2>&1; then
	useradd -d "$IAR_ROOT/home/$U" -m -s /bin/sh "$U" || skip_all "useradd failed"
	made=1
else
	usermod -d "$IAR_ROOT/home/$U" "$U" && mkdir -p "$IAR_ROOT/home/$U" &&
	    chown "$U" "$IAR_ROOT/home/$U"
fi
cleanup_user() { [ -n "$made" ] && userdel "$U" 2>/dev/null; }
trap 'cleanup_user; t_cleanup' EXIT
SANENV="ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"

cgi() {	# cgi METHOD PATH [VAR=VALUE...]: status in $st, body in $W/b
	_m=$1 _p=$2
	shift 2
	env -i $SANENV IAR_ROOT="$IAR_ROOT" REQUEST_METHOD="$_m" PATH_INFO="$_p" \
	    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_HOST=example.org "$@" \
	    ${AS:+setpriv --reuid=$AS --regid=nogroup --clear-groups} "$CGI" \
	    < "${CGI_IN:-/dev/null}" > "$W/raw" 2> "$W/err"
	python3 "$TOP/tests/cgi-split.py" "$W/raw" "$W/h" "$W/b"
	st=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$W/h")
}
submit() {	# submit FORM [VAR=VALUE...]
	printf '%s' "$1" > "$W/form"
	shift
	CGI_IN=$W/form cgi POST /submit CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH="$(wc -c < "$W/form" | tr -d ' ')" "$@"
}
(umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$IAR_ROOT/etc/cgi.secret")
printf 'allow %s\n' "$U" > "$IAR_ROOT/etc/cgi.conf"

cgi GET /submit
is "$st" 200 "GET /submit without a user: 200"
grep -q 'needs a user the web server' "$W/b"
ok $? "... and it says why there is no form"
cgi GET /submit REMOTE_USER="$U"
tok=$(sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' "$W/b" | head -1)
[ -n "$tok" ] && grep -q 'name="command"' "$W/b"
ok $? "an allowed user gets the form with a token"

submit "command=id" REMOTE_USER="$U"
is "$st" 403 "POST without a token: 403"
submit "token=$tok&command=id&color=red" REMOTE_USER="$U"
is "$st" 400 "an unknown field: 400"
submit "token=$tok&command=id&cores=0" REMOTE_USER="$U"
is "$st" 400 "zero cores: 400"
submit "token=$tok&command=" REMOTE_USER="$U"
is "$st" 400 "an empty command: 400"
submit "token=$tok&command=id&time=1%3A99" REMOTE_USER="$U"
is "$st" 400 "a bad walltime: 400"
submit "token=$tok&command=id" REMOTE_USER="$U" HTTP_ORIGIN=http://evil.example
is "$st" 403 "from another site: 403"
is "$(ls "$IAR_ROOT/spool/ctl" | wc -l | tr -d ' ')" 0 "refused POSTs leave no request"

submit "token=$tok&command=id+-un%3B+pwd&name=webjob&cores=1&time=5" REMOTE_USER="$U"
is "$st" 202 "a good submission: 202"
id1=$(sed -n 's/.*queue it as job \([0-9]*\).*/\1/p' "$W/b")
[ -n "$id1" ]
ok $? "the page names the new job ($id1)"
drain 30
is "$(jstate "$id1")" COMPLETED "the web job ran"
is "$(jfield "$id1" name)" webjob "with its name"
is "$(jfield "$id1" user)" "$U" "as the web user"
is "$(jlog "$IAR_ROOT/spool/jobs/$id1/stdout" | tr '\n' ' ')" "$U $IAR_ROOT/home/$U " \
    "in the web user's home directory"
is "$(stat -c %U "$IAR_ROOT/spool/jobs/$id1/job")" "$U" "its job file belongs to the web user"

# A web server running as its own account (cgi_user): the dispatcher
# acts only for users etc/cgi.conf allows.
printf 'cgi_user nobody\nallow %s\n' "$U" > "$IAR_ROOT/etc/cgi.conf"
chown nobody "$IAR_ROOT/etc/cgi.secret"
chmod 1777 "$IAR_ROOT/spool/ctl"
chmod 777 "$IAR_ROOT/spool/next"
AS=nobody submit "token=$tok&command=echo+via-nobody" REMOTE_USER="$U"
is "$st" 202 "a CGI running as nobody takes the submission"
id2=$(sed -n 's/.*queue it as job \([0-9]*\).*/\1/p' "$W/b")
drain 30 2>"$W/d.log"
is "$(jstate "$id2")" COMPLETED "the dispatcher writes it as the web user's job"
is "$(jfield "$id2" user)" "$U" "... owned by $U"
# The same account asking for a user etc/cgi.conf does not allow.
id3=$(ls "$IAR_ROOT/spool/next")
printf 'iar-ctl 1\nid=%s\nverb=submit\nuser=root\ncommand=id\nend\n' "$id3" \
    > "$IAR_ROOT/spool/ctl/$id3.submit.1"
chown nobody "$IAR_ROOT/spool/ctl/$id3.submit.1"
iar-dispatch -1 2>"$W/d.log"
grep -q "DENY uid [0-9]* may not submit for root" "$W/d.log"
ok $? "a request for a user not allowed is denied"
[ ! -e "$IAR_ROOT/spool/incoming/$id3" ] && [ ! -e "$IAR_ROOT/spool/queue/$id3" ]
ok $? "... and makes no job"
chmod 755 "$IAR_ROOT/spool/ctl"
chmod 700 "$IAR_ROOT/spool/next"
done_testing
