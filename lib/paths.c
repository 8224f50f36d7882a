/* paths.c: the root directory in use; see paths.h. */
#include <stdlib.h>

#include "paths.h"

const char *
paths_root(void)
{
	const char *r = getenv("IAR_ROOT");

	return r && *r ? r : IAR_ROOT_DEFAULT;
}
