#!/usr/bin/env python3
# tests/topo-io.py PAGE: the I/O devices (other than GPUs) the node
# page's topology picture draws, one "NAME NUMA" line each, sorted:
# NUMA is the P# of the NUMA node box the device's box lies inside
# (geometrically, in the SVG), "-" when it lies in none. A box that
# groups several devices ("4 Net") gives a line per name in its title.
import re, sys, xml.etree.ElementTree as ET

html = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<svg class="topo".*?</svg>', html, re.S)
if not m:
    sys.exit("no topology picture")
svg = ET.fromstring(m.group(0))

def box(r):
    x, y = float(r.get("x")), float(r.get("y"))
    return x, y, x + float(r.get("width")), y + float(r.get("height"))

frames = []	# (box, P#) of each NUMA node frame: a rect, then its label
kids = list(svg)
for a, b in zip(kids, kids[1:]):
    t = re.match(r"NUMA node P#(\d+)", b.text or "") if b.tag == "text" else None
    if a.tag == "rect" and t:
        frames.append((box(a), t.group(1)))
out = []
for g in svg.iter("g"):
    if g.get("class") != "io":
        continue
    title = g.find("title").text
    x0, y0, x1, y1 = box(g.find("rect"))
    near = [n for (a, b, c, d), n in frames
            if a <= x0 and b <= y0 and x1 <= c and y1 <= d]
    where = near[0] if len(near) == 1 else "-"
    if re.match(r"\d+ \w+ devices", title):
        names = title.split(": ", 1)[1].split(", ")
    else:
        names = [title.split(" ")[1].rstrip(",")]
    out += ["%s %s" % (n, where) for n in names]
print("\n".join(sorted(out)))
