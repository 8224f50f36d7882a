#!/bin/sh
# t0170-topo: real machines' topologies (tests/topo, from hwloc's own
# test data): iar-node add counts what hwloc's tools count (cores, PUs,
# NUMA nodes, memory of the allowed part, GPUs as PCI devices below
# CUDA/NVML/OpenCL/RSMI/Level Zero OS devices), keeps the I/O part of
# the topology, refuses nothing it can hold, and says when a topology
# has no memory; the web pages show the GPUs and the other I/O devices
# beside their NUMA node and draw each NUMA node once with readable
# package labels; every node page passes html-validate.
. "$(dirname "$0")/lib.sh"

TD=$TOP/tests/topo
ND=$IAR_ROOT/nodes
csv() {	# csv NODE COLUMN: one field of iar-node list --csv
	iar-node list --csv | python3 -c 'import csv, sys
for r in csv.DictReader(sys.stdin):
	if r["name"] == sys.argv[1]: print(r[sys.argv[2]])' "$1" "$2"
}
# hwloc's own count of a type in the allowed part (lstopo's default view)
hw() { lstopo-no-graphics -i "$1" --only "$2" 2>/dev/null | wc -l; }
hwmem() { m=$(hwloc-info -i "$1" machine:0 2>/dev/null |
	sed -n 's/^ total memory = //p'); echo "${m:-0}"; }
# GPUs: distinct PCI devices above the GPU API OS devices, as lstopo -v
# shows them (an OS device line follows its PCI device line)
hwgpus() { lstopo-no-graphics -i "$1" -v 2>/dev/null | awk '
	/^ *PCI /	{ match($0, /busid=[0-9a-f:.]*/); bus = substr($0, RSTART, RLENGTH) }
	/(Backend|subtype)=(CUDA|NVML|OpenCL|RSMI|LevelZero)/ ||
	    / "(cuda|nvml|opencl|rsmi|ze)[0-9]/ { if (bus != "") seen[bus] = 1 }
	END { n = 0; for (b in seen) n++; print n }'; }
hwio() { lstopo-no-graphics -i "$1" --only osdev 2>/dev/null | wc -l; }
# I/O OS devices other than GPUs, "NAME NUMA" each (NUMA: the P# of
# the one NUMA node hwloc says is local to it, "-" if several), sorted
hwionear() { lstopo-no-graphics -i "$1" --only osdev 2>/dev/null |
	grep -Ev '(CUDA|NVML|OpenCL|RSMI|LevelZero)\)|"(cuda|nvml|opencl|rsmi|ze)[0-9]' |
	sed -n 's/^[^"]*"\(.*\)"$/\1/p' | while read -r d; do
		m=$(hwloc-calc -i "$1" --po --local-memory "os=$d" 2>/dev/null)
		case $m in *[!0-9]*|"") m=- ;; esac
		echo "$d $m"
	done | LC_ALL=C sort; }

for f in "$TD"/*.xml; do
	b=$(basename "$f" .xml)
	n=$(echo "$b" | tr -c 'A-Za-z0-9\n' - | cut -c1-40)
	out=$(iar-node add "$n" --topology "$f" 2>"$IAR_ROOT/err")
	is $? 0 "$b: added"
	want="$(hw "$f" core),$(hw "$f" pu),$(hw "$f" numa),$(hwmem "$f")"
	is "$(csv "$n" cores),$(csv "$n" pus),$(csv "$n" numa),$(csv "$n" memory)" \
	    "$want" "$b: cores,PUs,NUMA,memory as hwloc counts them"
	is "$(csv "$n" gpus)" "$(hwgpus "$f")" "$b: GPUs as hwloc shows them"
	is "$(hwio "$ND/$n/topology.xml")" "$(hwio "$f")" \
	    "$b: the stored topology keeps its OS devices"
	if [ "$(hwmem "$f")" = 0 ]; then
		grep -q 'shows no memory.*--memory SIZE' "$IAR_ROOT/err"
		ok $? "$b: no memory in the topology: says to give --memory"
	fi
done

# The ones the issue names, by value, so a change in the helpers above
# cannot hide a miscount.
is "$(csv 16amd64-8n2c-cpusets-disallowed cores),$(csv 16amd64-8n2c-cpusets-disallowed numa),$(csv 16amd64-8n2c-cpusets-disallowed memory)" \
    "10,4,34359738368" "restricted cpuset: 10 cores, 4 NUMA nodes, 32G"
is "$(csv nvidiaDGX2 gpus)" 16 "DGX-2: 16 GPUs"
is "$(hwio "$ND/nvidiaDGX2/topology.xml")" 16 "DGX-2: its 16 OS devices stored"
is "$(csv power8gpudistances gpus)" 4 "POWER8: 4 GPUs (12 OS devices)"
is "$(csv 192em64t-24n8c2t cores),$(csv 192em64t-24n8c2t pus),$(csv 192em64t-24n8c2t numa)" \
    "192,384,24" "192 cores, 384 PUs, 24 NUMA nodes"

# A machine whose PU lists iar could not keep whole is refused, loudly.
iar-node add huge --synthetic 'pack:4 core:512 pu:2' 2>"$IAR_ROOT/err"
is "$?,$(ls "$ND" | grep -c '^huge$')" "101,0" "4096 PUs: refused, nothing written"
grep -q "too many PUs (a PU list may need [0-9]* bytes, iar keeps 4096)" "$IAR_ROOT/err"
ok $? "and says why"

# --gpus stays an override.
iar-node add dgx-few --topology "$TD/nvidiaDGX2.xml" --gpus 2 >/dev/null
is "$(csv dgx-few gpus)" 2 "--gpus overrides what hwloc sees"

# The web pages: GPU counts, package labels, each NUMA node drawn once.
CGI=$TOP/cgi-bin/iar.cgi
W=$IAR_ROOT/work
mkdir -p "$W"
page() {	# page PATH_INFO: the body in $W/b
	env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="$1" \
	    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 "$CGI" > "$W/raw" 2>"$W/err"
	p_rc=$?
	# A page that did not come out whole: say how the CGI ended.
	[ -s "$W/raw" ] || echo "# $1: iar.cgi exit $p_rc, no output; stderr: $(head -c 300 "$W/err")"
	python3 "$TOP/tests/cgi-split.py" "$W/raw" "$W/h" "$W/b"
}
page /nodes
grep -q '<th class="n">GPUs</th>' "$W/b"
ok $? "the node list has a GPUs column"
tr -d '\n' < "$W/b" | grep -q 'nvidiaDGX2</a>.*<td class="n">16</td>'
ok $? "and shows the DGX-2's 16 GPUs"
page /nodes/nvidiaDGX2
grep -q 'memory, 16 GPUs' "$W/b"
ok $? "the DGX-2 page says 16 GPUs"
is "$(grep -o '<td>0000:[0-9a-f:.]*</td>' "$W/b" | wc -l)" 16 \
    "its GPU table lists 16 PCI devices"
grep -q '<td>0000:34:00.0</td><td>nvml0</td><td>Tesla V100-SXM3-32GB-H</td><td class="n">0</td>' "$W/b"
ok $? "GPU 0: bus id, device, model, NUMA node 0"
is "$(grep -o 'NUMA node P#[01] ([0-9]* GiB), 8 GPUs' "$W/b" | wc -l)" 2 \
    "the picture puts 8 GPUs beside each NUMA node"
page /api/v1/nodes
python3 -c 'import json, sys
n = {x["name"]: x for x in json.load(open(sys.argv[1]))["nodes"]}
assert n["nvidiaDGX2"]["gpus"] == 16 and n["dgx-few"]["gpus"] == 2, n' "$W/b"
ok $? "/api/v1/nodes: gpus (16, and 2 where --gpus says so)"
# The other I/O devices (NICs, disks, InfiniBand, DMA, coprocessors
# that are no GPU), each drawn inside the box of the NUMA node hwloc
# says it is local to; none where a topology has none.
for f in "$TD"/*.xml; do
	b=$(basename "$f" .xml)
	n=$(echo "$b" | tr -c 'A-Za-z0-9\n' - | cut -c1-40)
	page "/nodes/$n"
	is "$(python3 "$TOP/tests/topo-io.py" "$W/b")" "$(hwionear "$f")" \
	    "$b: the picture draws each I/O device by its NUMA node"
done
is "$(hwionear "$TD/192em64t-24n8c2t.xml" | tr '\n' ' ')" \
    "eth0 0 eth1 0 eth2 4 eth3 4 eth4 4 eth5 4 ib0 6 mlx4_0 6 sda 1 sdb 1 " \
    "192-core: its 10 NICs, disks and InfiniBand devices, by value"
page /nodes/192em64t-24n8c2t
grep -q '<title>Net eth0, PCI 0000:01:00.0, near NUMA node P#0</title>' "$W/b"
ok $? "an I/O device's box: kind, name, PCI bus id, NUMA node"
grep -q '>Disk sda<' "$W/b" && grep -q '>IB mlx4_0<' "$W/b"
ok $? "disks and InfiniBand named with a short kind"
is "$(grep -o '<title>4 Net devices near NUMA node P#4: eth2, eth3, eth4, eth5</title>' "$W/b" | wc -l),$(grep -c '>Net eth[2-5]<' "$W/b")" \
    "1,0" "four NICs on one NUMA node: one box that counts and names them"
page /nodes/nvidiaDGX2
is "$(grep -c 'class="io"' "$W/b")" 0 "DGX-2: its GPUs are no other I/O"
page /nodes/32em64t-2n8c2t-pci-normalio
is "$(python3 "$TOP/tests/topo-io.py" "$W/b" | tr '\n' ' ')" \
    "card0 1 eth0 1 eth1 1 ib0 1 mlx5_0 1 sda 0 " \
    "32-core: disk on node 0, NICs, InfiniBand and display on node 1, by value"
grep -q '>IB mlx5_0<' "$W/b" && grep -q '>Display card0<' "$W/b" &&
    ! grep -q 'class="io"><title>[^<]*\(cuda\|opencl\)' "$W/b"
ok $? "32-core: a display device is named so; the CUDA GPU is no other I/O"

page /nodes/AMD-19h-Zen4-2xEpyc-9654
grep -q 'Machine (memory unknown)' "$W/b"
ok $? "a topology without memory: 'Machine (memory unknown)'"
is "$(grep -o '>L3 (32.0 MiB)<' "$W/b" | wc -l)" 24 "Zen4: its 24 L3 groups drawn"
page /nodes/20em64t-hybrid-1p6c2t-2ca4co1t
is "$(grep -o '<title>P-core L#' "$W/b" | wc -l),$(grep -o '<title>E-core L#' "$W/b" | wc -l)" \
    "6,8" "hybrid: 6 P-cores and 8 E-cores told apart"

# Each node page in Chromium at 1400 px: no sideways scrolling, and the
# page (picture, GPU table, heartbeat history and all) at most 1700 px
# tall (1382 for the DGX-2 before the history card, 1522 with it).
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
	urls=""
	for f in "$TD"/*.xml; do
		n=$(basename "$f" .xml | tr -c 'A-Za-z0-9\n' - | cut -c1-40)
		page "/nodes/$n"
		cp "$W/b" "$W/$n.html"
		urls="$urls file://$W/$n.html"
	done
	IAR_UI_EVAL='document.documentElement.scrollHeight' timeout 300 \
	    python3 "$TOP/tests/cgi-chrome.py" "$CHROME" 1400 900 0 - - $urls \
	    > "$W/chrome" 2>&1
	paste - - < "$W/chrome" > "$W/sizes"
	while read -r w sw url rest; do
		h=${rest##*= }
		n=$(basename "$url" .html)
		[ "$sw" -le 1400 ] && [ "$h" -le 1700 ]
		ok $? "$n: ${sw} px wide, ${h} px tall at 1400 px"
	done < "$W/sizes"
	is "$(wc -l < "$W/chrome")" "$((2 * $(ls "$TD"/*.xml | wc -l)))" \
	    "Chromium measured every page"
else
	ok 1 "# SKIP no Chromium"
fi
# Each node page (pictures, I/O and all) valid HTML, as t0440 checks.
HV=$TOP/.deps/node/node_modules/.bin/html-validate
if [ -x "$HV" ] && command -v node >/dev/null; then
	mkdir -p "$W/hv"
	for f in "$TD"/*.xml; do
		n=$(basename "$f" .xml | tr -c 'A-Za-z0-9\n' - | cut -c1-40)
		page "/nodes/$n"
		cp "$W/b" "$W/hv/$n.html"
	done
	echo '{"extends": ["html-validate:standard"]}' > "$W/hv.json"
	(cd "$W/hv" && "$HV" -c "$W/hv.json" ./*.html) > "$W/hv.out" 2>&1
	r=$?
	[ $r -eq 0 ] || sed 's/^/# /' "$W/hv.out" | head -40
	ok $r "html-validate (standard preset): every node page valid"
else
	ok 0 "# SKIP no html-validate in .deps/node (sh etc/install-deps needs npm)"
fi
for f in power8gpudistances 256ppc-8n8s4t 128arm-2pa2n8cluster4co; do
	page "/nodes/$f"
	! grep -q 4294967295 "$W/b"
	ok $? "$f: no package labelled with hwloc's unknown index"
	is "$(grep -o 'NUMA node P#[0-9]*' "$W/b" | sort | uniq -d | wc -l)" 0 \
	    "$f: each NUMA node drawn once"
	is "$(grep -o 'NUMA node P#[0-9]*' "$W/b" | sort -u | wc -l)" \
	    "$(hw "$TD/$f.xml" numa)" "$f: every NUMA node with cores drawn"
done

done_testing
