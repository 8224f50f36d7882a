#!/bin/sh
# t0060-options: a bad option gets one answer everywhere: "PROG: unknown
# option 'WORD'" (or "option 'WORD' needs a value") naming the word, then
# the usage, exit 100. Every command in bin/ and every option-parsing
# helper in libexec/; iar-node's subcommand too.
. "$(dirname "$0")/lib.sh"

# bad PROG WANT-IN-STDERR ARGS...: exit 100, stderr's first line is
# "PROG: WANT".
bad() {
	prog=$1 want=$2
	shift 2
	"$prog" "$@" </dev/null >/dev/null 2>"$IAR_ROOT/err"
	rc=$?
	is "$rc:$(head -1 "$IAR_ROOT/err")" "100:$prog: $want" "$prog $*"
}

for p in "$TOP"/bin/iar-*; do
	case $p in *.c|*.o) continue ;; esac
	[ -x "$p" ] || continue
	prog=${p##*/}
	bad "$prog" "unknown option '--bogus'" --bogus
	grep -q '^usage:' "$IAR_ROOT/err"
	ok $? "$prog --bogus: then the usage"
	bad "$prog" "unknown option '-Z'" -Z
done
# Before any root is looked for: the option error, not the spool's.
for p in "$TOP"/bin/iar-*; do
	case $p in *.c|*.o|*.h) continue ;; esac
	[ -x "$p" ] || continue
	prog=${p##*/}
	IAR_ROOT=/nonexistent "$p" --bogus </dev/null >/dev/null \
	    2>"$IAR_ROOT/err"
	is "$?:$(head -1 "$IAR_ROOT/err")" \
	    "100:$prog: unknown option '--bogus'" "$prog --bogus with no root"
done
IAR_ROOT=/nonexistent "$TOP/bin/iar-submit" -h >/dev/null 2>&1
ok $? "iar-submit -h with no root: the usage, exit 0"
for prog in iar-dispatch iar-heartbeat iar-prune iar-rebuild iar-run \
    iar-stage; do
	bad "$prog" "unknown option '--bogus'" --bogus
done

bad iar-node "unknown command 'frobnicate'" frobnicate
grep -q '^usage: iar-node' "$IAR_ROOT/err"
ok $? "iar-node frobnicate: then the usage"
bad iar-node "unknown option '--bogus'" list --bogus

# A missing value names the option, short or long.
bad iar-stat "option '-j' needs a value" -j
bad iar-stat "option '--user' needs a value" --user
bad iar-modify "option '--mem' needs a value" 1 --mem
bad iar-submit "option '-c' needs a value" -c
bad iar-wait "option '-t' needs a value" -t
bad iar-run "option '--cg' needs a value" --cg

# In a script's #IAR lines: the word, and where it was.
printf '#!/bin/sh\n#IAR --bogus\necho hi\n' > "$IAR_ROOT/s.sh"
bad iar-submit "unknown option '--bogus' in #IAR line 2" "$IAR_ROOT/s.sh"
done_testing
