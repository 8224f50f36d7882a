/* iar-stage: put a job's sources in its working directory before it runs
 * (the STAGING step of the shepherd): a Git checkout at an exact commit,
 * a bundle unpacked, or both (Git first; the bundle may not overwrite).
 *
 * usage: iar-stage --user NAME --src DIR [--cache DIR --git-url URL
 *        [--git-ref REF]] [--bundle-sha256 HEX]   (bundle open on fd 4)
 *
 * The shepherd execs this program (stage.c), so that libgit2, libarchive
 * and their libraries are loaded only for a job that has sources, never
 * in the dispatcher or a plain job's shepherd. It reports on fd 3.
 * The work is done after dropping to the job's user, so the
 * user's permissions decide what can be read and written, and libgit2's
 * owner validation sees the user's own repositories. The child reports
 * through a pipe: "C<sha>" with the commit, "E<message>" on failure, "K"
 * when done. The shepherd never calls libgit2 itself.
 *
 * Git: a per-user, per-URL bare cache under spool/cache/git/<hash> is
 * fetched first (under flock), then cloned locally into the working
 * directory (hard links where the filesystem allows), so the second job
 * from the same repository copies objects instead of fetching them.
 * Bundles: the sha256 recorded at submit is checked, then entries are
 * extracted relative to the working directory with libarchive's secure
 * flags; symlinks whose target is absolute or has ".." are refused. Any
 * refused entry fails the job. */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "msg.h"
#include "stage.h"

static int report_fd = -1;
static const char *stage_user = "git";	/* the job's user, in the child */

static void stage_die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
static void
stage_die(const char *fmt, ...)
{
	char m[512];
	va_list ap;
	int n;

	m[0] = 'E';
	va_start(ap, fmt);
	n = vsnprintf(m + 1, sizeof m - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof m - 3)
		n = (int)sizeof m - 3;
	m[n + 1] = '\n';
	if (write(report_fd, m, (size_t)n + 2) < 0) {
		/* the shepherd is gone */
	}
	_exit(1);
}

static const char *
git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

/* A local repository (plain path or file://) that is not there: say so,
 * instead of libgit2's "unsupported URL protocol". */
static void
git_local_check(const char *url)
{
	const char *p = url;
	struct stat st;

	if (strncmp(p, "file://", 7) == 0)
		p += 7;
	else if (p[0] != '/')
		return;
	if (stat(p, &st) < 0)
		stage_die("git: no repository at '%s': %s", url,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		stage_die("git: no repository at '%s': not a directory", url);
}

/* A local repository another user owns: git (and libgit2) refuse it as
 * of "dubious ownership"; libgit2 1.5 then says only "config value
 * 'safe.directory' was not found". Say what git says, and what to do. */
static void
git_owner_check(const char *url, int ret)
{
	const char *p = url;
	struct passwd *pw;
	struct stat st;
	char who[64];

	if (strncmp(p, "file://", 7) == 0)
		p += 7;
	if (p[0] != '/' || stat(p, &st) < 0 || (st.st_uid == getuid() &&
	    ret != GIT_EOWNER))
		return;
	if ((pw = getpwuid(st.st_uid)))
		snprintf(who, sizeof who, "%s", pw->pw_name);
	else
		snprintf(who, sizeof who, "uid %u", (unsigned)st.st_uid);
	stage_die("git: cannot fetch '%s': the repository is owned by %s, "
	    "not by %s, and git refuses it (\"dubious ownership\"); if you "
	    "trust it, allow it with: git config --global --add "
	    "safe.directory %s", url, who, stage_user, p);
}

/* ssh:// credentials: the job user's default key files (no passphrase;
 * there is no agent for a batch job), each tried once. */
/* Undo git-credential-store's %XX escapes in place. */
static void
stage_unescape(char *s)
{
	char *d = s;

	for (; *s; s++, d++) {
		unsigned v;

		if (*s == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2]) && sscanf(s + 1, "%2x", &v)
		    == 1 && v) {
			*d = (char)v;
			s += 2;
		} else
			*d = *s;
	}
	*d = 0;
}

/* A user name and password for url from ~/.git-credentials (the file of
 * "git credential-store": lines https://USER:PASS@HOST[/PATH]), the
 * user's own, so that no secret is in the job's URL. 0 found. */
static int
stage_cred_lookup(const char *url, char *user, size_t usz, char *pass,
    size_t psz)
{
	const char *home = getenv("HOME"), *u = strstr(url, "://");
	char path[4096], line[2048];
	size_t hl;
	FILE *f;
	int found = -1;

	if (!home || !u || snprintf(path, sizeof path, "%s/.git-credentials",
	    home) >= (int)sizeof path || !(f = fopen(path, "re")))
		return -1;
	u += 3;
	hl = strcspn(u, "/?#");
	while (found < 0 && fgets(line, sizeof line, f)) {
		char *s = strstr(line, "://"), *at, *colon, *host;

		line[strcspn(line, "\r\n")] = 0;
		if (!s || (size_t)(s - line) != (size_t)(u - 3 - url) ||
		    strncmp(line, url, (size_t)(s - line)) != 0 ||
		    !(at = strrchr(s + 3, '@')))
			continue;
		host = at + 1;
		/* the host must match; a path, if given, must prefix ours */
		if (strncmp(host, u, hl) != 0 || (host[hl] && host[hl] != '/') ||
		    (host[hl] == '/' && strncmp(host + hl, u + hl,
		    strlen(host + hl)) != 0))
			continue;
		*at = 0;
		if (!(colon = strchr(s + 3, ':')))
			continue;
		*colon = 0;
		stage_unescape(s + 3);
		stage_unescape(colon + 1);
		if (snprintf(user, usz, "%s", s + 3) < (int)usz &&
		    snprintf(pass, psz, "%s", colon + 1) < (int)psz)
			found = 0;
	}
	fclose(f);
	return found;
}

static int
stage_git_cred(git_credential **out, const char *url, const char *user,
    unsigned int allowed, void *payload)
{
	static const char *const keys[] = { "id_ed25519", "id_ecdsa",
	    "id_rsa" };
	unsigned *tries = payload;
	const char *home = getenv("HOME");
	char path[4096];

	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && !(*tries &
	    0x100)) {
		char u[512], p[1024];

		*tries |= 0x100;	/* once: a refused one is not retried */
		if (stage_cred_lookup(url, u, sizeof u, p, sizeof p) == 0) {
			int r = git_credential_userpass_plaintext_new(out, u, p);

			explicit_bzero(p, sizeof p);
			return r;
		}
	}
	if (!user || !*user)
		user = stage_user;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY) || !home)
		return GIT_PASSTHROUGH;
	while ((*tries & 0xff) < sizeof keys / sizeof keys[0]) {
		snprintf(path, sizeof path, "%s/.ssh/%s", home,
		    keys[(*tries)++ & 0xff]);
		if (access(path, R_OK) == 0)
			return git_credential_ssh_key_new(out, user, NULL, path,
			    NULL);
	}
	return GIT_PASSTHROUGH;
}

static void
git_stage(const struct stage_req *rq, char *sha)
{
	git_repository *cache = NULL, *repo = NULL;
	git_remote *remote = NULL;
	git_fetch_options fo;
	git_clone_options co;
	git_checkout_options ko;
	git_object *obj = NULL;
	char spec[JOB_REF_MAX + 32];
	const char *ref = rq->git_ref[0] ? rq->git_ref : "HEAD";
	unsigned tries = 0;
	int lock, r;

	git_local_check(rq->git_url);
	if (git_libgit2_init() < 0)
		stage_die("git: cannot start libgit2");
	/* One job at a time per cache entry. */
	if ((lock = open(rq->cachedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0
	    || flock(lock, LOCK_EX) < 0)
		stage_die("git: cannot lock the cache '%s': %s", rq->cachedir,
		    strerror(errno));
	if (git_repository_open_bare(&cache, rq->cachedir) < 0) {
		if (git_repository_init(&cache, rq->cachedir, 1) < 0 ||
		    git_remote_create_with_fetchspec(&remote, cache, "origin",
		    rq->git_url, "+refs/heads/*:refs/heads/*") < 0)
			stage_die("git: cannot make the cache '%s': %s",
			    rq->cachedir, git_msg());
	} else if (git_remote_lookup(&remote, cache, "origin") < 0)
		stage_die("git: bad cache '%s': %s", rq->cachedir, git_msg());
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks.credentials = stage_git_cred;
	fo.callbacks.payload = &tries;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	fo.prune = GIT_FETCH_PRUNE;
	if ((r = git_remote_fetch(remote, NULL, &fo, "iar: fetch")) < 0) {
		git_owner_check(rq->git_url, r);
		stage_die("git: cannot fetch '%s': %s", rq->git_url,
		    git_msg());
	}
	git_remote_free(remote);
	/* HEAD of the cache follows the remote's default branch. */
	{
		git_remote *r2;
		const git_remote_head **heads;
		size_t n;

		if (git_remote_lookup(&r2, cache, "origin") == 0) {
			tries = 0;
			if (git_remote_connect(r2, GIT_DIRECTION_FETCH,
			    &fo.callbacks, NULL, NULL) == 0 && git_remote_ls(&heads, &n, r2)
			    == 0 && n > 0 && heads[0]->symref_target)
				git_repository_set_head(cache,
				    heads[0]->symref_target);
			git_remote_free(r2);
		}
	}
	git_repository_free(cache);

	git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
	co.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
	co.local = GIT_CLONE_LOCAL_AUTO;
	if (git_clone(&repo, rq->cachedir, rq->srcdir, &co) < 0)
		stage_die("git: cannot clone '%s' from the cache: %s",
		    rq->git_url, git_msg());
	close(lock);
	snprintf(spec, sizeof spec, "%s^{commit}", ref);
	if (git_revparse_single(&obj, repo, spec) < 0) {
		snprintf(spec, sizeof spec, "origin/%s^{commit}", ref);
		if (git_revparse_single(&obj, repo, spec) < 0)
			stage_die("git: no ref '%s' in %s", ref, rq->git_url);
	}
	git_checkout_options_init(&ko, GIT_CHECKOUT_OPTIONS_VERSION);
	ko.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (git_checkout_tree(repo, obj, &ko) < 0 ||
	    git_repository_set_head_detached(repo, git_object_id(obj)) < 0)
		stage_die("git: cannot check out '%s': %s", ref, git_msg());
	git_oid_tostr(sha, 41, git_object_id(obj));
	git_remote_set_url(repo, "origin", rq->git_url);
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

static void
bundle_stage(const struct stage_req *rq)
{
	unsigned char buf[65536], d[SHA256_LEN];
	char hex[SHA256_HEX];
	struct sha256 h;
	struct archive *a, *x;
	struct archive_entry *e;
	ssize_t n;
	int r;

	sha256_init(&h);
	if (lseek(rq->bundlefd, 0, SEEK_SET) < 0)
		stage_die("bundle: cannot read: %s", strerror(errno));
	while ((n = read(rq->bundlefd, buf, sizeof buf)) > 0)
		sha256_add(&h, buf, (size_t)n);
	if (n < 0)
		stage_die("bundle: cannot read: %s", strerror(errno));
	sha256_end(&h, d);
	sha256_hex(d, hex);
	if (strcmp(hex, rq->bundle_sha256) != 0)
		stage_die("bundle: sha256 is %s, not %s as submitted", hex,
		    rq->bundle_sha256);
	if (lseek(rq->bundlefd, 0, SEEK_SET) < 0)
		stage_die("bundle: cannot read: %s", strerror(errno));
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	x = archive_write_disk_new();
	archive_write_disk_set_options(x, ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
	    ARCHIVE_EXTRACT_NO_OVERWRITE);
	if (archive_read_open_fd(a, rq->bundlefd, 65536) != ARCHIVE_OK)
		stage_die("bundle: %s", archive_error_string(a));
	/* Names are taken relative to the working directory. */
	if (chdir(rq->srcdir) < 0)
		stage_die("bundle: cannot change to '%s': %s", rq->srcdir,
		    strerror(errno));
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		const void *b;
		size_t sz;
		la_int64_t off;

		if (archive_entry_filetype(e) == AE_IFLNK) {
			const char *t = archive_entry_symlink(e);

			if (!t || t[0] == '/' || strstr(t, ".."))
				stage_die("bundle: refused entry '%.200s': "
				    "symlink to '%.200s' points outside",
				    name, t ? t : "");
		}
		if (archive_entry_filetype(e) != AE_IFREG &&
		    archive_entry_filetype(e) != AE_IFDIR &&
		    archive_entry_filetype(e) != AE_IFLNK)
			stage_die("bundle: refused entry '%.200s': not a file, "
			    "directory or symlink", name);
		archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
		if (archive_write_header(x, e) < ARCHIVE_OK)
			stage_die("bundle: refused entry '%.200s': %s", name,
			    archive_error_string(x));
		while ((r = archive_read_data_block(a, &b, &sz, &off)) ==
		    ARCHIVE_OK)
			if (archive_write_data_block(x, b, sz, off) <
			    ARCHIVE_OK)
				stage_die("bundle: cannot write '%.200s': %s",
				    name, archive_error_string(x));
		if (r != ARCHIVE_EOF)
			stage_die("bundle: cannot read '%.200s': %s", name,
			    archive_error_string(a));
		if (archive_write_finish_entry(x) < ARCHIVE_OK)
			stage_die("bundle: cannot write '%.200s': %s", name,
			    archive_error_string(x));
	}
	if (r != ARCHIVE_EOF)
		stage_die("bundle: %s", archive_error_string(a));
	archive_write_close(x);
	archive_write_free(x);
	archive_read_free(a);
}

static void stage_child(const struct stage_req *rq)
    __attribute__((noreturn));
static void
stage_child(const struct stage_req *rq)
{
	char sha[41] = "";

	if (geteuid() == 0) {
		if (initgroups(rq->pw->pw_name, rq->pw->pw_gid) < 0 ||
		    setgid(rq->pw->pw_gid) < 0 || setuid(rq->pw->pw_uid) < 0)
			stage_die("cannot become user '%s': %s",
			    rq->pw->pw_name, strerror(errno));
		if (rq->pw->pw_uid != 0 && setuid(0) == 0)
			stage_die("privileges not dropped");
	}
	/* libgit2 reads the user's configuration, not ours. */
	setenv("HOME", rq->pw->pw_dir, 1);
	stage_user = rq->pw->pw_name;
	umask(022);
	if (chdir(rq->srcdir) < 0)
		stage_die("cannot change to '%s': %s", rq->srcdir,
		    strerror(errno));
	if (rq->git_url[0]) {
		char m[48];
		int n;

		git_stage(rq, sha);
		n = snprintf(m, sizeof m, "C%s\n", sha);
		if (write(report_fd, m, (size_t)n) < 0)
			_exit(1);
	}
	if (rq->bundle_sha256[0])
		bundle_stage(rq);
	if (write(report_fd, "K\n", 2) < 0)
		_exit(1);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct stage_req rq;
	struct passwd *pw = NULL;
	int i;

	msg_prog_set(argv[0]);
	memset(&rq, 0, sizeof rq);
	rq.git_url = rq.git_ref = rq.bundle_sha256 = "";
	rq.bundlefd = -1;
	report_fd = 3;
	for (i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--user"))
			pw = getpwnam(v);
		else if (!strcmp(k, "--src"))
			rq.srcdir = v;
		else if (!strcmp(k, "--cache"))
			rq.cachedir = v;
		else if (!strcmp(k, "--git-url"))
			rq.git_url = v;
		else if (!strcmp(k, "--git-ref"))
			rq.git_ref = v;
		else if (!strcmp(k, "--bundle-sha256")) {
			rq.bundle_sha256 = v;
			rq.bundlefd = 4;
		} else
			break;
	}
	if (i < argc && argv[i][0] == '-') {
		char word[64];
		int n = snprintf(word, sizeof word, " %s ", argv[i]);

		msg_warn(i + 1 == argc && n > 0 && (size_t)n < sizeof word &&
		    strstr(" --user --src --cache --git-url --git-ref "
		    "--bundle-sha256 ", word) ? "option '%s' needs a value" :
		    "unknown option '%s'", argv[i]);
	}
	if (i != argc || !pw || !rq.srcdir || (rq.git_url[0] && !rq.cachedir) ||
	    fcntl(report_fd, F_GETFD) < 0)
		msg_die(EX_USAGE, "usage: iar-stage --user NAME --src DIR "
		    "[--cache DIR --git-url URL [--git-ref REF]] "
		    "[--bundle-sha256 HEX]; started by the shepherd");
	rq.pw = pw;
	stage_child(&rq);
}
