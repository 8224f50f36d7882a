#!/bin/sh
# t0270-fulldisk: an iar root on a small tmpfs that the test fills up.
# (a) iar-submit refuses with a clear error (exit 111, "No space left on
#     device") and leaves nothing half-written in spool/tmp, incoming or
#     jobs; (b) a running dispatcher survives jobs that end while the
#     disk is full (their shepherds wait to write the result instead of
#     being judged lost), keeps the queue, and resumes by itself once
#     space returns; (c) the same while it records finished jobs in the
#     history (BerkeleyDB log writes fail); (d) afterwards the history
#     lists every job once, COMPLETED, and nothing is left in tmp/ or
#     bad/. Root only (it mounts); skipped otherwise.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root to mount a tmpfs"
OUT=$IAR_ROOT
FS=$OUT/fs
mkdir "$FS" && mount -t tmpfs -o size=16m,mode=755 tmpfs "$FS" 2>/dev/null ||
    skip_all "cannot mount a tmpfs"
trap 't_cleanup; umount -l "$FS"; rm -rf "$OUT"' EXIT
"$TOP/bin/iar-init" "$FS/root" >/dev/null || echo "Bail out! iar-init"
cat >> "$FS/root/etc/iar.conf" <<CONF
cgroup_parent = $T_CG
kill_grace = 1
pass_seconds = 30
CONF
IAR_ROOT=$FS/root
S=$IAR_ROOT/spool

# fill: take every free block (appending, so that it can be called again
# to take what was freed meanwhile); room: give it all back.
fill() { dd if=/dev/zero of="$FS/fill" bs=4k oflag=append conv=notrunc \
    status=none 2>/dev/null; }
room() { rm -f "$FS/fill"; }
free_kb() { df -Pk "$FS" | awk 'NR == 2 { print $4 }'; }
running() { [ -e "$S/jobs/$1/started" ] && [ "$(jstate "$1")" = RUNNING ]; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
all_running() { for j; do running "$j" || return 1; done; }
states() { for j; do printf '%s ' "$(jstate "$j")"; done; }
spool_ls() { for d; do ls -A "$S/$d"; done | tr '\n' ' '; }
in_done() { for j; do [ -e "$S/done/$j" ] || return 1; done; }
ndone_is() { [ "$(ls "$S/done" | grep -c '^[0-9]')" -eq "$1" ]; }
empty() { [ -z "$(spool_ls "$@")" ]; }

# --- (a) iar-submit on a full disk -------------------------------------
first=$(iar-submit --parsable -- true)
drain 20
fill
is "$(free_kb)" 0 "the tmpfs is full"
jobs0=$(spool_ls jobs)
iar-submit -- sh -c 'echo never' >"$OUT/a.out" 2>"$OUT/a.err"
is "$?" 111 "(a) iar-submit exits 111 (temporary trouble)"
grep -q '^iar-submit: .*No space left on device$' "$OUT/a.err"
ok $? "(a) it says why: $(cat "$OUT/a.err")"
is "$(cat "$OUT/a.out")" "" "(a) and prints no id"
is "$(spool_ls tmp incoming)" "" "(a) nothing left in spool/tmp or incoming"
is "$(spool_ls jobs)" "$jobs0" "(a) no job directory made"
room

# --- (b) jobs end while the disk is full --------------------------------
iar-dispatch -d 2>"$OUT/d.err" &
D=$!
T_PIDS="$T_PIDS $D"
G=$OUT/gate
b1=$(iar-submit --parsable -J full-b -- sh -c "echo start; while [ ! -e $G ]; do sleep 0.05; done")
b2=$(iar-submit --parsable -J full-b -- sh -c "echo start; while [ ! -e $G ]; do sleep 0.05; done")
waitfor 20 all_running "$b1" "$b2"
ok $? "(b) two jobs running ($b1 $b2)"
Q=""
for i in 1 2 3 4; do Q="$Q $(iar-submit --parsable -J full-q -- true)"; done
waitfor 10 empty incoming
fill
touch "$G"
sleep 3
fill
kill -0 "$D"
ok $? "(b) the dispatcher is alive with the disk full"
is "$(states $b1 $b2)" "RUNNING RUNNING " \
    "(b) the jobs that ended wait for space (not judged lost)"
grep -q "job $b1: cannot write its result: No space left on device; waiting for space" "$OUT/d.err"
ok $? "(b) their shepherd says it is waiting for space"
for q in $Q; do
	final "$q" && break
done
! final "$q"
ok $? "(b) the queue is kept: no other job ended meanwhile"
room
waitfor 30 all_final "$b1" "$b2" $Q
is "$(states "$b1" "$b2" $Q)" "$(printf 'COMPLETED %.0s' 1 2 3 4 5 6)" \
    "(b) space back: all six COMPLETED, without a restart"
kill -0 "$D"
ok $? "(b) the same dispatcher did it"
is "$(jlog "$S/jobs/$b1/stdout")" start "(b) the job's log is intact"

# --- (c) the history cannot be written -----------------------------------
rm -f "$G"
c1=$(iar-submit --parsable -J full-c -- sh -c "while [ ! -e $G ]; do sleep 0.05; done")
c2=$(iar-submit --parsable -J full-c -- sh -c "while [ ! -e $G ]; do sleep 0.05; done")
waitfor 20 all_running "$c1" "$c2"
ok $? "(c) two jobs running ($c1 $c2)"
kill -STOP "$D"
touch "$G"
waitfor 20 in_done "$c1" "$c2"
ok $? "(c) both ended while the dispatcher was stopped (in done/)"
fill
t0=$(cpu_ticks "$D")
kill -CONT "$D"
sleep 3
fill
kill -0 "$D"
ok $? "(c) the dispatcher is alive after recording on a full disk"
t=$(($(cpu_ticks "$D") - t0))
[ "$t" -lt 150 ]
ok $? "(c) and does not spin meanwhile ($t ticks of CPU in 3 s)"
is "$(grep -c 'HIST job .*No space left on device' "$OUT/d.err")" 1 \
    "(c) it says so once, not once a pass"

timeout 20 iar-stat >/dev/null 2>"$OUT/c.stat"
ok $? "(c) iar-stat answers meanwhile"
c3=$(iar-submit --parsable -J full-c -- true 2>/dev/null)
[ -z "$c3" ]
ok $? "(c) a submission is still refused"
room
waitfor 30 all_final "$c1" "$c2"
is "$(states "$c1" "$c2")" "COMPLETED COMPLETED " "(c) space back: both COMPLETED"
waitfor 10 ndone_is 0
ok $? "(c) done/ is empty: both recorded"
grep -q "HIST job [0-9]*: stored; the history is writable again" "$OUT/d.err"
ok $? "(c) it says when the history is writable again"
c4=$(iar-submit --parsable -J full-c -- true)
waitfor 20 all_final "$c4"
is "$(jstate "$c4")" COMPLETED "(c) a new job runs as before"
kill "$D"
wait "$D" 2>/dev/null

# --- (d) the history is intact, nothing left behind ----------------------
all="$first $b1 $b2 $Q $c1 $c2 $c4"
timeout 30 iar-stat -a -n --tsv > "$OUT/hist"
for j in $all; do
	awk -F'\t' -v j="$j" '$1 == j' "$OUT/hist" | cut -f4
done | sort | uniq -c | awk '{print $1, $2}' > "$OUT/d.count"
is "$(cat "$OUT/d.count")" "$(echo $all | wc -w | tr -d ' ') COMPLETED" \
    "(d) iar-stat -a lists every job once, COMPLETED"
is "$(awk -F'\t' '{print $1}' "$OUT/hist" | sort | uniq -d)" "" \
    "(d) no job twice in the history"
is "$(spool_ls tmp bad incoming queue done)" "" \
    "(d) tmp/ bad/ incoming/ queue/ done/ empty"
sed 's/^/# dispatcher: /' "$OUT/d.err" | sort | uniq -c | sort -rn | head -30

done_testing
