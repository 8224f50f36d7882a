/* file.h: careful file primitives used on the spool.
 *
 * Everything works relative to a directory fd, never follows a symlink,
 * and says on failure with -1 and errno. Atomicity and durability are
 * separate, and each caller names which it wants: file_replace_nosync()
 * is atomic (tmp + rename), file_replace_sync() is also durable (fsync of
 * the file before and of the directory after), as skalibs'
 * openwritenclose_suffix and _suffix_sync. */
#ifndef IAR_FILE_H
#define IAR_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"

/* Write name in dirfd atomically: ".name.PID" then rename over name;
 * readers see the old file or the new one, but after a crash the new one
 * may be lost (heartbeats, marks rewritten soon anyway). */
int file_replace_nosync(int dirfd, const char *name, const void *data,
    size_t len, mode_t mode);
/* The same, and durable once it returns 0: the file is fsynced before
 * the rename and the directory after (job state, results, settings). */
int file_replace_sync(int dirfd, const char *name, const void *data,
    size_t len, mode_t mode);
/* write(2) all of data, through EINTR and short writes. */
int file_write_all(int fd, const void *data, size_t len);
/* Create dirfd/name with data (fsynced) unless it exists; never replaces
 * a file. 1 created, 0 it was there, -1 error. */
int file_create_new(int dirfd, const char *name, const void *data,
    size_t len, mode_t mode);
/* Open a regular file for reading: no symlinks, no FIFOs, no devices,
 * exactly one link. Fills st. Returns fd or -1 (errno; EINVAL for a file
 * of the wrong kind, EMLINK for extra links). */
int file_open_checked(int dirfd, const char *name, struct stat *st);
/* Read all of fd (at most max bytes, else EFBIG) into b. */
int file_read_all(int fd, size_t max, struct buf *b);
/* Read all of the file at path (flags added to O_RDONLY|O_CLOEXEC, e.g.
 * O_NOFOLLOW) into b: 0 ok, -1 with errno (EFBIG past max bytes). */
int file_read_path(const char *path, int flags, size_t max, struct buf *b);
/* Read a small file by name into a bounded array (NUL-terminated).
 * Returns length or -1. Does not follow symlinks. */
long file_read_small(int dirfd, const char *name, char *out, size_t outsz);
int file_dir_sync(int dirfd);
/* Open a directory (no symlink) relative to dirfd. */
int file_dir_open(int dirfd, const char *name);
/* mkdir that accepts an existing directory (but not a symlink). */
int file_dir_make(int dirfd, const char *name, mode_t mode);
/* Open (creating it) a lock file that only its owner may open: mode
 * 0600, tightened if an older file was looser. flags: O_RDONLY or
 * O_RDWR, plus O_CLOEXEC if wanted. Nobody else can take a flock on it,
 * so nobody else can keep its owner waiting (iar-spool(5)). */
int file_lock_open(int dirfd, const char *name, int flags);

#endif
