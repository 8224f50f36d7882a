/* fuzz-node: the files of nodes/NAME (iar-node(5)) through the parsers
 * their readers use: the first byte chooses settings, state, heartbeat
 * or alive, the rest is the file. Invariants: what is taken is within
 * bounds (tags pass node_tags_ok, a known admin state, the strings
 * NUL-terminated in their arrays). */
#include "fuzz.h"
#include "node.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_settings s;
	struct node_heartbeat hb;
	struct node_alive a;
	char *t, reason[256];
	int state;

	if (size < 1)
		return 0;
	t = fuzz_copy(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		if (node_settings_parse(t, size - 1, &s) == 0)
			fuzz_check(node_tags_ok(s.tags) && s.kind[0] &&
			    memchr(s.kind, 0, sizeof s.kind) &&
			    s.weight <= 1000000 && s.gpus <= 65536);
		break;
	case 1:
		if (node_state_parse(t, size - 1, &state, reason,
		    sizeof reason) == 0)
			fuzz_check(state >= 0 && state < NA_N &&
			    memchr(reason, 0, sizeof reason));
		else
			fuzz_check(state == NA_UP);
		break;
	case 2:
		if (node_heartbeat_parse(t, size - 1, &hb) == 0)
			fuzz_check(memchr(hb.load1, 0, sizeof hb.load1) &&
			    memchr(hb.battery, 0, sizeof hb.battery) &&
			    memchr(hb.thermal, 0, sizeof hb.thermal));
		break;
	default:
		if (node_alive_parse(t, size - 1, &a) < 0)
			fuzz_check(a.seq == 0 && a.since == 0);
	}
	free(t);
	return 0;
}
