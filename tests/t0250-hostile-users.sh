#!/bin/sh
# t0250-hostile-users: what an ordinary user tried against other users on
# a multi-user root (iar-init --group, set-gid commands, dispatcher as
# root) and must not manage (issue 18):
# (a) hold a flock on another's jobs/ID/lock, wedging its retry and its
#     cancel: the lock is the dispatcher's alone (0600);
# (b) SIGSTOP their own iar-submit at any moment (in the old design:
#     holding the flock on spool/seq): other users' submits and the
#     dispatcher's pass go on;
# (c) write array_job=X, array_task=99 into their own held job file: it
#     is no task of X (only the head makes tasks, with X's owner);
# (d) a user's umask 077 is the job's (its output files are 0600);
# (e) prio=10000 written into one's own held file: iar-stat and the
#     history show the 0 the scheduler uses;
# (f) a --git URL with a token: refused, so no user sees it;
# (g) a job without --mem is limited (default_mem: its cores' share of
#     the node's memory) and iar-stat says so;
# (h) a sparse --bundle far above max_bundle_size: refused after at most
#     that much was copied, and nothing of it left in spool/tmp;
# (i) with IAR_ROOT set to a root of their own, the set-gid commands give
#     up the iar group;
# (j) 3000 files planted in incoming (as root: users cannot): one pass
#     takes a bounded batch and still starts the queued job;
# (k) a job whose log passes log_max (1M here) is stopped and told, and
#     its outcome is recorded.
# Needs root and useradd; makes iartest1 and iartest2 if they are missing
# and removes them (and the iar group) at the end if it made them.
. "$(dirname "$0")/lib.sh"

t_users
command -v flock >/dev/null || skip_all "no flock(1)"

S=$IAR_ROOT/spool
cat >> "$IAR_ROOT/etc/iar.conf" <<CONF
retry_backoff = 1
retry_backoff_max = 1
max_bundle_size = 1M
log_max = 1M
CONF

t_group_root
H1=$IAR_ROOT/home/iartest1
H2=$IAR_ROOT/home/iartest2

# Passes until job $1's field $2 is $3 (at most about 20 s).
pass_until() {
	n=0
	while [ $n -lt 100 ]; do
		iar-dispatch -1 2>/dev/null
		[ "$(jfield "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}

# --- (a) jobs/ID/lock is not the users' to lock ---------------------------
# A job that fails once, then succeeds; while it waits for its retry,
# iartest2 tries to hold a shared flock on its lock file.
cat > "$H1/flaky" <<'SCRIPT'
#!/bin/sh
[ -e "$HOME_DIR/flaky.ran" ] && exit 0
touch "$HOME_DIR/flaky.ran"
exit 1
SCRIPT
chmod 755 "$H1/flaky"
wedge() {	# wedge JOB: iartest2 holds jobs/JOB/lock if it can
	rm -f "$H2/held.$1"
	as iartest2 "flock -s -n $S/jobs/$1/lock -c 'echo held > held.$1; \
	    sleep 60'" >/dev/null 2>"$H2/wedge.$1" &
	T_PIDS="$T_PIDS $!"
	n=0
	while [ $n -lt 50 ] && [ ! -s "$H2/held.$1" ] &&
	    kill -0 $! 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
}
j=$(as iartest1 "HOME_DIR=$H1 $B/iar-submit --parsable --retries 1 \
    -J flaky ./flaky")
ok $? "iartest1 submits a job that fails once (job $j)"
pass_until "$j" requeues 1
ok $? "job $j failed its first attempt and waits for its retry"
is "$(stat -c '%a %U' "$S/jobs/$j/lock")" "600 root" \
    "jobs/$j/lock: 0600 root"
wedge "$j"
[ ! -s "$H2/held.$j" ]
ok $? "iartest2 cannot lock jobs/$j/lock ($(cat "$H2/wedge.$j"))"
drain 30
is "$(jstate "$j")" COMPLETED "job $j retried and COMPLETED"

# The same, assigned while iartest2 tries to hold it, then cancelled
# by root.
j=$(as iartest1 "HOME_DIR=$H1 $B/iar-submit --parsable --retries 1 \
    -J flaky2 -- sh -c 'sleep 1; exit 1'")
pass_until "$j" requeues 1
ok $? "job $j waits for its retry"
wedge "$j"
sleep 1.2
iar-dispatch -1
iar-dispatch -1
iar-cancel "$j"
drain 15
is "$(jstate "$j")" CANCELLED "root's cancel wins: job $j CANCELLED"

# --- (b) a stopped iar-submit stops nobody else ---------------------------
# iartest2 runs bursts of its own set-gid iar-submit and stops any that
# /proc/locks shows holding a flock (the old spool/seq lock was found in
# well under a second); then ten more, each stopped at another moment.
cat > "$H2/stopper" <<SCRIPT
#!/bin/sh
i=0
while [ \$i -lt 30 ]; do
	k=0
	while [ \$k -lt 8 ]; do
		$B/iar-submit --parsable --hold -J stopped -- true \
		    >/dev/null 2>&1 &
		k=\$((k + 1))
	done
	n=0
	while [ \$n -lt 100 ]; do
		while read -r a b c d q rest; do
			[ "\$b" = FLOCK ] || continue
			read -r comm < /proc/\$q/comm 2>/dev/null || continue
			[ "\$comm" = iar-submit ] || continue
			kill -STOP \$q 2>/dev/null || continue
			while read -r a b c d q2 rest; do
				[ "\$q2" = "\$q" ] || continue
				echo \$q >> stopped
				echo "caught \$q holding a lock"
				exit 0
			done < /proc/locks
			kill -CONT \$q 2>/dev/null
		done < /proc/locks
		n=\$((n + 1))
	done
	wait
	i=\$((i + 1))
done
k=0
while [ \$k -lt 10 ]; do
	$B/iar-submit --parsable --hold -J stopped -- true >/dev/null 2>&1 &
	j=0
	while [ \$j -lt \$((k * 30)) ]; do j=\$((j + 1)); done
	kill -STOP \$! 2>/dev/null && echo \$! >> stopped
	k=\$((k + 1))
done
echo "none caught holding a lock"
SCRIPT
chmod 755 "$H2/stopper"
# (Its output goes to a file: a child stopped before its exec keeps
# the stopper's stdout open.)
as iartest2 "./stopper > stopper.out 2>&1"
r=$(cat "$H2/stopper.out")
echo "# stopper: $r, $(wc -l < "$H2/stopped") left stopped"
for p in $(cat "$H2/stopped"); do T_PIDS="$T_PIDS $p"; done
s=$(as iartest1 "timeout -s KILL 20 $B/iar-submit --parsable -J free -- true")
ok $? "iartest1 submits while iartest2's submits are stopped (job $s)"
timeout -s KILL 20 iar-dispatch -1
ok $? "a dispatcher pass finishes meanwhile"
drain 30
is "$(jstate "$s")" COMPLETED "job $s COMPLETED"
for p in $(cat "$H2/stopped"); do kill -9 "$p" 2>/dev/null; done

# --- (c) a forged array task counts for nothing -----------------------------
a=$(as iartest1 "$B/iar-submit --parsable --array 1-4 -J arr -- true")
ok $? "iartest1 submits array $a (4 tasks)"
w=$(as iartest1 "$B/iar-submit --parsable --after $a:ok -J afterarr -- true")
h=$(as iartest2 "$B/iar-submit --parsable --hold -J forger -- \
    sh -c 'sleep 2; exit 1'")
iar-dispatch -1
as iartest2 "{ head -1 $S/hold/$h; printf 'array_job=$a\narray_task=99\n'; \
    tail -n +2 $S/hold/$h; } > forged && cat forged > $S/hold/$h"
ok $? "iartest2 writes array_job=$a into its held job $h"
as iartest2 "$B/iar-release $h"
drain 40
is "$(jstate "$a")" COMPLETED "array $a COMPLETED"
is "$(jfield "$a" reason)" "4 tasks: 4 COMPLETED, 0 FAILED, 0 CANCELLED" \
    "its own four tasks, no more"
is "$(jstate "$w")" COMPLETED "iartest1's --after $a:ok job $w ran"
is "$(jstate "$h")" FAILED "the forged job $h ran as a plain job of iartest2"
is "$(jfield "$h" array_job)" "" "and is no task of array $a"

# --- (d) the submitter's umask ---------------------------------------------
u=$(as iartest1 "umask 077; $B/iar-submit --parsable -J umask \
    -o $H1/umask.out -- sh -c 'echo hi; touch $H1/umask.made'")
drain 30
is "$(jstate "$u")" COMPLETED "job $u (umask 077) COMPLETED"
is "$(stat -c %a "$H1/umask.out" 2>/dev/null)" 600 \
    "its -o output file is 0600"
is "$(stat -c %a "$H1/umask.made" 2>/dev/null)" 600 \
    "a file it made is 0600"

# --- (e) the priority shown is the one used --------------------------------
p=$(as iartest1 "$B/iar-submit --parsable --hold -J prio -- true")
iar-dispatch -1
as iartest1 "sed 's/^prio=0\$/prio=10000/' $S/hold/$p > p.new && \
    cat p.new > $S/hold/$p"
grep -q '^prio=10000$' "$S/hold/$p"
ok $? "iartest1 writes prio=10000 into its held job $p"
is "$(jfield "$p" prio)" 0 "iar-stat shows prio 0, what the scheduler uses"
as iartest1 "$B/iar-release $p"
drain 30
is "$(jstate "$p"),$(jfield "$p" prio)" COMPLETED,0 \
    "and so does the history once it ran"

# --- (f) credentials in --git URLs ---------------------------------------
for url in https://iartest1:TOKEN$$@git.invalid/r.git \
    https://TOKEN$$@git.invalid/r.git ssh://me:TOKEN$$@git.invalid/r.git; do
	e=$(as iartest1 "$B/iar-submit --parsable --git $url -- true" 2>&1)
	is "$?" 101 "--git ${url%%@*}@...: refused (exit 101)"
done
case $e in *"~/.ssh"*"~/.git-credentials"*) r=0 ;; *) r=1 ;; esac
ok $r "the message says what to use instead ($e)"
ssh=$(as iartest1 "$B/iar-submit --parsable --hold \
    --git ssh://git@git.invalid/r.git -- true")
ok $? "ssh://git@host (a user name, no secret) is taken (job $ssh)"
# Written into one's own held file: the file is no longer a valid job.
g=$(as iartest1 "$B/iar-submit --parsable --hold -J tok -- true")
iar-dispatch -1
as iartest1 "{ head -1 $S/hold/$g; \
    echo 'git_url=https://u:TOKEN$$@git.invalid/r.git'; \
    tail -n +2 $S/hold/$g; } > g.new && cat g.new > $S/hold/$g"
as iartest1 "$B/iar-release $g"
iar-cancel "$ssh"
drain 30
as iartest2 "$B/iar-stat --json -a" > "$H2/all.json" 2>&1
grep -c "TOKEN$$" "$H2/all.json" > "$H2/leaks"
is "$(cat "$H2/leaks")" 0 "iartest2 sees no token in iar-stat --json"
is "$(grep -rl "TOKEN$$" "$S/jobs" "$S/done" 2>/dev/null | \
    xargs -r stat -c %a | grep -v '^6[04]0$' | grep -c .)" 0 \
    "no world-readable file in the spool holds it"

# --- (g) a memory limit by default -----------------------------------------
# default_mem = share (the default): the node's memory per core.
m=$(as iartest1 "$B/iar-submit --parsable -J nomem -- true")
drain 30
mm=$(sed -n 's/^mem=//p' "$S/jobs/$m/alloc")
[ "${mm:-0}" -gt 0 ]
ok $? "job $m without --mem ran with a limit (jobs/$m/alloc: mem=$mm)"
is "$(as iartest2 "$B/iar-stat -n --tsv -j $m" | cut -f13)" "$mm" \
    "iar-stat shows it"
# A size: shown at once, before the job is assigned.
echo "default_mem = 64M" >> "$IAR_ROOT/etc/iar.conf"
m=$(as iartest1 "$B/iar-submit --parsable --hold -J nomem2 -- true")
is "$(as iartest2 "$B/iar-stat -n --tsv -j $m" | cut -f13)" 67108864 \
    "default_mem = 64M: iar-stat shows job $m's limit while it is held"
iar-cancel "$m"

# --- (h) a sparse bundle ----------------------------------------------------
as iartest1 "printf '\\037\\213' > sparse.tar.gz && \
    truncate -s 200M sparse.tar.gz"
e=$(as iartest1 "$B/iar-submit --parsable --bundle sparse.tar.gz -- true" 2>&1)
is "$?" 101 "a sparse 200 MB bundle (max_bundle_size 1M): refused, exit 101"
echo "# $e"
is "$(ls -A "$S/tmp" | grep bundle)" "" "nothing of it is left in spool/tmp"
mkdir -p "$H1/bigdir"
head -c 3000000 /dev/urandom > "$H1/bigdir/noise"
chown -R iartest1 "$H1/bigdir"
e=$(as iartest1 "$B/iar-submit --parsable --bundle bigdir -- true" 2>&1)
is "$?" 101 "a directory packing to 3 MB: refused, exit 101"
echo "# $e"
is "$(ls -A "$S/tmp" | grep bundle)" "" "nothing of it is left either"

# --- (i) a root of one's own gets no group privilege -----------------------
as iartest1 "$B/iar-init $H1/own >/dev/null && \
    IAR_ROOT=$H1/own $B/iar-submit --parsable --hold -- true > own.id"
ok $? "iartest1 makes a root of its own and submits there"
is "$(stat -c %G "$H1/own/spool/incoming/$(cat "$H1/own.id")" 2>/dev/null)" \
    "$(id -gn iartest1)" "the set-gid iar-submit wrote it without the iar group"

# --- (j) a backlog in incoming does not stop the queue ------------------------
q=$(as iartest1 "$B/iar-submit --parsable --hold -J queued -- true")
iar-dispatch -1
mkdir "$IAR_ROOT/plant"
i=0
while [ $i -lt 3000 ]; do : > "$IAR_ROOT/plant/junk$i"; i=$((i + 1)); done
mv "$IAR_ROOT/plant/"* "$S/incoming/"
as iartest1 "$B/iar-release $q"
iar-dispatch -1 2>/dev/null
left=$(ls "$S/incoming" | wc -l)
[ "$left" -ge 1000 ]
ok $? "one pass took a batch of the 3000 planted files ($left left)"
st=$(jstate "$q")
case $st in RUNNING|COMPLETED) r=0 ;; *) r=1 ;; esac
ok $r "and started the released job $q meanwhile ($st)"
drain 60 2>/dev/null
is "$(ls "$S/incoming" | wc -l)" 0 "later passes take the rest"
is "$(jstate "$q")" COMPLETED "job $q COMPLETED"

# --- (k) a log cap -----------------------------------------------------------
l=$(as iartest1 "$B/iar-submit --parsable -J chatty -- sh -c \
    'while :; do head -c 100000 /dev/zero; sleep 0.1; done'")
drain 40 2>/dev/null
is "$(jstate "$l")" FAILED "job $l writing without end: FAILED"
is "$(jfield "$l" reason)" "output over log_max (1M)" \
    "the reason says why"
sz=$(jlog "$S/jobs/$l/stdout" | wc -c)
[ "$sz" -lt 20000000 ]
ok $? "its log stopped near the cap ($sz bytes)"
jlog "$S/jobs/$l/stderr" | grep -q "iar: output over log_max"
ok $? "the job's stderr says so"

done_testing
