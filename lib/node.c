/* node.c: read and write the files of nodes/NAME; see node.h and
 * iar-node(5).
 * Promises: settings and state are replaced whole and durably (tmp, fsync,
 * rename, fsync of the directory); the heartbeat and alive files are
 * replaced whole but not synced (they are rewritten every interval);
 * readers reject a heartbeat without its header and end marker. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "job.h"
#include "node.h"
#include "paths.h"

static const char *const node_admin_names[NA_N] = {
	"up", "drain", "maintenance"
};

const char *const node_battery_names[NB_N] = { "run", "no-new", "suspend" };

const char *
node_admin_name(int state)
{
	return state >= 0 && state < NA_N ? node_admin_names[state] : "?";
}

int
node_admin_parse(const char *s)
{
	int i;

	for (i = 0; i < NA_N; i++)
		if (strcmp(s, node_admin_names[i]) == 0)
			return i;
	return -1;
}

int
node_tags_ok(const char *tags)
{
	const char *p;
	int word = 0;

	for (p = tags; *p; p++) {
		if (*p == ',') {
			if (!word)
				return 0;
			word = 0;
		} else if (isalnum((unsigned char)*p) || *p == '.' ||
		    *p == '_' || *p == '-')
			word = 1;
		else
			return 0;
	}
	return (word || !*tags) && strlen(tags) < sizeof
	    ((struct node_settings *)0)->tags;
}

static int
node_uint(const char *v, uint64_t max, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

int
node_settings_read(int nodefd, struct node_settings *s)
{
	char text[2048];
	long len;

	node_settings_parse("", 0, s);
	if ((len = file_read_small(nodefd, NODE_SETTINGS, text, sizeof text))
	    < 0)
		return errno == ENOENT ? 0 : -1;
	if ((size_t)len >= sizeof text - 1)
		return -1;
	return node_settings_parse(text, (size_t)len, s);
}

int
node_settings_parse(const char *data, size_t len, struct node_settings *s)
{
	char text[2048], *line, *next;
	uint64_t n;

	memset(s, 0, sizeof *s);
	snprintf(s->kind, sizeof s->kind, "host");
	s->weight = 1;
	if (len >= sizeof text - 1 || memchr(data, 0, len))
		return -1;
	memcpy(text, data, len);
	text[len] = 0;
	for (line = text; *line; line = next) {
		char *eq;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		if (!*line || *line == '#')
			continue;
		if (!(eq = strchr(line, '=')))
			return -1;
		*eq++ = 0;
		if (!strcmp(line, "kind")) {
			if (!*eq || strlen(eq) >= sizeof s->kind ||
			    !node_tags_ok(eq) || strchr(eq, ','))
				return -1;
			snprintf(s->kind, sizeof s->kind, "%s", eq);
		} else if (!strcmp(line, "tags")) {
			if (!node_tags_ok(eq))
				return -1;
			snprintf(s->tags, sizeof s->tags, "%s", eq);
		} else if (!strcmp(line, "weight")) {
			if (node_uint(eq, 1000000, &n) < 0)
				return -1;
			s->weight = (unsigned)n;
		} else if (!strcmp(line, "memory")) {
			if (node_uint(eq, UINT64_MAX, &n) < 0)
				return -1;
			s->memory = n;
		} else if (!strcmp(line, "gpus")) {
			if (node_uint(eq, 65536, &n) < 0)
				return -1;
			s->gpus = (unsigned)n;
		} else if (!strcmp(line, "partition")) {
			if (strlen(eq) >= sizeof s->partition ||
			    !node_tags_ok(eq) || strchr(eq, ','))
				return -1;
			snprintf(s->partition, sizeof s->partition, "%s", eq);
		} else if (!strcmp(line, "max_jobs")) {
			if (node_uint(eq, 1000000, &n) < 0)
				return -1;
			s->max_jobs = (unsigned)n;
		} else if (!strcmp(line, "on_battery")) {
			for (n = 0; n < NB_N; n++)
				if (!strcmp(eq, node_battery_names[n]))
					break;
			if (n == NB_N)
				return -1;
			s->on_battery = (int)n;
		} else if (!strcmp(line, "on_hot")) {
			if (strcmp(eq, "no-new") && strcmp(eq, "suspend"))
				return -1;
			s->hot_suspend = eq[0] == 's';
		} else if (!strcmp(line, "max_temp") ||
		    !strcmp(line, "resume_temp")) {
			if (node_uint(eq, 200, &n) < 0)
				return -1;
			*(line[0] == 'm' ? &s->max_temp : &s->resume_temp) =
			    (unsigned)n;
		} else if (!strcmp(line, "oversubscribe")) {
			if (node_uint(eq, 16, &n) < 0)
				return -1;
			s->oversubscribe = (unsigned)n;
		} else if (!strcmp(line, "gpu_slots")) {
			if (node_uint(eq, 64, &n) < 0)
				return -1;
			s->gpu_slots = (unsigned)n;
		} else
			return -1;
	}
	return 0;
}

int
node_settings_write(int nodefd, const struct node_settings *s)
{
	char text[1024];
	int n;

	n = snprintf(text, sizeof text, "kind=%s\ntags=%s\nweight=%u\n"
	    "memory=%" PRIu64 "\ngpus=%u\n", s->kind, s->tags, s->weight,
	    s->memory, s->gpus);
	if (n > 0 && (size_t)n < sizeof text && s->partition[0])
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "partition=%s\n", s->partition);
	if (n > 0 && (size_t)n < sizeof text && s->max_jobs)
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "max_jobs=%u\n", s->max_jobs);
	if (n > 0 && (size_t)n < sizeof text && s->on_battery)
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "on_battery=%s\n", node_battery_names[s->on_battery]);
	if (n > 0 && (size_t)n < sizeof text && s->hot_suspend)
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "on_hot=suspend\n");
	if (n > 0 && (size_t)n < sizeof text && s->max_temp)
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "max_temp=%u\n", s->max_temp);
	if (n > 0 && (size_t)n < sizeof text && s->resume_temp)
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "resume_temp=%u\n", s->resume_temp);
	if (n > 0 && (size_t)n < sizeof text && s->oversubscribe > 1)
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "oversubscribe=%u\n", s->oversubscribe);
	if (n > 0 && (size_t)n < sizeof text && s->gpu_slots > 1)
		n += snprintf(text + n, sizeof text - (size_t)n,
		    "gpu_slots=%u\n", s->gpu_slots);
	if (n < 0 || (size_t)n >= sizeof text) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return file_replace(nodefd, NODE_SETTINGS, text, (size_t)n, 0644, 1);
}

int
node_power_check(const struct node_settings *s,
    const struct node_heartbeat *hb, int hot, char *why, size_t whysz)
{
	unsigned lower = s->resume_temp && s->resume_temp < s->max_temp ?
	    s->resume_temp : s->max_temp;
	unsigned long thr = strtoul(hb->throttled, NULL, 16);
	double t = strtod(hb->thermal, NULL);

	if (whysz)
		why[0] = 0;
	if (s->max_temp && hb->thermal[0] && (t > s->max_temp ||
	    (hot && t >= lower))) {
		if (t > s->max_temp)
			snprintf(why, whysz, "%.0f C > %u C", t, s->max_temp);
		else
			snprintf(why, whysz, "%.0f C, not yet below %u C", t,
			    lower);
		return NP_HOT;
	}
	/* bit 2: throttled now; bit 3: soft temperature limit now */
	if (s->max_temp && (thr & 0xc)) {
		snprintf(why, whysz, "throttled %s", hb->throttled);
		return NP_HOT;
	}
	if (s->on_battery != NB_RUN && strstr(hb->battery, ",discharging")) {
		snprintf(why, whysz, "%ld%%", strtol(hb->battery, NULL, 10));
		return NP_BATTERY;
	}
	return NP_OK;
}

void
node_health_read(int nodefd, struct node_health *h)
{
	char text[256];
	long len;

	memset(h, 0, sizeof *h);
	h->score = 100;
	if ((len = file_read_small(nodefd, NODE_HEALTH, text, sizeof text)) <=
	    0 || (size_t)len >= sizeof text - 1)
		return;
	text[len] = 0;
	if (sscanf(text, "iar-health 1\nscore=%d\nok=%lf\nfailed=%lf\n"
	    "lost=%lf\n", &h->score, &h->ok, &h->failed, &h->lost) != 4 ||
	    h->score < 0 || h->score > 100 || !strstr(text, "\nend\n")) {
		memset(h, 0, sizeof *h);
		h->score = 100;
	}
}

int
node_health_note(int nodefd, int outcome, struct node_health *out)
{
	struct node_health h;
	char text[256];
	int n;

	node_health_read(nodefd, &h);
	h.ok *= 0.8;
	h.failed *= 0.8;
	h.lost *= 0.8;
	*(outcome == NH_OK ? &h.ok : outcome == NH_FAIL ? &h.failed :
	    &h.lost) += 1;
	h.score = (int)(100 * (h.ok + 1) / (h.ok + 1 + h.failed / 2 + 2 *
	    h.lost) + 0.5);
	n = snprintf(text, sizeof text, "iar-health 1\nscore=%d\nok=%.3f\n"
	    "failed=%.3f\nlost=%.3f\nend\n", h.score, h.ok, h.failed, h.lost);
	if (out)
		*out = h;
	if (n < 0 || (size_t)n >= sizeof text)
		return -1;
	return file_replace(nodefd, NODE_HEALTH, text, (size_t)n, 0644, 0);
}

int
node_health_record(const char *name, int outcome, unsigned min,
    char *reason, size_t reasonsz)
{
	struct node_health h;
	int fd, admin, r = 0;

	if (!name || !*name || (fd = node_dir_open(name)) < 0)
		return 0;
	if (node_health_note(fd, outcome, &h) == 0 && min && h.score <
	    (int)min && node_state_read(fd, &admin, NULL, 0) == 0 &&
	    admin == NA_UP) {
		snprintf(reason, reasonsz, "health %d < health_min %u (lately "
		    "%.1f lost, %.1f failed, %.1f completed); iar-node resume "
		    "%s", h.score, min, h.lost, h.failed, h.ok, name);
		r = node_state_write(fd, NA_DRAIN, reason) == 0;
	}
	close(fd);
	return r;
}

int
node_state_read(int nodefd, int *state, char *reason, size_t reasonsz)
{
	char text[1024];
	long len;

	*state = NA_UP;
	if (reasonsz)
		reason[0] = 0;
	if ((len = file_read_small(nodefd, NODE_STATE, text, sizeof text))
	    < 0)
		return errno == ENOENT ? 0 : -1;
	return node_state_parse(text, (size_t)len, state, reason, reasonsz);
}

int
node_state_parse(const char *data, size_t len, int *state, char *reason,
    size_t reasonsz)
{
	char text[1024], *nl, *r;

	*state = NA_UP;
	if (reasonsz)
		reason[0] = 0;
	if (len >= sizeof text)
		len = sizeof text - 1;	/* as file_read_small reads it */
	memcpy(text, data, len);
	text[len] = 0;
	nl = text + strcspn(text, "\n");
	r = *nl ? nl + 1 : nl;
	*nl = 0;
	if ((*state = node_admin_parse(text)) < 0) {
		*state = NA_UP;
		return -1;
	}
	if (strncmp(r, "reason=", 7) == 0 && reasonsz) {
		r += 7;
		r[strcspn(r, "\n")] = 0;
		snprintf(reason, reasonsz, "%s", r);
	}
	return 0;
}

int
node_state_write(int nodefd, int state, const char *reason)
{
	char text[1024];
	const char *p;
	int n;

	if (state < 0 || state >= NA_N) {
		errno = EINVAL;
		return -1;
	}
	for (p = reason ? reason : ""; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			errno = EINVAL;
			return -1;
		}
	n = snprintf(text, sizeof text, "%s\n%s%s%s", node_admin_name(state),
	    reason && *reason ? "reason=" : "", reason ? reason : "",
	    reason && *reason ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof text) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return file_replace(nodefd, NODE_STATE, text, (size_t)n, 0644, 1);
}

/* /proc/meminfo "Key:   123 kB" in bytes. */
static uint64_t
node_meminfo_get(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (!p)
		return 0;
	p += strlen(key);
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	return strtoull(p, NULL, 10) * 1024;
}

const char *
node_sysfs_root(void)
{
	const char *r = getenv("IAR_SYSFS");

	return r && *r == '/' && strlen(r) < 256 ? r : "/sys";
}

/* Read /sys/class/DIR/ENTRY/FILE (first line) into out. */
static int
node_sys_read(const char *dir, const char *entry, const char *file,
    char *out, size_t outsz)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/class/%s/%s/%s", node_sysfs_root(),
	    dir, entry, file);
	if (!(f = fopen(path, "re")))
		return -1;
	if (!fgets(out, (int)outsz, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	out[strcspn(out, "\n")] = 0;
	return 0;
}

/* First battery: "85%,discharging"; "" if the host has none. */
static void
node_battery_get(char *out, size_t outsz)
{
	char type[32], cap[16], status[32];
	struct dirent *de;
	DIR *d;

	out[0] = 0;
	char path[300];

	snprintf(path, sizeof path, "%s/class/power_supply", node_sysfs_root());
	if (!(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		size_t i;

		if (de->d_name[0] == '.' || node_sys_read("power_supply",
		    de->d_name, "type", type, sizeof type) < 0 ||
		    strcmp(type, "Battery") != 0 ||
		    node_sys_read("power_supply", de->d_name, "capacity", cap,
		    sizeof cap) < 0)
			continue;
		if (node_sys_read("power_supply", de->d_name, "status", status,
		    sizeof status) < 0)
			snprintf(status, sizeof status, "unknown");
		for (i = 0; status[i]; i++)
			status[i] = isalnum((unsigned char)status[i]) ?
			    (char)tolower((unsigned char)status[i]) : '-';
		snprintf(out, outsz, "%ld%%,%s", strtol(cap, NULL, 10), status);
		break;
	}
	closedir(d);
}

/* Hottest thermal zone in degrees Celsius: "47.5"; "" if none. */
static void
node_thermal_get(char *out, size_t outsz)
{
	struct dirent *de;
	long best = -1000000, t;
	char v[32];
	DIR *d;

	out[0] = 0;
	char path[300];

	snprintf(path, sizeof path, "%s/class/thermal", node_sysfs_root());
	if (!(d = opendir(path)))
		return;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "thermal_zone", 12) == 0 &&
		    node_sys_read("thermal", de->d_name, "temp", v, sizeof v)
		    == 0 && isdigit((unsigned char)v[v[0] == '-']) &&
		    (t = strtol(v, NULL, 10)) > best)
			best = t;
	closedir(d);
	if (best > -1000000)
		snprintf(out, outsz, "%ld.%ld", best / 1000,
		    labs(best % 1000) / 100);
}

/* A Raspberry Pi's throttled flags, "0x50005": the firmware's sysfs
 * file, else vcgencmd where there is one (and no fake sysfs); "" if
 * neither. */
static void
node_throttled_get(char *out, size_t outsz)
{
	char path[320], v[64] = "";
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof path, "%s/devices/platform/soc/soc:firmware/"
	    "get_throttled", node_sysfs_root());
	if ((f = fopen(path, "re"))) {
		if (!fgets(v, sizeof v, f))
			v[0] = 0;
		fclose(f);
	} else if (!getenv("IAR_SYSFS") && access("/usr/bin/vcgencmd", X_OK)
	    == 0 && (f = popen("/usr/bin/vcgencmd get_throttled 2>/dev/null",
	    "re"))) {
		char line[64];

		if (fgets(line, sizeof line, f) && strncmp(line, "throttled=",
		    10) == 0)
			snprintf(v, sizeof v, "%s", line + 10);
		pclose(f);
	}
	v[strcspn(v, "\n")] = 0;
	if (v[0] && strspn(v + (strncmp(v, "0x", 2) == 0 ? 2 : 0),
	    "0123456789abcdefABCDEF") == strlen(v) - (strncmp(v, "0x", 2) == 0
	    ? 2 : 0) && strlen(v) < 12)
		snprintf(out, outsz, "0x%lx", strtoul(v, NULL, 16));
}

static unsigned
node_running_count(int runfd)
{
	struct dirent *de;
	unsigned n = 0;
	int fd;
	DIR *d;

	if (runfd < 0 || (fd = dup(runfd)) < 0)
		return 0;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (job_id_ok(de->d_name))
			n++;
	closedir(d);
	return n;
}

int
node_heartbeat_read(int nodefd, struct node_heartbeat *hb)
{
	char text[2048];
	long len;

	memset(hb, 0, sizeof *hb);
	if ((len = file_read_small(nodefd, NODE_HEARTBEAT, text, sizeof text))
	    < 0)
		return errno == ENOENT ? 1 : -1;
	return node_heartbeat_parse(text, (size_t)len, hb);
}

int
node_heartbeat_parse(const char *data, size_t len, struct node_heartbeat *hb)
{
	char text[2048], why[64];
	struct rec_kv kv[24];
	const char *s;
	int n;

	memset(hb, 0, sizeof *hb);
	if (len >= sizeof text)
		return -1;
	memcpy(text, data, len);
	text[len] = 0;
	if ((n = rec_parse(text, len, REC_HEARTBEAT, kv, 24, why,
	    sizeof why)) < 0 || !(s = rec_get(kv, n, "seq")))
		return -1;
	hb->seq = strtoull(s, NULL, 10);
#define HB_STR(k, f) if ((s = rec_get(kv, n, k))) \
	snprintf(hb->f, sizeof hb->f, "%s", s)
	HB_STR("load1", load1);
	HB_STR("load5", load5);
	HB_STR("battery", battery);
	HB_STR("thermal", thermal);
	HB_STR("throttled", throttled);
#undef HB_STR
	if ((s = rec_get(kv, n, "time")))
		hb->time = strtoll(s, NULL, 10);
	if ((s = rec_get(kv, n, "mem_total")))
		hb->mem_total = strtoull(s, NULL, 10);
	if ((s = rec_get(kv, n, "mem_avail")))
		hb->mem_avail = strtoull(s, NULL, 10);
	if ((s = rec_get(kv, n, "away"))) {
		hb->away = 1;
		hb->away_until = strtoll(s, NULL, 10);
	}
	if ((s = rec_get(kv, n, "running")))
		hb->running = (unsigned)strtoul(s, NULL, 10);
	return 0;
}

/* away: 1 mark, 0 clear, -1 keep the last beat's mark (until it passes) */
static int
node_heartbeat_put(int nodefd, int runfd, int away, int64_t until,
    struct node_heartbeat *out)
{
	struct node_heartbeat hb, old;
	char text[4096];
	struct buf b;
	FILE *f;
	int r;

	memset(&hb, 0, sizeof hb);
	if (node_heartbeat_read(nodefd, &old) == 0)
		hb.seq = old.seq;
	else
		memset(&old, 0, sizeof old);
	hb.seq++;
	hb.time = (int64_t)time(NULL);
	if (away < 0 && old.away && (!old.away_until || old.away_until >
	    hb.time)) {
		hb.away = 1;
		hb.away_until = old.away_until;
	} else if (away > 0) {
		hb.away = 1;
		hb.away_until = until;
	}
	snprintf(hb.load1, sizeof hb.load1, "0");
	snprintf(hb.load5, sizeof hb.load5, "0");
	if ((f = fopen("/proc/loadavg", "re"))) {
		if (fscanf(f, "%15s %15s", hb.load1, hb.load5) != 2) {
			snprintf(hb.load1, sizeof hb.load1, "0");
			snprintf(hb.load5, sizeof hb.load5, "0");
		}
		fclose(f);
	}
	if ((f = fopen("/proc/meminfo", "re"))) {
		size_t n = fread(text, 1, sizeof text - 1, f);

		text[n] = 0;
		fclose(f);
		hb.mem_total = node_meminfo_get(text, "MemTotal");
		hb.mem_avail = node_meminfo_get(text, "MemAvailable");
	}
	hb.running = node_running_count(runfd);
	node_battery_get(hb.battery, sizeof hb.battery);
	node_thermal_get(hb.thermal, sizeof hb.thermal);
	node_throttled_get(hb.throttled, sizeof hb.throttled);
	buf_init(&b);
	buf_addf(&b, REC_HEARTBEAT " 1\nseq=%" PRIu64 "\ntime=%" PRId64
	    "\nload1=%s\nload5=%s\nmem_total=%" PRIu64 "\nmem_avail=%" PRIu64
	    "\nrunning=%u\n", hb.seq, hb.time, hb.load1, hb.load5,
	    hb.mem_total, hb.mem_avail, hb.running);
	if (hb.battery[0])
		buf_addf(&b, "battery=%s\n", hb.battery);
	if (hb.thermal[0])
		buf_addf(&b, "thermal=%s\n", hb.thermal);
	if (hb.throttled[0])
		buf_addf(&b, "throttled=%s\n", hb.throttled);
	if (hb.away)
		buf_addf(&b, "away=%" PRId64 "\n", hb.away_until);
	buf_addf(&b, "end\n");
	if (b.err) {
		buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	r = file_replace(nodefd, NODE_HEARTBEAT, b.s, b.len, 0644, 0);
	buf_free(&b);
	if (r == 0 && out)
		*out = hb;
	return r;
}

int
node_heartbeat_write(int nodefd, int runfd, struct node_heartbeat *out)
{
	return node_heartbeat_put(nodefd, runfd, -1, 0, out);
}

int
node_heartbeat_away(int nodefd, int runfd, int away, int64_t until)
{
	return node_heartbeat_put(nodefd, runfd, away, until, NULL);
}

int
node_alive_parse(const char *data, size_t len, struct node_alive *a)
{
	char text[128], *p;

	a->seq = 0;
	a->since = 0;
	if (len >= sizeof text)
		return -1;
	memcpy(text, data, len);
	text[len] = 0;
	if (strncmp(text, "seq=", 4) != 0)
		return -1;
	a->seq = strtoull(text + 4, &p, 10);
	if (strncmp(p, "\nsince=", 7) != 0) {
		a->seq = 0;
		return -1;
	}
	a->since = strtoll(p + 7, NULL, 10);
	return 0;
}

long
node_alive_check(int nodefd, int64_t now)
{
	return node_alive_look(nodefd, now, 1);
}

long
node_alive_look(int nodefd, int64_t now, int record)
{
	struct node_heartbeat hb;
	struct node_alive a = { 0, 0 };
	char text[128];
	long len;
	int n;

	if (node_heartbeat_read(nodefd, &hb) != 0)
		return -1;
	if ((len = file_read_small(nodefd, NODE_ALIVE, text, sizeof text)) > 0)
		node_alive_parse(text, (size_t)len, &a);
	if (a.since && a.seq == hb.seq)
		return now > a.since ? (long)(now - a.since) : 0;
	if (!record)
		return 0;
	n = snprintf(text, sizeof text, "seq=%" PRIu64 "\nsince=%" PRId64
	    "\n", hb.seq, now);
	file_replace(nodefd, NODE_ALIVE, text, (size_t)n, 0644, 0);
	return 0;
}

int
node_dir_open(const char *name)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", paths_nodes(), name)
	    >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

static int
node_executor_said(int nodefd)
{
	char t[320], host[256], *sp;
	long pid;

	if (file_read_small(nodefd, NODE_EXEC, t, sizeof t) <= 0 ||
	    (pid = strtol(t, &sp, 10)) < 2 || *sp != ' ')
		return 0;
	sp[1 + strcspn(sp + 1, "\n")] = 0;
	if (gethostname(host, sizeof host) < 0)
		return 1;
	host[sizeof host - 1] = 0;
	if (strcmp(sp + 1, host) != 0)
		return 1;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int
node_executor_note(int nodefd)
{
	char t[320], host[256];
	int n;

	if (gethostname(host, sizeof host) < 0)
		return -1;
	host[sizeof host - 1] = 0;
	n = snprintf(t, sizeof t, "%ld %s\n", (long)getpid(), host);
	if (n < 0 || n >= (int)sizeof t)
		return -1;
	return file_replace(nodefd, NODE_EXEC, t, (size_t)n, 0644, 0);
}

int
node_executor_running(int nodefd)
{
	int fd = openat(nodefd, NODE_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
	    held;

	if (fd < 0 && errno == EACCES)
		return node_executor_said(nodefd);
	if (fd < 0)
		return 0;
	/* A shared lock is refused while an executor holds it exclusively;
	 * when it is granted, closing the file drops it at once. */
	held = flock(fd, LOCK_SH | LOCK_NB) < 0;
	close(fd);
	return held;
}

/* The identity of a topology.xml, as topology.sum records it. */
static void
node_toposum_id(const struct stat *st, char *out, size_t sz)
{
	snprintf(out, sz, "%lld %lld.%09ld %llu", (long long)st->st_size,
	    (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
	    (unsigned long long)st->st_ino);
}

int
node_toposum_write(int nodefd, const struct topo_summary *s)
{
	char id[96], text[512];
	struct stat st;
	int n;

	if (fstatat(nodefd, NODE_TOPOLOGY, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	node_toposum_id(&st, id, sizeof id);
	n = snprintf(text, sizeof text, REC_TOPOSUM " 1\nof=%s\ncores=%u\n"
	    "pus=%u\nnuma=%u\npackages=%u\nmemory=%" PRIu64 "\ngpus=%u\nend\n",
	    id, s->cores, s->pus, s->numa, s->packages, s->memory, s->gpus);
	if (n < 0 || (size_t)n >= sizeof text) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return file_replace(nodefd, NODE_TOPOSUM, text, (size_t)n, 0644, 0);
}

int
node_toposum_read(int nodefd, const struct stat *xml, struct topo_summary *s)
{
	struct rec_kv kv[16];
	struct stat st;
	struct buf b;
	char id[96], why[64];
	const char *v[6], *of;
	int fd, n, r = -1, i;
	static const char *const keys[6] = { "cores", "pus", "numa",
		"packages", "memory", "gpus" };

	if ((fd = file_open_checked(nodefd, NODE_TOPOSUM, &st)) < 0)
		return -1;
	buf_init(&b);
	if (file_read_all(fd, 4096, &b) == 0 && !b.err && b.len &&
	    (n = rec_parse(b.s, b.len, REC_TOPOSUM, kv, 16, why,
	    sizeof why)) >= 0 && (of = rec_get(kv, n, "of"))) {
		node_toposum_id(xml, id, sizeof id);
		/* a file without gpus= (older) is not current */
		for (i = 0; i < 6; i++)
			if (!(v[i] = rec_get(kv, n, keys[i])))
				break;
		if (i == 6 && strcmp(of, id) == 0) {
			s->cores = (unsigned)strtoul(v[0], NULL, 10);
			s->pus = (unsigned)strtoul(v[1], NULL, 10);
			s->numa = (unsigned)strtoul(v[2], NULL, 10);
			s->packages = (unsigned)strtoul(v[3], NULL, 10);
			s->memory = strtoull(v[4], NULL, 10);
			s->gpus = (unsigned)strtoul(v[5], NULL, 10);
			r = 0;
		}
	}
	buf_free(&b);
	close(fd);
	return r;
}
