#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the SHA extensions (and SSSE3, SSE4.1) that pgo_sha256_compress uses.
int pgo_sha256_hardware_available(void);

/// SHA-256's compression function over `blocks` 64-byte blocks at `data`, updating the eight
/// state words H0..H7 in place, with the CPU's SHA instructions. Call only when
/// pgo_sha256_hardware_available() says so.
void pgo_sha256_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
