#!/bin/sh
# t0445-cgi-hb: a node's heartbeat history. Real beats (iar-heartbeat,
# history_step = 1) fill nodes/NAME/history, a ring of fixed records that
# is made its fixed size at once, blank, and made anew when it is not (a
# file left 100000 bytes of garbage becomes 288 records of 64 bytes);
# the node page draws the samples as SVG: one polyline per series with
# as many points as the file has valid records, the newest load as its
# label, series the host lacks named "not reported"; the page passes
# html-validate (standard preset) where it is installed.
. "$(dirname "$0")/lib.sh"

NODE=$(ls "$IAR_ROOT/nodes" | head -1)
H=$IAR_ROOT/nodes/$NODE/history
W=$IAR_ROOT/w
mkdir -p "$W"
cat >> "$IAR_ROOT/etc/iar.conf" <<EOC
heartbeat_interval = 1
history_step = 1
EOC
head -c 100000 /dev/urandom > "$H"

iar-heartbeat --node "$NODE" 2>"$W/hb.err" &
HB=$!
T_PIDS="$T_PIDS $HB"
recs() { grep -ac '^[0-9]\{9,\} ' "$H"; }
four() { [ "$(recs)" -ge 4 ]; }
waitfor 30 four
ok $? "iar-heartbeat fills the history: $(recs) samples"
kill "$HB"; wait "$HB" 2>/dev/null
is "$(wc -c < "$H")" 18432 \
    "the ring is its fixed size (288 records of 64 bytes), made anew"
is "$(awk '{ print length($0) }' "$H" | grep -c '^63$')" 288 \
    "288 newline-ended records of 63 bytes and a newline each"
n=$(recs)
grep -a '^[0-9]\{9,\} ' "$H" | sort -n | tail -1 > "$W/last"
read -r t load mem temp batt < "$W/last"
[ "$t" -le "$(date +%s)" ] && [ "$mem" -ge 0 ] && [ "$mem" -le 100 ]
ok $? "a record: time $t, load $load, memory $mem% in use, temp $temp, battery $batt"

CGI=$TOP/cgi-bin/iar.cgi
page() {	# page PATH_INFO: the body in $W/b
	env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="$1" \
	    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 "$CGI" > "$W/raw" 2>"$W/err"
	python3 "$TOP/tests/cgi-split.py" "$W/raw" "$W/h" "$W/b"
}
page "/nodes/$NODE"
grep -q '<h2>Heartbeat history</h2>' "$W/b" &&
grep -q "<svg class=\"hb\".*aria-label=\"heartbeat history: $n samples" "$W/b"
ok $? "the node page has the history SVG with its $n samples"
pts() {	# pts SERIES: the points of its polyline
	grep -o "<polyline class=\"hb-$1\"[^>]*>" "$W/b" |
	    sed 's/.*points="//; s/".*//' | wc -w
}
is "$(pts 0)" "$n" "load: a polyline of $n points"
is "$(pts 1)" "$n" "memory: a polyline of $n points"
grep -q "load (1 min), now $(printf '%.2f' "$load")<" "$W/b"
ok $? "its label is the newest load ($load)"
if [ "$temp" = - ]; then
	grep -q 'temperature ([^)]*): not reported<' "$W/b"
	ok $? "no thermal zone here: 'temperature: not reported'"
else
	is "$(pts 2)" "$n" "temperature: a polyline of $n points"
fi
if [ "$batt" = - ]; then
	grep -q 'battery (%): not reported<' "$W/b"
	ok $? "no battery here: 'battery: not reported'"
else
	is "$(pts 3)" "$n" "battery: a polyline of $n points"
fi

rm -f "$H"
page "/nodes/$NODE"
grep -q 'No history yet' "$W/b" && ! grep -q '<svg class="hb"' "$W/b"
ok $? "without a history file: 'No history yet', no SVG"

HV=$TOP/.deps/node/node_modules/.bin/html-validate
[ -x "$HV" ] || HV=/work/main/.deps/node/node_modules/.bin/html-validate
if [ -x "$HV" ] && command -v node >/dev/null; then
	iar-heartbeat --node "$NODE" --once && iar-heartbeat --node "$NODE" --once
	page "/nodes/$NODE"
	cp "$W/b" "$W/node.html"
	echo '{"extends": ["html-validate:standard"]}' > "$W/hv.json"
	(cd "$W" && "$HV" -c "$W/hv.json" node.html) > "$W/hv.out" 2>&1
	r=$?
	[ $r -eq 0 ] || sed 's/^/# /' "$W/hv.out" | head -20
	ok $r "html-validate (standard preset): the node page with its history"
else
	ok 0 "# SKIP no html-validate in .deps/node (sh etc/install-deps needs npm)"
fi

# The dispatcher, beating for its own node, writes it too.
rm -f "$H"
iar-dispatch -1
[ "$(wc -c < "$H")" = 18432 ] && [ "$(recs)" = 1 ]
ok $? "iar-dispatch's own beat writes a sample into nodes/$NODE/history"

# A node with a history is removed whole.
iar-node add sim1 --synthetic 'pack:1 core:1 pu:1' >/dev/null &&
iar-heartbeat --node sim1 --once
[ -s "$IAR_ROOT/nodes/sim1/history" ] && iar-node remove sim1 >/dev/null &&
[ ! -e "$IAR_ROOT/nodes/sim1" ]
ok $? "iar-node remove takes its history with it"
done_testing
