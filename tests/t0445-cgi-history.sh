#!/bin/sh
# t0445-cgi-history: the heartbeat history (iar-node(5) history) on a
# node's page under a real lighttpd: beats written by iar-heartbeat and
# by the dispatcher land in nodes/NAME/history, a ring whose size never
# changes; the node page draws load and memory over the last day as SVG
# with every sample, says so in words where the host has no battery or
# temperature sensor (or draws them where it has), shows a gap as a gap,
# and passes html-validate; a node without history says so; a node
# whose history is not one is shown without it.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/web.sh"

NODE=$(ls "$IAR_ROOT/nodes" | head -1)
H=$IAR_ROOT/nodes/$NODE/history
for i in 1 2 3 4 5; do iar-heartbeat --once || break; done
ok $? "five beats by iar-heartbeat --once"
is "$(stat -c %s "$H")" 138336 "nodes/$NODE/history: a ring of 1441 x 96 bytes"
is "$(head -1 "$H" | cut -c1-31)" "iar-history 1 slots=1440 rec=96" \
    "its header line"
iar-dispatch -1
is "$(grep -c '^[0-9]' "$H"),$(stat -c %s "$H")" 6,138336 \
    "the dispatcher's own beat adds a sixth sample, same size"
iar-node add quiet --synthetic 'pack:1 core:2 pu:1' >/dev/null
iar-node add junk --synthetic 'pack:1 core:2 pu:1' >/dev/null
echo 'not a history' > "$IAR_ROOT/nodes/junk/history"

PORT=$(web_port)
serve_start "$PORT"
ok $? "etc/serve: lighttpd on 127.0.0.1:$PORT"
U=http://127.0.0.1:$PORT/cgi-bin/iar.cgi
mkdir -p "$W/pages"
get "$U/nodes/$NODE"
cp "$W/b" "$W/pages/node.html"
is "$st" 200 "/nodes/$NODE: 200"
grep -q '<h2>Last day</h2>' "$W/b"
ok $? "it has a Last day section"
grep -q 'aria-label="Load (1 min) over the last day: 6 samples' "$W/b"
ok $? "a load chart of the 6 samples"
grep -q 'aria-label="Memory in use (%) over the last day: 6 samples' "$W/b"
ok $? "a memory chart of the 6 samples"
pts=$(sed -n 's/.*Load (1 min) over the last day.*points="\([^"]*\)".*/\1/p' \
    "$W/b" | head -1 | wc -w)
is "$pts" 6 "the load line has 6 points"
# has GLOB LABEL WORDS: drawn where this host has the sensor, else said.
has() {
	if ls $1 >/dev/null 2>&1; then
		grep -q "aria-label=\"$2 over the last day: 6 samples" "$W/b"
		ok $? "this host has it: $2 drawn"
	else
		grep -q "$2: $3" "$W/b"
		ok $? "this host has none: '$2: $3'"
	fi
}
has '/sys/class/power_supply/*/capacity' 'Battery (%)' 'no battery'
has '/sys/class/thermal/*/temp' 'Temperature (°C)' 'no temperature sensor'

# A gap: a beat two hours later (the node's own clock, as a laptop that
# slept) starts a new line; the old samples stay in the last day.
line=$(grep '^6 ' "$H")
t=$(echo "$line" | cut -d' ' -f2)
printf '%-95s\n' "7 $((t + 7200)) $(echo "$line" | cut -d' ' -f3-)" |
    dd of="$H" bs=96 seek=8 conv=notrunc status=none
get "$U/nodes/$NODE"
is "$(grep -o '<polyline[^>]*stroke="#2b6cb0"' "$W/b" | wc -l)" 2 \
    "a two-hour gap splits the load line in two"

get "$U/nodes/quiet"
cp "$W/b" "$W/pages/quiet.html"
grep -q 'No heartbeat history yet' "$W/b"
ok $? "a node that never beat: no history yet"
get "$U/nodes/junk"
cp "$W/b" "$W/pages/junk.html"
[ "$st" = 200 ] && grep -q 'No readable heartbeat history' "$W/b"
ok $? "a history that is not one: the page, without it"
html_valid "$W/pages" "the node pages with and without history"
done_testing
