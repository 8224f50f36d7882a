#!/bin/sh
# t0330-power: power and heat policy from a fake sysfs tree (IAR_SYSFS):
# a simulated node n3 whose executor reads battery, temperature and a
# Raspberry Pi's throttled flags from $IAR_ROOT/sys. on_battery = no-new
# holds new work ("n3 is on battery (42%)"), max_temp and resume_temp
# hold it while too hot, with the lower mark before it runs again
# ("n3 is too hot (81 C > 75 C)"), throttled-now flags count as too hot,
# and on_battery = suspend freezes the running job until the node is on
# mains again. iar-node set checks what it writes; ordinary users can
# neither change the settings nor mark the node away.
. "$(dirname "$0")/lib.sh"

N=$(ls "$IAR_ROOT/nodes")
printf 'head_node = %s\nheartbeat_interval = 1\nheartbeat_timeout = 10\n' \
    "$N" >> "$IAR_ROOT/etc/iar.conf"
SYS=$IAR_ROOT/sys
mkdir -p "$SYS/class/power_supply/BAT0" "$SYS/class/thermal/thermal_zone0" \
    "$SYS/devices/platform/soc/soc:firmware"
echo Battery > "$SYS/class/power_supply/BAT0/type"
echo 42 > "$SYS/class/power_supply/BAT0/capacity"
echo Discharging > "$SYS/class/power_supply/BAT0/status"
echo 50000 > "$SYS/class/thermal/thermal_zone0/temp"
echo 0 > "$SYS/devices/platform/soc/soc:firmware/get_throttled"
iar-node add n3 --synthetic 'pack:1 core:2 pu:1' >/dev/null
ok $? "a simulated node n3"
iar-node drain "$N" --reason "head only"
pool_head_start
IAR_SYSFS=$SYS iar-dispatch -d --node n3 2>>"$IAR_ROOT/exec-n3.log" &
T_PIDS="$T_PIDS $!"
up() { iar-node list --csv | grep -q '^n3,up,.*,1$'; }
waitfor 20 up
ok $? "n3 beats and is up"
hb=$IAR_ROOT/nodes/n3/heartbeat
grep -q '^battery=42%,discharging$' "$hb" && grep -q '^thermal=50.0$' "$hb" &&
    grep -q '^throttled=0x0$' "$hb"
ok $? "its heartbeat has the fake battery, temperature and throttled flags"

# on_battery = run (the default): battery or not, it runs.
j=$(iar-submit --parsable -- true)
waitfor 20 final "$j"
is "$(jstate "$j")" COMPLETED "on battery with on_battery = run: runs"

# no-new: it waits, saying why; on mains it runs.
iar-node set n3 on_battery=no-new
ok $? "iar-node set n3 on_battery=no-new"
grep -q '^on_battery=no-new$' "$IAR_ROOT/nodes/n3/settings"
ok $? "written to its settings"
iar-node list | grep -q '^n3 .*on battery (42%)$'
ok $? "iar-node list: on battery (42%)"
j=$(iar-submit --parsable -- true)
why() { jfield "$1" reason | grep -q "$2"; }
waitfor 20 why "$j" 'n3 is on battery (42%)'
ok $? "why pending: 'n3 is on battery (42%)'"
jfield "$j" reason | sed 's/^/# reason: /'
echo Charging > "$SYS/class/power_supply/BAT0/status"
waitfor 20 final "$j"
is "$(jstate "$j")" COMPLETED "charging again: it runs"

# max_temp 75, resume_temp 70.
iar-node set n3 max_temp=75 resume_temp=70
echo 81000 > "$SYS/class/thermal/thermal_zone0/temp"
says() { grep -q "^$1\$" "$hb"; }	# the executor's beat has read it
waitfor 20 says thermal=81.0
j=$(iar-submit --parsable -- true)
waitfor 20 why "$j" 'n3 is too hot (81 C > 75 C)'
ok $? "why pending: 'n3 is too hot (81 C > 75 C)'"
echo 72000 > "$SYS/class/thermal/thermal_zone0/temp"
waitfor 20 why "$j" 'n3 is too hot (72 C, not yet below 70 C)'
ok $? "at 72 C it still waits: not yet below resume_temp"
echo 65000 > "$SYS/class/thermal/thermal_zone0/temp"
waitfor 20 final "$j"
is "$(jstate "$j")" COMPLETED "below 70 C: it runs"

# A Pi throttled now (bit 2) is too hot; flags of the past are not.
echo 50004 > "$SYS/devices/platform/soc/soc:firmware/get_throttled"
waitfor 20 says throttled=0x50004
j=$(iar-submit --parsable -- true)
waitfor 20 why "$j" 'n3 is too hot (throttled 0x50004)'
ok $? "throttled now: 'n3 is too hot (throttled 0x50004)'"
echo 50000 > "$SYS/devices/platform/soc/soc:firmware/get_throttled"
waitfor 20 final "$j"
is "$(jstate "$j")" COMPLETED "throttled only in the past (0x50000): it runs"

# on_battery = suspend: the running job is frozen, then thawed.
iar-node set n3 on_battery=suspend
gate=$IAR_ROOT/gate
j=$(iar-submit --parsable -- sh -c "while [ ! -e $gate ]; do sleep 0.1; done")
waitfor 20 running "$j"
ok $? "a job runs on mains"
echo Discharging > "$SYS/class/power_supply/BAT0/status"
waitfor 20 eval '[ "$(jstate "$j")" = SUSPENDED ]'
ok $? "on battery with on_battery = suspend: the job is SUSPENDED"
touch "$gate"
sleep 1
is "$(jstate "$j")" SUSPENDED "frozen, it does not see the gate"
echo Charging > "$SYS/class/power_supply/BAT0/status"
waitfor 20 final "$j"
is "$(jstate "$j")" COMPLETED "on mains again it is thawed and completes"
grep -q "job $j: frozen: node n3 is on battery (42%)" "$IAR_ROOT/head.log"
ok $? "the head's log says why it froze it"

# Bad settings are refused, the file unchanged.
cp "$IAR_ROOT/nodes/n3/settings" "$IAR_ROOT/settings.before"
iar-node set n3 on_battery=maybe 2>/dev/null
is $? 100 "on_battery=maybe: usage error"
iar-node set n3 max_temp=hot 2>/dev/null
is $? 100 "max_temp=hot: usage error"
iar-node set n3 kind=x 2>/dev/null
is $? 100 "a key set does not know: usage error"
cmp -s "$IAR_ROOT/nodes/n3/settings" "$IAR_ROOT/settings.before"
ok $? "the settings file is unchanged"

# An ordinary user may neither change a node's settings nor mark it away.
t_users
as iartest1 "$TOP/bin/iar-node set n3 max_temp=1" 2>"$IAR_ROOT/err"
is $? 102 "iar-node set as an ordinary user: refused (102)"
grep -q "only root or the owner of" "$IAR_ROOT/err"
ok $? "saying who may"
as iartest1 "$TOP/libexec/iar-heartbeat --node n3 --away" 2>/dev/null
is $? 111 "iar-heartbeat --away as an ordinary user: cannot write (111)"
! grep -q '^away=' "$IAR_ROOT/nodes/n3/heartbeat"
ok $? "and n3 is not marked away"
cmp -s "$IAR_ROOT/nodes/n3/settings" "$IAR_ROOT/settings.before"
ok $? "its settings unchanged"

kill "$HEAD"; wait "$HEAD" 2>/dev/null
done_testing
