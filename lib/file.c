/* file.c: careful file primitives; see file.h for the promises. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

int
file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The one body of the two below: sync says whether to fsync. */
static int
file_replace_do(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode, int sync)
{
	char tmp[256];
	int fd, e;

	if (snprintf(tmp, sizeof tmp, ".%s.%ld", name, (long)getpid())
	    >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (file_write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0))
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		goto fail;
	if (sync && file_dir_sync(dirfd) < 0)
		return -1;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = e;
	return -1;
}

int
file_replace_sync(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	return file_replace_do(dirfd, name, data, len, mode, 1);
}

int
file_replace_nosync(int dirfd, const char *name, const void *data,
    size_t len, mode_t mode)
{
	return file_replace_do(dirfd, name, data, len, mode, 0);
}

int
file_open_checked(int dirfd, const char *name, struct stat *st)
{
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		goto fail;
	if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (st->st_nlink != 1) {
		errno = EMLINK;
		goto fail;
	}
	return fd;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

int
file_read_all(int fd, size_t max, struct buf *b)
{
	char tmp[16384];

	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > max) {
			errno = EFBIG;
			return -1;
		}
		buf_add(b, tmp, (size_t)n);
		if (b->err) {
			errno = ENOMEM;
			return -1;
		}
	}
	return 0;
}

int
file_read_path(const char *path, int flags, size_t max, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags), r, e;

	if (fd < 0)
		return -1;
	r = file_read_all(fd, max, b);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

long
file_read_small(int dirfd, const char *name, char *out, size_t outsz)
{
	size_t len = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	while (len + 1 < outsz) {
		ssize_t n = read(fd, out + len, outsz - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	out[len] = 0;
	return (long)len;
}

int
file_dir_sync(int dirfd)
{
	if (fsync(dirfd) < 0 && errno != EINVAL)
		return -1;
	return 0;
}

int
file_dir_open(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

int
file_dir_make(int dirfd, const char *name, mode_t mode)
{
	struct stat st;

	if (mkdirat(dirfd, name, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int
file_lock_open(int dirfd, const char *name, int flags)
{
	struct stat st;
	int fd, e, r;

	fd = openat(dirfd, name, flags | O_CREAT | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	r = fstat(fd, &st);
	if (r == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		r = -1;
	}
	if (r == 0 && (st.st_mode & 077))
		r = fchmod(fd, 0600);
	if (r == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Create dirfd/name with data unless it exists: written under a
 * temporary name, then linked (link never replaces). 1 created, 0 it
 * was there, -1 error. */
int
file_create_new(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	char tmp[300];
	struct stat st;
	int fd, e;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	if (snprintf(tmp, sizeof tmp, ".%s.%ld", name, (long)getpid()) >=
	    (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (file_write_all(fd, data, len) < 0 || fsync(fd) < 0 || fchmod(fd, mode) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (linkat(dirfd, tmp, dirfd, name, 0) < 0) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
		if (e == EEXIST)
			return 0;
		errno = e;
		return -1;
	}
	unlinkat(dirfd, tmp, 0);
	file_dir_sync(dirfd);
	return 1;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = e;
	return -1;
}
