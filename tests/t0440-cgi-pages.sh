#!/bin/sh
# t0440-cgi-pages: every page of iar.cgi, in every state a job can show,
# signed in (with the action forms) and not, under a real lighttpd
# (etc/serve): each passes html-validate's standard preset, and each
# fits a 390 px phone screen without sideways scrolling (headless
# Chromium, a phone's viewport; wide tables scroll inside their box) and
# a 1400 px desktop; the script (/ui.js) sorts, filters and follows the
# event stream on the dashboard. IAR_KEEP_SCREENSHOTS=DIR keeps full-page PNGs of
# both widths to look at; IAR_README_SHOT=FILE keeps the README's picture
# of the dashboard (doc/dashboard.png). Skips a check, with the reason, when
# html-validate (etc/install-deps puts it in .deps/node) or Chromium is
# missing.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web.sh"
ME=$(id -un)
HV=$TOP/.deps/node/node_modules/.bin/html-validate
CHROME=$(command -v chromium || command -v chromium-browser || true)

# Jobs in every state a page shows, with names that are long, hostile
# or wide.
printf 'allow %s\n' "$ME" > "$IAR_ROOT/etc/cgi.conf"
c=$(iar-submit --parsable -J 'done <b>&"x"' -- sh -c 'echo out; echo err >&2')
f=$(iar-submit --parsable -J failing -- sh -c 'exit 3')
x=$(iar-submit --parsable -J to-cancel -H -- true)
iar-cancel "$x" > /dev/null
a=$(iar-submit --parsable -J arr --array 1-3 -- true)
drain 30
rj=$(iar-submit --parsable -J an-unusually-long-job-name-that-does-not-fit-on-a-phone-screen -- sleep 30)
run_until_running "$rj"
h=$(iar-submit --parsable -H -J heldjob -- true)
p=$(iar-submit --parsable -J waits-for-cores -c 2 -- true)
iar-dispatch -1
NODE=$(ls "$IAR_ROOT/nodes" | head -1)
is "$(jstate "$c"),$(jstate "$f"),$(jstate "$x"),$(jstate "$rj"),$(jstate "$h"),$(jstate "$p")" \
    COMPLETED,FAILED,CANCELLED,RUNNING,HELD,PENDING "setup: jobs in six states, an array"

PORT=$(web_port)
serve_start "$PORT" -a "$ME:pw-$$"
ok $? "etc/serve -a: lighttpd on 127.0.0.1:$PORT"
S1=$SPID
U=http://127.0.0.1:$PORT/cgi-bin/iar.cgi
PAGES="/ /jobs /jobs?state=running,pending /jobs?limit=1 /jobs/$c /jobs/$f
/jobs/$x /jobs/$a /jobs/$rj /jobs/$h /jobs/$p /nodes /nodes/$NODE /stats
/submit /nope /jobs/99999 /?range=1h /?range=7d&user=$ME /jobs?user=$ME"

# Every page, signed in and not: the HTML as served.
mkdir -p "$W/pages"
i=0
for pg in $PAGES; do
	i=$((i + 1))
	curl -s -u "$ME:pw-$$" -o "$W/pages/in$i.html" "$U$pg"
	echo "in$i.html $pg" >> "$W/pages/index"
done
# not signed in: a second server without users
P2=$(web_port)
serve_start "$P2"
i=0
for pg in $PAGES; do
	i=$((i + 1))
	curl -s -o "$W/pages/out$i.html" "http://127.0.0.1:$P2/cgi-bin/iar.cgi$pg"
	echo "out$i.html $pg" >> "$W/pages/index"
done
serve_stop
SPID=$S1
grep -q 'class="actions"' "$W/pages/in9.html" && ! grep -q '<form class="inline"' "$W/pages/out9.html"
ok $? "signed in, a live job's page has its action forms; not signed in, none"

if [ -x "$HV" ] && command -v node >/dev/null; then
	echo '{"extends": ["html-validate:standard"]}' > "$W/hv.json"
	(cd "$W/pages" && "$HV" -c "$W/hv.json" ./*.html) > "$W/hv.out" 2>&1
	r=$?
	[ $r -eq 0 ] || sed 's/^/# /' "$W/hv.out" | head -40
	ok $r "html-validate (standard preset): all $(ls "$W/pages" | grep -c html) pages valid"
else
	T_N=$((T_N + 1))
	echo "ok $T_N # SKIP no html-validate in .deps/node (sh etc/install-deps needs npm)"
fi

if [ -n "$CHROME" ]; then
	shots=${IAR_KEEP_SCREENSHOTS:--}
	[ "$shots" = - ] || mkdir -p "$shots"
	urls=""
	for pg in $PAGES; do urls="$urls $U$pg"; done
	for wd in 390 1400; do
		mob=0
		[ $wd -lt 800 ] && mob=1
		timeout 180 python3 "$TOP/tests/cgi-chrome.py" "$CHROME" $wd 844 $mob \
		    "$ME:pw-$$" "$shots" $urls > "$W/width.$wd" 2> "$W/chrome.err"
		[ "$(wc -l < "$W/width.$wd")" -eq "$(echo $PAGES | wc -w)" ]
		ok $? "Chromium at $wd px: every page loaded"
		awk '$2 > $1' "$W/width.$wd" > "$W/wide.$wd"
		[ ! -s "$W/wide.$wd" ]
		r=$?
		sed 's/^/# too wide: /' "$W/wide.$wd"
		ok $r "Chromium at $wd px: no page wider than the screen ($(awk '{print $2}' "$W/width.$wd" | sort -n | tail -1) px at most)"
	done
	# ui.js on the dashboard: live (the event stream open), the last
	# job table sorted by name with a click, filtered to one row; then
	# a new job appears without a reload, the filter kept
	last='var ts = document.querySelectorAll("table.jobs"), t = ts[ts.length - 1];'
	IAR_UI_EVAL='new Promise(function (ok) { var n = 0; (function w() {
	    if (!document.body.classList.contains("live") && n++ < 100)
	        return setTimeout(w, 100); '"$last"'
	    t.tHead.querySelectorAll("button.sort")[1].click();
	    var names = Array.prototype.map.call(t.tBodies[0].rows,
	        function (r) { return r.cells[1].textContent; });
	    var f = t.previousElementSibling; f.value = "failing";
	    f.dispatchEvent(new Event("input"));
	    ok([document.body.className, names.join("|"),
	        Array.prototype.filter.call(t.tBodies[0].rows,
	            function (r) { return !r.hidden; }).length]); })(); })' \
	IAR_UI_CMD="iar-submit -J zz-appears-live -- true > /dev/null; iar-dispatch -1" \
	IAR_UI_AFTER='new Promise(function (ok) { var n = 0; (function w() {
	    var m = document.querySelector("main").textContent;
	    if (m.indexOf("zz-appears-live") < 0 && n++ < 150)
	        return setTimeout(w, 100); '"$last"'
	    ok([m.indexOf("zz-appears-live") >= 0, t.previousElementSibling.value,
	        !!document.querySelector("meta[http-equiv=refresh]")]); })(); })' \
	    timeout 120 python3 "$TOP/tests/cgi-chrome.py" "$CHROME" 1400 900 0 \
	    "$ME:pw-$$" - "$U/" > "$W/ui" 2> "$W/chrome.err"
	sed -n 2p "$W/ui" | python3 -c '
import json, sys
cls, names, shown = json.loads(sys.stdin.read()[2:])
names = names.split("|")
assert cls == "live" and shown == 1 and names == sorted(names, key=str.lower), names'
	ok $? "ui.js: the dashboard follows /events, sorts on a click, filters ($(sed -n 2p "$W/ui"))"
	sed -n 3p "$W/ui" | grep -q '^= \[true, "failing", true\]$'
	ok $? "ui.js: a new job shows without a reload, the filter kept ($(sed -n 3p "$W/ui"))"
	# the README's picture: the dashboard's first screenful at 1400 px,
	# halved (IAR_README_SHOT=FILE keeps it: doc/dashboard.png)
	mkdir -p "$W/shot"
	IAR_SHOT_SCALE=0.5 timeout 120 python3 "$TOP/tests/cgi-chrome.py" "$CHROME" \
	    1400 900 0 "$ME:pw-$$" "$W/shot" "$U/" > /dev/null 2> "$W/chrome.err"
	dim=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR"
print("%dx%d" % struct.unpack(">II", d[16:24]))' "$W/shot/page00-1400.png" 2>/dev/null)
	is "$dim" 700x450 "Chromium: a screenshot of the dashboard, 1400 px halved ($(wc -c < "$W/shot/page00-1400.png" 2>/dev/null) bytes)"
	[ -n "${IAR_README_SHOT:-}" ] && cp "$W/shot/page00-1400.png" "$IAR_README_SHOT"
else
	for d in "390 px" "1400 px" "ui.js sorts and filters" "ui.js live" \
	    "the dashboard's screenshot"; do
		T_N=$((T_N + 1))
		echo "ok $T_N # SKIP no chromium (sh etc/install-deps): pages at $d"
	done
fi
iar-cancel "$rj" > /dev/null
drain 20
serve_stop
done_testing
