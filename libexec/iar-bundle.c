/* iar-bundle: pack a directory as a job bundle (pax, gzip level 1) on
 * standard output. iar-submit --bundle DIR runs it, as the submitting
 * user without the iar group, so that libarchive is loaded only by the
 * submissions that need it. Entries are named relative to DIR; symbolic
 * links are stored as links, never followed. Exit codes: 0 ok, 100
 * usage, 111 trouble. See iar-submit(1). */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

int
main(int argc, char **argv)
{
	struct archive *w, *d;
	struct archive_entry *e;
	static char buf[65536];
	int r;

	msg_prog_set(argv[0]);
	if (argc != 2)
		msg_die(EX_USAGE, "usage: iar-bundle DIR");
	if (chdir(argv[1]) < 0)
		msg_die(EX_TEMP, "cannot change to '%s':", argv[1]);
	w = archive_write_new();
	archive_write_add_filter_gzip(w);
	archive_write_set_format_pax_restricted(w);
	archive_write_set_options(w, "gzip:compression-level=1");
	if (archive_write_open_fd(w, 1) != ARCHIVE_OK)
		msg_die(EX_TEMP, "cannot write the bundle: %s",
		    archive_error_string(w));
	d = archive_read_disk_new();
	archive_read_disk_set_standard_lookup(d);
	archive_read_disk_set_symlink_physical(d);
	if (archive_read_disk_open(d, ".") != ARCHIVE_OK)
		msg_die(EX_TEMP, "cannot read '%s': %s", argv[1],
		    archive_error_string(d));
	for (;;) {
		ssize_t k;

		e = archive_entry_new();
		r = archive_read_next_header2(d, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r < ARCHIVE_WARN)
			msg_die(EX_TEMP, "cannot read '%s': %s", argv[1],
			    archive_error_string(d));
		archive_read_disk_descend(d);
		if (strcmp(archive_entry_pathname(e), ".") == 0) {
			archive_entry_free(e);
			continue;
		}
		/* The user's names and ids mean nothing on the node. */
		archive_entry_set_uname(e, "");
		archive_entry_set_gname(e, "");
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		if (archive_write_header(w, e) < ARCHIVE_OK)
			msg_die(EX_TEMP, "cannot add '%s': %s",
			    archive_entry_pathname(e), archive_error_string(w));
		while ((k = archive_read_data(d, buf, sizeof buf)) > 0)
			if (archive_write_data(w, buf, (size_t)k) < 0)
				msg_die(EX_TEMP, "cannot write the bundle: %s",
				    archive_error_string(w));
		if (k < 0)
			msg_die(EX_TEMP, "cannot read '%s': %s",
			    archive_entry_pathname(e), archive_error_string(d));
		archive_entry_free(e);
	}
	archive_read_free(d);
	if (archive_write_close(w) != ARCHIVE_OK)
		msg_die(EX_TEMP, "cannot write the bundle: %s",
		    archive_error_string(w));
	archive_write_free(w);
	return 0;
}
