/* share.c: fair-share settings, usage and spool/share; see share.h and
 * iar.conf(5), iar-share(1). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "hist.h"
#include "job.h"
#include "share.h"
#include "spool.h"

#define HOUR_US		(3600LL * 1000000)
#define LOOKBACK_MAX	(14 * 24)	/* hour cells read per user */

void
share_conf_defaults(struct share_conf *c)
{
	memset(c, 0, sizeof *c);
	c->on = 1;
	c->halflife = 86400;
}

static int
share_uint(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > 1000000000UL)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* "NAME running=N cores=N queued=N" (any of the three, at least one) */
static int
share_limit_parse(const char *v, int group, struct share_limit *l)
{
	char text[256], *w, *save = NULL, *eq;
	int n = 0;

	memset(l, 0, sizeof *l);
	l->group = group;
	if (strlen(v) >= sizeof text)
		return -1;
	strcpy(text, v);
	if (!(w = strtok_r(text, " \t", &save)) || strlen(w) >= sizeof l->name)
		return -1;
	for (eq = w; *eq; eq++)
		if (!isalnum((unsigned char)*eq) && *eq != '-' && *eq != '_' &&
		    *eq != '.')
			return -1;
	strcpy(l->name, w);
	while ((w = strtok_r(NULL, " \t", &save))) {
		unsigned *slot;

		if (!(eq = strchr(w, '=')))
			return -1;
		*eq++ = 0;
		slot = strcmp(w, "running") == 0 ? &l->running :
		    strcmp(w, "cores") == 0 ? &l->cores :
		    strcmp(w, "queued") == 0 ? &l->queued : NULL;
		if (!slot || share_uint(eq, slot) < 0)
			return -1;
		n++;
	}
	return n ? 0 : -1;
}

int
share_conf_set(struct share_conf *c, const char *k, const char *v)
{
	if (strcmp(k, "fairshare") == 0) {
		if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0)
			c->on = 1;
		else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0)
			c->on = 0;
		else
			return -1;
	} else if (strcmp(k, "fairshare_halflife") == 0) {
		if (job_time_parse(v, &c->halflife) < 0 || c->halflife == 0)
			return -1;
	} else if (strcmp(k, "max_running_per_user") == 0) {
		return share_uint(v, &c->running);
	} else if (strcmp(k, "max_cores_per_user") == 0) {
		return share_uint(v, &c->cores);
	} else if (strcmp(k, "max_queued_per_user") == 0) {
		return share_uint(v, &c->queued);
	} else if (strcmp(k, "limit_user") == 0 ||
	    strcmp(k, "limit_group") == 0) {
		if (c->nlim == SHARE_LIMITS || share_limit_parse(v,
		    k[6] == 'g', &c->lim[c->nlim]) < 0)
			return -1;
		c->nlim++;
	} else
		return -2;
	return 0;
}

size_t
share_limits_of(const struct share_conf *c, const char *name,
    const gid_t *gids, int ngids, struct share_limit *u, size_t *grp)
{
	struct group *gr;
	size_t i, n = 0;
	int g;

	memset(u, 0, sizeof *u);
	snprintf(u->name, sizeof u->name, "%s", name);
	u->running = c->running;
	u->cores = c->cores;
	u->queued = c->queued;
	for (i = 0; i < c->nlim; i++) {
		const struct share_limit *l = &c->lim[i];

		if (!l->group) {
			if (strcmp(l->name, name) != 0)
				continue;
			if (l->running)
				u->running = l->running;
			if (l->cores)
				u->cores = l->cores;
			if (l->queued)
				u->queued = l->queued;
			continue;
		}
		if (!(gr = getgrnam(l->name)))
			continue;
		for (g = 0; g < ngids; g++)
			if (gids[g] == gr->gr_gid)
				break;
		if (g < ngids && n < SHARE_LIMITS)
			grp[n++] = i;
	}
	return n;
}

double
share_decay(double usage, int64_t from_us, int64_t to_us, uint64_t halflife)
{
	if (to_us <= from_us || !halflife || usage == 0)
		return usage;
	return usage * exp2(-(double)(to_us - from_us) / 1e6 /
	    (double)halflife);
}

double
share_usage_hist(struct hist *h, uid_t uid, int64_t now_us,
    uint64_t halflife)
{
	struct hist_tally bins[LOOKBACK_MAX], all;
	int64_t from;
	size_t n, i;
	double u = 0;

	/* One cell says whether the user ever ran anything. */
	if (!h || !halflife || hist_tally_total(h, (long)uid, &all) != 0 ||
	    all.core_us_sum == 0)
		return 0;
	n = (size_t)(10 * halflife / 3600 + 1);
	if (n > LOOKBACK_MAX)
		n = LOOKBACK_MAX;
	from = (now_us / HOUR_US + 1 - (int64_t)n) * HOUR_US;
	if (from < 0 || hist_tally_bins(h, (long)uid, from, HOUR_US, n,
	    bins) != 0)
		return 0;
	/* Each hour's core-seconds as if they were used in its middle. */
	for (i = 0; i < n; i++)
		if (bins[i].core_us_sum)
			u += share_decay((double)bins[i].core_us_sum / 1e6,
			    from + (int64_t)i * HOUR_US + HOUR_US / 2, now_us,
			    halflife);
	return u;
}

/* ---- spool/share ---- */

static int
share_word(char **p, const char *key, char *val, size_t valsz)
{
	size_t kl = strlen(key), n;
	char *s = *p;

	while (*s == ' ')
		s++;
	if (strncmp(s, key, kl) != 0 || s[kl] != '=')
		return -1;
	s += kl + 1;
	n = strcspn(s, " ");
	if (n == 0 || n >= valsz)
		return -1;
	memcpy(val, s, n);
	val[n] = 0;
	*p = s + n;
	return 0;
}

static int
share_line_parse(char *line, struct share_row *r)
{
	char v[64], *p = line, *end;
	unsigned *u[4] = { &r->running, &r->cores, &r->queued, &r->rank };
	const char *k[4] = { "running", "cores", "queued", "rank" };
	int i;

	memset(r, 0, sizeof *r);
	if (share_word(&p, "user", r->user, sizeof r->user) < 0 ||
	    share_word(&p, "uid", v, sizeof v) < 0)
		return -1;
	r->uid = (uid_t)strtoul(v, NULL, 10);
	if (share_word(&p, "usage", v, sizeof v) < 0)
		return -1;
	r->usage = strtod(v, &end);
	if (*end || r->usage < 0)
		return -1;
	for (i = 0; i < 4; i++) {
		if (share_word(&p, k[i], v, sizeof v) < 0)
			return -1;
		*u[i] = (unsigned)strtoul(v, NULL, 10);
	}
	return 0;
}

int
share_file_read(int spoolfd, struct share_file *f)
{
	struct buf b;
	char line[512], v[32], *p;
	size_t pos = 0;
	int r, n = 0, ended = 0, fd;
	struct stat st;

	memset(f, 0, sizeof *f);
	if ((fd = file_open_checked(spoolfd, SHARE_FILE, &st)) < 0)
		return -1;
	buf_init(&b);
	r = file_read_all(fd, 64 << 20, &b);
	close(fd);
	if (r < 0) {
		buf_free(&b);
		return -1;
	}
	while ((r = buf_line_next(b.s ? b.s : "", b.len, &pos, line,
	    sizeof line)) > 0) {
		n++;
		if (ended)
			break;
		if (n == 1) {
			if (strcmp(line, "iar-share 1") != 0)
				break;
		} else if (n == 2) {
			p = line;
			if (share_word(&p, "at", v, sizeof v) < 0)
				break;
			f->at_us = strtoll(v, NULL, 10);
			if (share_word(&p, "halflife", v, sizeof v) < 0)
				break;
			f->halflife = strtoull(v, NULL, 10);
			if (share_word(&p, "fairshare", v, sizeof v) < 0)
				break;
			f->on = v[0] == '1';
		} else if (strcmp(line, "end") == 0)
			ended = 1;
		else {
			struct share_row *nr = realloc(f->row, (f->n + 1) *
			    sizeof *nr);

			if (!nr)
				break;
			f->row = nr;
			if (share_line_parse(line, &f->row[f->n]) < 0)
				break;
			f->n++;
		}
	}
	buf_free(&b);
	if (!ended || r != 0) {
		share_file_free(f);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void
share_file_free(struct share_file *f)
{
	free(f->row);
	f->row = NULL;
	f->n = 0;
}

/* ---- max_queued, for iar-submit ---- */

struct qcount {
	uid_t uid;
	uint64_t n;
};

static int
user_groups(uid_t uid, char *name, size_t namesz, gid_t *gids, int *ng)
{
	struct passwd *pw = getpwuid(uid);

	if (!pw) {
		snprintf(name, namesz, "%u", (unsigned)uid);
		*ng = 0;
		return -1;
	}
	snprintf(name, namesz, "%s", pw->pw_name);
	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, ng) < 0)
		*ng = 0;
	return 0;
}

int
share_queued_ok(const struct share_conf *c, struct spool *sp, uid_t uid,
    uint64_t add, char *why, size_t whysz)
{
	static const int dirs[] = { SD_INCOMING, SD_QUEUE, SD_HOLD };
	struct share_limit u;
	struct qcount *qc = NULL;
	size_t grp[SHARE_LIMITS], ngrp, nq = 0, i, g, k;
	char name[64], oname[64];
	gid_t gids[64], ogids[64];
	int ng = 64, ong, r = 0;
	uint64_t mine = 0;

	user_groups(uid, name, sizeof name, gids, &ng);
	ngrp = share_limits_of(c, name, gids, ng, &u, grp);
	for (g = 0, k = 0; g < ngrp; g++)
		k += c->lim[grp[g]].queued != 0;
	if (!u.queued && !k)
		return 0;
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		int fd = dup(sp->fd[dirs[i]]);
		struct dirent *de;
		struct stat st;
		DIR *dir;

		if (fd < 0 || !(dir = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			free(qc);
			return -2;
		}
		while ((de = readdir(dir))) {
			uint64_t id;

			if (job_id_parse(de->d_name, &id) < 0 ||
			    fstatat(dirfd(dir), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			for (k = 0; k < nq && qc[k].uid != st.st_uid; k++)
				;
			if (k == nq) {
				struct qcount *n = realloc(qc, (nq + 1) *
				    sizeof *n);

				if (!n)
					continue;
				qc = n;
				qc[nq].uid = st.st_uid;
				qc[nq++].n = 0;
			}
			qc[k].n++;
		}
		closedir(dir);
	}
	for (k = 0; k < nq; k++)
		if (qc[k].uid == uid)
			mine = qc[k].n;
	if (u.queued && mine + add > u.queued) {
		snprintf(why, whysz, "user %s has %" PRIu64 " of %u queued "
		    "jobs", name, mine, u.queued);
		r = -1;
	}
	for (g = 0; r == 0 && g < ngrp; g++) {
		const struct share_limit *l = &c->lim[grp[g]];
		struct group *gr = getgrnam(l->name);
		uint64_t sum = 0;
		int m;

		if (!l->queued || !gr)
			continue;
		for (k = 0; k < nq; k++) {
			ong = 64;
			user_groups(qc[k].uid, oname, sizeof oname, ogids,
			    &ong);
			for (m = 0; m < ong && ogids[m] != gr->gr_gid; m++)
				;
			if (m < ong)
				sum += qc[k].n;
		}
		if (sum + add > l->queued) {
			snprintf(why, whysz, "group %s has %" PRIu64 " of %u "
			    "queued jobs", l->name, sum, l->queued);
			r = -1;
		}
	}
	free(qc);
	return r;
}
