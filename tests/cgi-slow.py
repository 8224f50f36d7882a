#!/usr/bin/env python3
# tests/cgi-slow.py: hostile slow clients against a server on 127.0.0.1.
#   cgi-slow.py PORT N HOLD PATH
# Opens N connections that each send a request line and then one header
# line a second, never finishing (slowloris), for HOLD seconds; then
# times one ordinary GET of PATH (5 s at most) while they are still
# trickling. Prints "closed=K of=N get=STATUS secs=S": K is how many the
# server had dropped by then. Only ever connects to 127.0.0.1.
import select
import socket
import sys
import time

port, n, hold, path = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
socks = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks.append(s)
open_ = set(range(n))
start = time.time()
sent_head = set()
while time.time() - start < hold:
    for i in list(open_):
        s = socks[i]
        try:
            if i not in sent_head:
                s.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                sent_head.add(i)
            else:
                s.send(b"X-a: b\r\n")
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            open_.discard(i)
    # a closed connection reads as EOF (or a 408 before it)
    r, _, _ = select.select([socks[i] for i in open_], [], [], 0)
    for s in r:
        try:
            s.recv(4096)
        except OSError:
            pass
        open_.discard(socks.index(s))
    time.sleep(1)
t0 = time.time()
status = "timeout"
try:
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
    line = c.makefile("rb").readline().decode("latin-1").split()
    status = line[1] if len(line) > 1 else "none"
except OSError:
    pass
print("closed=%d of=%d get=%s secs=%.1f" % (n - len(open_), n, status, time.time() - t0))
for s in socks:
    s.close()
