#!/bin/sh
# t0056-harness: make check's runner (tests/check, tests/exec) on tests
# of its own, in a tree of their own: a test that hangs is killed after
# IAR_TEST_TIMEOUT seconds with the processes it started (its EXIT trap
# still runs and removes its root), and counts as failed with a closing
# "not ok"; a failed test's output is shown; a skipped one counts as
# skipped; the summary is the plain "N passed, N failed, N skipped" line
# and the exit status 1. Skips without prove (Debian's perl has it).
. "$(dirname "$0")/lib.sh"
command -v prove >/dev/null || skip_all "no prove"
H=$IAR_ROOT/harness		# a tree: bin and libexec are the build's
D=$H/tests
mkdir -p "$D"
cp "$TOP/tests/lib.sh" "$D/"
ln -s "$TOP/bin" "$H/bin"
ln -s "$TOP/libexec" "$H/libexec"
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
# The hanging test is a real one (tests/lib.sh, a root of its own).
cat > "$D/t0004-hang.sh" <<T
. "\$(dirname "\$0")/lib.sh"
echo "\$IAR_ROOT" > "$H/root"
ok 0 "started"
sh -c 'exec $M' &
$M
done_testing
T
export IAR_TEST_DIR="$D" IAR_TEST_LOCKS="$H/locks"
IAR_TEST_TIMEOUT=3 sh "$TOP/tests/check" t0001-pass.sh t0002-fail.sh \
    t0003-skip.sh t0004-hang.sh > "$H/out" 2>&1
is "$?" 1 "a failed test: tests/check exits 1"
is "$(tail -1 "$H/out")" "1 passed, 2 failed, 1 skipped" "the plain summary"
grep -qx "# failed: t0002-fail.sh t0004-hang.sh" "$H/out"
ok $? "names the failed tests"
grep -qx "#   # the reason: x" "$H/out"
ok $? "shows a failed test's output"
grep -qx "#   not ok 2 - t0004-hang.sh killed after 3 s (IAR_TEST_TIMEOUT)" \
    "$H/out"
ok $? "a hanging test is killed after IAR_TEST_TIMEOUT, not ok"
waitfor 10 sh -c "! pgrep -f '$P' >/dev/null"
ok $? "with the processes it started"
[ -s "$H/root" ] && [ ! -e "$(cat "$H/root")" ]
ok $? "and its EXIT trap still removed its root"
IAR_TEST_TIMEOUT=1 sh "$TOP/tests/exec" t0004-hang.sh > "$H/one" 2>&1
is "$?,$(sed -n '$p' "$H/one")" "124,1..2" \
    "tests/exec alone: exit 124 and a plan counting the not ok"
waitfor 10 sh -c "! pgrep -f '$P' >/dev/null"
done_testing
