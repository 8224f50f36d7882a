/* sha256.h: SHA-256 and HMAC-SHA256 (sha256.c), streaming or at once. */
#ifndef IAR_SHA256_H
#define IAR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX 65		/* 64 hex digits and a NUL */

struct sha256 {
	uint32_t h[8];
	unsigned char blk[64];
	size_t n;		/* bytes in blk */
	uint64_t len;		/* bytes in all */
};

void sha256_init(struct sha256 *s);
void sha256_add(struct sha256 *s, const void *data, size_t len);
void sha256_end(struct sha256 *s, unsigned char out[SHA256_LEN]);
void sha256_digest(const void *msg, size_t len, unsigned char out[SHA256_LEN]);
void sha256_hmac(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[SHA256_LEN]);
/* Lower-case hex of a digest. */
void sha256_hex(const unsigned char d[SHA256_LEN], char out[SHA256_HEX]);

#endif
