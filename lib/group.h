/* group.h: node groups (iar-node(5) GROUPS): nodes/.groups/NAME names a
 * set of nodes; a job asks for one with --group NAME (or -p NAME, as for
 * a tag). The head gives each node its groups' names as tags, so a group
 * is matched like a tag everywhere (placement, why-pending).
 * File: "iar-group 1", "nodes=N1 N2 ...", "end"; written durably. */
#ifndef IAR_GROUP_H
#define IAR_GROUP_H

#include <stddef.h>

#define GROUP_DIR	".groups"	/* in nodes/ (a dot-name: no node) */
#define GROUP_NODES_MAX	4096		/* bytes of the node list */

struct node_group {
	char name[64];
	char nodes[GROUP_NODES_MAX];	/* space separated */
};

/* Is name fit for a group (as a node name: letters, digits, . _ -)? */
int group_name_ok(const char *name);
/* Write group name with nodes (n names) under nodesfd. 0, -1 errno. */
int group_write(int nodesfd, const char *name, char **nodes, size_t n);
/* Remove it. 0, -1 errno (ENOENT: no such group). */
int group_remove(int nodesfd, const char *name);
/* Every group, sorted by name; malloc'd. 0 (none: *g NULL, *n 0). */
int group_load(int nodesfd, struct node_group **g, size_t *n);
/* tags (a comma list) with the name of every group holding node added,
 * into out. 0, -1 if it would not fit (out then holds tags). */
int group_tags(const struct node_group *g, size_t n, const char *node,
    const char *tags, char *out, size_t outsz);

#endif
