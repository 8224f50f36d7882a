#!/bin/sh
# t0055-harness: make check's runner (tests/check, tests/exec) on tests
# of its own: a test that hangs is killed after IAR_TEST_TIMEOUT seconds
# with the processes it started, and counts as failed with a closing
# "not ok"; a failed test's output is shown; a skipped one counts as
# skipped; the summary is the plain "N passed, N failed, N skipped" line
# and the exit status 1. Skips without prove (Debian's perl has it).
. "$(dirname "$0")/lib.sh"
command -v prove >/dev/null || skip_all "no prove"
D=$IAR_ROOT/harness
mkdir -p "$D"
M="sleep 300.$$"	# marks the hanging test's processes,
P="[s]leep 300.$$"	# and finds them (not the pgrep's own sh -c)
cat > "$D/t0001-pass.sh" <<'T'
echo "ok 1 - fine"; echo "1..1"
T
cat > "$D/t0002-fail.sh" <<'T'
echo "ok 1 - a"; echo "not ok 2 - b"; echo "# the reason: x"; echo "1..2"
T
cat > "$D/t0003-skip.sh" <<'T'
echo "1..0 # SKIP nothing to do here"
T
cat > "$D/t0004-hang.sh" <<T
echo "ok 1 - started"
sh -c 'exec $M' &
$M
echo "1..1"
T
export IAR_TEST_DIR="$D" IAR_TEST_LOCKS="$D/locks"
IAR_TEST_TIMEOUT=3 sh "$TOP/tests/check" t0001-pass.sh t0002-fail.sh \
    t0003-skip.sh t0004-hang.sh > "$D/out" 2>&1
is "$?" 1 "a failed test: tests/check exits 1"
is "$(tail -1 "$D/out")" "1 passed, 2 failed, 1 skipped" "the plain summary"
grep -qx "# failed: t0002-fail.sh t0004-hang.sh" "$D/out"
ok $? "names the failed tests"
grep -qx "#   # the reason: x" "$D/out"
ok $? "shows a failed test's output"
grep -qx "#   not ok 2 - t0004-hang.sh killed after 3 s (IAR_TEST_TIMEOUT)" \
    "$D/out"
ok $? "a hanging test is killed after IAR_TEST_TIMEOUT, not ok"
waitfor 10 sh -c "! pgrep -f '$P' >/dev/null"
ok $? "with the processes it started"
IAR_TEST_TIMEOUT=1 sh "$TOP/tests/exec" t0004-hang.sh > "$D/one" 2>&1
is "$?,$(sed -n '$p' "$D/one")" "124,1..2" \
    "tests/exec alone: exit 124 and a plan counting the not ok"
waitfor 10 sh -c "! pgrep -f '$P' >/dev/null"
done_testing
