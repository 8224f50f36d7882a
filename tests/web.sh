# tests/web.sh: helpers for the tests that run iar.cgi under a real web
# server on 127.0.0.1, sourced after tests/lib.sh. Sourcing it makes
# $W (a work directory under $IAR_ROOT, the current one) and skips the
# whole test unless iar.cgi is built and curl, python3 and lighttpd are
# there (etc/install-deps installs them).
#   web_port              a free port on 127.0.0.1
#   get URL [curl opts]   headers in $W/h (no CRs), body in $W/b, $st
#   hdr NAME              the last value of a header in $W/h
#   web_wait URL          wait (5 s at most) until something answers
#   serve_start PORT [etc/serve options]
#                         etc/serve (lighttpd) on PORT; $SPID; 1 if
#                         nothing answers
#   serve_stop            stop it
#   run_until_running ID  dispatcher passes until job ID runs (5 s)
#   apache_start PORT     etc/apache-iar.conf, its paths made the test's,
#                         under apache2 -DFOREGROUND; 1 if apache2 is
#                         missing or does not start ($W/apache/error.log)
# Servers started here are killed by lib.sh's EXIT trap (T_PIDS).
W=$IAR_ROOT/work
mkdir -p "$W"
CGI=$TOP/cgi-bin/iar.cgi
[ -x "$CGI" ] || skip_all "cgi-bin/iar.cgi is not built"
command -v curl >/dev/null || skip_all "no curl (sh etc/install-deps)"
command -v python3 >/dev/null || skip_all "no python3"
command -v lighttpd >/dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "no lighttpd (sh etc/install-deps)"
cd "$W" || exit 1

web_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
get() {
	_url=$1
	shift
	st=$(curl -s -D "$W/h" -o "$W/b" -w '%{http_code}' "$@" "$_url")
	tr -d '\r' < "$W/h" > "$W/h2" && mv "$W/h2" "$W/h"
}
hdr() { sed -n "s/^$1: //Ip" "$W/h" | tail -1; }
web_wait() {
	_n=0
	while [ $_n -lt 100 ]; do
		_c=$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)
		[ "$_c" != 000 ] && return 0
		sleep 0.05
		_n=$((_n + 1))
	done
	return 1
}
serve_start() {
	_p=$1
	shift
	sh "$TOP/etc/serve" -p "$_p" "$@" "$IAR_ROOT" > "$W/serve.$_p" 2>&1 &
	SPID=$!
	T_PIDS="$T_PIDS $SPID"
	web_wait "http://127.0.0.1:$_p/" || return 1
	# lighttpd itself, should etc/serve be killed with -9
	T_PIDS="$T_PIDS $(sed -n 's/.*(pid \([0-9]*\);.*/\1/p' "$W/serve.$_p")"
}
serve_stop() {
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}
run_until_running() {
	_n=0
	while [ "$(jstate "$1")" != RUNNING ] && [ $_n -lt 50 ]; do
		iar-dispatch -1
		sleep 0.1
		_n=$((_n + 1))
	done
}
APACHE=$(command -v apache2 || { [ -x /usr/sbin/apache2 ] && echo /usr/sbin/apache2; } || true)
apache_start() {
	[ -n "$APACHE" ] || return 1
	mkdir -p "$W/apache/www"
	chmod 755 "$W" "$W/apache"
	# the snippet as shipped, with the test's paths and port
	sed -e "s|@CGIDIR@/iar.cgi|$TOP/cgi-bin/iar.cgi|" \
	    -e "s|# SetEnv IAR_ROOT /srv/iar .*|SetEnv IAR_ROOT $IAR_ROOT|" \
	    -e "s|@ETCDIR@|$IAR_ROOT/etc|g" -e "s|/var/lib/iar-apache|$W/apache|g" \
	    -e "s|127.0.0.1:8083|127.0.0.1:$1|" \
	    "$TOP/etc/apache-iar.conf" > "$W/apache/httpd.conf"
	# as root Apache runs the CGI as www-data, which must reach it
	[ "$(id -u)" -ne 0 ] || chown www-data "$W/apache"
	setsid "$APACHE" -f "$W/apache/httpd.conf" -DFOREGROUND \
	    2>> "$W/apache/error.log" &
	T_PIDS="$T_PIDS $!"
	APID=$!
	web_wait "http://127.0.0.1:$1/"
}
apache_stop() {
	[ -n "${APID:-}" ] || return 0
	kill -TERM "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
	APID=""
}
# Apache's children outlive a parent killed with -9: stop it first.
trap 'apache_stop; t_cleanup' EXIT
