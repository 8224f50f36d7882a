/* dispatch-group.c: node groups in the head's picture of the pool
 * (group.h, iar-node(5) GROUPS). Each pass, every node's tags are its own
 * (nodes/NAME/settings) plus the name of each group that holds it, so
 * --group NAME and -p NAME match a group as they match a tag. The groups
 * are read again only when nodes/.groups changes; a change of any node's
 * tags bumps the node generation (jobs are checked again against it). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "group.h"
#include "paths.h"

static struct node_group *groups;
static size_t ngroups;
static struct timespec groups_mtime;
static int groups_known;

void
disp_group_tags(struct disp *d)
{
	char tags[sizeof d->pn[0].tags];
	struct stat st;
	size_t i;
	int nodesfd, changed = 0;

	if ((nodesfd = open(paths_nodes(), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return;
	if (fstatat(nodesfd, GROUP_DIR, &st, AT_SYMLINK_NOFOLLOW) < 0)
		memset(&st, 0, sizeof st);
	if (!groups_known || st.st_mtim.tv_sec != groups_mtime.tv_sec ||
	    st.st_mtim.tv_nsec != groups_mtime.tv_nsec) {
		free(groups);
		group_load(nodesfd, &groups, &ngroups);
		groups_mtime = st.st_mtim;
		groups_known = 1;
	}
	close(nodesfd);
	for (i = 0; i < d->nn; i++) {
		if (group_tags(groups, ngroups, d->pn[i].name,
		    d->mn[i].tags_base, tags, sizeof tags) < 0)
			continue;	/* too many: its own tags only */
		memcpy(d->pn[i].tags, tags, sizeof tags);
		if (strcmp(tags, d->mn[i].tags_full) != 0) {
			memcpy(d->mn[i].tags_full, tags, sizeof tags);
			changed = 1;
		}
	}
	if (changed)
		d->gen++;
}
