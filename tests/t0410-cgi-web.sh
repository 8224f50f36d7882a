#!/bin/sh
# t0410-cgi-web: iar.cgi under a real lighttpd on 127.0.0.1 (started by
# etc/serve with etc/lighttpd-iar.conf): pages, headers, gzip and 304
# with curl; the event stream arriving event by event through the
# server; basic auth and a POST action; then headless Chromium loading
# the dashboard and a job page as a person would see them. Skips with
# the reason when lighttpd, curl or Chromium is missing (etc/install-deps
# installs them).
. "$(dirname "$0")/lib.sh"

CGI=$TOP/cgi-bin/iar.cgi
[ -x "$CGI" ] || skip_all "cgi-bin/iar.cgi is not built"
command -v lighttpd >/dev/null || [ -x /usr/sbin/lighttpd ] ||
    skip_all "no lighttpd (sh etc/install-deps)"
command -v curl >/dev/null || skip_all "no curl (sh etc/install-deps)"
command -v python3 >/dev/null || skip_all "no python3"
W=$IAR_ROOT/work
mkdir -p "$W"
cd "$W" || exit 1
ME=$(id -un)
EVIL='<script>alert(1)</script>&"'"'"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
U=$BASE/cgi-bin/iar.cgi

e=$(iar-submit --parsable -J "$EVIL" -- echo evil-output)
f=$(iar-submit --parsable -J failing -- sh -c 'echo out-line; exit 3')
drain 30

SPID=""
serve_start() {	# serve_start [etc/serve options]
	sh "$TOP/etc/serve" -p "$PORT" "$@" "$IAR_ROOT" > "$W/serve.log" 2>&1 &
	SPID=$!
	T_PIDS="$T_PIDS $SPID"
	n=0
	while [ $n -lt 100 ]; do
		c=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/" 2>/dev/null)
		[ "$c" != 000 ] && break
		sleep 0.05
		n=$((n + 1))
	done
	lp=$(sed -n 's/.*(pid \([0-9]*\);.*/\1/p' "$W/serve.log")
	T_PIDS="$T_PIDS $lp"
	[ "$c" != 000 ]
}
serve_stop() {
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}
get() {	# get URL [curl options]: headers in $W/h, body in $W/b, $st
	_url=$1
	shift
	st=$(curl -s -D "$W/h" -o "$W/b" -w '%{http_code}' "$@" "$_url")
	tr -d '\r' < "$W/h" > "$W/h2" && mv "$W/h2" "$W/h"
}
hdr() { sed -n "s/^$1: //Ip" "$W/h" | tail -1; }

serve_start
ok $? "etc/serve starts lighttpd on 127.0.0.1:$PORT"
get "$BASE/"
is "$st,$(hdr Location)" "301,/cgi-bin/iar.cgi/" "/ redirects to the dashboard"
get "$U/"
is "$st" 200 "dashboard through lighttpd: 200"
is "$(hdr Content-Type)" "text/html; charset=utf-8" "Content-Type passed through"
grep -q '<svg class="chart"' "$W/b"
ok $? "dashboard: the SVG charts"
get "$U/" --compressed
is "$(hdr Content-Encoding)" gzip "gzip through lighttpd"
grep -q 'Dashboard' "$W/b"
ok $? "curl decodes the gzipped page"
st=$(curl -s -I -o "$W/h" -w '%{http_code},%{size_download}' "$U/api/v1/jobs")
is "$st" "200,0" "HEAD through lighttpd: 200, no body"
grep -qi '^Content-Length: [1-9]' "$W/h"
ok $? "HEAD: the length a GET would have"
get "$U/nope"
is "$st" 404 "unknown route: 404 through lighttpd"
get "$U/jobs/x"
is "$st" 400 "bad id: 400 through lighttpd"
get "$BASE/cgi-bin/http.c"
[ "$st" != 200 ]
ok $? "nothing but iar.cgi is served from cgi-bin ($st)"
get "$U/jobs/$e"
etag=$(hdr ETag)
get "$U/jobs/$e" -H "If-None-Match: $etag"
is "$st" 304 "304 on the ETag through lighttpd"
get "$U/jobs/$f/log"
is "$st" 403 "a private log without a user: 403"

# The event stream, through the server, event by event.
printf 'events_heartbeat 1\n' > "$IAR_ROOT/etc/cgi.conf"
python3 "$TOP/tests/cgi-sse.py" "$W/sse" -- curl -sN "$U/events?max=4" &
spid=$!
T_PIDS="$T_PIDS $spid"
n=0
while ! grep -q 'event: node' "$W/sse" 2>/dev/null && [ $n -lt 60 ]; do
	sleep 0.1
	n=$((n + 1))
done
t_first=$(awk '/ event: /{print $1; exit}' "$W/sse")
s=$(iar-submit --parsable -J streamed -- echo streamed)
drain 10
wait "$spid"
is $? 0 "curl -N /events ends when the stream does"
t_new=$(awk -v id="$s" '$0 ~ "data: \\{\"id\":" id "," {print $1; exit}' "$W/sse")
t_end=$(awk '/ event: end/ {print $1}' "$W/sse")
python3 -c '
import sys
first, new, end = (float(x) for x in sys.argv[1:4])
assert first < 2.0, ("first event late: buffered?", first)
assert first < new < end - 0.5 and end >= 3.5, (first, new, end)
' "${t_first:-9}" "${t_new:-0}" "${t_end:-0}"
ok $? "events arrive one by one through lighttpd (first ${t_first}s, new job ${t_new}s, end ${t_end}s)"
grep -q ' : keepalive' "$W/sse"
ok $? "keepalive comments pass through"
serve_stop
ok $? "etc/serve stops on SIGTERM"

# Signed in: basic auth, REMOTE_USER, a POST action on a pending job.
p=$(iar-submit --parsable -J pendjob -- echo pend-ran)
printf 'allow %s\n' "$ME" > "$IAR_ROOT/etc/cgi.conf"
serve_start -a "$ME:pw-$$"
ok $? "etc/serve -a: lighttpd with basic auth"
[ -f "$IAR_ROOT/etc/cgi.secret" ] && [ "$(stat -c %a "$IAR_ROOT/etc/cgi.secret")" = 600 ]
ok $? "etc/serve -a made etc/cgi.secret, mode 0600"
get "$U/"
is "$st" 401 "no credentials: 401"
get "$U/jobs/$p" -u "$ME:pw-$$"
is "$st" 200 "with credentials: 200"
grep -q "signed in as $ME" "$W/b"
ok $? "the CGI got REMOTE_USER"
tok=$(sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' "$W/b" | head -1)
get "$U/jobs/$p/hold" -u "$ME:pw-$$" -d "token=$tok" -H "Origin: $BASE"
is "$st" 202 "POST hold through lighttpd: 202"
get "$U/jobs/$p/hold" -u "$ME:pw-$$" -d "token=$tok" -H "Origin: http://evil.example"
is "$st" 403 "POST from another site: 403"
iar-dispatch -1
is "$(jstate "$p")" HELD "the dispatcher held the job"
get "$U/jobs/$f/log" -u "$ME:pw-$$"
is "$st,$(cat "$W/b")" "200,out-line" "the owner reads the log"

# What the configuration hands a CGI: REMOTE_USER, never the password.
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n"\nenv\n' > "$W/env.cgi"
chmod 755 "$W/env.cgi"
mkdir -p "$W/run/www"
printf '%s:pw\n' "$ME" > "$W/run/users"
P2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
IAR_ROOT=$IAR_ROOT IAR_CGI=$W/env.cgi IAR_PORT=$P2 IAR_RUN=$W/run \
    lighttpd -D -f "$TOP/etc/lighttpd-iar.conf" 2>"$W/lt.err" &
lpid=$!
T_PIDS="$T_PIDS $lpid"
n=0
while ! curl -s -o /dev/null "http://127.0.0.1:$P2/" && [ $n -lt 100 ]; do
	sleep 0.05
	n=$((n + 1))
done
curl -s -u "$ME:pw" -H 'Proxy: http://evil.example' \
    "http://127.0.0.1:$P2/cgi-bin/iar.cgi/x?a=b" > "$W/env"
grep -qx "REMOTE_USER=$ME" "$W/env" && grep -qx 'PATH_INFO=/x' "$W/env" &&
grep -qx 'SCRIPT_NAME=/cgi-bin/iar.cgi' "$W/env" &&
grep -qx "IAR_ROOT=$IAR_ROOT" "$W/env" &&
! grep -q '^HTTP_AUTHORIZATION=' "$W/env" && ! grep -q '^HTTP_PROXY=' "$W/env"
ok $? "etc/lighttpd-iar.conf: REMOTE_USER, PATH_INFO, IAR_ROOT set; no password, no HTTP_PROXY"
kill "$lpid"
wait "$lpid" 2>/dev/null

# Headless Chromium, as a person would look.
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	for d in "dashboard in Chromium" "job page in Chromium" "screenshot"; do
		T_N=$((T_N + 1))
		echo "ok $T_N # SKIP no chromium (sh etc/install-deps): $d"
	done
else
	chrome() {	# chrome OUT ARGS...
		_o=$1
		shift
		timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu \
		    --disable-quic --no-first-run --disable-background-networking \
		    --disable-component-update --disable-sync \
		    --user-data-dir="$(mktemp -d "$W/chrome.XXXXXX")" "$@" \
		    > "$_o" 2> "$W/chrome.err"
	}
	AU=http://$ME:pw-$$@127.0.0.1:$PORT/cgi-bin/iar.cgi
	chrome "$W/dash.html" --dump-dom "$AU/"
	grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&amp;' "$W/dash.html" &&
	grep -q 'COMPLETED' "$W/dash.html" && grep -q '>Held <' "$W/dash.html" &&
	grep -q 'pendjob' "$W/dash.html" &&
	grep -q '<svg class="chart"' "$W/dash.html" &&
	[ "$(grep -c '<script' "$W/dash.html")" = 1 ] &&
	grep -q '<script src="/cgi-bin/iar.cgi/ui.js"' "$W/dash.html"
	ok $? "dashboard in Chromium: the job name shown as text, states, the chart"
	[ -n "${IAR_KEEP_DOM:-}" ] && cp "$W/dash.html" "$IAR_KEEP_DOM"
	chrome "$W/job.html" --dump-dom "$AU/jobs/$e"
	grep -qF 'Job '"$e"': &lt;script&gt;alert(1)&lt;/script&gt;&amp;' "$W/job.html" &&
	grep -q 'COMPLETED' "$W/job.html" && grep -q 'evil-output' "$W/job.html"
	ok $? "job page in Chromium: name, state, the log tail for its owner"
	chrome /dev/null --screenshot="$W/dash.png" --window-size=1280,900 "$AU/"
	python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) > 10000, len(b)
' "$W/dash.png"
	ok $? "a screenshot of the dashboard: a PNG ($(wc -c < "$W/dash.png" 2>/dev/null) bytes)"
	[ -n "${IAR_KEEP_SCREENSHOT:-}" ] && cp "$W/dash.png" "$IAR_KEEP_SCREENSHOT"
fi
serve_stop
ok $? "etc/serve stops"
sleep 0.2
curl -s -o /dev/null "$BASE/" 2>/dev/null
ok $((! $?)) "nothing listens on $PORT afterwards"

done_testing
