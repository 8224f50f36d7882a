/* iar-init: make an iar root ready: spool, nodes, etc/iar.conf, and the
 * record of this host as a node.
 *
 * It is idempotent: it creates what is missing, never rewrites what is
 * there (an edited iar.conf, a node's state), prints one line per thing
 * it created or changed, and nothing when all was in place. With --group
 * (as root) the root becomes multi-user: the drop directories belong to
 * that group (see iar-spool(5), TRUST) and the user commands in ROOT/bin
 * become set-gid to it.
 * Promises: files are written whole or not at all (temporary name, then
 * link(2), which never replaces); nothing is followed if it is a
 * symbolic link.
 * Exit codes: 0 ok, 100 usage (or a bad iar.conf), 102 not permitted
 * (--group without root), 111 trouble. See iar-init(1). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "file.h"
#include "cmd.h"
#include "msg.h"
#include "node.h"
#include "paths.h"
#include "spool.h"
#include "topo.h"

static const char usage[] =
"usage: iar-init [--group GROUP] [--node NAME] [DIR]\n"
"      --group GROUP  multi-user root: drop directories and set-gid\n"
"                     commands for GROUP (created if missing; root only)\n"
"      --node NAME    record this host as node NAME (default: node_name\n"
"                     in iar.conf, else the short host name)\n"
"  -h, --help         this text\n"
"  -V, --version      the version\n"
"With DIR (or $IAR_ROOT), the root DIR holds etc/, spool/ and nodes/;\n"
"without, the places compiled in: " IAR_ETCDIR ",\n"
"  " IAR_SPOOLDIR ", " IAR_NODESDIR ".\n";

enum { O_GROUP = 256, O_NODE };

#define SHORTOPTS "hV"

static const struct option longopts[] = {
	{ "group", required_argument, NULL, O_GROUP },
	{ "node", required_argument, NULL, O_NODE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* The commands a user runs: set-gid in a multi-user root, so that each
 * can write the drop directories and read what is dropped there. */
static const char *const setgid_cmds[] = {
	"iar-submit", "iar-cancel", "iar-hold", "iar-release", "iar-stat",
	"iar-wait", "iar-log", "iar-fetch", "iar-suspend", "iar-resume",
	"iar-modify", "iar-node", "iar-export"
};

static const char conf_text[] =
"# iar.conf: settings of this iar root; see iar.conf(5).\n"
"# Format: \"key = value\" lines; '#' starts a comment. Every key is shown\n"
"# commented out with its default. An unknown key or a bad value is an\n"
"# error that stops every iar program, so check after editing:\n"
"# iar-stat must still run.\n"
"\n"
"# This host's node name: jobs for nodes/NAME run here.\n"
"# node_name = (the short host name)\n"
"%s"
"\n"
"# cgroup under which every job gets its own group.\n"
"# cgroup_parent = iar\n"
"\n"
"# auto: use cgroups where possible, else rlimits (and say so);\n"
"# off: rlimits and a process group only.\n"
"# cgroups = auto\n"
"\n"
"# Memory limit of a job that asks for none (K/M/G/T; 0 = no limit).\n"
"# default_mem = 0\n"
"\n"
"# Walltime of a job that asks for none (MM, HH:MM:SS, D-HH...; 0 = none).\n"
"# default_time = 0\n"
"\n"
"# Largest job file accepted, script and environment included.\n"
"# max_job_size = 1M\n"
"\n"
"# Seconds between SIGTERM and SIGKILL when a job is stopped.\n"
"# kill_grace = 10\n"
"\n"
"# Most processes a job may have (0 = no limit).\n"
"# pids_max = 4096\n"
"\n"
"# How long a dispatcher pass started by cron stays, in seconds.\n"
"# pass_seconds = 55\n"
"\n"
"# Memory jobs may use on this node (0 = all the hardware has).\n"
"# node_memory = 0\n"
"\n"
"# Cores jobs may use on this node (0 = all).\n"
"# node_cores = 0\n"
"\n"
"# Seconds between heartbeats (nodes/NAME/heartbeat; iar-node(5)).\n"
"# heartbeat_interval = 60\n"
"\n"
"# A node whose heartbeat has not advanced for this many seconds is down.\n"
"# heartbeat_timeout = 300\n";

static void
say(const char *what, const char *path)
{
	printf("%s: %s %s\n", msg_prog, what, path);
}

/* What spool_create() may create or change, relative to the root; seen
 * before and after, so that each change is reported. */
struct seen {
	char path[4096];
	int exists;
	mode_t mode;
	gid_t gid;
};

static size_t
seen_list(struct seen *s, size_t max)
{
	size_t n = 0;
	int i;

#define ADD(...) do { if (n < max) snprintf(s[n++].path, \
    sizeof s[0].path, __VA_ARGS__); } while (0)
	ADD("%s", paths_spool());
	ADD("%s", paths_nodes());
	for (i = 0; i < SD_N; i++)
		ADD("%s/%s", paths_spool(), spool_dir_names[i]);
	ADD("%s/%s", paths_spool(), SPOOL_DB);
	ADD("%s/%s", paths_spool(), SPOOL_NEXT);
	ADD("%s/%s", paths_spool(), SPOOL_LOCK);
	ADD("%s/%s", paths_spool(), SPOOL_BUNDLES);
	ADD("%s/%s", paths_spool(), SPOOL_CACHE);
#undef ADD
	return n;
}

static void
seen_take(struct seen *s, size_t n)
{
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		s[i].exists = fstatat(AT_FDCWD, s[i].path, &st,
		    AT_SYMLINK_NOFOLLOW) == 0;
		s[i].mode = s[i].exists ? st.st_mode & 07777 : 0;
		s[i].gid = s[i].exists ? st.st_gid : 0;
	}
}

/* The group for a multi-user root, created (groupadd --system) if it is
 * missing. */
static gid_t
group_get(const char *name)
{
	struct group *gr;
	const char *p;
	int status;
	pid_t pid;

	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || (*p == '-' && p > name)))
			break;
	if (*p || !*name || strlen(name) > 32 || (*name >= '0' &&
	    *name <= '9'))
		msg_die(EX_USAGE, "bad group name '%s'", name);
	errno = 0;
	if ((gr = getgrnam(name)))
		return gr->gr_gid;
	if (errno && errno != ENOENT && errno != ESRCH)
		msg_die(EX_TEMP, "cannot look up group '%s':", name);
	fflush(stdout);
	if ((pid = fork()) < 0)
		msg_die(EX_TEMP, "cannot fork:");
	if (pid == 0) {
		execl("/usr/sbin/groupadd", "groupadd", "--system", "--",
		    name, (char *)NULL);
		msg_warn("cannot run '/usr/sbin/groupadd':");
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			msg_die(EX_TEMP, "cannot wait for groupadd:");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		msg_die(EX_TEMP, "cannot create group '%s': groupadd failed",
		    name);
	if (!(gr = getgrnam(name)))
		msg_die(EX_TEMP, "cannot find group '%s' after groupadd",
		    name);
	printf("%s: created group %s\n", msg_prog, name);
	return gr->gr_gid;
}

/* The directory this iar-init runs from: the user commands are beside
 * it (bin/ of the checkout, or BINDIR when installed). */
static int
bindir_open(char *dir, size_t dirsz)
{
	ssize_t n = readlink("/proc/self/exe", dir, dirsz - 1);
	char *slash;

	if (n <= 0 || n >= (ssize_t)dirsz - 1)
		msg_die(EX_TEMP, "cannot find where iar-init is installed:");
	dir[n] = 0;
	if ((slash = strrchr(dir, '/')))
		*slash = 0;
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Make BINDIR/NAME root:GROUP mode 2755, if it is there. */
static void
setgid_set(int bindir, const char *dir, const char *name, gid_t gid,
    const char *group)
{
	struct stat st;
	int fd;

	fd = openat(bindir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		msg_die(EX_TEMP, "cannot open '%s/%s':", dir, name);
	}
	if (fstat(fd, &st) < 0)
		msg_die(EX_TEMP, "cannot stat '%s/%s':", dir, name);
	if (!S_ISREG(st.st_mode)) {
		msg_warn("cannot make '%s/%s' set-gid: not a regular file",
		    dir, name);
		close(fd);
		return;
	}
	if (st.st_uid == 0 && st.st_gid == gid && (st.st_mode & 07777) ==
	    02755) {
		close(fd);
		return;
	}
	/* chown clears the set-gid bit, so chmod comes after it. */
	if (fchown(fd, 0, gid) < 0 || fchmod(fd, 02755) < 0)
		msg_die(EX_TEMP, "cannot make '%s/%s' set-gid:", dir, name);
	close(fd);
	printf("%s: made %s/%s set-gid %s\n", msg_prog, dir, name, group);
}

static void
node_record(const char *node)
{
	char path[4096], err[512];
	struct stat st;
	struct topo *t;
	struct topo_summary ts;
	char *xml;
	size_t len;
	int nodes, fd, r;

	if ((nodes = open(paths_nodes(), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		msg_die(EX_TEMP, "cannot open '%s':", paths_nodes());
	snprintf(path, sizeof path, "%s/%s", paths_nodes(), node);
	if (mkdirat(nodes, node, 0755) == 0)
		say("created", path);
	else if (errno != EEXIST)
		msg_die(EX_TEMP, "cannot create '%s':", path);
	if ((fd = file_dir_open(nodes, node)) < 0)
		msg_die(EX_TEMP, "cannot open '%s':", path);
	close(nodes);

	if (fstatat(fd, "topology.xml", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			msg_die(EX_TEMP, "cannot look at '%s/topology.xml':",
			    path);
		if (topo_host_load(&t, err, sizeof err) < 0)
			msg_die(EX_TEMP, "cannot discover this host: %s", err);
		if (topo_xml_export(t, &xml, &len) < 0)
			msg_die(EX_TEMP, "cannot export this host's topology");
		topo_summary_get(t, &ts);
		topo_free(t);
		r = file_create_new(fd, "topology.xml", xml, len, 0644);
		free(xml);
		if (r < 0)
			msg_die(EX_TEMP, "cannot create '%s/topology.xml':",
			    path);
		/* its counts, for the CGI; the dispatcher makes them too */
		if (r > 0 && node_toposum_write(fd, &ts) < 0)
			msg_warn("cannot write '%s/%s':", path, NODE_TOPOSUM);
		if (r > 0) {
			char p[4200];

			snprintf(p, sizeof p, "%s/topology.xml", path);
			say("created", p);
		}
	}
	r = file_create_new(fd, "state", "up\n", 3, 0644);
	if (r < 0)
		msg_die(EX_TEMP, "cannot create '%s/state':", path);
	if (r > 0) {
		char p[4200];

		snprintf(p, sizeof p, "%s/state", path);
		say("created", p);
	}
	close(fd);
}

/* What a failure to create something means for the person running
 * iar-init. */
static const char *
init_hint(void)
{
	return errno == EACCES || errno == EPERM ? " (a permission problem: "
	    "run iar-init as the owner of the root, or as root, or give "
	    "another DIR)" : "";
}

/* The spool and the nodes directories, saying what was made or
 * changed. */
static void
init_spool(gid_t gid)
{
	struct seen s[SD_N + 8];
	char err[1024];
	size_t ns, i;

	ns = seen_list(s, sizeof s / sizeof s[0]);
	seen_take(s, ns);
	{
		struct seen after[SD_N + 8];

		memcpy(after, s, sizeof after);
		if (spool_create(gid, err, sizeof err) < 0)
			msg_die(EX_TEMP, "%s%s", err, init_hint());
		seen_take(after, ns);
		for (i = 0; i < ns; i++) {
			if (!after[i].exists)
				continue;
			if (!s[i].exists)
				say("created", s[i].path);
			else if (s[i].mode != after[i].mode ||
			    s[i].gid != after[i].gid)
				say("changed", s[i].path);
		}
	}
}

/* etc/ and iar.conf, made if missing (node: its node_name line). */
static void
init_conf(const char *node)
{
	int etc, r;

	if (mkdir(paths_etc(), 0755) == 0)
		say("created", paths_etc());
	else if (errno != EEXIST)
		msg_die(EX_TEMP, "cannot create '%s': %s%s", paths_etc(),
		    strerror(errno), init_hint());
	if ((etc = open(paths_etc(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		msg_die(EX_TEMP, "cannot open '%s':", paths_etc());
	{
		char line[128] = "", text[sizeof conf_text + 128];
		int n;

		/* A node named here is the node this host runs. */
		if (node)
			snprintf(line, sizeof line, "node_name = %s\n", node);
		n = snprintf(text, sizeof text, conf_text, line);
		if (n < 0 || (size_t)n >= sizeof text)
			msg_die(EX_TEMP, "cannot format iar.conf");
		r = file_create_new(etc, IAR_CONF_NAME, text, (size_t)n, 0644);
		if (r < 0)
			msg_die(EX_TEMP, "cannot create '%s': %s%s",
			    paths_conf(), strerror(errno), init_hint());
		if (r > 0)
			say("created", paths_conf());
	}
	close(etc);
}

int
main(int argc, char **argv)
{
	const char *group = NULL, *node = NULL, *root;
	struct conf conf;
	char err[1024];
	gid_t gid = (gid_t)-1;
	size_t i;
	int ch;

	cmd_early(argc, argv, usage);
	msg_prog_set(argv[0]);
	opterr = 0;
	umask(022);
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL))
	    != -1) {
		switch (ch) {
		case O_GROUP:
			group = optarg;
			break;
		case O_NODE:
			node = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			puts("iar-init " IAR_VERSION);
			return 0;
		default:
			cmd_option_bad(argv, SHORTOPTS, usage);
		}
	}
	if (argc - optind > 1) {
		msg_warn("too many operands (one DIR at most)");
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (optind < argc) {
		if (!argv[optind][0])
			msg_die(EX_USAGE, "empty root directory");
		if (setenv("IAR_ROOT", argv[optind], 1) < 0)
			msg_die(EX_TEMP, "cannot set IAR_ROOT:");
		paths_reset();
	}
	root = paths_root();
	if (node && !spool_node_ok(node))
		msg_die(EX_USAGE, "bad node name '%s'", node);
	if (group && geteuid() != 0)
		msg_die(EX_NOTFOUND, "cannot use --group: only root may make "
		    "a multi-user root");
	if (group)
		gid = group_get(group);

	if (root) {
		struct stat st;

		if (mkdir(root, 0755) == 0)
			printf("%s: created %s\n", msg_prog, root);
		else if (errno != EEXIST)
			msg_die(EX_TEMP, "cannot create '%s': %s%s", root,
			    strerror(errno), init_hint());
		if (group && stat(root, &st) == 0 &&
		    (st.st_mode & 0005) != 0005)
			msg_warn("'%s' is mode %04o: other users cannot reach "
			    "its spool (chmod 755 it)", root,
			    (unsigned)(st.st_mode & 07777));
	}

	init_spool(gid);

	init_conf(node);
	if (conf_load(&conf, err, sizeof err) < 0)
		msg_die(EX_USAGE, "%s", err);

	/* nodes/NAME */
	if (!node)
		node = conf.node;
	if (!spool_node_ok(node))
		msg_die(EX_USAGE, "bad node name '%s' (set node_name in "
		    "'%s')", node, paths_conf());
	node_record(node);

	if (group) {
		char dir[4096];
		int bd = bindir_open(dir, sizeof dir);

		if (bd < 0)
			msg_die(EX_TEMP, "cannot open '%s':", dir);
		for (i = 0; i < sizeof setgid_cmds / sizeof setgid_cmds[0];
		    i++)
			setgid_set(bd, dir, setgid_cmds[i], gid, group);
		close(bd);
	}
	if (fflush(stdout) == EOF)
		msg_die(EX_TEMP, "cannot write standard output:");
	return 0;
}
