#!/bin/sh
# t0130-hold: a job submitted held stays put until iar-release; a queued
# job put on hold by iar-hold does not start until released.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool

# Submitted held.
h=$(iar-submit --parsable -H -J held -- echo released-and-ran)
iar-dispatch -1
is "$(jstate "$h")" HELD "-H: HELD after a pass"
[ -f "$S/hold/$h" ]
ok $? "it sits in spool/hold"
iar-dispatch -1
is "$(jstate "$h")" HELD "still HELD after another pass"
[ ! -e "$S/jobs/$h/stdout" ]
ok $? "and it has not run"
drain 10
is "$(jstate "$h")" HELD "a dispatcher run to idle leaves it HELD"
iar-release "$h"
is $? 0 "iar-release exits 0"
drain 30
is "$(jstate "$h")" COMPLETED "released: runs to COMPLETED"
is "$(jlog "$S/jobs/$h/stdout" 2>/dev/null)" released-and-ran "its output"

# Held from the queue, with every core busy.
N=$(nproc)
B=""
i=0
while [ $i -lt "$N" ]; do
	B="$B $(iar-submit --parsable -J blocker -- sleep 30)"
	i=$((i + 1))
done
iar-dispatch -1
q=$(iar-submit --parsable -J queued -- echo ran-after-release)
iar-dispatch -1
is "$(jstate "$q")" PENDING "a job queued behind the blockers"
iar-hold "$q"
is $? 0 "iar-hold of a queued job exits 0"
iar-dispatch -1
is "$(jstate "$q")" HELD "after a pass: HELD"
[ -f "$S/hold/$q" ] && [ ! -e "$S/queue/$q" ]
ok $? "moved from spool/queue to spool/hold"
# Free the cores: a held job must still not start.
iar-cancel $B
drain 30
for b in $B; do
	is "$(jstate "$b")" CANCELLED "blocker $b cancelled"
done
is "$(jstate "$q")" HELD "cores free, but the held job stays HELD"
[ ! -e "$S/jobs/$q/stdout" ]
ok $? "and has not run"
iar-hold "$q"
is $? 0 "iar-hold of a HELD job is harmless"
iar-dispatch -1
is "$(jstate "$q")" HELD "still HELD"
iar-release "$q"
is $? 0 "iar-release exits 0"
drain 30
is "$(jstate "$q")" COMPLETED "released: COMPLETED"
is "$(jlog "$S/jobs/$q/stdout" 2>/dev/null)" ran-after-release "its output"
is "$(ls -A "$S/done" "$S/ctl" "$S/hold" "$S/queue" | grep -v ':$' | grep .)" "" \
    "nothing left in done/, ctl/, hold/ or queue/"

# Errors.
iar-hold "$q" 2>/dev/null
is $? 101 "iar-hold of a finished job: 101"
iar-release "$q" 2>/dev/null
is $? 101 "iar-release of a finished job: 101"
iar-hold 99999 2>/dev/null
is $? 102 "iar-hold of a job that does not exist: 102"
iar-release abc 2>/dev/null
is $? 100 "iar-release of a bad id: 100"

done_testing
