/* fuzz-conf: iar.conf text through conf_parse, the parser conf_load
 * uses. Invariants: what it takes passes its own checks again: a
 * cgroup parent for any node fits, the node name is not empty, and the
 * limits hold (max_job_size 1 KiB..1 GiB, a placement that exists). */
#include "fuzz.h"
#include "conf.h"

static struct conf defaults;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = fuzz_copy(data, size), err[256], cg[256];
	struct conf c;

	if (!defaults.node[0])
		conf_defaults(&defaults);	/* once: it asks the host */
	c = defaults;
	if (conf_parse(&c, t, size, "iar.conf", err, sizeof err) == 0) {
		fuzz_check(c.node[0] && c.cg_parent[0]);
		fuzz_check(c.max_job_size >= 1024 &&
		    c.max_job_size <= (1u << 30));
		fuzz_check(c.placement >= 0 && c.placement < PL_N);
		fuzz_check(conf_cg_parent(&c, c.node, cg, sizeof cg) == 0);
		conf_git_url_ok(&c, "https://example.org/x.git");
		conf_git_url_ok(&c, "/srv/git/x");
	} else
		fuzz_check(strstr(err, "iar.conf:"));
	free(t);
	return 0;
}
