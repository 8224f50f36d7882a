/* iar-node: the registry of nodes, nodes/NAME/ (iar-node(5)).
 *
 * register   discover this host with hwloc and write its node directory
 * add        a node from an hwloc XML file or a synthetic description
 * list       every node: state (up, drain, maintenance, down), hardware,
 *            load, heartbeat age, running jobs, free cores; table, CSV
 *            or JSON
 * drain, resume, maintenance, tag, set, remove: the administrator's
 *            changes (set: settings keys, checked as the file is)
 *
 * A node is down when its heartbeat's seq has not advanced for
 * heartbeat_timeout on the clock of whoever looks; list records what it
 * saw in nodes/NAME/alive when it may write there (node_alive_check).
 * Changes are allowed to root and to the owner of the spool; state and
 * settings are written durably (tmp, fsync, rename).
 * Exit codes: 0 ok, 100 usage, 101 refused (a node that exists, jobs
 * still running), 102 no such node or not permitted, 111 trouble.
 * See iar-node(1). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "cmd.h"
#include "file.h"
#include "fmt.h"
#include "group.h"
#include "job.h"
#include "msg.h"
#include "node.h"
#include "nodehist.h"
#include "paths.h"
#include "slurm.h"
#include "topo.h"

static const char usage[] =
"usage: iar-node register [--name NAME] [OPTIONS]\n"
"       iar-node add NAME (--topology FILE.xml | --synthetic DESC) [OPTIONS]\n"
"       iar-node add NAME --slurm [--partition P] [--max-jobs N] [OPTIONS]\n"
"       iar-node list [--csv | --json]\n"
"       iar-node drain|resume|maintenance NAME [--reason TEXT]\n"
"       iar-node tag NAME TAGS\n"
"       iar-node set NAME KEY=VALUE... (on_battery, max_temp, resume_temp,\n"
"                        on_hot, weight, max_jobs, oversubscribe,\n"
"                        gpu_slots: see iar-node(5))\n"
"       iar-node remove NAME\n"
"       iar-node group NAME NODE...    (a node group: --group/-p NAME)\n"
"       iar-node group -l | -d NAME    (list the groups; remove one)\n"
"options of register and add:\n"
"      --tags T1,T2     tags for --constraint\n"
"      --weight N       placement weight (default 1)\n"
"      --memory SIZE    memory for jobs (K/M/G/T; overrides hwloc)\n"
"      --gpus N         GPUs hwloc cannot see\n"
"      --kind KIND      host (register), sim (add), or another word\n"
"      --slurm          a Slurm partition (capacity from sinfo)\n"
"      --partition P    its partition (default: Slurm's default one)\n"
"      --max-jobs N     at most N of its jobs at once (default: no limit)\n"
"      --oversubscribe N  each core may hold N jobs (default 1: no sharing)\n"
"      --gpu-slots N    each GPU may hold N jobs (default 1)\n"
"  -h, --help           this text\n";

enum { O_NAME = 256, O_TAGS, O_WEIGHT, O_MEMORY, O_GPUS, O_KIND, O_TOPO,
	O_SYNTH, O_CSV, O_JSON, O_REASON, O_SLURM, O_PART, O_MAXJOBS,
	O_OVERSUB, O_GPUSLOTS };

#define SHORTOPTS "h"

static const struct option longopts[] = {
	{ "name", required_argument, NULL, O_NAME },
	{ "tags", required_argument, NULL, O_TAGS },
	{ "weight", required_argument, NULL, O_WEIGHT },
	{ "memory", required_argument, NULL, O_MEMORY },
	{ "gpus", required_argument, NULL, O_GPUS },
	{ "kind", required_argument, NULL, O_KIND },
	{ "topology", required_argument, NULL, O_TOPO },
	{ "synthetic", required_argument, NULL, O_SYNTH },
	{ "csv", no_argument, NULL, O_CSV },
	{ "json", no_argument, NULL, O_JSON },
	{ "reason", required_argument, NULL, O_REASON },
	{ "slurm", no_argument, NULL, O_SLURM },
	{ "partition", required_argument, NULL, O_PART },
	{ "max-jobs", required_argument, NULL, O_MAXJOBS },
	{ "oversubscribe", required_argument, NULL, O_OVERSUB },
	{ "gpu-slots", required_argument, NULL, O_GPUSLOTS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char *name, *tags, *weight, *memory, *gpus, *kind, *topo,
	    *synth, *reason, *partition, *max_jobs, *oversub, *gpu_slots;
	int csv, json, slurm;
	unsigned gpus_default;	/* when there is no --gpus */
	uint64_t mem_default;	/* bytes, when there is no --memory */
};

static struct cmd cmd;

static void
usage_die(const char *why)
{
	if (why)
		msg_warn("%s", why);
	fputs(usage, stderr);
	exit(EX_USAGE);
}

/* Changes: root, or the owner of the spool. */
static void
admin_check(const char *verb)
{
	struct stat st;

	if (fstat(cmd.sp.spoolfd, &st) < 0)
		msg_die(EX_TEMP, "cannot look at '%s':",
		    paths_spool());
	if (geteuid() != 0 && geteuid() != st.st_uid)
		msg_die(EX_NOTFOUND, "cannot %s: only root or the owner of "
		    "'%s' may change nodes", verb, paths_spool());
}

static void
name_check(const char *name)
{
	if (!spool_node_ok(name))
		msg_die(EX_USAGE, "bad node name '%s'", name);
}

static int
node_open(const char *name)
{
	int fd;

	name_check(name);
	if ((fd = node_dir_open(name)) < 0) {
		if (errno == ENOENT)
			msg_die(EX_NOTFOUND, "cannot find node '%s': no "
			    "'%s/%s'", name, paths_nodes(), name);
		msg_die(EX_TEMP, "cannot open '%s/%s':",
		    paths_nodes(), name);
	}
	return fd;
}

static uint64_t
num_arg(const char *what, const char *s, uint64_t max)
{
	char *end;
	uint64_t n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || n > max)
		msg_die(EX_USAGE, "bad %s '%s'", what, s);
	return n;
}

/* Memory for people: "64G", "23.5G", "512M". */
static void
mem_show(uint64_t bytes, char *out, size_t n)
{
	if (bytes >= (1ull << 30) && bytes % (1ull << 30))
		snprintf(out, n, "%.1fG", (double)bytes / (1ull << 30));
	else
		fmt_size(bytes, out, n);
}

/* Apply --tags, --weight, --memory, --gpus, --kind to s. */
static void
settings_apply(struct node_settings *s, const struct opts *o)
{
	if (o->tags) {
		if (!node_tags_ok(o->tags))
			msg_die(EX_USAGE, "bad tags '%s' (words of "
			    "[A-Za-z0-9._-] separated by commas)", o->tags);
		snprintf(s->tags, sizeof s->tags, "%s", o->tags);
	}
	if (o->kind) {
		if (!*o->kind || strchr(o->kind, ',') || !node_tags_ok(o->kind)
		    || strlen(o->kind) >= sizeof s->kind)
			msg_die(EX_USAGE, "bad kind '%s'", o->kind);
		snprintf(s->kind, sizeof s->kind, "%s", o->kind);
	}
	if (o->weight)
		s->weight = (unsigned)num_arg("weight", o->weight, 1000000);
	if (o->gpus)
		s->gpus = (unsigned)num_arg("GPU count", o->gpus, 65536);
	if (o->memory && job_size_parse(o->memory, &s->memory) < 0)
		msg_die(EX_USAGE, "bad memory size '%s'", o->memory);
	if (!o->memory && o->mem_default)
		s->memory = o->mem_default;
	if (!o->gpus && o->gpus_default)
		s->gpus = o->gpus_default;
	if (o->oversub)
		s->oversubscribe = (unsigned)num_arg("oversubscribe",
		    o->oversub, 16);
	if (o->gpu_slots)
		s->gpu_slots = (unsigned)num_arg("GPU slots", o->gpu_slots,
		    64);
	if (o->partition) {
		if (!*o->partition || strchr(o->partition, ',') ||
		    !node_tags_ok(o->partition) || strlen(o->partition) >=
		    sizeof s->partition)
			msg_die(EX_USAGE, "bad partition '%s'", o->partition);
		snprintf(s->partition, sizeof s->partition, "%s",
		    o->partition);
	}
	if (o->max_jobs)
		s->max_jobs = (unsigned)num_arg("job count", o->max_jobs,
		    1000000);
}

/* Write nodes/NAME/ from a loaded topology: topology.xml (replaced),
 * settings, and state if it is missing. */
static void
node_write(const char *name, struct topo *t, const struct opts *o,
    const char *kind, int fresh)
{
	struct node_settings s;
	struct topo_summary ts;
	char path[4096], mem[32];
	size_t len;
	char *xml;
	int nodes, fd, r;

	/* before anything is written */
	if (topo_list_worst(t) > TOPO_LIST_MAX)
		msg_die(EX_REJECT, "cannot add node '%s': too many PUs (a PU "
		    "list may need %zu bytes, iar keeps %d)", name,
		    topo_list_worst(t), TOPO_LIST_MAX);
	snprintf(path, sizeof path, "%s", paths_nodes());
	if ((nodes = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		msg_die(EX_TEMP, "cannot open '%s':", path);
	if (mkdirat(nodes, name, 0755) < 0) {
		if (errno != EEXIST)
			msg_die(EX_TEMP, "cannot create '%s/%s':", path, name);
		if (fresh)
			msg_die(EX_REJECT, "cannot add node '%s': it exists "
			    "(iar-node remove it first)", name);
	}
	if ((fd = file_dir_open(nodes, name)) < 0)
		msg_die(EX_TEMP, "cannot open '%s/%s':", path, name);
	close(nodes);
	if (node_settings_read(fd, &s) < 0)
		msg_die(EX_TEMP, "cannot read '%s/%s/%s': bad file", path,
		    name, NODE_SETTINGS);
	if (fresh || !o->kind)
		snprintf(s.kind, sizeof s.kind, "%s", kind);
	settings_apply(&s, o);
	if (topo_xml_export(t, &xml, &len) < 0)
		msg_die(EX_TEMP, "cannot export the topology of '%s'", name);
	r = file_replace(fd, NODE_TOPOLOGY, xml, len, 0644, 1);
	free(xml);
	if (r < 0)
		msg_die(EX_TEMP, "cannot write '%s/%s/%s':", path, name,
		    NODE_TOPOLOGY);
	/* its counts beside it, for the CGI (iar-node(5)) */
	topo_summary_get(t, &ts);
	if (node_toposum_write(fd, &ts) < 0)
		msg_warn("cannot write '%s/%s/%s':", path, name, NODE_TOPOSUM);
	if (node_settings_write(fd, &s) < 0)
		msg_die(EX_TEMP, "cannot write '%s/%s/%s':", path, name,
		    NODE_SETTINGS);
	if (file_create_new(fd, NODE_STATE, "up\n", 3, 0644) < 0)
		msg_die(EX_TEMP, "cannot write '%s/%s/%s':", path, name,
		    NODE_STATE);
	close(fd);
	mem_show(s.memory ? s.memory : ts.memory, mem, sizeof mem);
	printf("%s: node %s: %u cores, %u PUs, %u NUMA, %s memory, %u GPUs\n",
	    msg_prog, name, ts.cores, ts.pus, ts.numa, mem, s.gpus ? s.gpus :
	    ts.gpus);
	if (!s.memory && !ts.memory)
		msg_warn("node %s: the topology shows no memory, so jobs that "
		    "ask for memory cannot run there: give it --memory SIZE",
		    name);
}

static uint64_t
memtotal_get(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f;

	if (!(f = fopen("/proc/meminfo", "re")))
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemTotal: %" SCNu64, &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static int
node_register(const struct opts *o)
{
	const char *name = o->name ? o->name : cmd.conf.node;
	struct opts oo = *o;
	char err[512];
	struct topo *t;

	name_check(name);
	admin_check("register a node");
	if (o->topo || o->synth)
		usage_die("register discovers this host: use add for "
		    "--topology or --synthetic");
	if (topo_host_load(&t, err, sizeof err) < 0)
		msg_die(EX_TEMP, "cannot discover this host: %s", err);
	/* hwloc counts only the memory it sees per NUMA node, which
	 * misses hot-plugged memory: MemTotal is the better default. */
	oo.mem_default = memtotal_get();
	node_write(name, t, &oo, "host", 0);
	topo_free(t);
	return 0;
}

/* A Slurm partition: its cores as one synthetic package, its memory and
 * GPUs in the settings; the executor refreshes them from sinfo. */
static int
node_add_slurm(const char *name, const struct opts *o)
{
	struct opts oo = *o;
	char err[512], desc[64];
	struct topo *t;
	unsigned cores;

	if (o->topo || o->synth)
		usage_die("--slurm takes its capacity from sinfo: no "
		    "--topology or --synthetic");
	if (slurm_capacity_get(o->partition, &cores, &oo.mem_default,
	    &oo.gpus_default, err, sizeof err) < 0)
		msg_die(EX_TEMP, "cannot add node '%s': %s", name, err);
	snprintf(desc, sizeof desc, "pack:1 core:%u pu:1", cores);
	if (topo_synthetic_load(&t, desc, err, sizeof err) < 0)
		msg_die(EX_TEMP, "cannot add node '%s': %s", name, err);
	node_write(name, t, &oo, "slurm", 1);
	topo_free(t);
	return 0;
}

static int
node_add(const char *name, const struct opts *o)
{
	char err[512];
	struct topo *t;
	struct buf b;
	int fd;

	name_check(name);
	admin_check("add a node");
	if (o->slurm)
		return node_add_slurm(name, o);
	if (o->partition || o->max_jobs)
		usage_die("--partition and --max-jobs are for --slurm");
	if (!o->topo == !o->synth)
		usage_die("add needs one of --topology FILE.xml or "
		    "--synthetic DESC");
	if (o->synth) {
		if (topo_synthetic_load(&t, o->synth, err, sizeof err) < 0)
			msg_die(EX_USAGE, "bad synthetic topology '%s': %s",
			    o->synth, err);
	} else {
		if ((fd = open(o->topo, O_RDONLY | O_CLOEXEC)) < 0)
			msg_die(errno == ENOENT ? EX_NOTFOUND : EX_TEMP,
			    "cannot open '%s':", o->topo);
		buf_init(&b);
		if (file_read_all(fd, 16u << 20, &b) < 0 || b.err)
			msg_die(EX_TEMP, "cannot read '%s':", o->topo);
		close(fd);
		if (topo_xml_load(&t, b.s ? b.s : "", b.len, err, sizeof err)
		    < 0)
			msg_die(EX_REJECT, "cannot load '%s': %s", o->topo,
			    err);
		buf_free(&b);
	}
	node_write(name, t, o, o->synth ? "sim" : "host", 1);
	topo_free(t);
	return 0;
}

static int
node_state_set(const char *name, int state, const char *reason)
{
	int fd = node_open(name);

	admin_check("change a node's state");
	if (reason && strlen(reason) > 512)
		msg_die(EX_USAGE, "reason too long (512 bytes at most)");
	/* resume: a fresh start for its health score too */
	if (state == NA_UP && unlinkat(fd, NODE_HEALTH, 0) < 0 &&
	    errno != ENOENT)
		msg_die(EX_TEMP, "cannot remove '%s/%s/%s':", paths_nodes(),
		    name, NODE_HEALTH);
	if (node_state_write(fd, state, state == NA_UP ? NULL : reason) < 0)
		msg_die(errno == EINVAL ? EX_USAGE : EX_TEMP, "cannot write "
		    "'%s/%s/%s'%s", paths_nodes(), name, NODE_STATE,
		    errno == EINVAL ? ": control characters in the reason" :
		    ":");
	close(fd);
	return 0;
}

static int
node_tag(const char *name, const char *tags)
{
	struct node_settings s;
	int fd = node_open(name);

	admin_check("tag a node");
	if (!node_tags_ok(tags))
		msg_die(EX_USAGE, "bad tags '%s' (words of [A-Za-z0-9._-] "
		    "separated by commas)", tags);
	if (node_settings_read(fd, &s) < 0)
		msg_die(EX_TEMP, "cannot read '%s/%s/%s': bad file",
		    paths_nodes(), name, NODE_SETTINGS);
	snprintf(s.tags, sizeof s.tags, "%s", tags);
	if (node_settings_write(fd, &s) < 0)
		msg_die(EX_TEMP, "cannot write '%s/%s/%s':",
		    paths_nodes(), name, NODE_SETTINGS);
	close(fd);
	return 0;
}

/* Set settings keys: the file's text with the new lines after it, parsed
 * as the file is (a later line wins), so every key is checked once. */
static int
node_set(const char *name, char **kv, int n)
{
	static const char *const keys[] = { "on_battery", "max_temp",
	    "resume_temp", "on_hot", "weight", "max_jobs", "oversubscribe",
	    "gpu_slots" };
	struct node_settings s;
	char text[2048];
	int fd = node_open(name), i;
	long len;
	size_t k;

	admin_check("change a node's settings");
	if ((len = file_read_small(fd, NODE_SETTINGS, text, sizeof text)) < 0)
		len = 0;
	for (i = 0; i < n; i++) {
		size_t kl = strcspn(kv[i], "=");

		for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (strlen(keys[k]) == kl && !strncmp(kv[i], keys[k],
			    kl))
				break;
		if (!kv[i][kl] || k == sizeof keys / sizeof keys[0])
			msg_die(EX_USAGE, "bad setting '%s' (on_battery=, "
			    "max_temp=, resume_temp=, on_hot=, weight=, "
			    "max_jobs=, oversubscribe=, gpu_slots=)",
			    kv[i]);
		if (len && text[len - 1] != '\n' && (size_t)len < sizeof text
		    - 1)
			text[len++] = '\n';
		if ((size_t)len + strlen(kv[i]) + 2 >= sizeof text)
			msg_die(EX_USAGE, "settings too long");
		len += snprintf(text + len, sizeof text - (size_t)len, "%s\n",
		    kv[i]);
	}
	if (node_settings_parse(text, (size_t)len, &s) < 0)
		msg_die(EX_USAGE, "bad value in '%s'%s", n == 1 ? kv[0] :
		    "the settings", n == 1 ? "" : " (one of them)");
	if (node_settings_write(fd, &s) < 0)
		msg_die(EX_TEMP, "cannot write '%s/%s/%s':",
		    paths_nodes(), name, NODE_SETTINGS);
	close(fd);
	return 0;
}

static int
node_remove(const char *name)
{
	static const char *const files[] = { NODE_TOPOLOGY, NODE_SETTINGS,
	    NODE_STATE, NODE_HEARTBEAT, NODE_ALIVE, NODE_TOPOSUM, "limits",
	    NODE_LOCK, NODE_EXEC, NODE_HEALTH, NODE_HISTORY };
	struct dirent *de;
	char path[4096];
	unsigned n;
	size_t i;
	int fd = node_open(name), nodes;
	DIR *d;

	admin_check("remove a node");
	if ((n = alloc_node_busy(&cmd.sp, name, NULL, 0)) > 0)
		msg_die(EX_REJECT, "cannot remove node '%s': %u job%s in "
		    "'%s/%s/%s' (drain it and let them finish)", name, n,
		    n == 1 ? "" : "s", paths_spool(), SPOOL_RUN, name);
	if (node_executor_running(fd))
		msg_die(EX_REJECT, "cannot remove node '%s': its executor is "
		    "running (stop iar-dispatch --node %s first)", name, name);
	/* Everything that could refuse is checked before anything goes, so
	 * a refusal never leaves half a node behind. */
	if ((d = fdopendir(dup(fd)))) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			for (i = 0; i < sizeof files / sizeof files[0] &&
			    strcmp(de->d_name, files[i]); i++)
				;
			if (i == sizeof files / sizeof files[0])
				msg_die(EX_REJECT, "cannot remove node '%s': "
				    "'%s/%s/%s' is not iar's (move it away "
				    "first)", name, paths_nodes(), name,
				    de->d_name);
		}
		closedir(d);
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++)
		if (unlinkat(fd, files[i], 0) < 0 && errno != ENOENT)
			msg_die(EX_TEMP, "cannot remove '%s/%s/%s':",
			    paths_nodes(), name, files[i]);
	/* Temporary files a crashed writer left (".NAME.PID"). */
	if ((d = fdopendir(dup(fd)))) {
		while ((de = readdir(d)))
			if (de->d_name[0] == '.' && de->d_name[1] &&
			    strcmp(de->d_name, ".."))
				unlinkat(fd, de->d_name, 0);
		closedir(d);
	}
	close(fd);
	snprintf(path, sizeof path, "%s", paths_nodes());
	if ((nodes = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    unlinkat(nodes, name, AT_REMOVEDIR) < 0)
		msg_die(EX_TEMP, "cannot remove '%s/%s'%s", path, name,
		    errno == ENOTEMPTY ? ": files left in it that iar does not "
		    "know" : ":");
	file_dir_sync(nodes);
	close(nodes);
	unlinkat(cmd.sp.fd[SD_RUN], name, AT_REMOVEDIR);
	return 0;
}

/* ---- list ---- */

struct row {
	char name[64], state[16], reason[520], hbage[24], load[16], mem[32];
	struct node_settings s;
	struct node_heartbeat hb;
	struct topo_summary ts;
	int admin, topo_ok, has_hb, exec, health;
	long age;		/* seconds since seq moved; -1 no heartbeat */
	uint64_t memory;
	unsigned running, freec, gpus;
};

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name,
	    ((const struct row *)b)->name);
}

static void
row_read(struct row *r, int fd, int64_t now)
{
	char busy[TOPO_LIST_MAX];
	struct topo *t;
	struct stat st;
	struct buf b;
	int xfd;

	if (node_state_read(fd, &r->admin, r->reason, sizeof r->reason) < 0)
		snprintf(r->reason, sizeof r->reason, "bad state file");
	if (node_settings_read(fd, &r->s) < 0)
		snprintf(r->reason, sizeof r->reason, "bad settings file");
	r->has_hb = node_heartbeat_read(fd, &r->hb) == 0;
	r->age = node_alive_check(fd, now);
	r->exec = node_executor_running(fd);
	{
		struct node_health h;

		node_health_read(fd, &h);
		r->health = h.score;
	}
	if (r->age >= 0 && r->age > (long)cmd.conf.hb_timeout &&
	    r->hb.away)
		snprintf(r->state, sizeof r->state, "away");
	else if (r->age < 0 || r->age > (long)cmd.conf.hb_timeout)
		snprintf(r->state, sizeof r->state, "down");
	else
		snprintf(r->state, sizeof r->state, "%s",
		    node_admin_name(r->admin));
	if (r->has_hb && fstatat(fd, NODE_HEARTBEAT, &st,
	    AT_SYMLINK_NOFOLLOW) == 0)
		snprintf(r->hbage, sizeof r->hbage, "%ld", (long)(now >
		    st.st_mtime ? now - st.st_mtime : 0));
	snprintf(r->load, sizeof r->load, "%s", r->has_hb ? r->hb.load1 : "");
	/* power and heat: why it gets no new work, where no admin reason
	 * says more (iar-node(5)) */
	if (!r->reason[0] && strcmp(r->state, "up") == 0) {
		char why[48];
		int k = node_power_check(&r->s, &r->hb, 0, why, sizeof why);

		if (k != NP_OK)
			snprintf(r->reason, sizeof r->reason, "%s (%s)",
			    k == NP_HOT ? "too hot" : "on battery", why);
	}
	if (!r->reason[0] && strcmp(r->state, "away") == 0 &&
	    r->hb.away_until)
		snprintf(r->reason, sizeof r->reason, "back by %" PRId64,
		    r->hb.away_until);
	r->running = alloc_node_busy(&cmd.sp, r->name, busy, sizeof busy);
	buf_init(&b);
	if ((xfd = file_open_checked(fd, NODE_TOPOLOGY, &st)) >= 0 &&
	    file_read_all(xfd, 16u << 20, &b) == 0 && !b.err && b.len &&
	    topo_xml_load(&t, b.s, b.len, NULL, 0) == 0) {
		topo_summary_get(t, &r->ts);
		r->freec = topo_cores_free(t, busy);
		r->topo_ok = 1;
		topo_free(t);
	}
	if (xfd >= 0)
		close(xfd);
	buf_free(&b);
	r->memory = r->s.memory ? r->s.memory : r->ts.memory;
	r->gpus = r->s.gpus ? r->s.gpus : r->ts.gpus;
	mem_show(r->memory, r->mem, sizeof r->mem);
}

static void
row_field(struct buf *b, const struct opts *o, const char *key,
    const char *val, int num, int first)
{
	if (o->json) {
		buf_addf(b, "%s\"%s\":", first ? "" : ",", key);
		/* Numbers from a heartbeat are the node's word: only
		 * plain decimals pass as JSON numbers. */
		if (num)
			buf_adds(b, *val && isdigit((unsigned char)*val) &&
			    val[strspn(val, "0123456789.")] == 0 &&
			    strchr(val, '.') == strrchr(val, '.') &&
			    val[strlen(val) - 1] != '.' ? val : "null");
		else
			fmt_json_str(b, val);
	} else {
		if (!first)
			buf_addc(b, ',');
		fmt_csv_field(b, val);
	}
}

static void
row_machine(struct buf *b, const struct opts *o, const struct row *r)
{
	char n[16][32];

	snprintf(n[0], 32, "%u", r->ts.cores);
	snprintf(n[1], 32, "%u", r->ts.pus);
	snprintf(n[2], 32, "%u", r->ts.numa);
	snprintf(n[3], 32, "%" PRIu64, r->memory);
	snprintf(n[4], 32, "%u", r->gpus);
	snprintf(n[5], 32, "%u", r->s.weight);
	snprintf(n[6], 32, "%u", r->running);
	snprintf(n[7], 32, "%u", r->freec);
	snprintf(n[8], 32, "%" PRIu64, r->hb.seq);
	if (r->age >= 0)
		snprintf(n[9], 32, "%ld", r->age);
	else
		n[9][0] = 0;
	if (o->json)
		buf_addc(b, '{');
	row_field(b, o, "name", r->name, 0, 1);
	row_field(b, o, "state", r->state, 0, 0);
	row_field(b, o, "admin", node_admin_name(r->admin), 0, 0);
	row_field(b, o, "reason", r->reason, 0, 0);
	row_field(b, o, "kind", r->s.kind, 0, 0);
	row_field(b, o, "tags", r->s.tags, 0, 0);
	row_field(b, o, "weight", n[5], 1, 0);
	row_field(b, o, "cores", r->topo_ok ? n[0] : "", 1, 0);
	row_field(b, o, "pus", r->topo_ok ? n[1] : "", 1, 0);
	row_field(b, o, "numa", r->topo_ok ? n[2] : "", 1, 0);
	row_field(b, o, "memory", n[3], 1, 0);
	row_field(b, o, "gpus", n[4], 1, 0);
	row_field(b, o, "load1", r->load, 1, 0);
	row_field(b, o, "heartbeat_age", r->hbage, 1, 0);
	row_field(b, o, "heartbeat_seq", r->has_hb ? n[8] : "", 1, 0);
	row_field(b, o, "seq_still", n[9], 1, 0);
	row_field(b, o, "running", n[6], 1, 0);
	row_field(b, o, "free_cores", r->topo_ok ? n[7] : "", 1, 0);
	row_field(b, o, "battery", r->hb.battery, 0, 0);
	row_field(b, o, "thermal", r->hb.thermal, 1, 0);
	snprintf(n[10], 32, "%d", r->health);
	row_field(b, o, "health", n[10], 1, 0);
	row_field(b, o, "throttled", r->hb.throttled, 0, 0);
	row_field(b, o, "executor", r->exec ? "1" : "0", 1, 0);
	buf_adds(b, o->json ? "}" : "\n");
}

static int
node_list(const struct opts *o)
{
	static const char hdr[] = "name,state,admin,reason,kind,tags,weight,"
	    "cores,pus,numa,memory,gpus,load1,heartbeat_age,heartbeat_seq,"
	    "seq_still,running,free_cores,battery,thermal,health,throttled,"
	    "executor\n";
	struct row *rows = NULL;
	size_t n = 0, cap = 0, i;
	int64_t now = (int64_t)time(NULL);
	struct dirent *de;
	char path[4096];
	struct buf b;
	DIR *d;

	snprintf(path, sizeof path, "%s", paths_nodes());
	if (!(d = opendir(path)))
		msg_die(EX_TEMP, "cannot open '%s':", path);
	while ((de = readdir(d))) {
		int fd;

		if (!spool_node_ok(de->d_name) ||
		    (fd = node_dir_open(de->d_name)) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			rows = msg_xrealloc(rows, cap * sizeof *rows);
		}
		memset(&rows[n], 0, sizeof rows[n]);
		snprintf(rows[n].name, sizeof rows[n].name, "%.63s",
		    de->d_name);
		row_read(&rows[n], fd, now);
		close(fd);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(rows, n, sizeof *rows, row_cmp);
	buf_init(&b);
	if (o->json)
		buf_adds(&b, "[");
	else if (o->csv)
		buf_adds(&b, hdr);
	else
		buf_addf(&b, "%-12s %-11s %5s %4s %4s %7s %4s %6s %5s %7s %4s "
		    "%s\n", "NAME", "STATE", "CORES", "PUS", "NUMA", "MEMORY",
		    "GPUS", "LOAD", "BEAT", "RUNNING", "FREE", "TAGS/REASON");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];
		char c[3][16], fr[16];

		if (o->json || o->csv) {
			if (o->json && i)
				buf_addc(&b, ',');
			row_machine(&b, o, r);
			continue;
		}
		snprintf(c[0], 16, "%u", r->ts.cores);
		snprintf(c[1], 16, "%u", r->ts.pus);
		snprintf(c[2], 16, "%u", r->ts.numa);
		snprintf(fr, sizeof fr, "%u", r->freec);
		buf_addf(&b, "%-12s %-11s %5s %4s %4s %7s %4u %6s %5s %7u %4s "
		    "%s%s%s\n", r->name, r->state, r->topo_ok ? c[0] : "-",
		    r->topo_ok ? c[1] : "-", r->topo_ok ? c[2] : "-", r->mem,
		    r->gpus, r->load[0] ? r->load : "-",
		    r->hbage[0] ? r->hbage : "-", r->running,
		    r->topo_ok ? fr : "-", r->s.tags[0] ? r->s.tags : "-",
		    r->reason[0] ? " " : "", r->reason[0] || r->exec ||
		    strcmp(r->state, "up") ? r->reason : "(no executor)");
	}
	if (o->json)
		buf_adds(&b, "]\n");
	free(rows);
	if (b.err)
		msg_die(EX_TEMP, "cannot list nodes: out of memory");
	if (fwrite(b.s, 1, b.len, stdout) != b.len || fflush(stdout) == EOF)
		msg_die(EX_TEMP, "cannot write standard output:");
	buf_free(&b);
	return 0;
}

/* iar-node group: nodes/.groups (group.h). args: what follows "group". */
static int
node_group(int n, char **args)
{
	struct node_group *g;
	size_t ng, i;
	int nodes, k, fd;

	if ((nodes = open(paths_nodes(), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		msg_die(EX_TEMP, "cannot open '%s':", paths_nodes());
	if (n == 1 && (!strcmp(args[0], "-l") || !strcmp(args[0], "--list"))) {
		group_load(nodes, &g, &ng);
		for (i = 0; i < ng; i++)
			printf("%s %s\n", g[i].name, g[i].nodes);
		free(g);
		return fflush(stdout) == 0 ? 0 : EX_TEMP;
	}
	if (n == 2 && (!strcmp(args[0], "-d") || !strcmp(args[0],
	    "--remove"))) {
		admin_check("remove a group");
		if (group_remove(nodes, args[1]) < 0)
			msg_die(errno == ENOENT ? EX_NOTFOUND : errno == EINVAL ?
			    EX_USAGE : EX_TEMP, "cannot remove group '%s':",
			    args[1]);
		return 0;
	}
	if (n < 2 || args[0][0] == '-')
		usage_die(NULL);
	if (!group_name_ok(args[0]))
		msg_die(EX_USAGE, "bad group name '%s'", args[0]);
	admin_check("change a group");
	for (k = 1; k < n; k++) {
		name_check(args[k]);
		if ((fd = node_dir_open(args[k])) < 0)
			msg_die(EX_NOTFOUND, "cannot put node '%s' in group "
			    "'%s': no such node", args[k], args[0]);
		close(fd);
	}
	if (group_write(nodes, args[0], args + 1, (size_t)n - 1) < 0)
		msg_die(errno == E2BIG ? EX_USAGE : EX_TEMP, "cannot write "
		    "group '%s':", args[0]);
	return 0;
}

/* The subcommands main() knows. */
static int
node_sub_ok(const char *sub)
{
	static const char *const subs[] = { "register", "add", "list",
	    "drain", "maintenance", "resume", "tag", "remove", "group",
	    "set" };
	size_t i;

	for (i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (!strcmp(sub, subs[i]))
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	const char *sub;
	int ch, nargs;
	char **args;

	cmd_early(argc, argv, usage);
	memset(&o, 0, sizeof o);
	msg_prog_set(argv[0]);
	if (argc < 2)
		usage_die(NULL);
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (sub[0] == '-') {
		msg_warn("unknown option '%s'", sub);
		usage_die(NULL);
	}
	if (!node_sub_ok(sub)) {
		msg_warn("unknown command '%s'", sub);
		usage_die(NULL);
	}
	if (!strcmp(sub, "group")) {
		cmd_setup(&cmd, argv[0]);
		return node_group(argc - 2, argv + 2);
	}
	opterr = 0;
	optind = 2;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL))
	    != -1) {
		switch (ch) {
		case O_NAME: o.name = optarg; break;
		case O_TAGS: o.tags = optarg; break;
		case O_WEIGHT: o.weight = optarg; break;
		case O_MEMORY: o.memory = optarg; break;
		case O_GPUS: o.gpus = optarg; break;
		case O_KIND: o.kind = optarg; break;
		case O_TOPO: o.topo = optarg; break;
		case O_SYNTH: o.synth = optarg; break;
		case O_CSV: o.csv = 1; break;
		case O_JSON: o.json = 1; break;
		case O_REASON: o.reason = optarg; break;
		case O_SLURM: o.slurm = 1; break;
		case O_PART: o.partition = optarg; break;
		case O_MAXJOBS: o.max_jobs = optarg; break;
		case O_OVERSUB: o.oversub = optarg; break;
		case O_GPUSLOTS: o.gpu_slots = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: cmd_option_bad(argv, SHORTOPTS, usage);
		}
	}
	args = argv + optind;
	nargs = argc - optind;
	cmd_setup(&cmd, argv[0]);
	if (!strcmp(sub, "register") && nargs == 0)
		return node_register(&o);
	if (!strcmp(sub, "add") && nargs == 1)
		return node_add(args[0], &o);
	if (!strcmp(sub, "list") && nargs == 0 && !(o.csv && o.json))
		return node_list(&o);
	if (!strcmp(sub, "drain") && nargs == 1)
		return node_state_set(args[0], NA_DRAIN, o.reason);
	if (!strcmp(sub, "maintenance") && nargs == 1)
		return node_state_set(args[0], NA_MAINT, o.reason);
	if (!strcmp(sub, "resume") && nargs == 1)
		return node_state_set(args[0], NA_UP, NULL);
	if (!strcmp(sub, "tag") && nargs == 2)
		return node_tag(args[0], args[1]);
	if (!strcmp(sub, "set") && nargs >= 2)
		return node_set(args[0], args + 1, nargs - 1);
	if (!strcmp(sub, "remove") && nargs == 1)
		return node_remove(args[0]);
	usage_die(NULL);
	return EX_USAGE;
}
