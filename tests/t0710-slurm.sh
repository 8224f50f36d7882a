#!/bin/sh
# t0710-slurm: hand-off to a real Slurm. etc/slurm-test starts a
# single-node slurmctld + slurmd + munged on loopback (its own directory
# and ports); a node of kind slurm (iar-node add --slurm) takes its
# capacity from sinfo, and its executor (iar-dispatch -d --node NAME)
# hands each job to sbatch and mirrors Slurm's state back: a job (exit
# code, output), a failing one, an array, a timeout, a real user's job (run as that
# user), max_jobs, suspend and resume through scontrol, a cancel through
# scancel, a
# kill -9 of the executor and its hand-off child while sbatch waits for a
# stopped slurmctld (exactly one Slurm job afterwards), and Slurm stopped
# and started again with jobs queued (none lost, none doubled). Slurm is
# stopped at the end.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to start Slurm's daemons"
command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v munged >/dev/null && command -v sbatch >/dev/null ||
    skip_all "slurm-wlm and munge are not installed (etc/install-deps)"
SLURM_DIR=$IAR_ROOT.slurm
SLURM_PORT=${T_SLURM_PORT:-$((20000 + $$ % 20000))}
export SLURM_DIR SLURM_PORT
SLURM_CONF=$SLURM_DIR/etc/slurm.conf
export SLURM_CONF
ST=$TOP/etc/slurm-test
MADE="" MADE_GROUP=""
slurm_stop() {
	bash "$ST" stop >/dev/null 2>&1
	rm -rf "$SLURM_DIR"
	for u in $MADE; do userdel "$u" 2>/dev/null; done
	[ -n "$MADE_GROUP" ] && groupdel iar 2>/dev/null
	return 0
}
trap 't_cleanup; slurm_stop' EXIT
bash "$ST" start >"$IAR_ROOT.slurm.log" 2>&1 ||
    { sed 's/^/# /' "$IAR_ROOT.slurm.log"; skip_all "Slurm did not start"; }
ok 0 "etc/slurm-test starts slurmctld, slurmd and munged"

# a job's Slurm id: while it runs, then after (jobs/ID/slurm-jobs)
sid() { cat "$IAR_ROOT/spool/jobs/$1/slurm-id" 2>/dev/null ||
	tail -1 "$IAR_ROOT/spool/jobs/$1/slurm-jobs" 2>/dev/null | cut -d' ' -f1; }
# Slurm jobs whose comment is that iar job's hand-off token
nslurm() {
	t=$(tail -1 "$IAR_ROOT/spool/jobs/$1/slurm-jobs" 2>/dev/null |
	    cut -d' ' -f2)
	[ -n "$t" ] || { echo 0; return; }
	squeue -h -a -t all -o '%k' | grep -cx "$t"
}

# A real user, and the root made multi-user (an installed tree whose
# iar-init makes the commands set-gid), as in t0230.
if ! id iartest1 >/dev/null 2>&1; then
	useradd -M -s /bin/sh iartest1 || skip_all "useradd iartest1 failed"
	MADE=iartest1
fi
getent group iar >/dev/null || MADE_GROUP=1
t_install
"$T_BIN/iar-init" --group iar "$IAR_ROOT" >"$IAR_ROOT/init.log" 2>&1
ok $? "an installed tree; iar-init --group iar makes the root multi-user"
mkdir -p "$IAR_ROOT/home/iartest1"
chown iartest1 "$IAR_ROOT/home/iartest1"
as1() {	# as1 COMMAND: as iartest1, in its home, with the root and Slurm
	su -s /bin/sh iartest1 -c "cd $IAR_ROOT/home/iartest1 && \
	    IAR_ROOT=$IAR_ROOT SLURM_CONF=$SLURM_CONF; \
	    export IAR_ROOT SLURM_CONF; $*"
}

N=$(ls "$IAR_ROOT/nodes")
cat >> "$IAR_ROOT/etc/iar.conf" <<EOF
heartbeat_interval = 1
heartbeat_timeout = 4
head_node = $N
EOF
iar-node drain "$N" --reason "head only"

# 1. The node: capacity from sinfo.
iar-node add sl --slurm --partition debug --max-jobs 2 >"$IAR_ROOT/add.out"
ok $? "iar-node add sl --slurm --partition debug --max-jobs 2"
cores=$(sinfo -h -N -p debug -o %c | awk '{s+=$1} END {print s}')
grep -q "node sl: $cores cores" "$IAR_ROOT/add.out"
ok $? "its cores are sinfo's ($cores)"
grep -qx kind=slurm "$IAR_ROOT/nodes/sl/settings" &&
    grep -qx partition=debug "$IAR_ROOT/nodes/sl/settings" &&
    grep -qx max_jobs=2 "$IAR_ROOT/nodes/sl/settings"
ok $? "settings: kind=slurm, partition=debug, max_jobs=2"
iar-node add nope --slurm --partition nosuch >/dev/null 2>"$IAR_ROOT/e"
is "$?" 111 "a partition sinfo does not know is refused"

iar-dispatch -d 2>>"$IAR_ROOT/head.log" &
T_PIDS="$T_PIDS $!"
EXEC=""
exec_start() {
	iar-dispatch -d -v --node sl 2>>"$IAR_ROOT/exec.log" &
	EXEC=$!
	T_PIDS="$T_PIDS $EXEC"
}
exec_start
up() { iar-node list --csv | grep -q '^sl,up,'; }
waitfor 20 up
ok $? "the slurm node beats and is up"

# A timeout takes Slurm's minute: it runs beside what follows.
j4=$(iar-submit --parsable -t 0:01 -- sleep 300)

# 2. A job: to Slurm and back.
j1=$(iar-submit --parsable -J hello -c 1 --mem 100M -t 1:00 -- \
    sh -c 'echo out-$SLURM_JOB_ID; echo err >&2; exit 3')
waitfor 40 final "$j1"
is "$(jstate "$j1")" FAILED "a job that exits 3 ends FAILED"
is "$(jfield "$j1" exit)" 3 "with exit code 3"
s1=$(sid "$j1")
[ -n "$s1" ]
ok $? "its Slurm job id is kept in jobs/ID/slurm-jobs ($s1)"
is "$(jlog "$IAR_ROOT/spool/jobs/$j1/stdout")" "out-$s1" \
    "its output is in jobs/ID/stdout (written by Slurm's job $s1)"
is "$(jlog "$IAR_ROOT/spool/jobs/$j1/stderr")" err "its errors in stderr"
is "$(jfield "$j1" node)" sl "it ran on node sl"
j2=$(iar-submit --parsable -- true)
waitfor 40 final "$j2"
is "$(jstate "$j2")" COMPLETED "a job that exits 0 ends COMPLETED"

# An array: each task one Slurm job that sees its index.
a=$(iar-submit --parsable -a 0-2 -- sh -c \
    "echo \$SLURM_ARRAY_JOB_ID \$SLURM_ARRAY_TASK_ID >> $IAR_ROOT/arr.out")
waitfor 60 final "$a"
is "$(jstate "$a")" COMPLETED "an array of 3 tasks COMPLETED"
is "$(sort "$IAR_ROOT/arr.out" | tr '\n' ' ')" "$a 0 $a 1 $a 2 " \
    "each task ran once in Slurm with SLURM_ARRAY_JOB_ID and _TASK_ID"

# 3. Cancel through scancel.
j3=$(iar-submit --parsable -- sleep 300)
waitfor 40 running "$j3"
waitfor 40 running "$j4"
waitfor 20 sh -c "squeue -h -j \$(cat $IAR_ROOT/spool/jobs/$j3/slurm-id \
    2>/dev/null) -o %T 2>/dev/null | grep -qx RUNNING"
ok $? "a long job runs in Slurm"
j3b=$(iar-submit --parsable -- true)
sleep 2
is "$(jstate "$j3b")" PENDING "with --max-jobs 2 and two jobs there, a third waits"
jfield "$j3b" reason | grep -q "at its job limit (max_jobs): sl"
ok $? "why-pending says the node is at its job limit"
sstate() { scontrol -o show job "$(sid "$1")" 2>/dev/null |
	sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
iar-suspend "$j3" >/dev/null
waitfor 20 sh -c "[ \"\$(iar-stat -n --tsv -j $j3 | cut -f4)\" = SUSPENDED ]"
ok $? "iar-suspend: the job is SUSPENDED in iar"
is "$(sstate "$j3")" SUSPENDED "and in Slurm (scontrol suspend)"
iar-resume "$j3" >/dev/null
waitfor 20 running "$j3"
ok $? "iar-resume: RUNNING again"
is "$(sstate "$j3")" RUNNING "in Slurm too"
iar-cancel "$j3"
waitfor 40 final "$j3"
is "$(jstate "$j3")" CANCELLED "iar-cancel ends it CANCELLED"
is "$(sstate "$j3")" CANCELLED "and Slurm cancelled it"
waitfor 40 final "$j3b"
is "$(jstate "$j3b")" COMPLETED "then the waiting job runs"


# 4. The timeout.
waitfor 100 final "$j4"
is "$(jstate "$j4")" TIMEOUT "a job past its walltime ends TIMEOUT"

# 5. A real user's job runs as that user in Slurm.
j8=$(as1 "$T_BIN/iar-submit --parsable -- sh -c 'id -un; pwd'")
ok $? "iartest1 submits (job $j8)"
waitfor 40 final "$j8"
is "$(jstate "$j8")" COMPLETED "its job completes"
is "$(jlog "$IAR_ROOT/spool/jobs/$j8/stdout" | tr '\n' ' ')" \
    "iartest1 $IAR_ROOT/home/iartest1 " "it ran as iartest1, in its directory"
u=$(sacct --completion -n -P -j "$(sid "$j8")" -o User 2>/dev/null | head -1)
is "${u%%(*}" iartest1 "Slurm's record says iartest1's job"

# 6. kill -9 mid-hand-off: sbatch waits for a stopped slurmctld.
ctld=$(cat "$SLURM_DIR/run/slurmctld.pid")
kill -STOP "$ctld"
j5=$(iar-submit --parsable -- true)
waitfor 30 test -s "$IAR_ROOT/spool/jobs/$j5/slurm-token"
ok $? "the hand-off token is recorded before sbatch"
child=$(cut -d' ' -f1 "$IAR_ROOT/spool/jobs/$j5/lock")
waitfor 10 pgrep -P "$child" -x sbatch >/dev/null
ok $? "its sbatch waits for slurmctld"
sb=$(pgrep -P "$child" -x sbatch)
kill -9 "$EXEC" "$child"
wait "$EXEC" 2>/dev/null
kill -CONT "$ctld"
waitfor 30 sh -c "! kill -0 $sb 2>/dev/null"
exec_start
waitfor 60 final "$j5"
is "$(jstate "$j5")" COMPLETED "after a kill -9 of the executor and its \
hand-off child mid-sbatch, the job ends COMPLETED"
is "$(nslurm "$j5")" 1 "exactly one Slurm job carries its token"
grep -q "job $j5: adopted Slurm job" "$IAR_ROOT/exec.log"
ok $? "the new executor adopted the earlier hand-off"

# 7. Slurm stopped: jobs stay, nothing lost or doubled.
bash "$ST" stop >/dev/null 2>&1
waitfor 20 sh -c "! iar-node list --csv | grep -q '^sl,up,'"
ok $? "with Slurm stopped the node goes down"
sleep 2	# the head judges it once a second, after heartbeat_timeout
j6=$(iar-submit --parsable -- sh -c 'echo six')
j7=$(iar-submit --parsable -- sh -c 'echo seven')
sleep 2
is "$(jstate "$j6") $(jstate "$j7")" "PENDING PENDING" \
    "jobs submitted meanwhile stay queued"
bash "$ST" start >/dev/null 2>&1
ok $? "Slurm started again"
waitfor 60 final "$j6" && waitfor 30 final "$j7"
is "$(jstate "$j6") $(jstate "$j7")" "COMPLETED COMPLETED" \
    "they run once Slurm is back"
is "$(nslurm "$j6") $(nslurm "$j7")" "1 1" "each as exactly one Slurm job"
is "$(jlog "$IAR_ROOT/spool/jobs/$j6/stdout")" six "with its output"

done_testing
