#!/bin/sh
# t0315-share: fair share between two real users (iar.conf(5) FAIR
# SHARE). iartest1 submits an array of 6 tasks, then iartest2 one of 6,
# on a one-core node; each task appends its user to a file, so the file
# is the start order. With fairshare on, iartest2's first task starts
# second and the first four starts are two each; with fairshare = off
# (the control) iartest1's six go first. Then the limits:
# max_running_per_user holds a second job with the reason in iar-stat,
# while the other user's job runs; max_queued_per_user and a limit_user
# line refuse a submission with exit 101; iar-share shows the usage.
# Needs root and useradd (tests/lib.sh t_users).
. "$(dirname "$0")/lib.sh"

t_users

t_group_root
C=$IAR_ROOT/etc/iar.conf
cp "$C" "$C.base"
echo "node_cores = 1" >> "$C"

# run_arrays TAG: both users' arrays, drained; the start order in $order
run_arrays() {
	: > "$IAR_ROOT/order.$1"
	chmod 666 "$IAR_ROOT/order.$1"
	a1=$(as iartest1 "$B/iar-submit --parsable -a 0-5 -J fs1 -- \
	    sh -c 'id -un >> $IAR_ROOT/order.$1'")
	a2=$(as iartest2 "$B/iar-submit --parsable -a 0-5 -J fs2 -- \
	    sh -c 'id -un >> $IAR_ROOT/order.$1'")
	drain 60 >/dev/null 2>&1
	waitfor 30 all_final "$a1" "$a2"
	order=$(sed 's/^iartest//' "$IAR_ROOT/order.$1" | tr -d '\n')
}

run_arrays on
echo "# start order with fairshare on: $order"
is "$(printf %s "$order" | wc -c)" 12 "fairshare on: all 12 tasks ran"
is "$(printf %s "$order" | cut -c1-2)" 12 \
    "fairshare on: iartest2's first task starts second"
first4=$(printf %s "$order" | cut -c1-4 | tr -d 2)
is "$first4" 11 "fairshare on: two of each user in the first four starts"
as iartest1 "$B/iar-share" > "$IAR_ROOT/share.out"
ok $? "iar-share runs as an ordinary user"
grep -q '^fairshare=1' "$IAR_ROOT/spool/share" 2>/dev/null ||
    grep -q 'fairshare=1' "$IAR_ROOT/spool/share"
ok $? "spool/share says fairshare is on"
json=$(as iartest2 "$B/iar-share -o json")
case $json in *'"user":"iartest1"'*'"usage":'*) r=0 ;; *) r=1 ;; esac
ok $r "iar-share -o json lists iartest1 with its usage"
echo "# $(grep -v RANK "$IAR_ROOT/share.out" | tr -s ' ' | tr '\n' ';')"

# The control: fairshare off, the same submissions go first come first.
cp "$C.base" "$C"
printf 'node_cores = 1\nfairshare = off\n' >> "$C"
run_arrays off
echo "# start order with fairshare off: $order"
is "$(printf %s "$order" | cut -c1-6)" 111111 \
    "fairshare off: iartest1's six tasks go first"

# --- limits ------------------------------------------------------------
cp "$C.base" "$C"
printf 'node_cores = 4\nmax_running_per_user = 1\nmax_queued_per_user = 2\nlimit_user = iartest2 queued=1\n' >> "$C"
touch "$IAR_ROOT/go" && chmod 666 "$IAR_ROOT/go"
wait_go="sh -c 'while [ -e $IAR_ROOT/go ]; do sleep 0.1; done'"
l1=$(as iartest1 "$B/iar-submit --parsable -J lim1 -- $wait_go")
l2=$(as iartest1 "$B/iar-submit --parsable -J lim2 -- $wait_go")
l3=$(as iartest2 "$B/iar-submit --parsable -J lim3 -- $wait_go")
iar-dispatch -1 >/dev/null 2>&1
waitfor 20 running "$l1"
ok $? "iartest1's first job runs"
waitfor 20 running "$l3"
ok $? "iartest2's job runs beside it"
iar-dispatch -1 >/dev/null 2>&1
is "$(jstate "$l2")" PENDING "iartest1's second job waits"
is "$(jfield "$l2" reason)" "user iartest1 has 1 of 1 running jobs" \
    "why: user iartest1 has 1 of 1 running jobs"
out=$(as iartest1 "$B/iar-submit --parsable -- true" 2>&1)
ok $? "iartest1's third job is taken (2 queued)"
out=$(as iartest1 "$B/iar-submit --parsable -- true" 2>&1)
is "$?:$out" "101:iar-submit: cannot submit: user iartest1 has 2 of 2 queued jobs (max_queued)" \
    "a fourth is refused: 101, max_queued_per_user"
out=$(as iartest2 "$B/iar-submit --parsable -a 1-2 -- true" 2>&1)
is "$?:$out" "101:iar-submit: cannot submit: user iartest2 has 0 of 1 queued jobs (max_queued)" \
    "limit_user iartest2 queued=1: an array of two is refused"
rm -f "$IAR_ROOT/go"
drain 60 >/dev/null 2>&1
waitfor 30 all_final "$l1" "$l2" "$l3"
ok $? "the held-back job runs once the first ends"
is "$(jstate "$l2")" COMPLETED "iartest1's second job COMPLETED"

done_testing
