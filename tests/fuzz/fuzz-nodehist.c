/* fuzz-nodehist: the text of nodes/NAME/history (iar-node(5)) through
 * nodehist_parse, as the CGI's node page reads it. Invariants: at most
 * max samples, oldest first, none older than a day before the newest,
 * and every value drawable (load 0 to 1e6, memory and battery -1 or 0
 * to 100, temperature within (-300, 1000)): no NaN reaches the SVG. */
#include "fuzz.h"
#include "nodehist.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nodehist_sample s[NODEHIST_SLOTS];
	char *t = fuzz_copy(data, size);
	size_t n = nodehist_parse(t, size, s, NODEHIST_SLOTS), i;

	fuzz_check(n <= NODEHIST_SLOTS);
	for (i = 0; i < n; i++) {
		fuzz_check(s[i].load >= 0 && s[i].load <= 1e6);
		fuzz_check(s[i].mem >= -1 && s[i].mem <= 100);
		fuzz_check(s[i].batt >= -1 && s[i].batt <= 100);
		fuzz_check(!s[i].has_temp || (s[i].temp > -300 &&
		    s[i].temp < 1000));
		fuzz_check(s[i].time <= s[n - 1].time && s[i].time >=
		    s[n - 1].time - 86400);
		fuzz_check(!i || s[i - 1].time <= s[i].time);
	}
	free(t);
	return 0;
}
