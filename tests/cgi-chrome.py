#!/usr/bin/env python3
# tests/cgi-chrome.py: load pages in headless Chromium as a phone or a
# desktop would, and say how wide each one lays out.
#   cgi-chrome.py CHROMIUM WIDTH HEIGHT MOBILE(0|1) AUTH SHOTDIR URL...
# For each URL prints "WIDTH SCROLLWIDTH URL [WIDEST]": SCROLLWIDTH is
# the document's width as laid out (more than WIDTH: the page scrolls
# sideways), WIDEST the elements that stick out past WIDTH. AUTH is
# NAME:PASSWORD for basic auth, or "-". With SHOTDIR (not "-") each page
# is also saved as a full-page PNG there (with IAR_SHOT_SCALE, only the
# first screenful, scaled by that factor). With IAR_UI_EVAL set, that
# JavaScript expression (it may give a promise) is evaluated on each
# page after it loaded and its value printed as "= VALUE" on the next
# line; IAR_UI_CMD, if set, is run by sh once the first value is in
# and IAR_UI_AFTER evaluated then (printed as "= VALUE" too), for what
# a page does when something happens. Talks to Chromium over the
# DevTools protocol (a small WebSocket client of its own) on 127.0.0.1;
# the browser is started here and killed at the end.
import base64, json, os, shutil, socket, subprocess, sys, tempfile, time

chrome, width, height, mobile, auth, shots = sys.argv[1:7]
urls = sys.argv[7:]
width, height, mobile = int(width), int(height), mobile == "1"
prof = tempfile.mkdtemp(prefix="iar-chrome.")
proc = subprocess.Popen([chrome, "--headless", "--no-sandbox", "--disable-gpu",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
    "--user-data-dir=" + prof, "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class WS:
    """Just enough of RFC 6455 for the DevTools protocol."""

    def __init__(self, port, path):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13"
                        "\r\n\r\n" % (path, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.n = 0

    def _read(self, n):
        d = b""
        while len(d) < n:
            x = self.s.recv(n - len(d))
            if not x:
                raise EOFError
            d += x
        return d

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        h = bytes([0x81])
        if n < 126:
            h += bytes([0x80 | n])
        elif n < 65536:
            h += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            h += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        self.s.sendall(h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7f
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            data = self._read(n)
            if b0 & 0x0f in (0, 1):
                msg += data
                if b0 & 0x80:
                    return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.n += 1
        m = {"id": self.n, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        self.send(m)
        while True:
            r = self.recv()
            if r.get("id") == self.n:
                if "error" in r:
                    raise RuntimeError((method, r["error"]))
                return r["result"]
            self.events.append(r)


try:
    port_file = os.path.join(prof, "DevToolsActivePort")
    for _ in range(300):
        if os.path.exists(port_file) and len(open(port_file).read().split()) >= 2:
            break
        time.sleep(0.1)
    port, path = open(port_file).read().split()[:2]
    ws = WS(int(port), path)
    ws.events = []
    tid = ws.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = ws.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
    ws.call("Page.enable", session=sid)
    ws.call("Network.enable", session=sid)
    if auth != "-":
        ws.call("Network.setExtraHTTPHeaders", {"headers": {"Authorization":
            "Basic " + base64.b64encode(auth.encode()).decode()}}, session=sid)
    ws.call("Emulation.setDeviceMetricsOverride", {"width": width,
        "height": height, "deviceScaleFactor": 1, "mobile": mobile}, session=sid)
    widest = """(() => { const w = %d, out = [];
      for (const e of document.querySelectorAll('body *')) {
        const r = e.getBoundingClientRect();
        if (r.right > w + 1 && out.length < 4)
          out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') +
                   ':' + Math.round(r.right));
      }
      return out.join(','); })()""" % width
    for i, url in enumerate(urls):
        ws.events = []
        ws.call("Page.navigate", {"url": url}, session=sid)
        t0 = time.time()
        while not any(e.get("method") == "Page.loadEventFired" for e in ws.events):
            if time.time() - t0 > 30:
                break
            ws.events.append(ws.recv())
        sw = ws.call("Runtime.evaluate", {"expression":
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)",
            "returnByValue": True}, session=sid)["result"].get("value")
        wd = ws.call("Runtime.evaluate", {"expression": widest,
            "returnByValue": True}, session=sid)["result"].get("value")
        print(width, sw, url, wd or "", flush=True)
        for var in ("IAR_UI_EVAL", "IAR_UI_AFTER"):
            if not os.environ.get(var):
                continue
            if var == "IAR_UI_AFTER" and os.environ.get("IAR_UI_CMD"):
                subprocess.run(["sh", "-c", os.environ["IAR_UI_CMD"]])
            v = ws.call("Runtime.evaluate", {"expression": os.environ[var],
                "awaitPromise": True, "returnByValue": True}, session=sid)
            print("=", json.dumps(v["result"].get("value")), flush=True)
        if shots != "-" and os.environ.get("IAR_SHOT_SCALE"):
            # the first screenful only, scaled down: a small picture
            png = ws.call("Page.captureScreenshot", {"format": "png",
                "clip": {"x": 0, "y": 0, "width": width, "height": height,
                         "scale": float(os.environ["IAR_SHOT_SCALE"])}},
                session=sid)["data"]
        elif shots != "-":
            png = ws.call("Page.captureScreenshot", {"format": "png",
                "captureBeyondViewport": True}, session=sid)["data"]
        if shots != "-":
            with open(os.path.join(shots, "page%02d-%d.png" % (i, width)), "wb") as f:
                f.write(base64.b64decode(png))
finally:
    proc.kill()
    proc.wait()
    shutil.rmtree(prof, ignore_errors=True)
