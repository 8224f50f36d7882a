#!/bin/sh
# t0460-cgi-crowd: iar.cgi under a real lighttpd (etc/serve) with a crowd
# of clients, and /metrics as Prometheus itself reads it:
# (a) 50 clients hold the event stream at once: each gets the first
#     events, each gets the event of a job submitted while they listen,
#     and each stream ends by itself (?max=); meanwhile the dashboard,
#     /metrics and the JSON API still answer (the figure: the slowest of
#     them, and the memory of the 50 CGI processes); afterwards no CGI
#     process is left;
# (b) /metrics passes `promtool check metrics` (Debian's prometheus
#     package; etc/install-deps installs it), with jobs in every state
#     and hostile job names in the history.
# Skips a check, with the reason, when promtool is missing.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web.sh"

N=50
for n in '"quoted"' 'back\slash' "$(printf 'tab\there')" 'ünï'  '{brace}'; do
	iar-submit -J "$n" -- true > /dev/null
done
iar-submit -J failing -- false > /dev/null
drain 30
r=$(iar-submit --parsable -J runner -- sleep 60)
run_until_running "$r"
h=$(iar-submit --parsable -H -J held -- true)

PORT=$(web_port)
serve_start "$PORT"
ok $? "etc/serve: lighttpd on 127.0.0.1:$PORT"
U=http://127.0.0.1:$PORT/cgi-bin/iar.cgi

# --- (b) promtool --------------------------------------------------------
get "$U/metrics"
is "$st" 200 "/metrics: 200"
if command -v promtool >/dev/null; then
	promtool check metrics < "$W/b" > "$W/promtool" 2>&1
	r2=$?
	[ $r2 -eq 0 ] || sed 's/^/# /' "$W/promtool" | head -20
	ok $r2 "promtool check metrics: no problem found"
else
	T_N=$((T_N + 1))
	echo "ok $T_N # SKIP no promtool (Debian package prometheus; sh etc/install-deps)"
fi

# --- (a) 50 event streams at once -------------------------------------------
printf 'events_heartbeat 1\n' > "$IAR_ROOT/etc/cgi.conf"
i=0
while [ $i -lt $N ]; do
	curl -sN -o "$W/sse.$i" "$U/events?max=12" 2>/dev/null &
	T_PIDS="$T_PIDS $!"
	eval "C$i=$!"
	i=$((i + 1))
done
# count FILE-PREFIX PATTERN: how many of the N streams hold PATTERN
count() {
	c_n=0
	c_i=0
	while [ $c_i -lt $N ]; do
		grep -q "$1" "$W/sse.$c_i" 2>/dev/null && c_n=$((c_n + 1))
		c_i=$((c_i + 1))
	done
	echo $c_n
}
all() { [ "$(count "$1")" -eq $N ]; }
waitfor 30 all 'event: node'
ok $? "all $N streams got their first events ($(count 'event: node'))"
# This test's CGI processes: those with its root (make check runs other
# tests that run the same iar.cgi beside it).
mycgi() {
	for p in $(pgrep -f -x "$TOP/cgi-bin/iar.cgi"); do
		tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null |
		    grep -qx "IAR_ROOT=$IAR_ROOT" && echo "$p"
	done
}
procs=$(mycgi | wc -l)
is "$procs" $N "$N CGI processes, one a stream"
kb=$(for p in $(mycgi); do
	awk '/^VmRSS:/ {print $2}' "/proc/$p/status"
done | awk '{s += $1} END {print s + 0}')
echo "# $procs streams: $kb kB resident in all ($((kb / (procs > 0 ? procs : 1))) kB each)"
# AddressSanitizer's shadow memory and quarantine make each process
# several times larger: the bound there is 16 MB a stream.
per=8
case ${SAN:-} in *address*) per=16 ;; esac
[ "$kb" -lt $((N * per * 1024)) ]
ok $? "under $per MB resident a stream ($kb kB for $procs)"

# Other requests meanwhile, timed (a generous bound: a guarantee, not a
# benchmark).
worst=0
for pg in / /metrics /api/v1/jobs /jobs/$r; do
	get "$U$pg" --max-time 20
	ms=$(curl -s -o /dev/null -w '%{time_total}' --max-time 20 "$U$pg" |
	    awk '{printf "%d", $1 * 1000}')
	[ "$st" = 200 ] || echo "# $pg: $st"
	[ "$st" = 200 ] && [ "$ms" -lt 5000 ]
	ok $? "with $N streams open, $pg answers 200 (${ms} ms)"
	[ "$ms" -gt "$worst" ] && worst=$ms
done
echo "# slowest page with $N streams open: $worst ms"

# A job submitted now reaches every stream.
n=$(iar-submit --parsable -J news -- true)
iar-dispatch -1
waitfor 30 all "data: {\"id\":$n,"
ok $? "the new job $n reached every stream ($(count "data: {\"id\":$n,"))"

# Every stream ends by itself, and no CGI process is left.
waitfor 30 all 'event: end'
ok $? "every stream ended with its end event ($(count 'event: end'))"
i=0
left=0
while [ $i -lt $N ]; do
	eval "p=\$C$i"
	waitfor 10 sh -c "! kill -0 $p 2>/dev/null" || left=$((left + 1))
	i=$((i + 1))
done
is "$left" 0 "every curl has ended"
waitfor 10 sh -c "! pgrep -f -x '$TOP/cgi-bin/iar.cgi' >/dev/null"
ok $? "no CGI process is left"

iar-cancel "$r" "$h" > /dev/null
drain 20
serve_stop
done_testing
