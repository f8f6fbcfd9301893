/*
 * fuzz_utf8.h: UTF-8 helpers the fuzz targets share, kept apart from the code they check.
 */
#ifndef IBID_FUZZ_UTF8_H
#define IBID_FUZZ_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <utf8proc.h>

/* Bytes of s[0, n) that are valid UTF-8 from the start. */
static inline size_t valid_prefix(const char *s, size_t n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) break;
        i += (size_t)k;
    }
    return i;
}

/* Code points of valid UTF-8 s[0, n): its bytes that are not continuation bytes. */
static inline uint32_t count_cp(const char *s, size_t n)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

#endif /* IBID_FUZZ_UTF8_H */
