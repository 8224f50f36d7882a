#!/usr/bin/env python3
# tests/cgi-sse.py: run a command that writes an event stream (iar.cgi
# /events, or curl -N through a web server) and log each line it writes
# as it arrives: "SECONDS LINE", seconds since the start, flushed line by
# line, so a test can tell whether events came one by one or in a lump.
#   cgi-sse.py LOG -- COMMAND [ARGS...]
import os, subprocess, sys, time

log = open(sys.argv[1], 'w')
cmd = sys.argv[sys.argv.index('--') + 1:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, bufsize=0)
buf = b''
while True:
    chunk = os.read(p.stdout.fileno(), 65536)
    if not chunk:
        break
    buf += chunk
    while b'\n' in buf:
        line, buf = buf.split(b'\n', 1)
        log.write('%.3f %s\n' % (time.monotonic() - t0,
                  line.decode('utf-8', 'replace').rstrip('\r')))
        log.flush()
if buf:
    log.write('%.3f %s\n' % (time.monotonic() - t0, buf.decode('utf-8',
              'replace')))
log.close()
sys.exit(p.wait())
