#!/bin/sh
# t0400-cgi: cgi-bin/iar.cgi run as a web server would run it (an empty
# environment plus the CGI variables) against a fresh root with jobs run
# by the real dispatcher: routes, every format, escaping of a hostile job
# name, bad and hostile parameters, gzip, HEAD, 304, private logs, the
# POST actions with their checks, and the event stream arriving event by
# event. The same program under a real lighttpd and Chromium is
# t0410-cgi-web.
. "$(dirname "$0")/lib.sh"

CGI=$TOP/cgi-bin/iar.cgi
[ -x "$CGI" ] || skip_all "cgi-bin/iar.cgi is not built"
command -v python3 >/dev/null || skip_all "no python3"
W=$IAR_ROOT/work
mkdir -p "$W"
cd "$W" || exit 1
ME=$(id -un)
EVIL='<script>alert(1)</script>&"'"'"
# a server gives a CGI an empty environment; sanitizer settings pass
SANENV="ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"

# cgi METHOD PATH_INFO [VAR=VALUE...]: run it; headers in $W/h, body in
# $W/b, the status in $st; stdin from $CGI_IN (default empty).
cgi() {
	_m=$1 _p=$2
	shift 2
	env -i $SANENV IAR_ROOT="$IAR_ROOT" REQUEST_METHOD="$_m" PATH_INFO="$_p" \
	    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 "$@" "$CGI" < "${CGI_IN:-/dev/null}" \
	    > "$W/raw" 2> "$W/err"
	rc=$?
	python3 "$TOP/tests/cgi-split.py" "$W/raw" "$W/h" "$W/b"
	st=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$W/h")
	[ $rc -eq 0 ] || st="exit$rc"
}
hdr() { sed -n "s/^$1: //p" "$W/h"; }
body_has() { grep -qF -- "$1" "$W/b"; }
json_ok() { python3 -m json.tool "$W/b" >/dev/null 2>&1; }

# Jobs: a hostile name, one that fails with output on both streams, one
# held, then (after the pass) one left pending.
e=$(iar-submit --parsable -J "$EVIL" -- echo evil-output)
f=$(iar-submit --parsable -J failing -- sh -c 'echo out-line; echo err-line >&2; exit 3')
h=$(iar-submit --parsable -H -J heldjob -- echo held-ran)
drain 30
p=$(iar-submit --parsable -J pendjob -- echo pend-ran)
is "$(jstate "$e"),$(jstate "$f"),$(jstate "$h"),$(jstate "$p")" \
    "COMPLETED,FAILED,HELD,PENDING" "setup: jobs in four states"
NODE=$(ls "$IAR_ROOT/nodes" | head -1)

# ---- routes and pages ----
cgi GET /
is "$st" 200 "dashboard: 200"
is "$(hdr Content-Type)" "text/html; charset=utf-8" "dashboard: Content-Type with charset"
is "$(hdr Cache-Control)" "no-cache" "dashboard: Cache-Control no-cache"
body_has '<svg class="chart"' && body_has 'Jobs ended per hour'
ok $? "dashboard: throughput chart drawn as SVG"
body_has 'Wait from submission to start'
ok $? "dashboard: wait-time chart"
body_has "href=\"/cgi-bin/iar.cgi/jobs/$p\"" && body_has "href=\"/cgi-bin/iar.cgi/jobs/$h\""
ok $? "dashboard: the pending and held jobs, linked from SCRIPT_NAME"
body_has "href=\"/cgi-bin/iar.cgi/nodes/$NODE\""
ok $? "dashboard: the node"
is "$(grep -o '<script[^>]*>' "$W/b")" '<script src="/cgi-bin/iar.cgi/ui.js" defer>' \
    "dashboard: no <script> but our own /ui.js"
hdr Content-Security-Policy | grep -q "default-src 'none'.*script-src 'self';"
ok $? "HTML pages allow no script but the program's own (Content-Security-Policy)"

cgi GET /jobs
is "$st" 200 "/jobs: 200"
body_has "/jobs/$e\"" && body_has "/jobs/$f\"" && body_has "/jobs/$p\""
ok $? "/jobs: live and finished jobs"
cgi GET /jobs QUERY_STRING="state=&user=&limit="
is "$st" 200 "/jobs with the filter form's empty fields: 200"
cgi GET /jobs QUERY_STRING="state=held"
body_has "/jobs/$h\"" && ! body_has "/jobs/$e\""
ok $? "/jobs?state=held: only the held job"

cgi GET "/jobs/$e"
is "$st" 200 "/jobs/ID: 200"
body_has '&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;'
ok $? "job page: the hostile name is escaped"
grep -qF "$EVIL" "$W/b"
ok $((! $?)) "job page: the raw name never appears"
body_has 'COMPLETED' && body_has 'State history' && body_has 'Descriptor'
ok $? "job page: state, history, descriptor"
body_has 'Private: sign in'
ok $? "job page: the log is private without a user"

cgi GET "/nodes"
is "$st" 200 "/nodes: 200"
cgi GET "/nodes/$NODE"
is "$st" 200 "/nodes/NAME: 200"
body_has '<svg class="topo"' && body_has 'Core L#0'
ok $? "node page: topology drawn"
cgi GET /stats
is "$st" 200 "/stats: 200"
body_has 'success rate' && body_has 'Per node' && body_has 'Per hour'
ok $? "stats page: totals, per node, per hour"

# ---- JSON ----
cgi GET /api/v1/jobs
is "$st" 200 "/api/v1/jobs: 200"
is "$(hdr Content-Type)" "application/json; charset=utf-8" "JSON Content-Type"
json_ok
ok $? "/api/v1/jobs is valid JSON"
python3 - "$W/b" "$e" "$EVIL" "$f" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "iar-cgi/1", d.get("schema")
jobs = {j["id"]: j for j in d["jobs"]}
assert len(jobs) == 4, sorted(jobs)
assert jobs[int(sys.argv[2])]["name"] == sys.argv[3], jobs[int(sys.argv[2])]
assert jobs[int(sys.argv[4])]["exit"] == 3
assert jobs[int(sys.argv[4])]["state"] == "FAILED"
EOF
ok $? "JSON: schema, all four jobs, the hostile name intact, exit status"
cgi GET "/api/v1/jobs/$f"
json_ok && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "iar-cgi/1" and d["job"]["name"] == "failing"
states = [e["state"] for e in d["events"]]
assert "RUNNING" in states and "FAILED" in states, states
' "$W/b"
ok $? "/api/v1/jobs/ID: the job and its state history"
cgi GET /api/v1/jobs QUERY_STRING="state=done&limit=1"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["jobs"]) == 1 and d["next"], d
' "$W/b"
ok $? "/api/v1/jobs?limit=1: one finished job and a next link"
# The dispatcher wrote a heartbeat; start from none.
rm -f "$IAR_ROOT/nodes/$NODE/heartbeat"
cgi GET /api/v1/nodes
json_ok && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = d["nodes"][0]
assert d["schema"] == "iar-cgi/1" and n["name"] == sys.argv[2], d
assert n["cores"] >= 1 and n["heartbeat_age"] is None, n
' "$W/b" "$NODE"
ok $? "/api/v1/nodes: valid, with cores and no heartbeat yet"
touch "$IAR_ROOT/nodes/$NODE/heartbeat"
cgi GET /api/v1/nodes
python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))["nodes"][0]
assert n["heartbeat_age"] is not None and n["heartbeat_age"] < 60, n
' "$W/b"
ok $? "/api/v1/nodes: heartbeat age from the file's mtime"
# Up or down as the head judges it: by the heartbeat's seq moving within
# heartbeat_timeout, not by the file's age. A fresh file whose seq has
# stood still for 1000 s is down in iar-node list and on the page alike.
N=$IAR_ROOT/nodes/$NODE
printf 'iar-heartbeat 1\nseq=7\ntime=%s\nload1=0.1\nrunning=0\nend\n' \
    "$(date +%s)" > "$N/heartbeat"
printf 'seq=7\nsince=%s\n' $(( $(date +%s) - 1000 )) > "$N/alive"
cp "$N/alive" "$W/alive.before"
upof() { python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))["nodes"][0]["up"])' "$W/b"; }
cgi GET /api/v1/nodes
is "$(upof) $(iar-node list --json | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["state"])')" "False down" \
    "a heartbeat whose seq stood still past heartbeat_timeout: down on the page and in iar-node list"
printf 'iar-heartbeat 1\nseq=8\ntime=%s\nload1=0.1\nrunning=0\nend\n' \
    "$(date +%s)" > "$N/heartbeat"
cp "$W/alive.before" "$N/alive"
cgi GET /api/v1/nodes
is "$(upof)" True "its seq moved: up"
cmp -s "$N/alive" "$W/alive.before"
ok $? "... and the CGI wrote nothing (alive as it was)"
cgi GET /api/v1/stats
json_ok && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["states"]["COMPLETED"] == 1 and d["states"]["FAILED"] == 1, d
assert d["finished"] == 2 and abs(d["success_rate"] - 0.5) < 1e-9, d
assert len(d["hours"]) == 24 and sum(h["ended"] for h in d["hours"]) == 2
' "$W/b"
ok $? "/api/v1/stats: totals, success rate, 24 hours"

# ---- text, CSV, TSV ----
cgi GET /text/jobs QUERY_STRING=format=csv
is "$(hdr Content-Type)" "text/csv; charset=utf-8" "CSV Content-Type"
python3 - "$W/b" "$EVIL" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert rows[0][:4] == ["id", "name", "user", "state"], rows[0]
assert all(len(r) == 31 for r in rows), [len(r) for r in rows]
assert len(rows) == 5, len(rows)
assert sys.argv[2] in [r[1] for r in rows]
EOF
ok $? "CSV: header, 31 columns in every row, hostile name intact"
cgi GET /text/jobs QUERY_STRING=format=tsv
is "$(awk -F'\t' '{print NF}' "$W/b" | sort -u)" 31 "TSV: 31 columns in every row"
cgi GET /text/jobs
head -1 "$W/b" | grep -q '^ *ID  *NAME  *USER  *STATE'
ok $? "txt: an aligned table"
cgi GET /text/nodes QUERY_STRING=format=csv
python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][0] == "name" and all(len(r) == 16 and rows[0][15] == "gpus" for r in rows), rows
' "$W/b"
ok $? "/text/nodes CSV: 16 columns, gpus last"

# ---- metrics ----
cgi GET /metrics
is "$(hdr Content-Type)" "text/plain; version=0.0.4; charset=utf-8" "metrics: Prometheus Content-Type"
grep -qx 'iar_jobs{state="PENDING"} 1' "$W/b" &&
grep -qx 'iar_jobs{state="HELD"} 1' "$W/b" &&
grep -qx 'iar_jobs_total{state="COMPLETED"} 1' "$W/b" &&
grep -qx "iar_node_up{node=\"$NODE\"} 1" "$W/b" &&
grep -q "^iar_node_cores{node=\"$NODE\"} [1-9]" "$W/b" &&
grep -q "^iar_node_cores_busy{node=\"$NODE\"} 0" "$W/b"
ok $? "metrics: job gauges, counters, node up, cores, cores busy"
grep -v '^#' "$W/b" | grep -vE '^[a-z_]+(\{[a-z]+="[^"]*"\})? [0-9.e+-]+$'
ok $((! $?)) "metrics: every sample line is well formed"

# ---- errors: unknown, malformed, hostile ----
check() {	# check WANT DESCRIPTION METHOD PATH [VAR=VALUE...]
	_want=$1 _desc=$2
	shift 2
	cgi "$@"
	is "$st" "$_want" "$_desc"
}
check 404 "unknown route: 404" GET /nope
check 404 "unknown route under /api: 404" GET /api/v1/nope
is "$(hdr Content-Type)" "application/json; charset=utf-8" "API errors are JSON"
json_ok
ok $? "API error body is valid JSON"
check 404 "unknown job: 404" GET /jobs/999999
check 400 "bad job id: 400" GET /jobs/abc
check 400 "job id 0: 400" GET /jobs/0
check 400 "job id with a sign: 400" GET /jobs/+1
check 400 "huge job id: 400" GET /jobs/99999999999999999999999
check 400 "../ as a job id: 400" GET "/jobs/../log"
check 404 "../ deeper: 404" GET "/jobs/1/../../etc/passwd"
check 400 "node '..': 400" GET "/nodes/.."
check 400 "node with a slash escape decoded by the server: 400" GET "/nodes/a b"
check 404 "unknown node: 404" GET "/nodes/nosuchnode"
check 400 "control byte in the path: 400" GET "$(printf '/jobs/\001')"
check 400 "path too long: 400" GET "/$(head -c 2000 /dev/zero | tr '\0' a)"
check 400 "bad format: 400" GET /text/jobs QUERY_STRING=format=xml
check 400 "%00 in a value: 400" GET /text/jobs QUERY_STRING=format=csv%00
check 400 "bad escape: 400" GET /jobs QUERY_STRING=state=%zz
check 400 "truncated escape: 400" GET /jobs QUERY_STRING=state=%4
check 400 "unknown state: 400" GET /jobs QUERY_STRING=state=sleeping
check 400 "unknown parameter: 400" GET /jobs QUERY_STRING=foo=1
check 400 "repeated parameter: 400" GET /jobs QUERY_STRING="state=held&state=done"
check 400 "huge limit: 400" GET /api/v1/jobs QUERY_STRING=limit=99999999999
check 400 "bad before: 400" GET /api/v1/jobs QUERY_STRING=before=-1
check 400 "huge query string: 400" GET /jobs \
    QUERY_STRING="state=$(head -c 5000 /dev/zero | tr '\0' a)"
check 400 "bad stream: 400" GET "/jobs/$f/log" QUERY_STRING=stream=../../etc/passwd
check 405 "PUT: 405" PUT /jobs
hdr Allow | grep -q 'GET'
ok $? "405 says Allow"
check 405 "POST to a page: 405" POST /
check 405 "GET of an action: 405" GET "/jobs/$p/hold"
cgi "" /
case $st in 400|405) r=0 ;; *) r=1 ;; esac
ok $r "no REQUEST_METHOD: an error page, not a crash ($st)"
check 400 "bad Content-Length: 400" GET / CONTENT_LENGTH=12x

# ---- gzip, HEAD, validators ----
cgi GET /text/jobs QUERY_STRING=format=csv
cp "$W/b" "$W/plain"
plainlen=$(hdr Content-Length)
cgi GET /text/jobs QUERY_STRING=format=csv HTTP_ACCEPT_ENCODING="deflate, gzip;q=0.8, br"
is "$(hdr Content-Encoding)" gzip "Accept-Encoding gzip: Content-Encoding gzip"
is "$(hdr Vary)" Accept-Encoding "Vary: Accept-Encoding"
python3 -c '
import gzip, sys
assert gzip.decompress(open(sys.argv[1], "rb").read()) == open(sys.argv[2], "rb").read()
' "$W/b" "$W/plain"
ok $? "the gzipped body decompresses to the plain one"
cgi GET /text/jobs QUERY_STRING=format=csv HTTP_ACCEPT_ENCODING="gzip;q=0, deflate"
is "$(hdr Content-Encoding)" "" "gzip;q=0: not gzipped"
cgi HEAD /text/jobs QUERY_STRING=format=csv
is "$st,$(hdr Content-Length),$(wc -c < "$W/b" | tr -d ' ')" "200,$plainlen,0" \
    "HEAD: headers with the length, no body"

cgi GET "/jobs/$e"
etag=$(hdr ETag)
lm=$(hdr Last-Modified)
[ -n "$etag" ] && [ -n "$lm" ]
ok $? "finished job page: ETag and Last-Modified ($etag)"
cgi GET "/jobs/$e" HTTP_IF_NONE_MATCH="$etag"
is "$st,$(wc -c < "$W/b" | tr -d ' ')" "304,0" "If-None-Match: 304, no body"
cgi GET "/jobs/$e" HTTP_IF_NONE_MATCH='"other"'
is "$st" 200 "another ETag: 200"
cgi GET "/jobs/$e" HTTP_IF_MODIFIED_SINCE="$lm"
is "$st" 304 "If-Modified-Since: 304"
cgi GET "/jobs/$e" HTTP_ACCEPT_ENCODING=gzip
gzetag=$(hdr ETag)
cgi GET "/jobs/$e" HTTP_ACCEPT_ENCODING=gzip HTTP_IF_NONE_MATCH="$gzetag"
is "$st" 304 "the gzip ETag revalidates too ($gzetag)"
cgi GET "/jobs/$p"
is "$(hdr ETag)" "" "a live job's page has no ETag"

# ---- private logs and scripts ----
check 403 "log without a user: 403" GET "/jobs/$f/log"
check 403 "log of another user's job: 403" GET "/jobs/$f/log" REMOTE_USER=nobody
check 200 "log for the job's owner: 200" GET "/jobs/$f/log" REMOTE_USER="$ME"
is "$(hdr Content-Type)" "text/plain; charset=utf-8" "log: text/plain"
is "$(cat "$W/b")" out-line "log: the job's stdout"
hdr X-Content-Type-Options | grep -q nosniff
ok $? "log: nosniff, so no browser takes it for HTML"
letag=$(hdr ETag)
check 304 "log of a finished job: 304 on its ETag" GET "/jobs/$f/log" \
    REMOTE_USER="$ME" HTTP_IF_NONE_MATCH="$letag"
cgi GET "/jobs/$f/log" QUERY_STRING=stream=stderr REMOTE_USER="$ME"
is "$(cat "$W/b")" err-line "log ?stream=stderr"
cgi GET "/jobs/$f/log" REMOTE_USER="$ME" HTTP_ACCEPT_ENCODING=gzip
is "$(python3 -c 'import gzip,sys; sys.stdout.write(gzip.decompress(open(sys.argv[1],"rb").read()).decode())' "$W/b")" \
    out-line "log gzipped"
cgi GET "/jobs/$f" REMOTE_USER="$ME"
body_has 'out-line' && body_has 'err-line' && body_has 'echo out-line'
ok $? "job page for the owner: log tail and the command"
is "$(hdr Cache-Control)" "no-cache, private" "a signed-in user's page is private"
cgi GET "/jobs/$f" REMOTE_USER=nobody
! body_has 'out-line' && ! body_has 'echo out-line'
ok $? "job page for another user: no log, no script"

# ---- etc/cgi.conf ----
printf 'bogus line\n' > "$IAR_ROOT/etc/cgi.conf"
check 500 "bad etc/cgi.conf: 500 page" GET /
grep -q 'cgi.conf:1: unknown setting' "$W/err"
ok $? "bad etc/cgi.conf: the line named in the server's log"
printf '# readers\nread nobody\n' > "$IAR_ROOT/etc/cgi.conf"
check 200 "'read nobody': nobody may read logs" GET "/jobs/$f/log" REMOTE_USER=nobody

# ---- actions ----
printf 'allow %s\nevents_heartbeat 1\n' "$ME" > "$IAR_ROOT/etc/cgi.conf"
post() {	# post VERB ID TOKEN [VAR=VALUE...]
	_v=$1 _id=$2 _tok=$3
	shift 3
	printf 'token=%s' "$_tok" > "$W/form"
	CGI_IN=$W/form cgi POST "/jobs/$_id/$_v" \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH="$(wc -c < "$W/form" | tr -d ' ')" HTTP_HOST=example.org "$@"
}
cgi GET "/jobs/$p" REMOTE_USER="$ME"
body_has 'Actions need etc/cgi.secret'
ok $? "without etc/cgi.secret: no forms, a note"
post hold "$p" 1.abc REMOTE_USER="$ME"
is "$st" 403 "without etc/cgi.secret: POST refused"
(umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$IAR_ROOT/etc/cgi.secret")
cgi GET "/jobs/$p" REMOTE_USER="$ME"
tok=$(sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' "$W/b" | head -1)
[ -n "$tok" ] && body_has "action=\"/cgi-bin/iar.cgi/jobs/$p/hold\""
ok $? "owner's job page: a hold form with a token"
pytok() {	# pytok USER SECONDS-AGO|@TIME: a token made by Python's hmac
	python3 -c '
import hmac, hashlib, sys, time
key = open(sys.argv[1], "rb").read().rstrip(b"\r\n")
a = sys.argv[3]
t = int(a[1:]) if a.startswith("@") else int(time.time()) - int(a)
msg = ("iar-cgi-token 1\n%s\n%d" % (sys.argv[2], t)).encode()
print("%d.%s" % (t, hmac.new(key, msg, hashlib.sha256).hexdigest()))
' "$IAR_ROOT/etc/cgi.secret" "$1" "$2"
}
is "${tok#*.}" "$(pytok "$ME" @"${tok%%.*}" | cut -d. -f2)" \
    "the token is HMAC-SHA256 as Python computes it"
post hold "$p" "$tok"
is "$st" 403 "POST without REMOTE_USER: 403"
post hold "$p" "$tok" REMOTE_USER=nobody
is "$st" 403 "POST by a user etc/cgi.conf does not allow: 403"
post hold "$p" "$(pytok nobody 0)" REMOTE_USER="$ME"
is "$st" 403 "a token made for another user: 403"
# the last digit changed (to 0, or to 1 if it was 0: one token in 16)
case $tok in *0) bad=${tok%?}1 ;; *) bad=${tok%?}0 ;; esac
post hold "$p" "$bad" REMOTE_USER="$ME"
is "$st" 403 "a bad token: 403"
post hold "$p" "$(pytok "$ME" 50000)" REMOTE_USER="$ME"
is "$st" 403 "an expired token: 403"
post hold "$p" "$tok" REMOTE_USER="$ME" HTTP_ORIGIN=http://evil.example
is "$st" 403 "an Origin of another site: 403"
post hold "$p" "$tok" REMOTE_USER="$ME" HTTP_REFERER=http://evil.example/x
is "$st" 403 "a Referer of another site: 403"
printf 'token=%s' "$tok" > "$W/form"
CGI_IN=$W/form cgi POST "/jobs/$p/hold" CONTENT_TYPE=text/plain \
    CONTENT_LENGTH="$(wc -c < "$W/form" | tr -d ' ')" REMOTE_USER="$ME"
is "$st" 415 "a body that is not a form: 415"
head -c 70000 /dev/zero > "$W/big"
CGI_IN=$W/big cgi POST "/jobs/$p/hold" CONTENT_LENGTH=70000 \
    CONTENT_TYPE=application/x-www-form-urlencoded REMOTE_USER="$ME"
is "$st" 413 "a body too large: 413 (after reading it all)"
is "$(ls -A "$IAR_ROOT/spool/ctl")" "" "no request file after refusals"
post hold "$p" "$tok" REMOTE_USER="$ME" HTTP_ORIGIN=http://example.org
is "$st" 202 "hold by the owner, same Origin: 202"
body_has 'Request sent'
ok $? "202 page says the request was sent"
r=$(ls "$IAR_ROOT/spool/ctl")
case $r in "$p.hold."*) x=0 ;; *) x=1 ;; esac
ok $x "a request file in spool/ctl ($r)"
grep -qx "user=$ME" "$IAR_ROOT/spool/ctl/$r"
ok $? "the request names the web user"
iar-dispatch -1
is "$(jstate "$p")" HELD "the dispatcher held the job"
cgi GET "/jobs/$p" REMOTE_USER="$ME"
body_has "/jobs/$p/release\""
ok $? "a held job offers release"
post hold "$p" "$tok" REMOTE_USER="$ME"
is "$st" 409 "hold of a held job: 409"
post release "$p" "$tok" REMOTE_USER="$ME" HTTP_REFERER="http://example.org/cgi-bin/iar.cgi/jobs/$p"
is "$st" 202 "release (same-site Referer): 202"
drain 30
is "$(jstate "$p")" COMPLETED "released, it ran"
post cancel "$p" "$tok" REMOTE_USER="$ME"
is "$st" 409 "cancel of a finished job: 409"
c=$(iar-submit --parsable -H -J tocancel -- true)
iar-dispatch -1
post cancel "$c" "$tok" REMOTE_USER="$ME"
is "$st" 202 "cancel: 202"
iar-dispatch -1
is "$(jstate "$c")" CANCELLED "the dispatcher cancelled it"
printf 'allow nobody\n' > "$IAR_ROOT/etc/cgi.conf"
d=$(iar-submit --parsable -H -J notnobodys -- true)
iar-dispatch -1
post release "$d" "$(pytok nobody 0)" REMOTE_USER=nobody
is "$st" 403 "an allowed user on someone else's job: 403"
printf 'admin nobody\n' > "$IAR_ROOT/etc/cgi.conf"
post release "$d" "$(pytok nobody 0)" REMOTE_USER=nobody
is "$st" 202 "an admin may act on any job: 202"
rm -f "$IAR_ROOT"/spool/ctl/*
# A CGI running as its own account (cgi_user) needs the dispatcher to
# trust "user=" in requests from that account (iar.cgi(8), TRUST).
if grep -q cgi_user "$TOP"/libexec/*.c 2>/dev/null && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	printf 'cgi_user nobody\nallow %s\n' "$ME" > "$IAR_ROOT/etc/cgi.conf"
	chmod 1777 "$IAR_ROOT/spool/ctl"
	chown nobody "$IAR_ROOT/etc/cgi.secret"
	printf 'token=%s' "$(pytok "$ME" 0)" > "$W/form"
	env -i $SANENV IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=POST PATH_INFO="/jobs/$d/cancel" \
	    CONTENT_TYPE=application/x-www-form-urlencoded REMOTE_USER="$ME" \
	    CONTENT_LENGTH="$(wc -c < "$W/form" | tr -d ' ')" \
	    setpriv --reuid=nobody --regid=nogroup --clear-groups "$CGI" \
	    < "$W/form" > "$W/raw" 2>&1
	iar-dispatch -1
	is "$(jstate "$d")" CANCELLED "a CGI running as cgi_user: the dispatcher acts for the web user"
	chmod 755 "$IAR_ROOT/spool/ctl"
	chown 0 "$IAR_ROOT/etc/cgi.secret"
else
	T_N=$((T_N + 1))
	echo "ok $T_N # SKIP the dispatcher does not yet trust cgi_user requests (iar.cgi(8), TRUST)"
fi

# ---- the event stream ----
printf 'events_heartbeat 1\n' > "$IAR_ROOT/etc/cgi.conf"
python3 "$TOP/tests/cgi-sse.py" "$W/sse" -- env -i $SANENV IAR_ROOT="$IAR_ROOT" \
    REQUEST_METHOD=GET PATH_INFO=/events QUERY_STRING=max=4 "$CGI" &
spid=$!
T_PIDS="$T_PIDS $spid"
n=0
while ! grep -q 'event: node' "$W/sse" 2>/dev/null && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
s=$(iar-submit --parsable -J streamed -- echo streamed)
drain 10
wait "$spid"
is $? 0 "/events ends by itself after max seconds"
grep -q '^[0-9.]* Content-Type: text/event-stream' "$W/sse"
ok $? "events: Content-Type text/event-stream"
grep -q "^[0-9.]* data: {\"id\":$h,\"name\":\"heldjob\".*\"state\":\"HELD\"" "$W/sse"
ok $? "events: the current state of a live job first"
t_new=$(awk -v id="$s" '$0 ~ "data: \\{\"id\":" id "," {print $1; exit}' "$W/sse")
t_done=$(awk -v id="$s" '$0 ~ "data: \\{\"id\":" id ",.*\"state\":\"COMPLETED\"" {print $1; exit}' "$W/sse")
t_end=$(awk '/ event: end/ {print $1}' "$W/sse")
python3 -c '
import sys
new, done, end = (float(x) for x in sys.argv[1:4])
assert 0 < new <= done < end - 0.5, (new, done, end)
assert end >= 3.5, end
' "${t_new:-0}" "${t_done:-0}" "${t_end:-0}"
ok $? "events: the new job's events arrived as they happened (at ${t_new}s and ${t_done}s; end at ${t_end}s)"
grep -q '^[0-9.]* : keepalive' "$W/sse"
ok $? "events: a keepalive comment every events_heartbeat seconds"
grep -q '^[0-9.]* id: [0-9]' "$W/sse"
ok $? "events: ids on events"
cgi GET /api/v1/nodes
python3 -c '
import json, sys
ev, lines = None, open(sys.argv[1]).read().splitlines()
kind = None
for l in lines:
    l = l.split(" ", 1)[1]
    if l.startswith("event: "):
        kind = l[7:]
    elif l.startswith("data: ") and kind == "node":
        ev = json.loads(l[6:])
        break
api = {n["name"]: n for n in json.load(open(sys.argv[2]))["nodes"]}
n = api[ev["name"]]
assert "executor" in ev, ev
assert set(ev) <= set(n), set(ev) - set(n)
for k in ("state", "up", "executor", "reason", "limits", "tags"):
    assert ev[k] == n[k], (k, ev[k], n[k])
' "$W/sse" "$W/b"
ok $? "events: a node event has the API's node keys (executor too) and values"
since=$(($(date +%s) - 3600))000000
cgi GET /events QUERY_STRING=max=1 HTTP_LAST_EVENT_ID="$since"
grep -q "^data: {\"id\":$e," "$W/b"
ok $? "Last-Event-ID: the jobs that ended since are sent too"
check 400 "events ?max beyond events_max: 400" GET /events QUERY_STRING=max=999999
check 200 "HEAD /events: headers only" HEAD /events
is "$(wc -c < "$W/b" | tr -d ' ')" 0 "HEAD /events: no body"

done_testing
