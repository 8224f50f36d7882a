/* dispatch-share.c: fair sharing in the head's matching pass (share.h,
 * iar.conf(5) "FAIR SHARE").
 *
 * Order: among jobs of equal priority, the job that goes first is the
 * one whose owner would have used the least once it starts: the owner's
 * recent usage (core-seconds, halved every fairshare_halflife), plus
 * what its running jobs hold (cores times the walltime left), plus its
 * queued jobs ahead of this one and this one (cores times walltime, an
 * hour when none is known). So two users' arrays interleave, and one
 * user's 10,000 tasks go after another user's single job.
 *
 * Usage is read from the history's hour cells once per user (the first
 * time the head sees a job of theirs) and then kept as the head records
 * each ended job (disp_share_ended): no walk of the history per pass.
 *
 * Limits: max_running_per_user, max_cores_per_user, limit_user and
 * limit_group hold a job in the queue (why: "user ann has 8 of 8
 * cores"); max_queued is refused by iar-submit.
 *
 * spool/share (share.h) shows the order and the usage to iar-share(1)
 * and the CGI; rewritten when it changes, at most once a second. */
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "share.h"

#define SHARE_EVERY_US	1000000
#define GIDS_MAX	64

struct duser {
	uid_t uid;
	char name[33];
	gid_t gids[GIDS_MAX];
	int ngids;
	double usage;		/* core-seconds as of usage_us */
	int64_t usage_us;
	struct share_limit lim;	/* its own limits */
	size_t grp[SHARE_LIMITS], ngrp;	/* limit_group lines it is in */
	/* this pass */
	unsigned running, cores, queued;
	double base, acc;	/* usage + running cost; queued cost so far */
	double next;		/* key of its first queued job; -1 none */
};

struct dshare {
	struct duser *u;	/* sorted by uid */
	size_t n;
	struct share_conf conf;	/* the limits u[].lim were worked out for */
	unsigned grun[SHARE_LIMITS], gcores[SHARE_LIMITS];
	struct buf text;	/* the user lines spool/share holds */
	int64_t wrote_us;
};

static struct dshare *
share_get(struct disp *d)
{
	if (!d->share) {
		if (!(d->share = calloc(1, sizeof *d->share)))
			return NULL;
		buf_init(&d->share->text);
	}
	return d->share;
}

/* Work out a user's name, groups and limits. */
static void
duser_limits(struct disp *d, struct duser *u)
{
	u->ngrp = share_limits_of(&d->conf.share, u->name, u->gids, u->ngids,
	    &u->lim, u->grp);
}

static struct duser *
duser_find(struct disp *d, uid_t uid, int create)
{
	struct dshare *s = share_get(d);
	size_t lo = 0, hi, i;
	struct duser *nu, *u;
	struct passwd *pw;

	if (!s)
		return NULL;
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->u[mid].uid == uid)
			return &s->u[mid];
		if (s->u[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!create || !(nu = realloc(s->u, (s->n + 1) * sizeof *nu)))
		return NULL;
	s->u = nu;
	for (i = s->n; i > lo; i--)
		s->u[i] = s->u[i - 1];
	s->n++;
	u = &s->u[lo];
	memset(u, 0, sizeof *u);
	u->uid = uid;
	if ((pw = getpwuid(uid))) {
		snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
		u->ngids = GIDS_MAX;
		if (getgrouplist(pw->pw_name, pw->pw_gid, u->gids,
		    &u->ngids) < 0)
			u->ngids = 0;
	} else
		snprintf(u->name, sizeof u->name, "%u", (unsigned)uid);
	u->usage_us = clock_now_us();
	u->usage = share_usage_hist(d->hist, uid, u->usage_us,
	    d->conf.share.halflife);
	duser_limits(d, u);
	return u;
}

void
disp_share_ended(struct disp *d, uid_t uid, unsigned cores,
    int64_t started_us, int64_t ended_us)
{
	struct duser *u = duser_find(d, uid, 0);

	/* A user not seen yet gets this job from the history's cells. */
	if (!u || !started_us || ended_us <= started_us)
		return;
	u->usage = share_decay(u->usage, u->usage_us, ended_us,
	    d->conf.share.halflife) + (double)(cores ? cores : 1) *
	    (double)(ended_us - started_us) / 1e6;
	if (ended_us > u->usage_us)
		u->usage_us = ended_us;
}

/* u (and each limit_group it is in) holds one more job of cores. */
static void
duser_hold(struct dshare *s, struct duser *u, unsigned cores)
{
	size_t g;

	u->running++;
	u->cores += cores;
	for (g = 0; g < u->ngrp; g++) {
		s->grun[u->grp[g]]++;
		s->gcores[u->grp[g]] += cores;
	}
}

static double
qjob_cost(const struct qjob *q)
{
	return (double)(q->cores ? q->cores : 1) *
	    (double)(q->time ? q->time : SHARE_COST_TIME);
}

struct keyed {
	double key;
	size_t i;
	int prio;
	uint64_t id;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void
disp_share_order(struct disp *d, struct qjob *q, size_t n)
{
	struct dshare *s = share_get(d);
	int64_t now = clock_now_us();
	struct keyed *k;
	struct qjob *t;
	size_t i, j;

	if (!s)
		return;
	/* Limits again when iar.conf changed them. */
	if (memcmp(&s->conf, &d->conf.share, sizeof s->conf) != 0) {
		s->conf = d->conf.share;
		for (i = 0; i < s->n; i++)
			duser_limits(d, &s->u[i]);
	}
	for (i = 0; i < s->n; i++) {
		struct duser *u = &s->u[i];

		u->running = u->cores = u->queued = 0;
		u->acc = 0;
		u->next = -1;
		u->base = share_decay(u->usage, u->usage_us, now,
		    d->conf.share.halflife);
	}
	memset(s->grun, 0, sizeof s->grun);
	memset(s->gcores, 0, sizeof s->gcores);
	/* What each user holds now. */
	for (i = 0; i < d->nn; i++)
		for (j = 0; j < d->mn[i].njobs; j++) {
			const struct mjob *m = &d->mn[i].jobs[j];
			struct duser *u = duser_find(d, m->uid, 1);
			int64_t left;

			if (!u)
				continue;
			duser_hold(s, u, m->cores);
			left = m->end_us > now ? (m->end_us - now) / 1000000 :
			    m->end_us ? 0 : SHARE_COST_TIME;
			u->base += (double)m->cores * (double)left;
		}
	for (i = 0; i < n; i++) {
		struct duser *u;

		if (q[i].is_array || !(u = duser_find(d, q[i].uid, 1)))
			continue;
		u->queued++;
	}
	if (!d->conf.share.on || n < 2 || !(k = malloc(n * sizeof *k)))
		return;
	/* q is in priority and id order: each user's jobs come in its own
	 * order, and each adds its cost to the user's total so far. */
	for (i = 0; i < n; i++) {
		struct duser *u = duser_find(d, q[i].uid, 0);

		k[i].i = i;
		k[i].prio = q[i].prio;
		k[i].id = q[i].id;
		k[i].key = 0;
		if (!u)
			continue;
		if (!q[i].is_array)
			u->acc += qjob_cost(&q[i]);
		k[i].key = u->base + u->acc;
		if (u->next < 0 && !q[i].is_array)
			u->next = k[i].key;
	}
	qsort(k, n, sizeof *k, keyed_cmp);
	if ((t = malloc(n * sizeof *t))) {
		for (i = 0; i < n; i++)
			t[i] = q[k[i].i];
		memcpy(q, t, n * sizeof *t);
		free(t);
	}
	free(k);
}

int
disp_share_blocked(struct disp *d, const struct qjob *q, char *why,
    size_t whysz)
{
	struct dshare *s = d->share;
	struct duser *u = duser_find(d, q->uid, 0);
	size_t g;

	if (!s || !u)
		return 0;
	if (u->lim.running && u->running + 1 > u->lim.running) {
		snprintf(why, whysz, "user %s has %u of %u running jobs",
		    u->name, u->running, u->lim.running);
		return 1;
	}
	if (u->lim.cores && u->cores + q->cores > u->lim.cores) {
		snprintf(why, whysz, "user %s has %u of %u cores", u->name,
		    u->cores, u->lim.cores);
		return 1;
	}
	for (g = 0; g < u->ngrp; g++) {
		const struct share_limit *l = &d->conf.share.lim[u->grp[g]];

		if (l->running && s->grun[u->grp[g]] + 1 > l->running) {
			snprintf(why, whysz, "group %s has %u of %u running "
			    "jobs", l->name, s->grun[u->grp[g]], l->running);
			return 1;
		}
		if (l->cores && s->gcores[u->grp[g]] + q->cores > l->cores) {
			snprintf(why, whysz, "group %s has %u of %u cores",
			    l->name, s->gcores[u->grp[g]], l->cores);
			return 1;
		}
	}
	return 0;
}

void
disp_share_took(struct disp *d, const struct qjob *q)
{
	struct duser *u = duser_find(d, q->uid, 0);

	if (!u)
		return;
	duser_hold(d->share, u, q->cores);
	if (u->queued)
		u->queued--;
}

static int
duser_rank_cmp(const void *a, const void *b)
{
	const struct duser *x = *(struct duser *const *)a;
	const struct duser *y = *(struct duser *const *)b;

	if ((x->next < 0) != (y->next < 0))
		return x->next < 0 ? 1 : -1;
	if (x->next != y->next)
		return x->next < y->next ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

void
disp_share_write(struct disp *d)
{
	struct dshare *s = d->share;
	int64_t now = clock_now_us();
	struct duser **by;
	struct buf b, f;
	size_t i, m = 0;

	if (!s || now - s->wrote_us < SHARE_EVERY_US)
		return;
	if (!(by = malloc((s->n ? s->n : 1) * sizeof *by)))
		return;
	for (i = 0; i < s->n; i++) {
		s->u[i].base = share_decay(s->u[i].usage, s->u[i].usage_us,
		    now, d->conf.share.halflife);
		if (s->u[i].running || s->u[i].queued || s->u[i].base >= 0.5)
			by[m++] = &s->u[i];
	}
	qsort(by, m, sizeof *by, duser_rank_cmp);
	buf_init(&b);
	for (i = 0; i < m; i++)
		buf_addf(&b, "user=%s uid=%u usage=%.0f running=%u cores=%u "
		    "queued=%u rank=%zu\n", by[i]->name, (unsigned)by[i]->uid,
		    by[i]->base, by[i]->running, by[i]->cores,
		    by[i]->queued, by[i]->next < 0 ? (size_t)0 : i + 1);
	free(by);
	if (!b.err && (b.len != s->text.len || memcmp(b.s ? b.s : "",
	    s->text.s ? s->text.s : "", b.len) != 0)) {
		buf_init(&f);
		buf_addf(&f, "iar-share 1\nat=%" PRId64 " halflife=%" PRIu64
		    " fairshare=%d\n", now, d->conf.share.halflife,
		    d->conf.share.on);
		buf_add(&f, b.s ? b.s : "", b.len);
		buf_adds(&f, "end\n");
		if (!f.err && file_replace_nosync(d->sp.spoolfd, SHARE_FILE, f.s,
		    f.len, 0644) == 0) {
			buf_reset(&s->text);
			buf_add(&s->text, b.s ? b.s : "", b.len);
			s->wrote_us = now;
		}
		buf_free(&f);
	}
	buf_free(&b);
}

void
disp_share_free(struct disp *d)
{
	if (!d->share)
		return;
	free(d->share->u);
	buf_free(&d->share->text);
	free(d->share);
	d->share = NULL;
}
