#!/usr/bin/env python3
# tests/cgi-split.py: split a CGI program's output into its header block
# and its body (bytes as they are), for the TAP tests of iar.cgi.
#   cgi-split.py RAW HEADERS BODY
# A missing blank line after the headers is an error (exit 1).
import sys

raw = open(sys.argv[1], 'rb').read()
for sep in (b'\r\n\r\n', b'\n\n'):
    i = raw.find(sep)
    if i >= 0:
        break
else:
    sys.stderr.write('cgi-split: no end of headers\n')
    open(sys.argv[2], 'wb').write(raw)
    open(sys.argv[3], 'wb').write(b'')
    sys.exit(1)
open(sys.argv[2], 'wb').write(raw[:i].replace(b'\r\n', b'\n') + b'\n')
open(sys.argv[3], 'wb').write(raw[i + len(sep):])
