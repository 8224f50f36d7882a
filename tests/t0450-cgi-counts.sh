#!/bin/sh
# t0450-cgi-counts: the dashboard, /stats, /api/v1/stats and /metrics
# read the history's counters (spool/db/counts.db, copied for readers as
# counts.snap), not every record: what they show equals what a walk of
# the records gives (a reader without counts.snap walks, as before the
# counters), after iar-rebuild and after counts.db is lost (the next
# writer counts again). The charts' range (1 h, 24 h, 7 d) and the "my
# jobs" view (REMOTE_USER, or ?user=NAME validated) are plain links and
# agree with the counters; bad values are a 400. Under lighttpd
# (etc/serve) and Apache (etc/apache-iar.conf). A node's counts come
# from its topology.sum only while that is of its topology.xml.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web.sh"
ME=$(id -un)
OTHER=nobody
id "$OTHER" >/dev/null 2>&1 || OTHER=""
DB=$IAR_ROOT/spool/db

# Finished jobs of four kinds, one of them owned by another user (its
# file given to that user before the dispatcher accepts it: the owner of
# a job is its file's), and live ones.
for i in 1 2 3; do iar-submit -J "ok$i" -- true > /dev/null; done
iar-submit -J bad -- sh -c 'exit 3' > /dev/null
x=$(iar-submit --parsable -J gone -H -- true)
iar-cancel "$x" > /dev/null
if [ -n "$OTHER" ] && [ "$(id -u)" -eq 0 ]; then
	o=$(iar-submit --parsable -J theirs -- true)
	chown "$OTHER" "$IAR_ROOT/spool/incoming/$o"
	chmod a+rx "$IAR_ROOT" "$IAR_ROOT/work"
else
	OTHER=""
fi
drain 30
h=$(iar-submit --parsable -H -J held -- true)
iar-dispatch -1
NFIN=$(iar-stat -n --tsv -s COMPLETED,FAILED,CANCELLED,TIMEOUT | wc -l)
[ -n "$OTHER" ] && NMINE=$((NFIN - 1)) || NMINE=$NFIN
[ "$NFIN" -ge 5 ] && [ "$(jstate "$h")" = HELD ]
ok $? "setup: $NFIN finished jobs${OTHER:+ (one of $OTHER)}, one held"

[ -f "$DB/counts.db" ] && [ -f "$DB/counts.snap" ] &&
    db_dump -p "$DB/counts.snap" | grep -q '^ t/\*$'
ok $? "the history has counters (counts.db) and their copy for readers"

# the CGI run as the web server would, straight
cgi() {	# cgi PATH [QUERY]: the body in $W/o, the status line in $W/st
	env -i IAR_ROOT="$IAR_ROOT" PATH="$PATH" REQUEST_METHOD=GET \
	    PATH_INFO="$1" QUERY_STRING="${2:-}" SCRIPT_NAME=/cgi-bin/iar.cgi \
	    ${REMOTE_USER:+REMOTE_USER=$REMOTE_USER} "$CGI" > "$W/o.raw"
	sed -n '1p' "$W/o.raw" > "$W/st"
	sed '1,/^\r*$/d' "$W/o.raw" > "$W/o"
}
# the JSON stats, nodes sorted by name (a walk meets them in job order)
stats() {
	cgi /api/v1/stats
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["nodes"].sort(key=lambda n: n["name"])
del d["generated"]
print(json.dumps(d, sort_keys=True))' "$W/o"
}
# /metrics but the heartbeats' ages (they move with the clock)
metrics() { grep -v '^iar_node_heartbeat_age_seconds{' "$1"; }
stats > "$W/s.count"
cgi /metrics
metrics "$W/o" > "$W/m.count"
cgi /
cp "$W/o" "$W/d.count"
grep -q "\"finished\": $NFIN," "$W/s.count"
ok $? "/api/v1/stats from the counters: $NFIN finished"

# Without counts.snap a reader walks the records: the same numbers.
mv "$DB/counts.snap" "$W/counts.snap"
stats > "$W/s.walk"
cgi /metrics
metrics "$W/o" > "$W/m.walk"
cgi /
cp "$W/o" "$W/d.walk"
mv "$W/counts.snap" "$DB/counts.snap"
cmp -s "$W/s.count" "$W/s.walk" && cmp -s "$W/m.count" "$W/m.walk"
ok $? "counters and a walk of the records agree (/api/v1/stats, /metrics)"
grep -o '<div class="tiles">.*</div>' "$W/d.count" > "$W/t.count"
grep -o '<div class="tiles">.*</div>' "$W/d.walk" > "$W/t.walk"
[ -s "$W/t.count" ] && cmp -s "$W/t.count" "$W/t.walk"
ok $? "the dashboard's tiles: the same both ways"

# iar-rebuild from nothing (spool/db moved aside, as iar-rebuild(8)
# says) makes the same counters.
mv "$DB" "$W/db.old"
mkdir "$DB"
iar-rebuild > "$W/rebuild.out" 2>&1
r=$?
stats > "$W/s.rebuilt"
cmp -s "$W/s.count" "$W/s.rebuilt"
ok $((r + $?)) "after iar-rebuild from an empty spool/db: the same stats ($(cat "$W/rebuild.out"))"

# counts.db lost (a history from before the counters): the next writer
# counts the records again.
rm -f "$DB/counts.db" "$DB/counts.snap"
iar-dispatch -1
r=$?
stats > "$W/s.again"
[ -f "$DB/counts.snap" ] && cmp -s "$W/s.count" "$W/s.again"
ok $((r + $?)) "counts.db removed: the dispatcher's next pass counts again, same stats"

# A node's counts come from topology.sum while it is of the topology.xml
# there (no hwloc load), else from topology.xml.
NODE=$(ls "$IAR_ROOT/nodes" | head -1)
N=$IAR_ROOT/nodes/$NODE
cores() { cgi /metrics; sed -n "s/^iar_node_cores{node=\"$NODE\"} //p" "$W/o"; }
real=$(cores)
grep -q "^of=$(stat -c %s "$N/topology.xml") " "$N/topology.sum" && [ "$real" -ge 1 ]
ok $? "nodes/$NODE/topology.sum is of its topology.xml ($real cores)"
sed 's/^cores=.*/cores=999/' "$N/topology.sum" > "$W/sum" && cat "$W/sum" > "$N/topology.sum"
is "$(cores)" 999 "the CGI reads a current topology.sum (a doctored one shows)"
touch "$N/topology.xml"
is "$(cores)" "$real" "a topology.sum of an older topology.xml is not used"
rm -f "$N/topology.sum"
iar-dispatch -1
grep -q '^cores=' "$N/topology.sum" 2>/dev/null && [ "$(cores)" = "$real" ]
ok $? "the dispatcher writes its node's topology.sum again"

# Ranges: the tiles and the bars over 1 h, 24 h and 7 d (all the jobs
# ended just now).
bars() {	# the jobs the throughput chart's bars say ended
	grep -o '<title>[^<]*: [0-9]* ended' "$W/o" | sed 's/.*: \([0-9]*\) ended/\1/' |
	    awk '{s += $1} END {print s + 0}'
}
for rg in 1h 24h 7d; do
	cgi / "range=$rg"
	lab=$(echo "$rg" | sed 's/\([0-9]*\)\(.*\)/\1 \2/')
	grep -q "<div class=\"num\">$NFIN</div><div class=\"lbl\">ended in $lab</div>" "$W/o" &&
	    [ "$(bars)" -eq "$NFIN" ] && grep -q "<strong aria-current=\"page\">$lab</strong>" "$W/o"
	ok $? "?range=$rg: tile and bars say $NFIN ended in $lab, the range marked"
done
grep -c 'fill="#38a169"/>\|fill="#e53e3e"/>' "$W/o" > /dev/null
n1=$(grep -o 'aria-label="Jobs ended per [^"]*"' "$W/o")
is "$n1" 'aria-label="Jobs ended per 6 hours, last 7 d"' "7 d: bars of 6 hours"
cgi / "range=2d"
grep -q '^Status: 400' "$W/st"
ok $? "?range=2d: 400"
cgi / "range=24h"
grep -o '<nav class="choices"[^>]*>.*</nav>' "$W/o" | grep -q 'href="/cgi-bin/iar.cgi?range=1h">1 h</a> <strong aria-current="page">24 h</strong> <a href="/cgi-bin/iar.cgi?range=7d">7 d</a>'
ok $? "the range choices are plain links"

# One user's view.
cgi / "user=$ME&range=7d"
grep -q "<div class=\"num\">$NMINE</div><div class=\"lbl\">ended in 7 d</div>" "$W/o" &&
    [ "$(bars)" -eq "$NMINE" ] && grep -q "<h1>Dashboard: jobs of $ME</h1>" "$W/o" &&
    grep -q "<div class=\"num\">1</div><div class=\"lbl\">held</div>" "$W/o"
ok $? "?user=$ME: $NMINE ended, its held job, the title says whose"
grep -q "href=\"/cgi-bin/iar.cgi?range=1h&amp;user=$ME\">1 h</a>" "$W/o" &&
    grep -q 'href="/cgi-bin/iar.cgi?range=7d">everyone</a>' "$W/o"
ok $? "?user=: the range links keep the user; a link back to everyone"
if [ -n "$OTHER" ]; then
	cgi / "user=$OTHER&range=7d"
	grep -q '<div class="num">1</div><div class="lbl">ended in 7 d</div>' "$W/o" &&
	    grep -q '<div class="num">0</div><div class="lbl">held</div>' "$W/o" &&
	    grep -q 'theirs' "$W/o" && ! grep -q '>ok1<' "$W/o"
	ok $? "?user=$OTHER: its one job, in the tiles and the recent list, no one else's"
else
	T_N=$((T_N + 1))
	echo "ok $T_N # SKIP not root or no user nobody: one user's view of another's job"
fi
cgi / "user=no%20such"
grep -q '^Status: 400' "$W/st"
ok $? "?user= not a user name: 400"
cgi / "user=iar-no-such-user"
grep -q '^Status: 400' "$W/st"
ok $? "?user= of no user: 400"
REMOTE_USER=$ME cgi /
grep -q "href=\"/cgi-bin/iar.cgi?range=24h&amp;user=$ME\">my jobs</a>" "$W/o"
ok $? "signed in as $ME: the dashboard links to my jobs"
REMOTE_USER=$ME cgi /jobs
grep -q "href=\"/cgi-bin/iar.cgi/jobs?user=$ME\">my jobs</a>" "$W/o"
ok $? "signed in: the job list links to my jobs"
cgi /jobs "user=$ME"
grep -q 'href="/cgi-bin/iar.cgi/jobs">everyone</a>' "$W/o" && ! grep -q '>theirs<' "$W/o"
ok $? "/jobs?user=$ME: only that user's jobs, a link back to everyone"

# The same under real servers.
web_pages() {	# web_pages NAME BASE-URL
	get "$2/cgi-bin/iar.cgi/?range=1h&user=$ME"
	[ "$st" = 200 ] && grep -q "ended in 1 h" "$W/b" &&
	    grep -q "<h1>Dashboard: jobs of $ME</h1>" "$W/b"
	ok $? "$1: /?range=1h&user=$ME"
	get "$2/cgi-bin/iar.cgi/?range=forever"
	is "$st" 400 "$1: a bad range is a 400"
	get "$2/cgi-bin/iar.cgi/metrics"
	metrics "$W/b" | cmp -s - "$W/m.count"
	ok $? "$1: /metrics as the counters say"
}
PORT=$(web_port)
serve_start "$PORT"
ok $? "etc/serve: lighttpd on 127.0.0.1:$PORT"
web_pages lighttpd "http://127.0.0.1:$PORT"
serve_stop
AP=$(web_port)
# Apache runs the program as www-data: the root readable, as iar-init
# --group would make it
chmod -R a+rX "$IAR_ROOT/spool"
chmod a+r "$IAR_ROOT/spool/seq"
if apache_start "$AP"; then
	ok 0 "apache2 with etc/apache-iar.conf on 127.0.0.1:$AP"
	web_pages Apache "http://127.0.0.1:$AP"
	apache_stop
else
	for d in "" "range and user" "bad range" "/metrics"; do
		T_N=$((T_N + 1))
		echo "ok $T_N # SKIP no working apache2 (sh etc/install-deps): Apache $d"
	done
fi
done_testing
