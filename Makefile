# iar: a batch scheduler for pooled machines. Plain make, no autotools.
# `make` builds the programs in place: the checkout is a working iar root.
# Settings may also come from config.mk. See README.md.
-include config.mk

PREFIX     = /opt/iar
ROOT       = $(CURDIR)
DESTDIR    =
BINDIR     = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec
MANDIR     = $(PREFIX)/man
CC         = cc
OPT        = -O2 -g
SAN        =
CFLAGS     = -std=c11 $(OPT) $(SAN) -Wall -Wextra -Werror -D_GNU_SOURCE \
             -Ilib -DIAR_ROOT_DEFAULT='"$(ROOT)"'
LDFLAGS    = $(SAN) -Wl,--as-needed
LDLIBS     = -lhwloc -ldb -lcgroup -lgit2 -larchive -lz

LIBOBJ = lib/msg.o lib/buf.o lib/paths.o lib/file.o lib/job.o lib/conf.o \
         lib/spool.o lib/cg.o lib/topo.o lib/hist.o lib/view.o lib/cmd.o lib/cmdhist.o \
         lib/fmt.o lib/webconf.o lib/sha256.o lib/node.o lib/place.o lib/array.o
LIBHDR = lib/*.h

BIN     = bin/iar-init bin/iar-submit bin/iar-stat bin/iar-cancel \
          bin/iar-hold bin/iar-release bin/iar-wait bin/iar-log \
          bin/iar-fetch bin/iar-node bin/iar-suspend bin/iar-resume \
          bin/iar-modify
LIBEXEC = libexec/iar-dispatch libexec/iar-run libexec/iar-rebuild \
          libexec/iar-bundle libexec/iar-heartbeat libexec/iar-stage \
          libexec/iar-prune
UNIT    = tests/unit-job tests/unit-cg tests/unit-topo tests/unit-hist \
          tests/unit-node tests/unit-place
CGI     = cgi-bin/iar.cgi
CGIOBJ  = cgi-bin/iar.cgi.o cgi-bin/http.o cgi-bin/html.o cgi-bin/data.o \
          cgi-bin/page-dash.o cgi-bin/page-job.o cgi-bin/page-node.o \
          cgi-bin/page-stats.o cgi-bin/api.o cgi-bin/events.o \
          cgi-bin/auth.o cgi-bin/page-ui.o
PROGS   = $(BIN) $(LIBEXEC) $(CGI)

all: $(PROGS)

lib/libiar.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(LIBOBJ): $(LIBHDR)

# The compiled-in root follows ROOT (install sets it to PREFIX).
lib/root.stamp: FORCE
	@echo '$(ROOT)' | cmp -s - $@ || echo '$(ROOT)' > $@
lib/paths.o: lib/root.stamp
FORCE:

.c.o:
	$(CC) $(CFLAGS) -c -o $@ $<

$(PROGS) $(UNIT): lib/libiar.a
bin/iar-init: bin/iar-init.o
bin/iar-submit: bin/iar-submit.o
bin/iar-stat: bin/iar-stat.o
bin/iar-cancel: bin/iar-cancel.o
bin/iar-hold: bin/iar-hold.o
bin/iar-release: bin/iar-release.o
bin/iar-wait: bin/iar-wait.o
bin/iar-log: bin/iar-log.o
bin/iar-fetch: bin/iar-fetch.o
bin/iar-node: bin/iar-node.o
bin/iar-suspend: bin/iar-suspend.o
bin/iar-resume: bin/iar-resume.o
bin/iar-modify: bin/iar-modify.o
libexec/iar-dispatch: libexec/iar-dispatch.o libexec/dispatch-run.o \
    libexec/dispatch-web.o libexec/dispatch-node.o libexec/shepherd.o libexec/shepherd-watch.o \
    libexec/stage.o libexec/dispatch-match.o libexec/dispatch-pool.o libexec/dispatch-modify.o libexec/dispatch-array.o \
    libexec/dispatch-dep.o libexec/dispatch-retry.o
libexec/iar-run: libexec/iar-run.o libexec/shepherd.o libexec/shepherd-watch.o libexec/stage.o
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
$(BIN) $(UNIT) libexec/iar-rebuild libexec/iar-bundle libexec/iar-heartbeat \
    libexec/iar-stage libexec/iar-prune:
	$(CC) $(LDFLAGS) -o $@ $@.o lib/libiar.a $(LDLIBS)
libexec/iar-run:
	$(CC) $(LDFLAGS) -o $@ libexec/iar-run.o libexec/shepherd.o libexec/shepherd-watch.o \
	    libexec/stage.o lib/libiar.a $(LDLIBS)
libexec/iar-dispatch:
	$(CC) $(LDFLAGS) -o $@ libexec/iar-dispatch.o libexec/dispatch-run.o \
	    libexec/dispatch-web.o libexec/dispatch-node.o libexec/shepherd.o libexec/shepherd-watch.o \
	    libexec/stage.o libexec/dispatch-match.o libexec/dispatch-pool.o libexec/dispatch-modify.o libexec/dispatch-array.o \
	    libexec/dispatch-dep.o libexec/dispatch-retry.o lib/libiar.a $(LDLIBS)

bin/*.o libexec/*.o tests/*.o: $(LIBHDR) libexec/dispatch.h libexec/shepherd.h \
    libexec/shepherd-int.h \
    libexec/stage.h

# The CGI program (iar.cgi(8)); zlib for gzip.
$(CGI): $(CGIOBJ)
	$(CC) $(LDFLAGS) -o $@ $(CGIOBJ) lib/libiar.a $(LDLIBS)
$(CGIOBJ): $(LIBHDR) cgi-bin/cgi.h

check: deps all $(UNIT)
	tests/run

bench: all
	bench/run
	bench/sources
	bench/nodes
	bench/workflows

install: ROOT = $(PREFIX)
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(PREFIX)/etc $(DESTDIR)$(PREFIX)/spool \
	    $(DESTDIR)$(PREFIX)/nodes
	cp $(BIN) $(DESTDIR)$(BINDIR)/
	cp $(LIBEXEC) $(DESTDIR)$(LIBEXECDIR)/
	mkdir -p $(DESTDIR)$(PREFIX)/cgi-bin
	cp $(CGI) $(DESTDIR)$(PREFIX)/cgi-bin/
	cp etc/*-iar.conf $(DESTDIR)$(PREFIX)/etc/
	cp man/*.1 $(DESTDIR)$(MANDIR)/man1/
	cp man/*.5 $(DESTDIR)$(MANDIR)/man5/
	mkdir -p $(DESTDIR)$(MANDIR)/man8
	cp man/*.8 $(DESTDIR)$(MANDIR)/man8/
	[ -f $(DESTDIR)$(PREFIX)/etc/iar.conf ] || \
	    cp etc/iar.conf $(DESTDIR)$(PREFIX)/etc/
	cp etc/crontab etc/iar-dispatch.service etc/iar-dispatch@.service \
	    $(DESTDIR)$(PREFIX)/etc/

clean:
	rm -f lib/root.stamp lib/*.o lib/libiar.a bin/*.o libexec/*.o tests/*.o \
	    cgi-bin/*.o \
	    $(PROGS) $(UNIT)

deps:
	sh etc/install-deps

.PHONY: all check bench install clean deps FORCE
