/* conf.c: read etc/iar.conf; see conf.h and iar.conf(5).
 * Promises: every key is checked; an unknown key or bad value is reported
 * with its line number and the file is rejected as a whole. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "file.h"
#include "job.h"
#include "paths.h"

const char *const conf_placement_names[PL_N] = {
	"pack", "spread", "round-robin", "weighted", "fastest", "healthy",
	"least-loaded"
};

int
conf_cg_parent(const struct conf *c, const char *node, char *out,
    size_t outsz)
{
	int n = strcmp(node, c->host_node) == 0 ?
	    snprintf(out, outsz, "%s", c->cg_parent) :
	    snprintf(out, outsz, "%s/%s", c->cg_parent, node);

	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

void
conf_defaults(struct conf *c)
{
	char host[256];

	memset(c, 0, sizeof *c);
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "local");
	host[sizeof host - 1] = 0;
	host[strcspn(host, ".")] = 0;
	snprintf(c->node, sizeof c->node, "%s", host[0] ? host : "local");
	snprintf(c->host_node, sizeof c->host_node, "%s", c->node);
	snprintf(c->cg_parent, sizeof c->cg_parent, "iar");
	c->cgroups = 1;
	c->max_job_size = JOB_MAX_SIZE;
	c->kill_grace = 10;
	c->pids_max = 4096;
	c->pass_seconds = 55;
	c->hb_interval = 60;
	c->hist_step = 300;
	c->hb_timeout = 300;
	c->lost_after = 3600;
	c->retry_backoff = 10;
	c->retry_backoff_max = 3600;
	c->max_bundle_size = 1ULL << 30;
	c->mem_share = 1;
	c->log_max = 1ULL << 30;	/* no job is unlimited by default */
	c->mem_reserve = 256ULL << 20;
	c->retention = 30 * 86400;
	c->archive = 1;
	c->kill_invalid_depend = 1;
	c->bundle_grace = 3600;
	snprintf(c->git_schemes, sizeof c->git_schemes, "https ssh file path");
	share_conf_defaults(&c->share);
}

int
conf_git_url_ok(const struct conf *c, const char *url)
{
	const char *p = c->git_schemes, *sep;
	size_t n;

	if (!*url || strchr(url, '\n') || url[0] == '-')
		return 0;
	if (url[0] == '/')
		n = 0;			/* a plain absolute path: "path" */
	else {
		sep = strstr(url, "://");
		if (!sep || sep == url || !sep[3])
			return 0;	/* scp-style host:path is not taken */
		n = (size_t)(sep - url);
	}
	while (*p) {
		size_t k = strcspn(p, " ");

		if (n == 0 ? k == 4 && memcmp(p, "path", 4) == 0 :
		    k == n && memcmp(p, url, n) == 0)
			return 1;
		p += k;
		p += strspn(p, " ");
	}
	return 0;
}

static int
conf_name_ok(const char *s, int slash)
{
	if (!*s || strstr(s, ".."))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.' && !(slash && *s == '/'))
			return 0;
	return 1;
}

static int
conf_uint(const char *v, uint64_t max, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

/* Where things are and what runs: paths, names, cgroups, memory and
 * time defaults. 0, -1 for a bad value, 1 for a key not of these. */
static int
conf_set_where(struct conf *c, const char *k, const char *v)
{

	if (strcmp(k, "spool_dir") == 0 || strcmp(k, "nodes_dir") == 0) {
		char *d = k[0] == 's' ? c->spool_dir : c->nodes_dir;

		/* Absolute, no "..", no trailing slash (paths.h). */
		if (v[0] != '/' || strstr(v, "/../") || strlen(v) >=
		    sizeof c->spool_dir || (strlen(v) > 1 &&
		    v[strlen(v) - 1] == '/') || !conf_name_ok(v, 1))
			return -1;
		strcpy(d, v);
	} else if (strcmp(k, "node_name") == 0) {
		if (!conf_name_ok(v, 0) || strlen(v) >= sizeof c->node)
			return -1;
		strcpy(c->node, v);
		strcpy(c->host_node, v);
	} else if (strcmp(k, "cgroup_parent") == 0) {
		if (!conf_name_ok(v, 1) || v[0] == '/' ||
		    strlen(v) >= sizeof c->cg_parent)
			return -1;
		strcpy(c->cg_parent, v);
	} else if (strcmp(k, "cgroups") == 0) {
		if (strcmp(v, "auto") == 0)
			c->cgroups = 1;
		else if (strcmp(v, "off") == 0)
			c->cgroups = 0;
		else
			return -1;
	} else if (strcmp(k, "default_mem") == 0) {
		c->default_mem = 0;
		c->mem_share = strcmp(v, "share") == 0;
		if (!c->mem_share && strcmp(v, "0") != 0 &&
		    job_size_parse(v, &c->default_mem) < 0)
			return -1;
	} else if (strcmp(k, "default_time") == 0) {
		if (strcmp(v, "0") == 0)
			c->default_time = 0;
		else if (job_time_parse(v, &c->default_time) < 0)
			return -1;
	} else if (strcmp(k, "max_job_size") == 0) {
		if (job_size_parse(v, &c->max_job_size) < 0 ||
		    c->max_job_size < 1024 || c->max_job_size > (1u << 30))
			return -1;
	} else
		return 1;
	return 0;
}

/* Limits, times, policies and flags (and fair share's keys last). */
static int
conf_set_limit(struct conf *c, const char *k, const char *v)
{
	uint64_t n;

	if (strcmp(k, "kill_grace") == 0) {
		if (conf_uint(v, 3600, &n) < 0)
			return -1;
		c->kill_grace = (unsigned)n;
	} else if (strcmp(k, "pids_max") == 0) {
		if (conf_uint(v, 1 << 22, &n) < 0)
			return -1;
		c->pids_max = (long)n;
	} else if (strcmp(k, "retry_backoff") == 0 ||
	    strcmp(k, "retry_backoff_max") == 0) {
		if (conf_uint(v, 7 * 86400, &n) < 0)
			return -1;
		*(k[13] ? &c->retry_backoff_max : &c->retry_backoff) =
		    (unsigned)n;
	} else if (strcmp(k, "pass_seconds") == 0) {
		if (conf_uint(v, 3600, &n) < 0)
			return -1;
		c->pass_seconds = (unsigned)n;
	} else if (strcmp(k, "log_max") == 0) {
		if (strcmp(v, "0") == 0)
			c->log_max = 0;
		else if (job_size_parse(v, &c->log_max) < 0)
			return -1;
	} else if (strcmp(k, "mem_reserve") == 0) {
		if (strcmp(v, "0") == 0)
			c->mem_reserve = 0;
		else if (job_size_parse(v, &c->mem_reserve) < 0)
			return -1;
	} else if (strcmp(k, "node_memory") == 0) {
		if (strcmp(v, "0") == 0)
			c->node_memory = 0;
		else if (job_size_parse(v, &c->node_memory) < 0)
			return -1;
	} else if (strcmp(k, "max_bundle_size") == 0) {
		if (job_size_parse(v, &c->max_bundle_size) < 0)
			return -1;
	} else if (strcmp(k, "git_schemes") == 0) {
		const char *q;

		if (strlen(v) >= sizeof c->git_schemes)
			return -1;
		for (q = v; *q; q++)
			if (!islower((unsigned char)*q) && !isdigit(
			    (unsigned char)*q) && *q != ' ' && *q != '+')
				return -1;
		strcpy(c->git_schemes, v);
	} else if (strcmp(k, "node_cores") == 0) {
		if (conf_uint(v, 65536, &n) < 0)
			return -1;
		c->node_cores = (unsigned)n;
	} else if (strcmp(k, "heartbeat_interval") == 0) {
		if (conf_uint(v, 86400, &n) < 0 || n == 0)
			return -1;
		c->hb_interval = (unsigned)n;
	} else if (strcmp(k, "history_step") == 0) {
		if (conf_uint(v, 86400, &n) < 0)
			return -1;
		c->hist_step = (unsigned)n;
	} else if (strcmp(k, "placement") == 0) {
		for (n = 0; n < PL_N; n++)
			if (strcmp(v, conf_placement_names[n]) == 0)
				break;
		if (n == PL_N)
			return -1;
		c->placement = (int)n;
	} else if (strcmp(k, "retention") == 0 ||
	    strcmp(k, "bundle_grace") == 0) {
		uint64_t *t = k[0] == 'r' ? &c->retention : &c->bundle_grace;

		if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
			*t = 0;
		else if (job_time_parse(v, t) < 0)
			return -1;
	} else if (strcmp(k, "archive") == 0 ||
	    strcmp(k, "sbatch_strict") == 0 ||
	    strcmp(k, "kill_invalid_depend") == 0) {
		int *flag = k[0] == 'a' ? &c->archive : k[0] == 's' ?
		    &c->sbatch_strict : &c->kill_invalid_depend;

		if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0)
			*flag = 1;
		else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0)
			*flag = 0;
		else
			return -1;
	} else if (strcmp(k, "head_node") == 0) {
		if (!conf_name_ok(v, 0) || strlen(v) >= sizeof c->head_node)
			return -1;
		strcpy(c->head_node, v);
	} else if (strcmp(k, "health_min") == 0) {
		if (conf_uint(v, 100, &n) < 0)
			return -1;
		c->health_min = (unsigned)n;
	} else if (strcmp(k, "lost_after") == 0) {
		if (job_secs_parse(v, &c->lost_after) < 0)
			return -1;
	} else if (strcmp(k, "heartbeat_timeout") == 0) {
		if (conf_uint(v, 7 * 86400, &n) < 0 || n == 0)
			return -1;
		c->hb_timeout = (unsigned)n;
	} else
		return share_conf_set(&c->share, k, v);
	return 0;
}

static int
conf_set(struct conf *c, const char *k, const char *v)
{
	int r = conf_set_where(c, k, v);

	return r == 1 ? conf_set_limit(c, k, v) : r;
}

int
conf_parse(struct conf *c, const char *text, size_t len, const char *name,
    char *err, size_t errsz)
{
	char line[1024];
	unsigned lineno = 0;
	size_t pos = 0;
	int r;

	while ((r = buf_line_next(text, len, &pos, line, sizeof line)) != 0) {
		char *k, *v, *e;

		lineno++;
		if (r < 0) {
			snprintf(err, errsz, r == -1 ? "%s:%u: line too long" :
			    "%s:%u: NUL byte in line", name, lineno);
			return -1;
		}
		line[strcspn(line, "#")] = 0;
		for (k = line; isspace((unsigned char)*k); k++)
			;
		if (!*k)
			continue;
		if (!(v = strchr(k, '='))) {
			snprintf(err, errsz, "%s:%u: expected 'key = value'",
			    name, lineno);
			return -1;
		}
		for (e = v; e > k && isspace((unsigned char)e[-1]); e--)
			;
		*e = 0;
		for (v++; isspace((unsigned char)*v); v++)
			;
		for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]);
		    e--)
			;
		*e = 0;
		if ((r = conf_set(c, k, v)) < 0) {
			snprintf(err, errsz, r == -2 ? "%s:%u: unknown key "
			    "'%.64s'" : "%s:%u: bad value for '%.64s'", name,
			    lineno, k);
			return -1;
		}
	}
	return 0;
}

int
conf_read_fail(const char *path, char *err, size_t errsz)
{
	if (errno == ENOENT)
		return 0;
	snprintf(err, errsz, "cannot read '%s': %s", path, errno == EFBIG ?
	    "larger than 1 MiB" : strerror(errno));
	return -1;
}

int
conf_load(struct conf *c, char *err, size_t errsz)
{
	const char *path = paths_conf();
	struct buf b;
	int r;

	conf_defaults(c);
	buf_init(&b);
	if (file_read_path(path, 0, CONF_MAX_SIZE, &b) < 0) {
		buf_free(&b);
		return conf_read_fail(path, err, errsz);
	}
	r = conf_parse(c, b.s ? b.s : "", b.len, path, err, errsz);
	buf_free(&b);
	return r;
}
