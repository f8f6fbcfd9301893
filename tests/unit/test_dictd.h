/*
 * test_dictd.h: dictd's base64 numbers, for unit tests that write FreeDict index lines.
 */
#ifndef IBID_TEST_DICTD_H
#define IBID_TEST_DICTD_H

#include <stdint.h>

/* dictd's base64 of v into out (room for 12 bytes): A-Z a-z 0-9 + / for 0..63, most
 * significant digit first */
static inline void b64(uint64_t v, char *out)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = digits[v & 63];
        v >>= 6;
    } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

#endif /* IBID_TEST_DICTD_H */
