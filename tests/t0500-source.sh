#!/bin/sh
# t0500-source: job sources (issue 5): --git at a branch, a tag and a
# commit from a local bare repository, a missing ref and a disallowed
# scheme; bundles, good and hostile; provenance in iar-stat --json;
# --rerun; compressed logs read by iar-log; iar-fetch archives.
. "$(dirname "$0")/lib.sh"

command -v git >/dev/null 2>&1 || skip_all "no git"
command -v python3 >/dev/null 2>&1 || skip_all "no python3"
W=$IAR_ROOT/work
mkdir -p "$W"
cd "$W" || exit 1
J=$IAR_ROOT/spool/jobs
json() { iar-stat --json -j "$1" | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p"; }

# A repository: main (v1 then v2), a lightweight tag v1.0 on v1, an
# annotated tag v2.0 on v2, and a branch "feature".
G="git -c user.name=t -c user.email=t@example.org -c init.defaultBranch=main"
$G init -q repo
(cd repo && echo 'echo v1' > run.sh && $G add run.sh &&
    $G commit -qm one && $G tag v1.0 &&
    echo 'echo v2' > run.sh && $G commit -qam two &&
    $G tag -a -m release v2.0 &&
    $G checkout -qb feature && echo 'echo feature' > run.sh &&
    $G commit -qam feat && $G checkout -q main) >/dev/null
$G clone -q --bare repo repo.git
c1=$(cd repo && git rev-parse v1.0)
c2=$(cd repo && git rev-parse main)
cf=$(cd repo && git rev-parse feature)
short=$(echo "$c1" | cut -c1-7)

m=$(iar-submit --parsable --git "$W/repo.git" -- sh run.sh)
b=$(iar-submit --parsable --git "file://$W/repo.git#feature" -- sh run.sh)
t=$(iar-submit --parsable --git "$W/repo.git#v1.0" -- sh run.sh)
a=$(iar-submit --parsable --git "$W/repo.git#v2.0" -- sh run.sh)
s=$(iar-submit --parsable --git "$W/repo.git#$short" -- sh -c 'sh run.sh; pwd')
printf '#!/bin/sh\n#IAR -J fromscript\nsh run.sh\n' > job.sh
f=$(iar-submit --parsable --git "$W/repo.git#v1.0" job.sh)
x=$(iar-submit --parsable --git "$W/repo.git#nope" -- sh run.sh)
y=$(iar-submit --parsable --git "$W/missing.git" -- sh run.sh)
out=$(iar-submit --git "http://example.org/r.git" -- true 2>&1); rc=$?
is "$rc" 101 "a disallowed scheme is rejected at submit"
echo "$out" | grep -q "not allowed.*git_schemes"
ok $? "and says why ($out)"
out=$(iar-submit --git "example.org:r.git" -- true 2>&1); rc=$?
is "$rc" 101 "an scp-style URL is rejected (no DNS lookup)"
out=$(iar-submit -D /tmp --git "$W/repo.git" -- true 2>&1); rc=$?
is "$rc" 100 "-D with --git is a usage error"
grep -q '^git_url=' "$IAR_ROOT/spool/incoming/$b" &&
    grep -q '^git_ref=feature$' "$IAR_ROOT/spool/incoming/$b"
ok $? "the job file records git_url and git_ref"

drain 60
ok $? "dispatcher drains the Git jobs"
is "$(jstate "$m")" COMPLETED "default branch job COMPLETED"
is "$(iar-log "$m")" v2 "default branch: checked out main"
is "$(iar-log "$b")" feature "branch ref (file:// URL)"
is "$(iar-log "$t")" v1 "lightweight tag ref"
is "$(iar-log "$f")" v1 "--git with a script file"
is "$(jfield "$f" name)" fromscript "  its #IAR lines apply"
is "$(iar-log "$a")" v2 "annotated tag ref"
is "$(iar-log "$s" | head -1)" v1 "short commit ref"
is "$(iar-log "$s" | tail -1)" "$J/$s/src" "the job runs in spool/jobs/ID/src"
is "$(json "$m" git_commit)" "$c2" "provenance: commit of main"
is "$(json "$b" git_commit)" "$cf" "provenance: commit of feature"
is "$(json "$t" git_commit)" "$c1" "provenance: commit of v1.0"
is "$(json "$b" git_url)" "file://$W/repo.git" "provenance: git_url"
env -i IAR_ROOT="$IAR_ROOT" REQUEST_METHOD=GET PATH_INFO="/jobs/$b" \
    SCRIPT_NAME=/cgi-bin/iar.cgi GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$TOP/cgi-bin/iar.cgi" </dev/null > cgi.out 2>&1
grep -q "$cf" cgi.out
ok $? "the CGI job page shows the commit"
sum=$(printf '#!/bin/sh\nexec %s %s\n' "'sh'" "'run.sh'" | sha256sum | cut -c1-64)
is "$(json "$m" script_sha256)" "$sum" "provenance: script_sha256"
is "$(jstate "$x")" FAILED "a missing ref fails the job"
is "$(jfield "$x" reason)" "git: no ref 'nope' in $W/repo.git" \
    "with a clear cause"
is "$(jstate "$y")" FAILED "a missing repository fails the job"
jfield "$y" reason | grep -q "^git: no repository at '$W/missing.git'"
ok $? "with a clear cause ($(jfield "$y" reason))"
n=$(ls "$IAR_ROOT/spool/cache/git" | wc -l)
is "$n" 3 "one cache entry per URL (path, file:// and the missing one)"

# The cache follows the repository: a new commit is seen.
(cd repo && echo 'echo v3' > run.sh && $G commit -qam three &&
    $G push -q "$W/repo.git" main) >/dev/null 2>&1
n3=$(iar-submit --parsable --git "$W/repo.git#main" -- sh run.sh)
# --rerun pins the commit the first run used, not the ref.
r=$(iar-submit --parsable --rerun "$m")
grep -q "^git_ref=$c2\$" "$IAR_ROOT/spool/incoming/$r"
ok $? "--rerun pins the commit in place of the ref"
drain 60
is "$(ls "$IAR_ROOT/spool/cache/git" | wc -l)" "$n" "the cache entry is reused"
is "$(iar-log "$n3")" v3 "a fetch into the cache sees a new commit"
is "$(iar-log "$r")" v2 "--rerun reproduces the output at the old commit"
is "$(json "$r" git_commit)" "$c2" "--rerun ran the same commit"

# STAGING: a Git job in run/ that its shepherd has not run yet (moved by
# hand and marked launched, as if its executor died after the fork; the
# next pass requeues it).
NODE=$(ls "$IAR_ROOT/spool/run" | head -1)
st=$(iar-submit --parsable --git "$W/repo.git#v1.0" -- sh run.sh)
mv "$IAR_ROOT/spool/incoming/$st" "$IAR_ROOT/spool/queue/$st" &&
    mv "$IAR_ROOT/spool/queue/$st" "$IAR_ROOT/spool/run/$NODE/$st" &&
    mkdir -p "$IAR_ROOT/spool/jobs/$st" &&
    echo launched > "$IAR_ROOT/spool/jobs/$st/lock"
is "$(jstate "$st")" STAGING "a started Git job not yet run is STAGING"
is "$(jfield "$st" reason)" "staging $W/repo.git" "the reason names the URL"
timeout 60 iar-dispatch -w -T 30 2>/dev/null
is "$(iar-log "$st")" v1 "it is requeued and runs"

# A fetch that hangs (a server that accepts and never answers): the
# staging can be cancelled, and the walltime bounds it.
PORT_FILE=$W/port
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$PORT_FILE" &
T_PIDS="$T_PIDS $!"
for k in 1 2 3 4 5 6 7 8 9 10; do [ -s "$PORT_FILE" ] && break; sleep 0.2; done
PORT=$(cat "$PORT_FILE")
echo "git_schemes = https ssh file path http" >> "$IAR_ROOT/etc/iar.conf"
hc=$(iar-submit --parsable --git "http://127.0.0.1:$PORT/r.git" -- true)
ht=$(iar-submit --parsable -t 0:02 --git "http://127.0.0.1:$PORT/r.git" -- true)
iar-dispatch -w -T 30 2>/dev/null &
dp=$!
for k in $(seq 1 50); do [ "$(jstate "$hc")" = STAGING ] && break; sleep 0.1; done
is "$(jstate "$hc")" STAGING "a hanging fetch shows STAGING"
iar-cancel "$hc" >/dev/null
wait "$dp"
is "$(jstate "$hc")" CANCELLED "a job can be cancelled while staging"
is "$(jfield "$hc" reason)" "cancelled while staging" "  and says so"
is "$(jstate "$ht")" TIMEOUT "the walltime bounds the staging"
is "$(jfield "$ht" reason)" "walltime reached while staging" "  and says so"

# Bundles: a directory, packed at submit.
mkdir -p in/d
echo data > in/d/x
ln -s d/x in/lnk
g=$(iar-submit --parsable --bundle in -- sh -c 'cat d/x lnk; echo made > new')
ls "$IAR_ROOT/spool/bundles/$g.tar.gz" >/dev/null 2>&1
ok $? "the bundle is committed to spool/bundles/ID.tar.gz"
bsum=$(sha256sum < "$IAR_ROOT/spool/bundles/$g.tar.gz" | cut -c1-64)
grep -q "^bundle_sha256=$bsum\$" "$IAR_ROOT/spool/incoming/$g"
ok $? "the job file records the bundle's sha256"

# Hostile bundles, built with python's tarfile.
python3 - "$W" <<'PY'
import io, sys, tarfile
w = sys.argv[1]
def make(name, entries):
    t = tarfile.open('%s/%s.tar.gz' % (w, name), 'w:gz')
    for n, typ, link in [('ok.txt', tarfile.REGTYPE, '')] + entries:
        i = tarfile.TarInfo(n); i.type = typ; i.linkname = link
        data = b'escaped\n' if typ == tarfile.REGTYPE else b''
        i.size = len(data)
        t.addfile(i, io.BytesIO(data) if data else None)
    t.close()
make('abs', [(w + '/abs_evil.txt', tarfile.REGTYPE, '')])
make('dotdot', [('../dotdot_evil.txt', tarfile.REGTYPE, '')])
make('sub', [('a/../../sub_evil.txt', tarfile.REGTYPE, '')])
make('symabs', [('out', tarfile.SYMTYPE, w)])
make('symup', [('up', tarfile.SYMTYPE, '../../..')])
make('through', [('lnk', tarfile.SYMTYPE, '/tmp'), ('lnk/through_evil.txt', tarfile.REGTYPE, '')])
PY
for h in abs dotdot sub symabs symup through; do
	eval "h_$h=\$(iar-submit --parsable --bundle $h.tar.gz -- true)"
done
out=$(iar-submit --bundle in/d/x -- true 2>&1); rc=$?
is "$rc" 101 "a bundle that is not a directory or .tar.gz is rejected"
drain 60
is "$(jstate "$g")" COMPLETED "a good bundle runs"
is "$(iar-log "$g")" "data
data" "its files and its inward symlink are there"
is "$(json "$g" bundle_sha256)" "$bsum" "provenance: bundle_sha256"
ls "$J/$g/bundle.tar.gz" >/dev/null 2>&1 &&
    ! ls "$IAR_ROOT/spool/bundles/$g.tar.gz" >/dev/null 2>&1
ok $? "the staged bundle moves from spool/bundles into jobs/ID"
for h in abs dotdot sub symabs symup through; do
	eval "id=\$h_$h"
	is "$(jstate "$id")" FAILED "hostile bundle ($h) fails the job"
	jfield "$id" reason | grep -q "^bundle: refused entry"
	ok $? "  with a clear cause: $(jfield "$id" reason)"
done
found=$(find / -xdev \( -name '*_evil.txt' \) 2>/dev/null | head -3)
is "$found" "" "nothing escaped the job directory"
is "$(find "$J" -type l -lname '/*' | wc -l)" 0 "no outward symlink was made"

# --rerun of a bundle job copies the bundle.
rb=$(iar-submit --parsable --rerun "$g")
drain 60
is "$(iar-log "$rb")" "data
data" "--rerun of a bundle job reproduces the output"
is "$(json "$rb" bundle_sha256)" "$bsum" "with the same bundle"

# Logs: compressed after the job, read back by iar-log.
l=$(iar-submit --parsable -- sh -c 'seq 1 20000; echo oops >&2')
drain 30
ls "$J/$l/stdout.gz" "$J/$l/stderr.gz" >/dev/null 2>&1 &&
    ! ls "$J/$l/stdout" >/dev/null 2>&1
ok $? "stdout and stderr are gzip-compressed after the job"
gzip -t "$J/$l/stdout.gz"
ok $? "stdout.gz is valid gzip"
iar-log "$l" | cmp -s - "$(seq 1 20000 > seq.txt; echo seq.txt)"
ok $? "iar-log reads the compressed output"
is "$(iar-log -n 2 "$l")" "19999
20000" "iar-log -n reads the compressed output"
is "$(iar-log -e "$l")" oops "iar-log -e reads compressed stderr"

# iar-fetch: the results as a .tar.gz.
iar-fetch -o res.tgz "$g"
ok $? "iar-fetch writes an archive"
mkdir un && tar xzf res.tgz -C un
ok $? "the archive unpacks"
is "$(cat "un/iar-$g/src/new")" made "it holds what the job wrote"
is "$(cat "un/iar-$g/stdout")" "data
data" "and the job's output"
is "$(readlink "un/iar-$g/src/lnk")" d/x "symlinks stay links"
iar-fetch "$l" | tar xzf - -C un
is "$(tail -1 "un/iar-$l/stdout")" 20000 "iar-fetch to standard output"
out=$(iar-fetch 99999 2>&1); rc=$?
is "$rc" 102 "iar-fetch of no such job"

done_testing
