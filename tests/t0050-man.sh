#!/bin/sh
# t0050-man: every manual page in man/ is clean under mandoc's lint at
# its default level (-W style: errors, warnings and style messages such
# as text lines over 80 columns), and each one reads on its own from
# man/, as `man -l man/PAGE` does (no .so to a path that exists only
# once installed). Style messages are avoidable, so none is excused.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null 2>&1 ||
    skip_all "mandoc is not installed (apt-get install mandoc; etc/install-deps lists it)"

for page in "$TOP"/man/*.[1-8]; do
	name=${page##*/}
	out=$(cd "$TOP/man" && mandoc -T lint -W style "$name" 2>&1)
	is "$out" "" "mandoc lint: $name"
	out=$(cd / && mandoc -T utf8 "$page" 2>&1 >/dev/null)
	rc=$?
	is "$rc:$out" "0:" "$name formats from outside man/"
	! grep -q '^\.so' "$page"
	ok $? "$name is a page, not a .so link"
done
done_testing
