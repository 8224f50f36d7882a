# tests/web.sh: helpers for the tests that run iar.cgi under a real web
# server on 127.0.0.1, sourced after tests/lib.sh with $W set (a work
# directory under $IAR_ROOT):
#   web_port              a free port on 127.0.0.1
#   get URL [curl opts]   headers in $W/h (no CRs), body in $W/b, $st
#   hdr NAME              the last value of a header in $W/h
#   web_wait URL          wait (5 s at most) until something answers
#   apache_start PORT     etc/apache-iar.conf, its paths made the test's,
#                         under apache2 -DFOREGROUND; 1 if apache2 is
#                         missing or does not start ($W/apache/error.log)
# Servers started here are killed by lib.sh's EXIT trap (T_PIDS).
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
