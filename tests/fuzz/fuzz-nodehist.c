/* fuzz-nodehist: one record of nodes/NAME/history (iar-node(5)) through
 * node_sample_parse, as the CGI reads it. Invariants: what is taken is
 * drawable (load 0 to 1e6, thermal within 1000 of 0, battery -1 or 0 to
 * 100, a seq that is not 0). */
#include "fuzz.h"
#include "nodehist.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_sample s;
	char *t = fuzz_copy(data, size);

	if (node_sample_parse(t, size, &s) == 0)
		fuzz_check(s.seq && s.load1 >= 0 && s.load1 <= 1e6 &&
		    (!s.has_thermal || (s.thermal >= -1000 &&
		    s.thermal <= 1000)) && s.battery >= -1 &&
		    s.battery <= 100);
	free(t);
	return 0;
}
