/* dispatch-web.c: requests the CGI drops for people the web server
 * signed in (iar.cgi(8)): the trust check, and submitting a job.
 *
 * Promises: a request owned by the web server's account (cgi_user in
 * etc/cgi.conf) acts only for a user etc/cgi.conf allows, on that user's
 * own jobs (or any, for an admin); a job submitted over the web is
 * written as a job file owned by that user, so it runs as that user and
 * as nobody else, through the same accept checks as any other job. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "buf.h"
#include "dispatch.h"
#include "file.h"
#include "msg.h"
#include "webconf.h"


/* A request the CGI dropped for a web user (iar.cgi(8)): honoured only
 * if etc/cgi.conf names the request file's owner as cgi_user (the web
 * server's account), the body names exactly one user, and that user is
 * an admin there, or is allowed there and owns the job. who then names
 * the person. */
int
disp_web_ok(struct disp *d, const char *body, uid_t requester, uid_t jobuid,
    char *who, size_t whosz)
{
	struct cgi_conf cf;
	struct passwd *pw;
	char err[256], user[72];
	const char *p;
	size_t n;
	int ok = 0;

	(void)d;

	if (webconf_load(&cf, err, sizeof err) < 0) {
		msg_log("DENY", "%s", err);
		return 0;
	}
	if (!cf.cgi_user[0] || !(pw = getpwnam(cf.cgi_user)) ||
	    pw->pw_uid != requester)
		goto out;
	if (!(p = strstr(body, "\nuser=")) || strstr(p + 1, "\nuser="))
		goto out;
	p += 6;
	n = strcspn(p, "\n");
	if (n == 0 || n >= sizeof user || p[n] != '\n')
		goto out;
	memcpy(user, p, n);
	user[n] = 0;
	if (!webconf_name_ok(user))
		goto out;
	if (webconf_listed(cf.admin, cf.nadmin, user))
		ok = 1;
	else if (webconf_listed(cf.allow, cf.nallow, user) &&
	    (pw = getpwnam(user)) && pw->pw_uid == jobuid)
		ok = 1;
	if (ok)
		snprintf(who, whosz, "web user %s", user);
out:
	webconf_free(&cf);
	return ok;
}

/* ID.submit.PID: body "iar-ctl 1", user=, command= (run with sh -c),
 * optional name=, cores=, mem= (bytes), time= (seconds), then "end". */
int
disp_web_submit(struct disp *d, uint64_t id, char *body,
    const struct stat *st)
{
	static const char *const keys[] = { "id", "verb", "user", "command",
		"name", "cores", "mem", "time" };
	struct rec_kv kv[16];
	struct passwd *pw;
	struct buf b;
	struct job j;
	char why[160], who[96], tmp[64], name[32], script[JOB_PATH_MAX * 5];
	const char *user, *cmd, *v;
	char *argv[4], *env[6], envbuf[6][JOB_PATH_MAX + 16];
	uint64_t n;
	size_t i, k;
	int fd, nkv;

	nkv = rec_parse(body, strlen(body), "iar-ctl", kv, 16, why,
	    sizeof why);
	for (i = 0; nkv > 0 && i < (size_t)nkv; i++) {
		for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (!strcmp(kv[i].key, keys[k]))
				break;
		if (k == sizeof keys / sizeof keys[0])
			nkv = -1;
	}
	if (nkv < 0 || !(user = rec_get(kv, nkv, "user")) ||
	    !(cmd = rec_get(kv, nkv, "command")) || !cmd[0] ||
	    strlen(cmd) > JOB_PATH_MAX * 4 || !webconf_name_ok(user) ||
	    !(pw = getpwnam(user))) {
		msg_log("DENY", "web submit %" PRIu64 ": bad request", id);
		return -1;
	}
	/* Re-serialised by rec_parse's unescape: rebuild the check's view
	 * of the body from the parsed user alone. */
	snprintf(why, sizeof why, "\nuser=%s\n", user);
	snprintf(who, sizeof who, "uid %ld", (long)st->st_uid);
	if (st->st_uid != 0 && !disp_web_ok(d, why, st->st_uid, pw->pw_uid,
	    who, sizeof who)) {
		msg_log("DENY", "%s may not submit for %s", who, user);
		return -1;
	}
	job_init(&j);
	snprintf(j.name, sizeof j.name, "%s", (v = rec_get(kv, nkv, "name")) &&
	    *v ? v : "web");
	if ((v = rec_get(kv, nkv, "cores")) && (n = strtoull(v, NULL, 10)) >= 1
	    && n <= 4096)
		j.cores = (unsigned)n;
	if ((v = rec_get(kv, nkv, "mem")))
		j.mem = strtoull(v, NULL, 10);
	if ((v = rec_get(kv, nkv, "time")))
		j.time = strtoull(v, NULL, 10);
	if (snprintf(j.cwd, sizeof j.cwd, "%s", pw->pw_dir) >=
	    (int)sizeof j.cwd || j.cwd[0] != '/')
		snprintf(j.cwd, sizeof j.cwd, "/");
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	j.argv = argv;
	j.nargv = 3;
	snprintf(script, sizeof script, "#!/bin/sh\n# submitted over the web "
	    "by %s\n%s\n", user, cmd);
	j.script = script;
	j.scriptlen = strlen(script);
	snprintf(envbuf[0], sizeof envbuf[0], "HOME=%s", pw->pw_dir);
	snprintf(envbuf[1], sizeof envbuf[1], "USER=%s", user);
	snprintf(envbuf[2], sizeof envbuf[2], "LOGNAME=%s", user);
	snprintf(envbuf[3], sizeof envbuf[3], "SHELL=/bin/sh");
	snprintf(envbuf[4], sizeof envbuf[4], "PATH=/usr/local/bin:/usr/bin:"
	    "/bin");
	for (i = 0; i < 5; i++)
		env[i] = envbuf[i];
	env[5] = NULL;
	j.env = env;
	j.nenv = 5;
	j.submitted_us = clock_now_us();
	buf_init(&b);
	job_format(&j, &b);
	/* The file belongs to the user, as if iar-submit had written it. */
	snprintf(name, sizeof name, "%" PRIu64, id);
	snprintf(tmp, sizeof tmp, "%" PRIu64 ".web.%ld", id, (long)getpid());
	fd = openat(d->sp.fd[SD_TMP], tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0640);
	if (b.err || fd < 0 || file_write_all(fd, b.s, b.len) < 0 ||
	    (geteuid() == 0 && fchown(fd, pw->pw_uid, pw->pw_gid) < 0) ||
	    fsync(fd) < 0 || close(fd) < 0 || spool_job_enter(&d->sp, SD_TMP,
	    tmp, id, SD_INCOMING) < 0) {
		msg_log("ERROR", "web submit %s for %s: %s", name, user,
		    strerror(errno));
		unlinkat(d->sp.fd[SD_TMP], tmp, 0);
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	msg_log("SUBMIT", "job %s for %s (%s)", name, user, who);
	return 0;
}
