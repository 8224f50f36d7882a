#!/bin/sh
# t0300-nodes: the node registry (iar-node(1), iar-node(5)): register and
# add nodes from synthetic topologies, list them in every format, drain
# and maintenance with a reason (a job waits, says why, and starts after
# resume; the state is a file, so it survives a dispatcher restart),
# remove refused while a job runs or its executor runs, and allowed after
# an executor ran there (its lock file), heartbeats (format, seq advancing) and
# down detection with a short heartbeat_timeout.
. "$(dirname "$0")/lib.sh"

N=$(ls "$IAR_ROOT/nodes")	# the node iar-init recorded for this host
ND=$IAR_ROOT/nodes
echo "heartbeat_timeout = 2" >> "$IAR_ROOT/etc/iar.conf"
csv() {	# csv NODE COLUMN: one field of iar-node list --csv
	iar-node list --csv | python3 -c 'import csv, sys
for r in csv.DictReader(sys.stdin):
	if r["name"] == sys.argv[1]: print(r[sys.argv[2]])' "$1" "$2"
}

# --help, usage.
iar-node --help | grep -q '^usage: iar-node register'
ok $? "--help prints the usage"
iar-node 2>/dev/null
is $? 100 "no subcommand: 100"
iar-node list --bogus 2>/dev/null
is $? 100 "unknown option: 100"

# register: this host, with what hwloc cannot see.
iar-node register --tags big,local --weight 3 --gpus 1 --memory 2G >/dev/null
is $? 0 "register exits 0"
[ -s "$ND/$N/topology.xml" ] && grep -q '<topology' "$ND/$N/topology.xml"
ok $? "register wrote topology.xml"
is "$(cat "$ND/$N/settings")" "kind=host
tags=big,local
weight=3
memory=2147483648
gpus=1" "register wrote settings"
is "$(cat "$ND/$N/state")" up "the state is up"

# add: synthetic topologies and an XML file.
iar-node add sim-a --synthetic 'pack:2 numa:2 core:8 pu:2' >/dev/null
is $? 0 "add --synthetic exits 0"
iar-node add sim-b --synthetic 'pack:1 core:4 pu:1' --tags fast,ssd \
    --memory 8G >/dev/null
is "$(csv sim-a cores),$(csv sim-a pus),$(csv sim-a numa)" "32,64,4" \
    "sim-a: 32 cores, 64 PUs, 4 NUMA nodes"
is "$(csv sim-a memory)" 4294967296 "sim-a: hwloc's memory (4 x 1 GiB)"
is "$(csv sim-b memory),$(csv sim-b tags),$(csv sim-b kind)" \
    "8589934592,fast,ssd,sim" "sim-b: settings memory over hwloc, tags, kind"
cp "$ND/sim-a/topology.xml" "$IAR_ROOT/t.xml"
iar-node add sim-c --topology "$IAR_ROOT/t.xml" >/dev/null
is "$(csv sim-c cores)" 32 "add --topology FILE.xml"
iar-node add sim-a --synthetic 'core:2 pu:1' 2>/dev/null
is $? 101 "add of an existing node: 101"
iar-node add sim-d --synthetic 'core:4 numa:2' 2>/dev/null
is $? 100 "add with a bad synthetic description: 100"
iar-node add sim-d 2>/dev/null
is $? 100 "add without a topology: 100"
iar-node add ../x --synthetic 'core:2 pu:1' 2>/dev/null
is $? 100 "add with a bad name: 100"

# list in every format.
iar-node list > "$IAR_ROOT/list.txt"
is $? 0 "list exits 0"
head -1 "$IAR_ROOT/list.txt" | grep -q '^NAME *STATE *CORES'
ok $? "table header"
is "$(grep -c '^sim-' "$IAR_ROOT/list.txt")" 3 "table: a line per added node"
iar-node list --json > "$IAR_ROOT/list.json"
python3 - "$IAR_ROOT/list.json" "$N" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = [n["name"] for n in d]
assert names == sorted(names) and len(d) == 4, names
a = [n for n in d if n["name"] == "sim-a"][0]
assert a["cores"] == 32 and a["pus"] == 64 and a["numa"] == 4, a
assert a["free_cores"] == 32 and a["running"] == 0 and a["gpus"] == 0, a
h = [n for n in d if n["name"] == sys.argv[2]][0]
assert h["gpus"] == 1 and h["weight"] == 3 and h["tags"] == "big,local", h
PY
ok $? "list --json is valid JSON with the right fields"
is "$(iar-node list --csv | head -1 | cut -d, -f1-4)" "name,state,admin,reason" \
    "list --csv header"
is "$(iar-node list --csv | wc -l)" 5 "list --csv: header and 4 nodes"

# tag
iar-node tag sim-b gpu,fast
is "$(csv sim-b tags)" "gpu,fast" "tag replaces the tags"
iar-node tag sim-b 'a b' 2>/dev/null
is $? 100 "bad tags: 100"
iar-node drain nosuch 2>/dev/null
is $? 102 "drain of a node that does not exist: 102"

# Heartbeats: format and seq.
iar-heartbeat --once --node sim-a
is $? 0 "iar-heartbeat --once exits 0"
hb=$ND/sim-a/heartbeat
is "$(head -1 "$hb"),$(tail -1 "$hb")" "iar-heartbeat 1,end" \
    "heartbeat: header and end marker"
is "$(sed -n 's/^seq=//p' "$hb")" 1 "first beat: seq=1"
for k in time load1 load5 mem_total mem_avail running; do
	grep -q "^$k=[0-9.]*\$" "$hb"
	ok $? "heartbeat has $k="
done
iar-heartbeat --once --node sim-a
is "$(sed -n 's/^seq=//p' "$hb")" 2 "second beat: seq=2"
iar-heartbeat --once --node nosuch 2>/dev/null
is $? 102 "iar-heartbeat for a node that does not exist: 102"

# Down: judged by progress of seq, seen by whoever looks.
is "$(csv sim-a state)" up "sim-a up: its seq just moved"
is "$(csv sim-b state)" down "sim-b down: it never beat"
is "$(sed -n 's/^seq=//p' "$ND/sim-a/alive")" 2 "alive records the seq seen"
sleep 3
is "$(csv sim-a state)" down "sim-a down: seq still for more than 2 s"
iar-heartbeat --once --node sim-a
is "$(csv sim-a state)" up "sim-a up again after a beat"
sed 's/^load1=.*/load1=1e9,"x"/' "$hb" > "$hb.new" && mv "$hb.new" "$hb"
iar-node list --json | python3 -c '
import json, sys
d = [n for n in json.load(sys.stdin) if n["name"] == "sim-a"][0]
assert d["load1"] is None, d'
ok $? "list --json: a load that is not a plain number is null"
iar-heartbeat --once --node sim-a

# Without --once it beats every heartbeat_interval until SIGTERM.
echo "heartbeat_interval = 1" >> "$IAR_ROOT/etc/iar.conf"
s0=$(sed -n 's/^seq=//p' "$hb")
iar-heartbeat --node sim-a &
hpid=$!
T_PIDS="$T_PIDS $hpid"
i=0
while [ $i -lt 40 ] && [ "$(sed -n 's/^seq=//p' "$hb")" -lt $((s0 + 2)) ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(sed -n 's/^seq=//p' "$hb")" -ge $((s0 + 2)) ]
ok $? "iar-heartbeat beats every heartbeat_interval"
kill -TERM "$hpid"
wait "$hpid"
is $? 0 "and exits 0 on SIGTERM"

# The dispatcher beats for its own node.
iar-dispatch -1
is "$(head -1 "$ND/$N/heartbeat")" "iar-heartbeat 1" \
    "the dispatcher wrote its node's heartbeat"
is "$(csv "$N" state)" up "its node is up"

# Drain with a reason: nothing new starts, the reason shows.
iar-node drain "$N" --reason "disk swap"
is $? 0 "drain exits 0"
is "$(cat "$ND/$N/state")" "drain
reason=disk swap" "state file: drain and the reason"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO=/api/v1/nodes \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" </dev/null |
    sed '1,/^\r*$/d' > "$IAR_ROOT/cgi.json"
python3 - "$IAR_ROOT/cgi.json" "$N" <<'PY'
import json, sys
d = {n["name"]: n for n in json.load(open(sys.argv[1]))["nodes"]}
h, b = d[sys.argv[2]], d["sim-b"]
assert h["state"] == "drain" and h["reason"] == "disk swap", h
assert not h["up"] and b["tags"] == "gpu,fast", (h, b)
assert b["memory"] == 8 << 30 and h["memory"] == 2 << 30, (h, b)
PY
ok $? "the CGI reads the state, its reason, the settings' tags and memory"
is "$(csv "$N" state),$(csv "$N" reason)" "drain,disk swap" "list: drain"
j=$(iar-submit --parsable -J waits -- echo ran)
iar-dispatch -1
is "$(jstate "$j")" PENDING "a job submitted to a drained node stays PENDING"
is "$(jfield "$j" reason | cut -d';' -f1)" "node $N is drained: disk swap" \
    "REASON: node NAME is drained: REASON"
# A restart is a new process reading the same file.
iar-dispatch -1
is "$(jstate "$j")" PENDING "still PENDING after a dispatcher restart"
iar-node maintenance "$N" --reason "bios update"
iar-dispatch -1
is "$(jfield "$j" reason | cut -d';' -f1)" "node $N is in maintenance: bios update" \
    "REASON under maintenance"
iar-node resume "$N"
is "$(cat "$ND/$N/state")" up "resume: state up, reason gone"
drain 30
is "$(jstate "$j")" COMPLETED "after resume the job runs"
is "$(jlog "$IAR_ROOT/spool/jobs/$j/stdout")" ran "its output"
[ ! -e "$IAR_ROOT/spool/why" ]
ok $? "spool/why is gone when nothing holds the queue"

# Running jobs finish under drain; remove is refused while they run.
r=$(iar-submit --parsable -J gate -- sh -c \
    "while [ ! -e '$IAR_ROOT/go' ]; do sleep 0.05; done; echo done")
iar-dispatch -1
is "$(jstate "$r")" RUNNING "a job runs"
iar-node remove "$N" 2>/dev/null
is $? 101 "remove refused while a job runs there"
[ -d "$ND/$N" ]
ok $? "the node directory is still there"
iar-node drain "$N"
q=$(iar-submit --parsable -J after -- echo after)
iar-dispatch -1
is "$(jstate "$r"),$(jstate "$q")" RUNNING,PENDING \
    "drained: the running job keeps running, the new one waits"
is "$(jfield "$q" reason | cut -d';' -f1)" "node $N is drained" "REASON without a reason"
touch "$IAR_ROOT/go"
# Not iar-dispatch -w: the drained queue never empties.
i=0
while [ $i -lt 200 ] && [ "$(jstate "$r")" != COMPLETED ]; do
	iar-dispatch -1
	sleep 0.05
	i=$((i + 1))
done
is "$(jstate "$r")" COMPLETED "the running job finished under drain"
iar-node resume "$N"
drain 30
is "$(jstate "$q")" COMPLETED "the waiting one ran after resume"

# A state file that cannot be read starts nothing.
printf 'sideways\n' > "$ND/$N/state"
b=$(iar-submit --parsable -J badstate -- true)
iar-dispatch -1
is "$(jstate "$b"),$(jfield "$b" reason | cut -d';' -f1)" \
    "PENDING,node $N is drained: unreadable state file" \
    "a bad state file: nothing starts, and the reason says so"
is "$(csv "$N" reason)" "bad state file" "list: bad state file"
iar-node resume "$N"
drain 30
is "$(jstate "$b")" COMPLETED "resume rewrites it and the job runs"
printf 'colour=blue\n' > "$ND/sim-b/settings"
is "$(csv sim-b reason)" "bad settings file" "list: bad settings file"

# The node's memory from its settings (iar-node --memory), not MemTotal.
iar-node register --memory 100M >/dev/null
m=$(iar-submit --parsable --nodelist "$N" --mem 200M -- true)
drain 30
is "$(jstate "$m")" FAILED "a job larger than settings memory cannot run"
jfield "$m" reason | grep -q "too little memory in all: $N (100M)"
ok $? "the reason names the node's 100 MiB"

# remove
iar-node remove sim-c
is $? 0 "remove of an idle node exits 0"
[ ! -e "$ND/sim-c" ]
ok $? "its directory is gone"
is "$(iar-node list --csv | wc -l)" 4 "list: 3 nodes left"

# Changes are for root and the spool's owner.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v su >/dev/null
then
	su -s /bin/sh nobody -c "IAR_ROOT=$IAR_ROOT $TOP/bin/iar-node drain sim-a" \
	    2>/dev/null
	is $? 102 "another user may not drain: 102"
	su -s /bin/sh nobody -c "IAR_ROOT=$IAR_ROOT $TOP/bin/iar-node list" \
	    >/dev/null 2>&1
	is $? 0 "another user may list"
fi

# remove after an executor ran there (its lock file stays behind), and
# refusals that leave the node whole.
iar-dispatch -d --node sim-a 2>/dev/null &
E=$!
T_PIDS="$T_PIDS $E"
i=0
while [ $i -lt 100 ] && [ "$(csv sim-a state)" = down ]; do
	sleep 0.1; i=$((i + 1))
done
iar-node remove sim-a 2>"$IAR_ROOT/err"
is $? 101 "remove refused while the node's executor runs"
grep -q 'its executor is running' "$IAR_ROOT/err"
ok $? "and says so"
kill "$E"; wait "$E" 2>/dev/null
[ -e "$ND/sim-a/lock" ] && [ -e "$ND/sim-a/topology.xml" ]
ok $? "the executor left its lock file; the node is whole"
touch "$ND/sim-a/notes"
iar-node remove sim-a 2>/dev/null
is "$?,$(ls "$ND/sim-a" | tr '\n' ' ')" "101,alive executor heartbeat history limits lock notes settings state topology.sum topology.xml " \
    "a file iar does not know: refused before anything is removed"
rm "$ND/sim-a/notes"
iar-node remove sim-a
is "$?,$(ls "$ND" | grep -c '^sim-a$')" "0,0" "then remove takes it all, lock too"
iar-node remove "$N"
is "$?,$(ls "$ND" | grep -c "^$N\$")" "0,0" \
    "the dispatcher's own node, after its jobs ran, is removed too"

done_testing
