/* fuzz-webconf: etc/cgi.conf text through webconf_parse, the parser
 * webconf_load uses. Invariants: every name listed passes
 * webconf_name_ok, the seconds are within their ranges, and nothing
 * leaks (the lists are freed on error too). */
#include "fuzz.h"
#include "webconf.h"

static void
names_check(char **l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fuzz_check(webconf_name_ok(l[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = fuzz_copy(data, size), err[256];
	struct cgi_conf cf;

	memset(&cf, 0, sizeof cf);
	cf.events_max = 300;
	cf.events_heartbeat = 15;
	if (webconf_parse(&cf, t, size, "cgi.conf", err, sizeof err) == 0) {
		names_check(cf.allow, cf.nallow);
		names_check(cf.admin, cf.nadmin);
		names_check(cf.readers, cf.nreaders);
		fuzz_check(!cf.cgi_user[0] || webconf_name_ok(cf.cgi_user));
		fuzz_check(cf.events_max >= 1 && cf.events_max <= 86400);
		fuzz_check(cf.events_heartbeat >= 1 &&
		    cf.events_heartbeat <= 3600);
		webconf_listed(cf.allow, cf.nallow, "alice");
	} else
		fuzz_check(!cf.nallow && !cf.nadmin && !cf.nreaders);
	webconf_free(&cf);
	free(t);
	return 0;
}
