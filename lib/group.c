/* group.c: node groups, nodes/.groups/NAME; see group.h, iar-node(5). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "group.h"
#include "spool.h"

int
group_name_ok(const char *name)
{
	return spool_node_ok(name) && strlen(name) < sizeof
	    ((struct node_group *)0)->name;
}

static int
group_dir(int nodesfd, int create)
{
	if (create && mkdirat(nodesfd, GROUP_DIR, 0755) < 0 && errno != EEXIST)
		return -1;
	return openat(nodesfd, GROUP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

int
group_write(int nodesfd, const char *name, char **nodes, size_t n)
{
	struct buf b;
	size_t i, len = 0;
	int fd, r;

	for (i = 0; i < n; i++) {
		if (!spool_node_ok(nodes[i])) {
			errno = EINVAL;
			return -1;
		}
		len += strlen(nodes[i]) + 1;
	}
	if (!group_name_ok(name) || len >= GROUP_NODES_MAX) {
		errno = len >= GROUP_NODES_MAX ? E2BIG : EINVAL;
		return -1;
	}
	if ((fd = group_dir(nodesfd, 1)) < 0)
		return -1;
	buf_init(&b);
	buf_adds(&b, "iar-group 1\nnodes=");
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? " " : "", nodes[i]);
	buf_adds(&b, "\nend\n");
	r = b.err ? (errno = ENOMEM, -1) : file_replace(fd, name, b.s, b.len,
	    0644, 1);
	buf_free(&b);
	close(fd);
	return r;
}

int
group_remove(int nodesfd, const char *name)
{
	int fd, r;

	if (!group_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = group_dir(nodesfd, 0)) < 0)
		return -1;
	r = unlinkat(fd, name, 0);
	if (r == 0)
		fsync(fd);
	close(fd);
	return r;
}

static int
group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node_group *)a)->name,
	    ((const struct node_group *)b)->name);
}

/* One file: 0 read, -1 not a group file (skipped). */
static int
group_read(int dirfd, const char *name, struct node_group *g)
{
	char text[GROUP_NODES_MAX + 64], *nl;
	long n = file_read_small(dirfd, name, text, sizeof text);

	if (n <= 0 || strncmp(text, "iar-group 1\nnodes=", 18) != 0)
		return -1;
	if (!(nl = strchr(text + 18, '\n')) || strcmp(nl, "\nend\n") != 0)
		return -1;
	*nl = 0;
	if (strlen(text + 18) >= sizeof g->nodes)
		return -1;
	snprintf(g->name, sizeof g->name, "%s", name);
	strcpy(g->nodes, text + 18);
	return 0;
}

int
group_load(int nodesfd, struct node_group **g, size_t *n)
{
	struct node_group *v = NULL, *nv;
	struct dirent *de;
	size_t m = 0;
	DIR *dir;
	int fd;

	*g = NULL;
	*n = 0;
	if ((fd = group_dir(nodesfd, 0)) < 0)
		return 0;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return 0;
	}
	while ((de = readdir(dir))) {
		if (!group_name_ok(de->d_name))
			continue;
		if (!(nv = realloc(v, (m + 1) * sizeof *v)))
			break;
		v = nv;
		if (group_read(dirfd(dir), de->d_name, &v[m]) == 0)
			m++;
	}
	closedir(dir);
	if (m > 1)
		qsort(v, m, sizeof *v, group_cmp);
	*g = v;
	*n = m;
	return 0;
}

static int
group_has(const struct node_group *g, const char *node)
{
	size_t l = strlen(node);
	const char *p = g->nodes;

	while ((p = strstr(p, node))) {
		if ((p == g->nodes || p[-1] == ' ') && (p[l] == 0 ||
		    p[l] == ' '))
			return 1;
		p += l;
	}
	return 0;
}

int
group_tags(const struct node_group *g, size_t n, const char *node,
    const char *tags, char *out, size_t outsz)
{
	size_t i, len;

	if ((len = strlen(tags)) >= outsz)
		return -1;
	memcpy(out, tags, len + 1);
	for (i = 0; i < n; i++) {
		size_t gl = strlen(g[i].name);

		if (!group_has(&g[i], node))
			continue;
		if (len + gl + 2 > outsz)
			return -1;
		if (len)
			out[len++] = ',';
		memcpy(out + len, g[i].name, gl + 1);
		len += gl;
	}
	return 0;
}
