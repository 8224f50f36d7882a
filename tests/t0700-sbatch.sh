#!/bin/sh
# t0700-sbatch: Slurm users' scripts run unchanged. Scripts in the style
# of public sbatch examples (a serial job, an OpenMP job, an array, an
# MPI-style one-node job, a pipeline with dependencies, one that runs out
# of time) are submitted as they are; each directive is checked where it
# acts: cores in the job's affinity and cgroup, the memory limit in the
# cgroup, the walltime, the names of the output files, the array tasks,
# the SLURM_* variables. Also: #IAR and the command line win over
# #SBATCH; options with no meaning make one warning line, those iar cannot
# honour are refused (exit 101, saying why), sbatch_strict makes unknown
# directives an error; every -t form; ARRAY_TASK ids (A_7) in iar-log,
# iar-stat and iar-wait after the task ended; a dependency that can never
# be met (kill_invalid_depend off: PENDING, DependencyNeverSatisfied);
# iar-export --to slurm of a job and of a script, and the export
# submitted back (--test-only) is the same job; an ordinary user's script
# (%u, SLURM_JOB_USER).
. "$(dirname "$0")/lib.sh"

S=$IAR_ROOT/spool
N=$(ls "$IAR_ROOT/nodes")
W=$IAR_ROOT/work
mkdir -p "$W" && cd "$W" || exit 1
# The value of key in a queued job file.
jkey() { sed -n "s/^$2=//p" "$S"/incoming/"$1" "$S"/queue/"$1" \
    "$S"/hold/"$1" 2>/dev/null | head -1; }
cpus_n() {	# the number of CPUs in a list such as 0-1 or 0,2
	echo "$1" | tr ',' '\n' | awk -F- '{n += NF == 2 ? $2 - $1 + 1 : 1}
	    END {print n}'
}

# 1. A serial job, as a cluster's "getting started" page writes it.
cat > serial.sh <<'EOF'
#!/bin/bash
#SBATCH --job-name=align_reads
#SBATCH --account=lab_smith          # accounting: no meaning on iar
#SBATCH --partition=batch
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=2
#SBATCH --mem=300M
#SBATCH --time=0-00:05:00
#SBATCH --output=%x-%j.out
#SBATCH --error=%x-%j.err
#SBATCH --mail-type=END,FAIL
#SBATCH --mail-user=someone@example.org

# Print some job information
echo "job $SLURM_JOB_ID ($SLURM_JOB_NAME) on $SLURM_JOB_NODELIST"
echo "cpus $SLURM_CPUS_PER_TASK tasks $SLURM_NTASKS node $SLURM_CPUS_ON_NODE"
echo "mem $SLURM_MEM_PER_NODE dir $SLURM_SUBMIT_DIR nodes $SLURM_NNODES"
grep Cpus_allowed_list /proc/self/status
cg=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" 2>/dev/null ||
    echo "no memory cgroup"
echo oops >&2
EOF
iar-node tag "$N" batch,ssd >/dev/null
SLURM_JOB_ID=999 SLURM_JOB_NAME=stale iar-submit --parsable serial.sh \
    >id 2>warn
is "$?" 0 "serial.sh is accepted as it is"
s=$(cat id)
is "$(wc -l < warn | tr -d ' ')" 1 "one warning line"
is "$(cat warn)" "iar-submit: warning: ignored, no meaning on iar: \
--account, --mail-type, --mail-user" "it names the options ignored"
is "$(jkey "$s" cores),$(jkey "$s" mem),$(jkey "$s" time)" \
    "2,314572800,300" "-c 2, --mem=300M, --time=0-00:05:00 in the job"
is "$(jkey "$s" constraint)" batch "--partition=batch is a node tag"
drain 30
is "$(jstate "$s")" COMPLETED "it ran"
O=$W/align_reads-$s.out
[ -f "$O" ] && [ -f "$W/align_reads-$s.err" ]
ok $? "outputs named by %x-%j in the submit directory"
is "$(cat "$W/align_reads-$s.err")" oops "standard error apart (-e)"
is "$(sed -n 1p "$O")" "job $s (align_reads) on $N" \
    "SLURM_JOB_ID, SLURM_JOB_NAME (not the submitter's), SLURM_JOB_NODELIST"
is "$(sed -n 2p "$O")" "cpus 2 tasks 1 node 2" \
    "SLURM_CPUS_PER_TASK, SLURM_NTASKS, SLURM_CPUS_ON_NODE"
is "$(sed -n 3p "$O")" "mem 300 dir $W nodes 1" \
    "SLURM_MEM_PER_NODE, SLURM_SUBMIT_DIR, SLURM_NNODES"
c=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$O")
is "$(cpus_n "$c")" 2 "the job runs on 2 cores ($c)"
if cg_usable && [ "$(sed -n 5p "$O")" != "no memory cgroup" ]; then
	is "$(sed -n 5p "$O")" 314572800 "its memory cgroup's limit is 300M"
else
	ok 0 "# SKIP no memory cgroup here"
fi
is "$(jfield "$s" time)" 300 "iar-stat shows the walltime"

# 2. An OpenMP job: threads from SLURM_CPUS_PER_TASK, default output.
cat > omp.sh <<'EOF'
#!/bin/sh
#SBATCH -J omp
#SBATCH -N 1 -n 1 -c 2
#SBATCH -t 10
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
echo "threads $OMP_NUM_THREADS"
EOF
s=$(iar-submit --parsable omp.sh 2>warn)
is "$(cat warn)" "" "omp.sh: no warning"
is "$(jkey "$s" time)" 600 "-t 10 is ten minutes"
drain 30
is "$(cat "$W/slurm-$s.out" 2>&1)" "threads 2" \
    "no --output: slurm-%j.out in the submit directory, as sbatch"
is "$(iar-log "$s")" "threads 2" "iar-log finds it"

# 3. An array: %A_%a names, SLURM_ARRAY_*, a limit of 2 at once.
mkdir -p logs
cat > array.sh <<'EOF'
#!/bin/bash
#SBATCH --job-name=sweep
#SBATCH --array=1-7:2%2
#SBATCH --output=logs/sweep_%A_%a.log
#SBATCH --time=00:01:00
#SBATCH --mem-per-cpu=64M
INPUT=sample_${SLURM_ARRAY_TASK_ID}.txt
echo "$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $INPUT" \
    "$SLURM_ARRAY_TASK_COUNT $SLURM_ARRAY_TASK_MIN $SLURM_ARRAY_TASK_MAX"
EOF
a=$(iar-submit --parsable array.sh)
is "$(jkey "$a" array),$(jkey "$a" mem)" "1-7:2%2,67108864" \
    "--array and --mem-per-cpu (times 1 core)"
drain 60
is "$(ls logs | tr '\n' ' ')" "sweep_${a}_1.log sweep_${a}_3.log \
sweep_${a}_5.log sweep_${a}_7.log " "one file per task, %A_%a"
is "$(cat "logs/sweep_${a}_5.log")" "$a 5 sample_5.txt 4 1 7" \
    "SLURM_ARRAY_JOB_ID, _TASK_ID, _COUNT, _MIN, _MAX"
is "$(iar-log "${a}_5" 2>&1)" "$a 5 sample_5.txt 4 1 7" \
    "iar-log A_5 after the task ended"
is "$(iar-stat -n --tsv -j "${a}_5" | awk -F'\t' '{print $30, $31, $4}')" \
    "$a 5 COMPLETED" "iar-stat -j A_5 shows the task, not the array"
iar-wait "${a}_3" >/dev/null 2>&1
is "$?" 0 "iar-wait A_3"
iar-log "${a}_4" 2>err
is "$?,$(cat err)" "102,iar-log: no task ${a}_4: not made yet, or no such \
array" "iar-log A_4: no such task, 102"

# 4. An MPI-style job on one node: tasks times cores, memory per CPU.
cat > mpi.sh <<'EOF'
#!/bin/bash
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=2
#SBATCH --mem-per-cpu=100M
#SBATCH --time=5:00
#SBATCH --exclusive
#SBATCH --qos=short
echo "$SLURM_NTASKS $SLURM_CPUS_PER_TASK $SLURM_CPUS_ON_NODE $SLURM_MEM_PER_NODE"
EOF
s=$(iar-submit --parsable mpi.sh 2>warn)
is "$(jkey "$s" cores),$(jkey "$s" mem),$(jkey "$s" ntasks),$(jkey "$s" time)" \
    "2,209715200,2,300" "2 tasks: 2 cores, 2 x 100M, 5:00 is M:S"
is "$(cat warn)" "iar-submit: warning: ignored, no meaning on iar: \
--exclusive, --qos" "--exclusive and --qos warned about"
drain 30
is "$(cat "$W/slurm-$s.out")" "2 1 2 200" "its SLURM_* variables"

# 5. A pipeline: dependencies in sbatch's words.
one=$(iar-submit --parsable --wrap "echo one > $W/p1")
bad=$(iar-submit --parsable --wrap "exit 3")
cat > step2.sh <<EOF
#!/bin/sh
#SBATCH --dependency=afterok:$one
cat $W/p1
EOF
two=$(iar-submit --parsable step2.sh)
three=$(iar-submit --parsable -d afternotok:$bad,afterany:$one:$two \
    --wrap "echo cleanup")
is "$(jkey "$three" after)" "$bad:notok,$one:any,$two:any" \
    "afternotok:X,afterany:Y:Z is iar's after list"
drain 60
is "$(jstate "$two"),$(cat "$W/slurm-$two.out")" "COMPLETED,one" \
    "afterok: step 2 ran after step 1"
is "$(jstate "$three"),$(iar-log "$three")" "COMPLETED,cleanup" \
    "afternotok and afterany met"
echo "kill_invalid_depend = off" >> "$IAR_ROOT/etc/iar.conf"
never=$(iar-submit --parsable -d afterok:$bad --wrap true)
iar-dispatch -T 2 2>/dev/null
is "$(jstate "$never")" PENDING "kill_invalid_depend off: it stays PENDING"
is "$(jfield "$never" reason)" "can never start (DependencyNeverSatisfied): \
job $bad ended FAILED, needed ok" "and says it can never start"
sed -i '/^kill_invalid_depend/d' "$IAR_ROOT/etc/iar.conf"
iar-dispatch -T 2 2>/dev/null
is "$(jstate "$never")" CANCELLED "on (the default): it is ended at once"

# --begin: it waits, saying until when, then runs.
b0=$(date +%s)
s=$(iar-submit --parsable --begin=now+3 --wrap 'date +%s')
is "$(jkey "$s" begin)" "$(( (b0 + 3) * 1000000 ))" "--begin=now+3 in the job"
iar-dispatch -T 1 2>/dev/null
is "$(jstate "$s")" PENDING "--begin: PENDING before the time"
jfield "$s" reason | grep -q "^waiting to begin at .* (--begin)$"
ok $? "saying until when"
drain 30
is "$(jstate "$s")" COMPLETED "then it ran"
[ "$(iar-log "$s")" -ge $((b0 + 3)) ]
ok $? "not before its time"
s=$(iar-submit --parsable -H --begin=2030-01-02T03:04:05 --wrap true)
is "$(iar-export --to slurm "$s" 2>/dev/null | grep -e --begin)" \
    "#SBATCH --begin=2030-01-02T03:04:05" "iar-export keeps --begin"

# 6. Out of time: -t M:S.
cat > long.sh <<'EOF'
#!/bin/sh
#SBATCH --time=0:03
#SBATCH --open-mode=append
#SBATCH -o long.log
echo start
sleep 60
EOF
echo "from before" > long.log
s=$(iar-submit --parsable long.sh)
drain 60
is "$(jstate "$s")" TIMEOUT "--time=0:03 ends it TIMEOUT"
is "$(cat long.log)" "from before
start" "--open-mode=append keeps what was there"

# A job that checkpoints when warned: --signal=B:USR1@2, 4 s of walltime.
cat > ckpt.sh <<'EOF'
#!/bin/bash
#SBATCH --time=0:04
#SBATCH --signal=B:USR1@2
#SBATCH -o ckpt.out
trap 'echo checkpointed; exit 0' USR1
sleep 30 &
wait
EOF
s=$(iar-submit --parsable ckpt.sh)
is "$(jkey "$s" signal)" "B:10@2" "--signal=B:USR1@2 in the job"
drain 30
is "$(jstate "$s"),$(cat ckpt.out)" "COMPLETED,checkpointed" \
    "the script got USR1 before its walltime and ended by itself"

# 7. Who wins: the command line over #IAR over #SBATCH.
cat > win.sh <<'EOF'
#!/bin/sh
#SBATCH -J from-sbatch
#SBATCH -t 1:00:00
#SBATCH -c 2
#IAR -t 30:00
true
EOF
s=$(iar-submit --parsable -H -c 1 win.sh)
is "$(jkey "$s" name),$(jkey "$s" time),$(jkey "$s" cores)" \
    "from-sbatch,1800,1" "#IAR over #SBATCH, the command line over both"
s=$(iar-submit --parsable -H -J cli win.sh)
is "$(jkey "$s" name)" cli "-J on the command line wins"

# 8. sbatch's rules for where directives stop; quotes and comments.
cat > rules.sh <<'EOF'
#!/bin/bash

# comments and blank lines come before the directives too

#SBATCH --job-name="two words"    # a comment after it
#SBATCH --frobnicate=1 --time 7
echo first command
#SBATCH --time=99
EOF
s=$(iar-submit --parsable -H rules.sh 2>warn)
is "$(jkey "$s" name),$(jkey "$s" time)" "two words,420" \
    "quotes group, a comment ends the line, none after the first command"
is "$(cat warn)" "iar-submit: warning: unknown, skipped: --frobnicate" \
    "an unknown directive is named and skipped"
echo "sbatch_strict = on" >> "$IAR_ROOT/etc/iar.conf"
iar-submit -H rules.sh 2>err
is "$?,$(cat err)" "101,iar-submit: unknown option '--frobnicate' in \
#SBATCH line 6 (sbatch_strict is on in iar.conf)" "sbatch_strict: an error"
sed -i '/^sbatch_strict/d' "$IAR_ROOT/etc/iar.conf"

# 9. What iar cannot honour is refused, saying why.
printf '#!/bin/sh\n#SBATCH -N 4\n#SBATCH --ntasks-per-node=8\nsrun ./a\n' \
    > multi.sh
iar-submit multi.sh 2>err
is "$?,$(cut -d: -f1-2 err)" "101,iar-submit: cannot run a job on 4 nodes" \
    "-N 4: refused"
grep -q "one node.*(#SBATCH line 2)" err
ok $? "it says what to do instead and where"
for o in --begin=someday --dependency=singleton --gres=license:2 \
    "--partition=a,b" --uid=0; do
	iar-submit -H $o --wrap true 2>/dev/null
	is "$?" 101 "$o: refused"
done
n0=$(ls "$S/incoming" | wc -l)
for t in 5 5:30 1:02:03 2-3 2-3:04 2-3:04:05 UNLIMITED; do
	s=$(iar-submit --parsable -H -t "$t" --wrap true) && jkey "$s" time
done > times
is "$(tr '\n' ' ' < times)" "300 330 3723 183600 183840 183845 0 " \
    "-t M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED"
s=$(iar-submit --parsable -H -p ssd -C 'batch&big' -G a100:2 --nice=50 \
    -w 'n[1-2]' --wrap true 2>/dev/null)
is "$(jkey "$s" constraint),$(jkey "$s" gpus),$(jkey "$s" prio),\
$(jkey "$s" nodelist)" "batch,big,ssd,2,-50,n1,n2" \
    "-C a&b, -p, -G type:N, --nice, -w host list"
s=$(iar-submit --parsable -H --priority 7 --gres=gpu:1 --wrap true)
is "$(jkey "$s" prio),$(jkey "$s" gpus)" "7,1" "--priority, --gres=gpu:1"

# 11. Back to Slurm: iar-export --to slurm, of a job and of a script.
s=$(iar-submit --parsable -H -J "two words" -c 2 --mem 1500M -t 1-02:03:04 \
    --retries 2 -C a,b -G 1 -a 1-9%3 -o 'o_%A_%a' --wrap 'echo "$X"')
iar-export --to slurm "$s" > exp.sh 2>err
is "$?" 0 "iar-export --to slurm JOBID"
cat > want <<EOF
#SBATCH --job-name="two words"
#SBATCH --nodes=1
#SBATCH --cpus-per-task=2
#SBATCH --mem=1500M
#SBATCH --time=1-02:03:04
#SBATCH --hold
#SBATCH --array=1-9%3
#SBATCH --chdir=$W
#SBATCH --output=o_%A_%a
#SBATCH --gres=gpu:1
#SBATCH --constraint=a&b
EOF
is "$(grep '^#SBATCH' exp.sh)" "$(cat want)" "its #SBATCH lines"
is "$(tail -1 exp.sh)" 'echo "$X"' "then the script"
grep -q '^# iar-export: not mapped: .*--retries 2' exp.sh
ok $? "what is not mapped is a comment in the script"
grep -q '^iar-export: not mapped: .*--retries 2' err
ok $? "and one line on standard error"
iar-submit --test-only exp.sh > back 2>/dev/null
is "$(grep -E '^(name|cores|mem|time|array|gpus|constraint|out|hold)=' back |
    tr '\n' ' ')" "name=two words cores=2 mem=1572864000 time=93784 hold=1 \
out=o_%A_%a array=1-9%3 gpus=1 constraint=a,b " \
    "submitted back to iar (--test-only), it is the same job"
is "$(ls "$S/incoming" | grep -c "^$((s + 1))\$")" 0 \
    "--test-only submits nothing"
iar-export --to slurm mpi.sh > exp2.sh 2>/dev/null
is "$(grep -c -e '^#SBATCH --ntasks=2$' -e '^#SBATCH --mem=200M$' \
    -e '^#SBATCH --qos' exp2.sh)" 2 \
    "iar-export SCRIPT: as iar-submit reads it, old directives replaced"
iar-export --to slurm 99999 2>/dev/null
is "$?" 102 "no such job: 102"

# 10. An ordinary user's script: %u, SLURM_JOB_USER, their own files.
U=iarsb1
made=""
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null &&
    { id $U >/dev/null 2>&1 || { useradd -M -s /bin/sh $U && made=1; }; } &&
    t_install && "$T_BIN/iar-init" --group iar "$IAR_ROOT" >/dev/null 2>&1
then
	trap '[ -n "$made" ] && userdel $U 2>/dev/null; t_cleanup' EXIT
	UD=$IAR_ROOT/u && mkdir "$UD" && chown $U "$UD"
	printf '#!/bin/sh\n#SBATCH -o %%u-%%j.txt\necho "$SLURM_JOB_USER $USER"\n' \
	    > "$UD/user.sh"
	s=$(su $U -s /bin/sh -c "cd $UD && IAR_ROOT=$IAR_ROOT \
	    $T_BIN/iar-submit --parsable user.sh")
	PATH=$T_DEST/usr/libexec/iar:$PATH "$T_DEST/usr/libexec/iar/iar-dispatch" \
	    -w -T 30 2>/dev/null
	is "$(cat "$UD/$U-$s.txt" 2>&1)" "$U $U" "%u and SLURM_JOB_USER: the user"
	is "$(stat -c %U "$UD/$U-$s.txt" 2>&1)" $U "the output is the user's"
else
	ok 0 "# SKIP no ordinary user here"
	ok 0 "# SKIP no ordinary user here"
fi
done_testing
