#!/bin/sh
# t0900-fuzz: the parsers under libFuzzer, briefly, and the programs on
# the inputs the fuzzers found.
# First, always (any compiler): topology files that crash hwloc 2.9,
# make it take seconds and an infinite nodeset, or give it a tree whose
# export never ends (tests/fuzz/corpus/topo/regress-*) are refused by
# iar-node add, and a node that holds one does not take down iar-node
# list, the CGI's node page (which draws the topology) or a dispatcher
# pass.
# Then, when clang with libFuzzer is there: make fuzz-build, and each
# target of tests/fuzz/ for T_FUZZ_SECONDS (7; 2 under SAN) from its seed corpus,
# failing on any crash, sanitizer report, leak, timeout or OOM
# (tests/fuzz/README). The fuzz build uses clang and its own flags,
# whatever SAN the rest of the suite was built with.
. "$(dirname "$0")/lib.sh"

C=$TOP/tests/fuzz/corpus
ND=$IAR_ROOT/nodes

for f in regress-hwloc-segv regress-hwloc-numa-index regress-hwloc-order; do
	out=$(iar-node add "bad-$f" --topology "$C/topo/$f" 2>&1); rc=$?
	is "$rc" 101 "iar-node add refuses $f (exit 101, not a crash)"
	case $out in *"cannot load"*"invalid xml topology"*) r=0 ;;
	*) r=1 ;; esac
	ok $r "and says why ($out)"
done

# A node someone made by hand, with the crashing file.
mkdir -p "$ND/bad"
cp "$C/topo/regress-hwloc-segv" "$ND/bad/topology.xml"
printf 'up\n' > "$ND/bad/state"
out=$(iar-node list 2>&1); rc=$?
is "$rc" 0 "iar-node list lives through a node with a bad topology.xml"
echo "$out" | grep -q '^bad '
ok $? "and lists that node"
page=$(env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO=/nodes/bad \
    "$TOP/cgi-bin/iar.cgi" 2>&1); rc=$?
is "$rc" 0 "the CGI's page of that node exits 0"
echo "$page" | head -1 | grep -q '^Status: 200'
ok $? "and answers 200 ($(echo "$page" | head -1))"
iar-dispatch -1 >/dev/null 2>&1
ok $? "a dispatcher pass exits 0 with that node in nodes/"

# The fuzzers.
# The fuzz build is the same whatever SAN is, so the suite's second run
# (under SAN, as CI does it) fuzzes only briefly: 2 s a target.
if [ -n "${SAN:-}" ]; then secs=${T_FUZZ_SECONDS:-2}; else secs=${T_FUZZ_SECONDS:-7}; fi
targets=$(cd "$TOP/tests/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')
tmp=$IAR_ROOT/fuzz-probe
mkdir -p "$tmp"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$tmp/t.c"
if ! command -v clang >/dev/null 2>&1; then
	why="clang is not installed"
elif ! clang -fsanitize=fuzzer,address,undefined -o "$tmp/t" "$tmp/t.c" \
    >"$tmp/log" 2>&1; then
	why="clang has no libFuzzer ($(head -1 "$tmp/log"))"
else
	why=""
fi
if [ -n "$why" ]; then
	for t in $targets; do
		T_N=$((T_N + 1))
		echo "ok $T_N - fuzz-$t # SKIP $why"
	done
	done_testing
fi
make -s -C "$TOP" fuzz-build >"$tmp/build" 2>&1
r=$?
ok $r "make fuzz-build (clang, -fsanitize=fuzzer,address,undefined)"
[ $r -eq 0 ] || sed 's/^/# /' "$tmp/build" | tail -20
for t in $targets; do
	line=$("$TOP/tests/fuzz/run" "$secs" "$t" 2>&1)
	ok $? "$line"
	case $line in *FAILED*)
		sed 's/^/# /' "$TOP/tests/fuzz/out/$t.log" | grep -v '^# #[0-9]' |
		    head -40 ;;
	esac
done
done_testing
