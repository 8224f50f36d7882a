#!/bin/sh
# t0210-hostile: files planted straight in spool/incoming (as a hostile
# writer would) go to spool/bad with a sensible reason in bad/NAME.why;
# the dispatcher never dies of them and a good job beside them runs.
# Then 2000 random mutations of a valid job file: every pass exits 0 and
# every file leaves incoming/.
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
W=$IAR_ROOT/work
mkdir -p "$W"

# A valid job file whose script is "true"; extra header lines from $1
# (printf %b: \n ends a line, \\ is one backslash).
jobfile() {
	printf 'iar-job 1\nname=hostile\n%bcwd=/tmp\nenv=PATH=/bin:/usr/bin\n' \
	    "${1:-}"
	printf 'script=5\ntrue\n\nend\n'
}
plant() {	# plant NAME < content: write aside, then rename in
	cat > "$W/$1" && mv "$W/$1" "$S/incoming/$1"
}
why() { cat "$S/bad/$1.why" 2>/dev/null; }
check_bad() {	# check_bad NAME WHY-PATTERN DESCRIPTION
	if [ -e "$S/bad/$1" ] || [ -L "$S/bad/$1" ]; then r=0; else r=1; fi
	ok $r "$3: in bad/"
	w=$(why "$1")
	case $w in $2) r=0 ;; *) r=1 ;; esac
	ok $r "$3: why = '$w'"
	if [ -e "$S/incoming/$1" ] || [ -L "$S/incoming/$1" ]; then r=1
	else r=0; fi
	ok $r "$3: gone from incoming/"
}

# A sanity check of the generator: the valid file is accepted.
jobfile | plant 1000
iar-dispatch -1
ok $? "a valid planted job file: pass exits 0"
[ ! -e "$S/bad/1000" ]
ok $? "a valid planted job file is not rejected ($(why 1000))"

# The hostile files, ids 1001 and up.
jobfile | sed '$d' | plant 1001				# no "end"
jobfile | head -c 30 | plant 1002			# cut mid-line
jobfile | sed '1s/.*/iar-job 2/' | plant 1003		# version 2
jobfile 'color=red\n' | plant 1004			# unknown key
jobfile 'name=again\n' | plant 1005			# duplicate key
big=$(head -c 10000 /dev/zero | tr '\0' a)
jobfile | sed "2s/.*/name=$big/" | plant 1006		# name of 10000
jobfile 'env=NOEQUALS\n' | plant 1007			# env without =
jobfile | sed 's/^script=5$/script=999/' | plant 1008	# longer than file
jobfile | sed 's/^script=5$/script=12/' | plant 1025	# past the end
{ jobfile; echo 'name=after'; } | plant 1009		# data after end
{ jobfile 'script=2097152\n'; head -c 2097152 /dev/zero; } |
    plant 1010						# 2 MiB
jobfile | sed '2s/.*/name=a\\x00b/' | plant 1011		# \x00 escape
jobfile | sed '2s/.*/name=aXb/' | tr X '\000' | plant 1012	# raw NUL
jobfile 'env=A=b\\x00c\n' | plant 1013			# \x00 in env
# Raw NULs the parser once read past as the end of a C string (found by
# tests/fuzz, corpus/job/regress-nul-in-line).
jobfile | sed '1s/.*/iar-job 1X2/' | tr X '\000' | plant 1026	# version
jobfile | sed '$s/.*/endXjunk/' | tr X '\000' | plant 1027	# end line
jobfile 'cores=1Xjunk\n' | tr X '\000' | plant 1028	# a number
mkfifo "$S/incoming/1014"				# a FIFO
mkdir "$S/incoming/1015"				# a directory
jobfile > "$W/linked"
ln "$W/linked" "$S/incoming/1016"			# nlink 2
jobfile | plant 12abc					# not a job id
jobfile | plant 0123					# leading zero
jobfile | plant 99999999999999				# too long an id
nouid=54321
if getent passwd $nouid >/dev/null; then nouid=""; else
	jobfile > "$W/1017" && chown $nouid "$W/1017" &&
	    mv "$W/1017" "$S/incoming/1017"		# unknown owner
fi
jobfile 'prio=5\n' > "$W/1018" && chown nobody "$W/1018" &&
    mv "$W/1018" "$S/incoming/1018"			# prio 5, not root
jobfile 'prio=5\n' | plant 1019				# prio 5, root: ok
jobfile 'cores=0\n' | plant 1020			# bad value
jobfile 'cwd=relative\n' | sed '0,/^cwd=\/tmp$/{/^cwd=\/tmp$/d}' |
    plant 1021						# relative cwd
printf '' | plant 1022					# empty
jobfile | sed '/^script=/,$d' | { cat; echo end; } | plant 1023	# no script
head -c 4096 /dev/urandom | plant 1024			# noise

good=$(iar-submit --parsable -J good -- sh -c "echo good > $IAR_ROOT/good.out")
iar-dispatch -1 2>"$IAR_ROOT/bad.log"
ok $? "the pass with hostile files exits 0"
grep -q "BAD incoming/1003: unsupported job file version '2'" \
    "$IAR_ROOT/bad.log"
ok $? "the dispatcher logs each rejection"

check_bad 1001 "truncated job file (no 'end')" "no end line"
check_bad 1002 "truncated job file*" "cut mid-line"
check_bad 1003 "unsupported job file version '2'" "iar-job 2"
check_bad 1004 "*unknown key 'color'" "unknown key"
check_bad 1005 "*duplicate key 'name'" "duplicate key"
check_bad 1006 "*bad value for 'name'" "name of 10000 chars"
check_bad 1007 "*bad env entry" "env without ="
check_bad 1008 "*bad script length" "script length over the file size"
check_bad 1025 "truncated script" "script length past the end"
check_bad 1009 "data after 'end'" "data after end"
check_bad 1010 "larger than max_job_size*" "2 MiB file"
check_bad 1011 "*bad value for 'name'" "\\x00 in a value"
check_bad 1012 "line 2: NUL byte" "raw NUL in a value"
check_bad 1026 "NUL byte in the 'iar-job' line" "raw NUL in the version"
check_bad 1027 "*NUL byte" "raw NUL after 'end'"
check_bad 1028 "line 3: NUL byte" "raw NUL after a number"
check_bad 1013 "*bad env entry" "\\x00 in an env value"
check_bad 1014 "not a regular file" "a FIFO"
[ -p "$S/bad/1014" ]
ok $? "a FIFO: moved to bad/ as it is"
check_bad 1015 "not a regular file" "a directory"
check_bad 1016 "has more than one link" "a hard link"
is "$(cmp "$W/linked" "$S/bad/1016" && echo same)" same \
    "a hard link: its other name is untouched"
x=$(grep -l "name is not a job id" "$S"/bad/*.why 2>/dev/null | wc -l)
is "$x" 3 "names that are not job ids: three .why files say so"
for n in 12abc 0123 99999999999999; do
	[ ! -e "$S/incoming/$n" ]
	ok $? "'$n' left incoming/"
done
if [ -n "$nouid" ]; then
	check_bad 1017 "owner uid 54321 has no passwd entry" "unknown owner"
else
	ok 0 "# SKIP uid 54321 exists here"
fi
check_bad 1018 "only root may raise a priority above 0" "prio 5 by nobody"
[ ! -e "$S/bad/1019" ]
ok $? "prio 5 by root is accepted ($(why 1019))"
check_bad 1020 "*bad value for 'cores'" "cores=0"
check_bad 1021 "*bad value for 'cwd'" "relative cwd"
check_bad 1022 "not a job file*" "an empty file"
check_bad 1023 "no script" "no script"
check_bad 1024 "not a job file*" "random bytes"
is "$(jstate 1003)" FAILED "iar-stat: a rejected file is FAILED"
is "$(jfield 1003 reason)" "rejected: unsupported job file version '2'" \
    "iar-stat: with the reason"
is "$(ls -A "$S/incoming")" "" "incoming/ is empty"
drain 30
ok $? "drain"
is "$(jstate "$good")" COMPLETED "the good job ran beside them"
is "$(cat "$IAR_ROOT/good.out" 2>/dev/null)" good "and wrote its output"

# A rejected file's id is never given to a new job: plant a bad file
# under the next id iar-submit would take.
nx=$(ls "$S/next")
nx=${nx:-1}
jobfile | sed '1s/.*/iar-job 2/' | plant "$nx"
iar-dispatch -1 2>/dev/null
[ -e "$S/bad/$nx" ]
ok $? "a bad file planted as the next id ($nx) is rejected"
n=$(iar-submit --parsable -J after -- true)
[ "$n" != "$nx" ]
ok $? "the next job gets another id (got $n)"
drain 30
is "$(jstate "$n")" COMPLETED "and iar-stat shows it COMPLETED"

# --- Fuzz: 2000 mutations of a valid file, in batches of 250 ----------
command -v python3 >/dev/null || { done_testing; }
SEED=${T_SEED:-$$}
echo "# fuzz seed $SEED (T_SEED=$SEED to repeat)"
jobfile > "$W/base"
mkdir -p "$W/fuzz"
python3 - "$W/base" "$W/fuzz" "$SEED" <<'PY' || echo "# python3 failed"
import os, random, sys
base, out, seed = open(sys.argv[1], 'rb').read(), sys.argv[2], int(sys.argv[3])
rnd = random.Random(seed)
def mutate(b):
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randrange(7)
        lines = b.split(b'\n')
        if op == 0 and b:		# flip bytes
            a = bytearray(b)
            for _ in range(rnd.randint(1, 4)):
                a[rnd.randrange(len(a))] = rnd.randrange(256)
            b = bytes(a)
        elif op == 1:			# truncate
            b = b[:rnd.randrange(len(b) + 1)]
        elif op == 2:			# duplicate a line
            i = rnd.randrange(len(lines))
            lines.insert(i, lines[i])
            b = b'\n'.join(lines)
        elif op == 3:			# delete a line
            del lines[rnd.randrange(len(lines))]
            b = b'\n'.join(lines)
        elif op == 4:			# swap two lines
            i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            b = b'\n'.join(lines)
        elif op == 5:			# a new script length
            b = b.replace(b'script=5', b'script=%d' %
                          rnd.choice([0, 1, 4, 6, 7, 40, 2**32, 2**64 - 1,
                                      2**64, 10**30]))
        else:				# insert a byte
            i = rnd.randrange(len(b) + 1)
            c = rnd.choice([0, 10, 61, 92, rnd.randrange(256)])
            b = b[:i] + bytes([c]) + b[i:]
    return b
for i in range(2000):
    with open(os.path.join(out, str(5000 + i)), 'wb') as f:
        f.write(mutate(base))
PY
is "$(ls "$W/fuzz" | wc -l)" 2000 "2000 mutated files made"
# A file is somewhere a dispatcher put it: never in incoming/. Looked
# for in the order a job moves (a shepherd may move it from run/ to
# done/ meanwhile).
placed() {
	[ -e "$S/bad/$1" ] || [ -e "$S/hold/$1" ] || [ -e "$S/queue/$1" ] ||
	    ls "$S"/run/*/"$1" >/dev/null 2>&1 || [ -e "$S/done/$1" ] ||
	    [ -e "$S/jobs/$1/job" ]
}
fails=0
stuck=0
lost=""
b=0
while [ $b -lt 8 ]; do
	lo=$((5000 + b * 250))
	i=$lo
	while [ $i -lt $((lo + 250)) ]; do
		mv "$W/fuzz/$i" "$S/incoming/$i"
		i=$((i + 1))
	done
	iar-dispatch -1 2>>"$IAR_ROOT/fuzz.err" || fails=$((fails + 1))
	n=$(ls -A "$S/incoming" | wc -l)
	stuck=$((stuck + n))
	i=$lo
	while [ $i -lt $((lo + 250)) ]; do
		placed $i || lost="$lost $i"
		i=$((i + 1))
	done
	b=$((b + 1))
done
is "$fails" 0 "fuzz: every 'iar-dispatch -1' exited 0"
is "$stuck" 0 "fuzz: nothing left in incoming/ after a pass"
is "$lost" "" "fuzz: every file is in queue/, hold/, bad/ or ran"
nb=$(ls "$S/bad" | grep -c '^5[0-9][0-9][0-9]$')
nw=$(ls "$S/bad" | grep -c '^5[0-9][0-9][0-9]\.why$')
is "$nw" "$nb" "fuzz: each of the $nb rejected files has its .why"
echo "# fuzz: $nb rejected, $((2000 - nb)) accepted"
# Clean up what was accepted: cancel it, then drain.
q=$(ls "$S/queue" "$S/hold" | grep '^[0-9]')
[ -z "$q" ] || iar-cancel $q 2>/dev/null
timeout 40 iar-dispatch -w -T 30 2>>"$IAR_ROOT/fuzz.err"
ok $? "fuzz: the queue drains after cancelling the leftovers"
n=$(ls -A "$S/queue" "$S/hold" "$S/done" "$S/incoming" | grep -c '^[0-9]')
is "$n" 0 "fuzz: queue/, hold/, done/ and incoming/ are empty"
grep -v ' BAD \| REQUEUE ' "$IAR_ROOT/fuzz.err" | head -5 | sed 's/^/# /'

done_testing
