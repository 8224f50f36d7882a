/* fuzz-cgi: the request side of iar.cgi, driven as a web server drives
 * it. The input is the request: lines "NAME=VALUE" for the CGI
 * variables below (REQUEST_METHOD, PATH_INFO, QUERY_STRING, ...), an
 * empty line, then the body, which is handed over on standard input
 * through a pipe. Then the same calls main() makes: http_req_read (the
 * method, PATH_INFO, the query string, the body, Accept-Encoding,
 * REMOTE_USER), the route table (cgi_route_find: ids, node names, the
 * query parameters each route takes), for a POST auth_post_check (the
 * form body, the user against etc/cgi.conf, Origin and Referer, the
 * token), and for a GET the validators (If-None-Match,
 * If-Modified-Since). The CGI reads no cookies. cgi_die_end, which ends
 * the real program, here builds the same error page and jumps back. The
 * root (IAR_ROOT) is a scratch one with a cgi.conf and a cgi.secret,
 * made once and removed at exit. */
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "clock.h"
#include "fuzz.h"
#include "cgi.h"

static const char *const vars[] = {
	"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH",
	"CONTENT_TYPE", "REMOTE_USER", "HTTP_HOST", "HTTP_ACCEPT_ENCODING",
	"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_ORIGIN",
	"HTTP_REFERER", "SCRIPT_NAME", NULL
};

static jmp_buf fuzz_jmp;
static struct cgi c;
static struct cgi_conf conf;
static int conf_done;

static void
fuzz_die_end(struct cgi *cp, int status, const char *msg)
{
	http_error_build(cp, status, msg);
	longjmp(fuzz_jmp, status);
}

static void
file_put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

static char root[] = "/tmp/iar-fuzz-cgi.XXXXXX";

/* At exit (libFuzzer exits when its time is up): the scratch root goes. */
static void
root_remove(void)
{
	static const char *const names[] = { "etc/cgi.conf", "etc/cgi.secret",
	    "etc", "" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, names[i]);
		remove(path);
	}
}

static void
root_make(void)
{
	char etc[4096], err[600];

	if (!mkdtemp(root))
		abort();
	atexit(root_remove);
	snprintf(etc, sizeof etc, "%s/etc", root);
	if (mkdir(etc, 0755) < 0)
		abort();
	file_put(etc, "cgi.conf", "allow alice bob\nadmin root\n"
	    "read carol\n", 0644);
	file_put(etc, "cgi.secret", "0123456789abcdef0123456789abcdef\n",
	    0600);
	setenv("IAR_ROOT", root, 1);
	if (webconf_load(&conf, err, sizeof err) < 0)
		abort();
	conf_done = 1;
}

/* Set the variables from the input's head; the rest is the body. */
static size_t
env_set(const uint8_t *data, size_t size)
{
	size_t pos = 0, i;

	for (i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;
		char line[8192], *eq;

		if (n == 0)
			return pos + 1;
		if (n < sizeof line && !memchr(data + pos, 0, n)) {
			memcpy(line, data + pos, n);
			line[n] = 0;
			if ((eq = strchr(line, '='))) {
				*eq = 0;
				for (i = 0; vars[i]; i++)
					if (!strcmp(line, vars[i]))
						setenv(line, eq + 1, 1);
			}
		}
		pos += n + (nl != NULL);
	}
	return size;
}

/* The body on standard input, as the server gives it. */
static void
body_set(const uint8_t *p, size_t n)
{
	int fd[2];

	if (n > 60000)
		n = 60000;	/* what a pipe holds without a reader */
	if (pipe(fd) < 0 || (n && write(fd[1], p, n) != (ssize_t)n))
		abort();
	close(fd[1]);
	if (dup2(fd[0], 0) < 0)
		abort();
	close(fd[0]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t head;

	if (!conf_done)
		root_make();
	head = env_set(data, size);
	body_set(data + head, size - head);
	memset(&c, 0, sizeof c);
	c.die_end = fuzz_die_end;
	c.now_us = clock_now_us();
	c.conf = &conf;
	c.nodesfd = -1;
	http_resp_init(&c.rs, 200, "text/html", CACHE_LIVE);
	if (setjmp(fuzz_jmp) == 0) {
		http_req_read(&c);
		cgi_route_find(&c);
		if (c.rq.method == M_POST)
			auth_post_check(&c);
		else {
			snprintf(c.rs.etag, sizeof c.rs.etag, "\"5f3a-gz\"");
			c.rs.lastmod_us = c.now_us - 3600LL * 1000000;
			http_fresh(&c);
		}
	} else
		fuzz_check(c.rs.body.s && !c.rs.body.err);
	free(c.rq.body);
	buf_free(&c.rs.body);
	return 0;
}
