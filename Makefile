# iar: a batch scheduler for pooled machines. Plain make, no autotools.
# `make` builds the programs in place: the checkout is a working iar root.
# Settings may also come from config.mk. See README.md.
-include config.mk

# Where `make install` puts things (FHS); the in-place build uses the
# checkout for all of them (see lib/paths.h).
PREFIX     = /usr/local
DESTDIR    =
BINDIR     = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec/iar
CGIDIR     = $(PREFIX)/lib/cgi-bin
MANDIR     = $(PREFIX)/share/man
DOCDIR     = $(PREFIX)/share/doc/iar
ETCDIR     = /etc/iar
SPOOLDIR   = /var/spool/iar
NODESDIR   = /var/lib/iar/nodes
UNITDIR    = /lib/systemd/system
CRONDIR    = /etc/cron.d
VERSION    = 0.9
CC         = cc
OPT        = -O2 -g
SAN        =
CFLAGS     = -std=c11 $(OPT) $(SAN) -Wall -Wextra -Werror -D_GNU_SOURCE \
             -Ilib -DIAR_VERSION='"$(VERSION)"'
LDFLAGS    = $(SAN) -Wl,--as-needed
LDLIBS     = -lhwloc -ldb -lcgroup -lgit2 -larchive -lz -lm

LIBOBJ = lib/msg.o lib/buf.o lib/paths.o lib/file.o lib/job.o lib/conf.o \
         lib/spool.o lib/cg.o lib/topo.o lib/hist.o lib/histcount.o lib/view.o lib/cmd.o lib/cmdhist.o \
         lib/fmt.o lib/webconf.o lib/sha256.o lib/node.o lib/place.o lib/array.o \
         lib/directive.o lib/seq.o lib/slurm.o lib/clock.o lib/alloc.o \
         lib/rec.o lib/share.o lib/group.o lib/nodehist.o
LIBHDR = lib/*.h

BIN     = bin/iar-init bin/iar-submit bin/iar-stat bin/iar-cancel \
          bin/iar-hold bin/iar-release bin/iar-wait bin/iar-log \
          bin/iar-fetch bin/iar-node bin/iar-suspend bin/iar-resume \
          bin/iar-modify bin/iar-export bin/iar-share
LIBEXEC = libexec/iar-dispatch libexec/iar-run libexec/iar-rebuild \
          libexec/iar-bundle libexec/iar-heartbeat libexec/iar-stage \
          libexec/iar-prune
UNIT    = tests/unit-job tests/unit-cg tests/unit-topo tests/unit-hist \
          tests/unit-node tests/unit-place tests/unit-sha256 \
          tests/unit-topofile tests/unit-move tests/unit-alloc \
          tests/unit-nodehist
CGI     = cgi-bin/iar.cgi
CGIOBJ  = cgi-bin/iar.cgi.o cgi-bin/http.o cgi-bin/error.o cgi-bin/html.o cgi-bin/data.o cgi-bin/data-agg.o \
          cgi-bin/page-dash.o cgi-bin/page-job.o cgi-bin/page-node.o cgi-bin/page-share.o \
          cgi-bin/page-stats.o cgi-bin/page-shared.o cgi-bin/page-act.o \
          cgi-bin/api.o cgi-bin/events.o \
          cgi-bin/auth.o cgi-bin/page-ui.o cgi-bin/svg-topo.o cgi-bin/route.o \
          cgi-bin/svg-hb.o
PROGS   = $(BIN) $(LIBEXEC) $(CGI)

all: $(PROGS)

lib/libiar.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(LIBOBJ): $(LIBHDR)

# The directories compiled in: the checkout for the in-place build
# (lib/paths.o, in libiar.a), the FHS places for the installed programs
# (lib/paths-inst.o, linked ahead of libiar.a into inst/).
INPLACE = -DIAR_ETCDIR='"$(CURDIR)/etc"' -DIAR_SPOOLDIR='"$(CURDIR)/spool"' \
          -DIAR_NODESDIR='"$(CURDIR)/nodes"' -DIAR_LIBEXECDIR='"$(CURDIR)/libexec"'
INSTDIRS = -DIAR_ETCDIR='"$(ETCDIR)"' -DIAR_SPOOLDIR='"$(SPOOLDIR)"' \
          -DIAR_NODESDIR='"$(NODESDIR)"' -DIAR_LIBEXECDIR='"$(LIBEXECDIR)"'
lib/paths.o: lib/paths.c lib/dirs.stamp
	$(CC) $(CFLAGS) $(INPLACE) -c -o $@ lib/paths.c
lib/paths-inst.o: lib/paths.c lib/dirs.stamp $(LIBHDR)
	$(CC) $(CFLAGS) $(INSTDIRS) -c -o $@ lib/paths.c
lib/dirs.stamp: FORCE
	@echo '$(CURDIR) $(INSTDIRS)' | cmp -s - $@ || \
	    echo '$(CURDIR) $(INSTDIRS)' > $@
FORCE:

.c.o:
	$(CC) $(CFLAGS) -c -o $@ $<

$(PROGS) $(UNIT): lib/libiar.a
bin/iar-init: bin/iar-init.o
OBJ_SUBMIT = bin/iar-submit.o bin/submit-slurm.o bin/submit-commit.o
bin/iar-submit: $(OBJ_SUBMIT)
bin/iar-stat: bin/iar-stat.o
bin/iar-cancel: bin/iar-cancel.o
bin/iar-hold: bin/iar-hold.o
bin/iar-release: bin/iar-release.o
bin/iar-wait: bin/iar-wait.o
# The dispatcher's and iar-run's objects (the in-place and the installed
# links both use these lists).
OBJ_DISPATCH = libexec/iar-dispatch.o libexec/dispatch-run.o \
    libexec/dispatch-web.o libexec/dispatch-node.o libexec/shepherd.o \
    libexec/shepherd-watch.o libexec/shepherd-env.o libexec/stage.o \
    libexec/dispatch-match.o libexec/dispatch-pool.o libexec/dispatch-modify.o \
    libexec/dispatch-array.o libexec/dispatch-dep.o libexec/dispatch-retry.o \
    libexec/dispatch-done.o libexec/dispatch-slurm.o \
    libexec/dispatch-event.o libexec/dispatch-share.o libexec/dispatch-group.o
OBJ_RUN = libexec/iar-run.o libexec/shepherd.o libexec/shepherd-watch.o \
    libexec/shepherd-env.o libexec/stage.o
bin/iar-log: bin/iar-log.o
bin/iar-fetch: bin/iar-fetch.o
bin/iar-node: bin/iar-node.o
bin/iar-suspend: bin/iar-suspend.o
bin/iar-resume: bin/iar-resume.o
bin/iar-modify: bin/iar-modify.o
bin/iar-export: bin/iar-export.o
bin/iar-share: bin/iar-share.o
libexec/iar-dispatch: $(OBJ_DISPATCH)
libexec/iar-run: $(OBJ_RUN)
libexec/iar-rebuild: libexec/iar-rebuild.o
libexec/iar-bundle: libexec/iar-bundle.o
libexec/iar-stage: libexec/iar-stage.o
libexec/iar-prune: libexec/iar-prune.o
libexec/iar-heartbeat: libexec/iar-heartbeat.o
tests/unit-job: tests/unit-job.o
tests/unit-cg: tests/unit-cg.o
tests/unit-topo: tests/unit-topo.o
tests/unit-hist: tests/unit-hist.o
tests/unit-node: tests/unit-node.o
tests/unit-place: tests/unit-place.o
tests/unit-sha256: tests/unit-sha256.o
tests/unit-topofile: tests/unit-topofile.o
tests/unit-move: tests/unit-move.o
tests/unit-alloc: tests/unit-alloc.o
tests/unit-nodehist: tests/unit-nodehist.o
$(filter-out bin/iar-submit,$(BIN)) $(UNIT) libexec/iar-rebuild \
    libexec/iar-bundle libexec/iar-heartbeat libexec/iar-stage \
    libexec/iar-prune:
	$(CC) $(LDFLAGS) -o $@ $@.o lib/libiar.a $(LDLIBS)
bin/iar-submit libexec/iar-run libexec/iar-dispatch:
	$(CC) $(LDFLAGS) -o $@ $^ lib/libiar.a $(LDLIBS)

tests/*.o: tests/tap.h
bin/*.o libexec/*.o tests/*.o: $(LIBHDR) bin/submit.h libexec/dispatch.h \
    libexec/shepherd.h \
    libexec/shepherd-int.h \
    libexec/stage.h

# The CGI program (iar.cgi(8)); zlib for gzip.
$(CGI): $(CGIOBJ)
	$(CC) $(LDFLAGS) -o $@ $(CGIOBJ) lib/libiar.a $(LDLIBS)
$(CGIOBJ): $(LIBHDR) cgi-bin/cgi.h

# Every test under prove, two at a time, each killed after
# IAR_TEST_TIMEOUT seconds; tests/exclusive names those that must not
# run beside others (tests/check, tests/exec). tests/run NAME... runs
# single tests.
check: deps all $(UNIT)
	SAN='$(SAN)' tests/check

# Chaos (tests/t0260-chaos.sh, t0261-chaos-pool.sh) for longer than in
# make check: kill -9 of daemons and shepherds for CHAOS_SECONDS, on one
# node, then on a head and three nodes; about 20 jobs a second.
CHAOS_SECONDS = 600
chaos: all
	CHAOS_SECONDS=$(CHAOS_SECONDS) CHAOS_JOBS=$$(($(CHAOS_SECONDS) * 20)) \
	    CHAOS_REPORT=$(CURDIR)/tests/chaos-1.report tests/run t0260-chaos.sh
	CHAOS_SECONDS=$(CHAOS_SECONDS) CHAOS_JOBS=$$(($(CHAOS_SECONDS) * 15)) \
	    CHAOS_REPORT=$(CURDIR)/tests/chaos-3.report tests/run t0261-chaos-pool.sh

bench: all
	bench/run
	bench/sources
	bench/nodes
	bench/workflows

# Fuzzing (tests/fuzz/README): one libFuzzer target per parser, built
# with clang and its own flags (SAN and CFLAGS do not apply) under
# tests/fuzz/obj; `make fuzz` runs each for FUZZ_SECONDS.
FUZZCC      = clang
FUZZSAN     = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZCFLAGS  = -std=c11 -g -O1 -fno-omit-frame-pointer $(FUZZSAN) \
              -fsanitize=fuzzer-no-link -Wall -Wextra -Werror \
              -D_GNU_SOURCE -Ilib -Icgi-bin -Ibin -DIAR_VERSION='"$(VERSION)"'
FUZZ_SECONDS = 60
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZDIR  = tests/fuzz
FUZZOBJ  = $(FUZZDIR)/obj
FUZZLIB  = $(LIBOBJ:%=$(FUZZOBJ)/%)
FUZZCGI  = $(filter-out $(FUZZOBJ)/cgi-bin/iar.cgi.o,$(CGIOBJ:%=$(FUZZOBJ)/%))
FUZZBIN  = $(FUZZ_TARGETS:%=$(FUZZDIR)/bin/fuzz-%)

$(FUZZOBJ)/lib/paths.o: lib/paths.c $(LIBHDR)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) $(INPLACE) -c -o $@ lib/paths.c
$(FUZZOBJ)/%.o: %.c $(LIBHDR) cgi-bin/cgi.h bin/submit.h $(FUZZDIR)/fuzz.h
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -c -o $@ $<
$(FUZZOBJ)/libiar.a: $(FUZZLIB)
	rm -f $@
	ar rcs $@ $(FUZZLIB)
# objects a target needs beyond libiar.a
FUZZEXTRA_cgi      = $(FUZZCGI)
FUZZEXTRA_hostlist = $(FUZZOBJ)/bin/submit-slurm.o
$(FUZZDIR)/bin/fuzz-cgi: $(FUZZEXTRA_cgi)
$(FUZZDIR)/bin/fuzz-hostlist: $(FUZZEXTRA_hostlist)
$(FUZZDIR)/bin/fuzz-%: $(FUZZOBJ)/$(FUZZDIR)/fuzz-%.o $(FUZZOBJ)/libiar.a
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZSAN) -fsanitize=fuzzer -o $@ $< $(FUZZEXTRA_$*) \
	    $(FUZZOBJ)/libiar.a $(LDLIBS)

fuzz-build: $(FUZZBIN)
fuzz: fuzz-build
	$(FUZZDIR)/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The installed programs: the same objects, linked with the FHS
# directories (lib/paths-inst.o ahead of libiar.a, so its paths.o is not
# pulled in). The in-place programs are left as they are.
objs = $(if $(filter libexec/iar-dispatch,$1),$(OBJ_DISPATCH),$(if \
    $(filter libexec/iar-run,$1),$(OBJ_RUN),$(if $(filter $(CGI),$1), \
    $(CGIOBJ),$(if $(filter bin/iar-submit,$1),$(OBJ_SUBMIT),$1.o))))
INST = $(PROGS:%=inst/%)
$(INST): inst/%: % lib/paths-inst.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$*) lib/paths-inst.o lib/libiar.a \
	    $(LDLIBS)

# Text files that name the installed places.
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
    -e 's|@ETCDIR@|$(ETCDIR)|g' -e 's|@SPOOLDIR@|$(SPOOLDIR)|g' \
    -e 's|@NODESDIR@|$(NODESDIR)|g' -e 's|@SPOOLDIR@|$(SPOOLDIR)|g' -e 's|@CGIDIR@|$(CGIDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'

install: $(INST)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(CGIDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(ETCDIR) $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(UNITDIR)
	cp $(BIN:%=inst/%) $(DESTDIR)$(BINDIR)/
	cp $(LIBEXEC:%=inst/%) $(DESTDIR)$(LIBEXECDIR)/
	cp inst/$(CGI) $(DESTDIR)$(CGIDIR)/
	cp man/*.1 $(DESTDIR)$(MANDIR)/man1/
	cp man/*.5 $(DESTDIR)$(MANDIR)/man5/
	cp man/*.8 $(DESTDIR)$(MANDIR)/man8/
	[ -f $(DESTDIR)$(ETCDIR)/iar.conf ] || \
	    cp etc/iar.conf $(DESTDIR)$(ETCDIR)/
	for f in crontab iar-dispatch.service iar-dispatch@.service \
	    iar-sleep.sh; do \
	    $(SUBST) etc/$$f > $(DESTDIR)$(DOCDIR)/examples/$$f || exit 1; \
	done
	for f in iar-dispatch.service iar-dispatch@.service; do \
	    cp $(DESTDIR)$(DOCDIR)/examples/$$f $(DESTDIR)$(UNITDIR)/ || exit 1; \
	done
	for f in etc/*-iar.conf; do \
	    $(SUBST) $$f > $(DESTDIR)$(DOCDIR)/examples/$${f#etc/} || exit 1; \
	done
	$(SUBST) etc/serve > $(DESTDIR)$(LIBEXECDIR)/iar-serve
	chmod 755 $(DESTDIR)$(LIBEXECDIR)/iar-serve
	cp README.md $(DESTDIR)$(DOCDIR)/

# The Debian package (debian/), built beside the tree: ../iar_*.deb.
deb:
	dpkg-buildpackage -us -uc -b

clean:
	rm -rf inst $(FUZZOBJ) $(FUZZDIR)/bin $(FUZZDIR)/out
	rm -f lib/dirs.stamp lib/*.o lib/libiar.a bin/*.o libexec/*.o tests/*.o \
	    cgi-bin/*.o \
	    $(PROGS) $(UNIT)

deps:
	sh etc/install-deps

.PHONY: all check chaos bench install clean deps deb fuzz fuzz-build FORCE
