/* paths.c: the directories in use and where the helpers are; see
 * paths.h. Promises: each answer is worked out once per process (until
 * paths_reset), is absolute or as IAR_ROOT gave it, and is never
 * truncated: a path that does not fit makes the program stop with a
 * clear message rather than use a shorter one. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "msg.h"
#include "paths.h"

static char p_etc[PATH_MAX], p_spool[PATH_MAX], p_nodes[PATH_MAX];
static char p_conf[PATH_MAX], p_libexec[PATH_MAX];
static int p_done, p_libexec_done;

static void
paths_set(char *dst, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(dst, PATH_MAX, fmt, a, b);

	if (n < 0 || n >= PATH_MAX)
		msg_die(EX_USAGE, "cannot use '%s': %s", a,
		    strerror(ENAMETOOLONG));
}

static void
paths_work_out(void)
{
	const char *r = paths_root();

	if (p_done)
		return;
	p_done = 1;
	if (r) {
		paths_set(p_etc, "%s/%s", r, IAR_ROOT_ETC);
		paths_set(p_spool, "%s/%s", r, IAR_SPOOL);
		paths_set(p_nodes, "%s/%s", r, IAR_NODES);
		paths_set(p_conf, "%s/%s", p_etc, IAR_CONF_NAME);
		return;
	}
	paths_set(p_etc, "%s%s", IAR_ETCDIR, "");
	paths_set(p_conf, "%s/%s", p_etc, IAR_CONF_NAME);
	paths_set(p_spool, "%s%s", IAR_SPOOLDIR, "");
	paths_set(p_nodes, "%s%s", IAR_NODESDIR, "");
	{
		/* iar.conf may move them; a bad file is reported by the
		 * program's own conf_load, with the line. */
		struct conf c;
		char err[256];

		if (conf_load(&c, err, sizeof err) == 0) {
			if (c.spool_dir[0])
				paths_set(p_spool, "%s%s", c.spool_dir, "");
			if (c.nodes_dir[0])
				paths_set(p_nodes, "%s%s", c.nodes_dir, "");
		}
	}
}

const char *
paths_root(void)
{
	const char *r = getenv("IAR_ROOT");

	return r && *r ? r : NULL;
}

const char *
paths_conf(void)
{
	/* conf_load asks for this before the rest is worked out. */
	if (!p_done && !p_conf[0]) {
		const char *r = paths_root();

		if (r)
			paths_set(p_conf, "%s/" IAR_ROOT_ETC "/%s", r,
			    IAR_CONF_NAME);
		else
			paths_set(p_conf, "%s/%s", IAR_ETCDIR, IAR_CONF_NAME);
	}
	return p_conf;
}

const char *
paths_etc(void)
{
	paths_work_out();
	return p_etc;
}

const char *
paths_spool(void)
{
	paths_work_out();
	return p_spool;
}

const char *
paths_nodes(void)
{
	paths_work_out();
	return p_nodes;
}

/* Is dir/name an executable file? */
static int
paths_has(const char *dir, const char *name)
{
	char p[PATH_MAX];
	int n = snprintf(p, sizeof p, "%s/%s", dir, name);

	return n > 0 && n < (int)sizeof p && access(p, X_OK) == 0;
}

const char *
paths_libexec(void)
{
	static const char *const rel[] = { "", "/../libexec/iar",
	    "/../libexec" };
	char exe[PATH_MAX], *slash;
	ssize_t n;
	size_t i;

	if (p_libexec_done)
		return p_libexec;
	p_libexec_done = 1;
	paths_set(p_libexec, "%s%s", IAR_LIBEXECDIR, "");
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0 || n >= (ssize_t)sizeof exe - 1)
		return p_libexec;
	exe[n] = 0;
	if (!(slash = strrchr(exe, '/')))
		return p_libexec;
	*slash = 0;
	/* The shepherd (iar-stage's caller) is the one helper every
	 * libexec directory of ours has. */
	for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		char d[PATH_MAX];
		int m = snprintf(d, sizeof d, "%s%s", exe, rel[i]);

		if (m > 0 && m < (int)sizeof d && paths_has(d, "iar-run")) {
			char *real = realpath(d, NULL);

			if (real && strlen(real) < sizeof p_libexec)
				strcpy(p_libexec, real);
			free(real);
			break;
		}
	}
	return p_libexec;
}

int
paths_helper(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", paths_libexec(), name);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

void
paths_reset(void)
{
	p_done = p_libexec_done = 0;
	p_conf[0] = 0;
}
