#!/bin/sh
# t0285-flood: an ordinary user (iartest1) floods a multi-user root
# through the only doors it has, the set-gid commands, while another
# (iartest2) keeps submitting; the dispatcher runs as a root daemon:
# (a) IAR_FLOOD (3,000 here; 100,000 by hand for the README) held jobs
#     from a loop of iar-submit, as fast as it goes, into incoming/: half
#     while the dispatcher runs, half while it is stopped (SIGSTOP), so
#     they pile up; meanwhile, and while the pile drains, each of
#     iartest2's jobs completes, one after another;
# (b) the same number of requests into ctl/ (iar-hold on every flood
#     job, a thousand ids a command), again half of them piled up while
#     the dispatcher is stopped: iartest2's jobs go on completing;
# (c) then iar-cancel on every flood job, the same number again, piled
#     up with the dispatcher down: one pass acts on a batch of them (1000)
#     and starts iartest2's job; then all end CANCELLED, incoming/ and
#     ctl/ drain, the dispatcher still runs.
# The figures printed: the most files seen waiting in incoming/ and ctl/
# and the slowest of iartest2's jobs, submit to COMPLETED.
. "$(dirname "$0")/lib.sh"

t_users
FLOOD=${IAR_FLOOD:-3000}
S=$IAR_ROOT/spool
t_group_root
H1=$IAR_ROOT/home/iartest1
H2=$IAR_ROOT/home/iartest2

iar-dispatch -d 2>"$IAR_ROOT/d.err" &
D=$!
T_PIDS="$T_PIDS $D"

waiting() { ls -f "$1" | grep -vc '^\.'; }	# files in a directory
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# flowing FILE: while FILE exists, iartest2 submits a job and waits for
# it to complete (30 s at most), one after another; $H2/lat gets each
# job's "ID STATE MS", $H2/backlog the files waiting in incoming and ctl.
flowing() {
	while [ -e "$1" ]; do
		f_t0=$(now_ms)
		f_j=$(as iartest2 "$B/iar-submit --parsable -J flow -- true")
		waitfor 30 final "$f_j"
		echo "$f_j $(jstate "$f_j") $(($(now_ms) - f_t0))" >> "$H2/lat"
		echo "$(waiting "$S/incoming") $(waiting "$S/ctl")" \
		    >> "$H2/backlog"
	done
}
flow_start() {
	touch "$IAR_ROOT/flowing"
	flowing "$IAR_ROOT/flowing" &
	F=$!
}
flow_stop() { rm "$IAR_ROOT/flowing"; wait $F; }
# judge WHAT: every job of iartest2 since the last judge COMPLETED.
judge() {
	j_n=$(wc -l < "$H2/lat")
	j_bad=$(awk '$2 != "COMPLETED"' "$H2/lat" | wc -l)
	j_max=$(awk '$3 > m {m = $3} END {print m + 0}' "$H2/lat")
	[ "$j_n" -ge 1 ] && [ "$j_bad" -eq 0 ]
	ok $? "$1: iartest2's $j_n jobs all COMPLETED, the slowest in $j_max ms"
	echo "# $1: iartest2's jobs: $j_n, slowest $j_max ms; most seen waiting in incoming: $(sort -n "$H2/backlog" | tail -1 | cut -d' ' -f1), in ctl: $(sort -k2 -n "$H2/backlog" | tail -1 | cut -d' ' -f2)"
	cat "$H2/lat" >> "$H2/lat.all"
	: > "$H2/lat"
	: > "$H2/backlog"
}
: > "$H2/lat"
: > "$H2/backlog"

# --- (a) incoming ------------------------------------------------------------
cat > "$H1/flood" <<EOF
#!/bin/sh
i=0
while [ \$i -lt \$1 ]; do
	$B/iar-submit --parsable --hold -J flood -- true || exit 1
	i=\$((i + 1))
done > ids.\$2
EOF
chmod 755 "$H1/flood"
t0=$(now_ms)
flow_start
as iartest1 "./flood $((FLOOD / 2)) 1"
ok $? "iartest1 submitted $((FLOOD / 2)) held jobs in $(($(now_ms) - t0)) ms"
flow_stop
judge "(a) $((FLOOD / 2)) files into incoming"
# The worst case: the dispatcher stopped (slow, or being restarted)
# while the rest piles up in incoming/.
kill -STOP "$D"
t0=$(now_ms)
as iartest1 "./flood $((FLOOD - FLOOD / 2)) 2"
ok $? "with the dispatcher stopped, $((FLOOD - FLOOD / 2)) more in $(($(now_ms) - t0)) ms"
pile=$(waiting "$S/incoming")
kill -CONT "$D"
flow_start
cat "$H1/ids.1" "$H1/ids.2" > "$IAR_ROOT/flood.ids"
held() { [ "$(waiting "$S/incoming")" -eq 0 ]; }
waitfor 120 held
ok $? "a pile of $pile in incoming/ drained ($(waiting "$S/incoming") left)"
flow_stop
judge "(a) a pile of $pile in incoming"
is "$(ls "$S/hold" | wc -l)" "$FLOOD" "all $FLOOD flood jobs are held"

# --- (b) ctl -------------------------------------------------------------------
# Half with the dispatcher running, half piled up while it is stopped.
split -l 1000 "$IAR_ROOT/flood.ids" "$IAR_ROOT/chunk."
chmod 644 "$IAR_ROOT"/chunk.*
set -- "$IAR_ROOT"/chunk.*
flow_start
t0=$(now_ms)
k=0
for c in "$@"; do
	k=$((k + 1))
	if [ $k -eq $(($# / 2 + 1)) ]; then
		flow_stop
		kill -STOP "$D"
	fi
	as iartest1 "$B/iar-hold \$(cat $c)" || echo "# iar-hold failed on $c"
done
echo "# $FLOOD hold requests sent in $(($(now_ms) - t0)) ms"
pile=$(waiting "$S/ctl")
kill -CONT "$D"
flow_start
quiet() { [ "$(waiting "$S/ctl")" -eq 0 ]; }
waitfor 120 quiet
ok $? "ctl/ drained, a pile of $pile at the end ($(waiting "$S/ctl") left)"
flow_stop
judge "(b) $FLOOD requests into ctl"

# --- (c) cancel them all ---------------------------------------------------------
# The dispatcher stopped for good this time, so that one pass can be
# watched: it acts on a batch of the pile and starts iartest2's job.
kill -TERM "$D"
wait "$D"
t0=$(now_ms)
for c in "$IAR_ROOT"/chunk.*; do
	as iartest1 "$B/iar-cancel \$(cat $c)" || echo "# iar-cancel failed on $c"
done
echo "# $FLOOD cancel requests sent in $(($(now_ms) - t0)) ms"
pile=$(waiting "$S/ctl")
g=$(as iartest2 "$B/iar-submit --parsable -J beside -- true")
iar-dispatch -1 2>/dev/null
left=$(waiting "$S/ctl")
[ "$left" -ge $((pile - 1000)) ] && [ "$left" -lt "$pile" ]
ok $? "one pass acted on a batch of the $pile requests in ctl/ ($left left)"
st=$(jstate "$g")
case $st in RUNNING|COMPLETED) r=0 ;; *) r=1 ;; esac
ok $r "and started iartest2's job $g meanwhile ($st)"
iar-dispatch -d 2>>"$IAR_ROOT/d.err" &
D=$!
T_PIDS="$T_PIDS $D"
emptied() { quiet && [ "$(waiting "$S/hold")" -eq 0 ]; }
waitfor 120 emptied
ok $? "every flood job left hold/ ($(ls "$S/hold" | wc -l) left)"
echo "# cancels done $(($(now_ms) - t0)) ms after the first"
is "$(jstate "$g")" COMPLETED "iartest2's job $g COMPLETED"
is "$(iar-stat -a --tsv -n -u iartest1 | cut -f4 | sort | uniq -c |
    awk '{print $2 "=" $1}')" "CANCELLED=$FLOOD" \
    "iar-stat -a: all $FLOOD of iartest1's jobs CANCELLED, none else"
is "$(waiting "$S/incoming") $(waiting "$S/ctl")" "0 0" \
    "incoming/ and ctl/ are empty"
kill -0 "$D"
ok $? "the dispatcher still runs"
done_testing
