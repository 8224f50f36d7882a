/* unit-sha256: lib/sha256.c against the FIPS 180-2 examples (one block,
 * two blocks, a million 'a', fed at once and in odd pieces) and HMAC-
 * SHA256 against RFC 4231's test cases 1, 2 and 6 (a key longer than a
 * block). Prints TAP. */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "tap.h"

static void
hex_is(const unsigned char d[SHA256_LEN], const char *want, const char *what)
{
	char h[SHA256_HEX];

	sha256_hex(d, h);
	is(h, want, what);
}

int
main(void)
{
	static const char two[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char mil[] =
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	unsigned char d[SHA256_LEN], key[131];
	struct sha256 s;
	char *a;
	size_t off, step;

	sha256_digest("", 0, d);
	hex_is(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
	    "7852b855", "empty message");
	sha256_digest("abc", 3, d);
	hex_is(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	    "f20015ad", "FIPS 180-2 B.1: \"abc\"");
	sha256_digest(two, strlen(two), d);
	hex_is(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
	    "19db06c1", "FIPS 180-2 B.2: 448 bits, two blocks");
	if (!(a = malloc(1000000)))
		return 1;
	memset(a, 'a', 1000000);
	sha256_digest(a, 1000000, d);
	hex_is(d, mil, "FIPS 180-2 B.3: a million 'a', at once");
	/* The same in pieces of every length from 1 to 127, across block
	 * edges. */
	sha256_init(&s);
	for (off = 0, step = 1; off < 1000000; off += step,
	    step = step % 127 + 1)
		sha256_add(&s, a + off, off + step > 1000000 ? 1000000 - off :
		    step);
	sha256_end(&s, d);
	hex_is(d, mil, "... and in pieces of 1 to 127 bytes");
	free(a);

	memset(key, 0x0b, 20);
	sha256_hmac(key, 20, "Hi There", 8, d);
	hex_is(d, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c"
	    "2e32cff7", "RFC 4231 case 1");
	sha256_hmac("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex_is(d, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9"
	    "64ec3843", "RFC 4231 case 2");
	memset(key, 0xaa, sizeof key);
	sha256_hmac(key, sizeof key, "Test Using Larger Than Block-Size Key "
	    "- Hash Key First", 54, d);
	hex_is(d, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f"
	    "0ee37f54", "RFC 4231 case 6: a key longer than a block");
	return tap_end();
}
