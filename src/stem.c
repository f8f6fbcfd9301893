/*
 * stem.c: Snowball stemmers (libstemmer) by ISO 639-1 code, with Arabic clitics removed first.
 *
 * Snowball (Porter, "Snowball: A language for stemming algorithms", 2001) strips inflectional
 * and derivational suffixes by rules, language by language: running -> run, häuser -> haus. The
 * table below reaches every algorithm of libstemmer 2.2 (sb_stemmer_list) by its ISO code; the
 * Norwegian stemmer serves both written forms (nb, nn and the macrolanguage no), and the Serbian
 * one, written for Latin and Cyrillic Serbo-Croatian, also serves hr, bs and sh. "porter" (the
 * original English algorithm, superseded by "english") has no code of its own.
 *
 * Arabic words carry proclitics that Snowball's Arabic stemmer leaves on (والمسؤولون keeps its
 * و), so they go first, after Larkey, Ballesteros and Connell's light10 ("Light Stemming for
 * Arabic Information Retrieval", 2007), on the normalized word:
 *   1. alef with hamza or madda (أ إ آ) becomes bare alef ا, alef maqsura ى becomes ي, and
 *      harakat (U+064B..U+0652) and tatweel (U+0640) go: spelling varies in these, and Snowball
 *      stems the two spellings of one word apart (مستشفى -> مستشفي but مستشفي -> مستشف);
 *   2. the conjunction و goes when 3 or more letters remain;
 *   3. a preposition before the article (بال كال فال, and لل for ل + ال) goes when 2 or more
 *      letters follow the article, leaving ال.
 * Unlike light10, the article itself is left for Snowball, which removes it and stems definite
 * nouns better than bare words: its suffix rules depend on having seen it (المفاوضات -> مفاوض
 * but مفاوضات -> مفاوضا; السيارات -> سيار but سيارات -> يارا, the س taken for a verb prefix).
 * So every clitic form of a definite word (والمفاوضات, بالمفاوضات, للمفاوضات) gets the stem of
 * the definite word, and a bare indefinite word keeps Snowball's own stem, which can differ.
 * Ta marbuta ة is left alone: Snowball already stems ة and ه endings alike (مدرسة, مدرسه -> مدرس).
 */
#include "lang.h"

#include <libstemmer.h>
#include <limits.h>

/* An ISO 639-1 code and the libstemmer algorithm for it. */
static const struct {
    const char *iso, *algorithm;
} STEMMERS[] = {
    {"ar", "arabic"},     {"bs", "serbian"},  {"ca", "catalan"},    {"da", "danish"},
    {"de", "german"},     {"el", "greek"},    {"en", "english"},    {"es", "spanish"},
    {"eu", "basque"},     {"fi", "finnish"},  {"fr", "french"},     {"ga", "irish"},
    {"hi", "hindi"},      {"hr", "serbian"},  {"hu", "hungarian"},  {"hy", "armenian"},
    {"id", "indonesian"}, {"it", "italian"},  {"lt", "lithuanian"}, {"nb", "norwegian"},
    {"ne", "nepali"},     {"nl", "dutch"},    {"nn", "norwegian"},  {"no", "norwegian"},
    {"pt", "portuguese"}, {"ro", "romanian"}, {"ru", "russian"},    {"sh", "serbian"},
    {"sr", "serbian"},    {"sv", "swedish"},  {"ta", "tamil"},      {"tr", "turkish"},
    {"yi", "yiddish"},
};
#define N_STEMMERS (sizeof STEMMERS / sizeof STEMMERS[0])

struct ibid_stemmer {
    struct sb_stemmer *sb;
    int arabic;   /* strip clitics before stemming */
    char *buf;    /* the Arabic word after step 1 */
    size_t m_buf; /* bytes */
};

ibid_stemmer *ibid_stemmer_new(const char *lang)
{
    if (!lang) return NULL;
    for (size_t i = 0; i < N_STEMMERS; i++) {
        if (strcmp(STEMMERS[i].iso, lang) != 0) continue;
        struct sb_stemmer *sb = sb_stemmer_new(STEMMERS[i].algorithm, "UTF_8");
        if (!sb) abort(); /* every algorithm named above exists: out of memory */
        ibid_stemmer *s = ibid_xcalloc(1, sizeof *s);
        s->sb = sb;
        s->arabic = strcmp(lang, "ar") == 0;
        return s;
    }
    return NULL;
}

void ibid_stemmer_free(ibid_stemmer *s)
{
    if (!s) return;
    sb_stemmer_delete(s->sb);
    free(s->buf);
    free(s);
}

/* Arabic letters in UTF-8: 0xD8 or 0xD9 then the low 6 bits (U+0600..U+067F). */
#define AR_D8(b) (0xD8u << 8 | (b))
#define AR_D9(b) (0xD9u << 8 | (b))

/* Step 1 on w[0, n) into out (n bytes or more): returns the bytes written. */
static size_t arabic_normalize(const unsigned char *w, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned pair = i + 1 < n ? (unsigned)w[i] << 8 | w[i + 1] : 0;
        if (pair == AR_D8(0xA2) || pair == AR_D8(0xA3) || pair == AR_D8(0xA5)) {
            out[k++] = (char)0xD8, out[k++] = (char)0xA7; /* أ إ آ -> ا */
        } else if (pair == AR_D9(0x89)) {
            out[k++] = (char)0xD9, out[k++] = (char)0x8A; /* ى -> ي */
        } else if (pair == AR_D9(0x80) || (pair >= AR_D9(0x8B) && pair <= AR_D9(0x92))) {
            /* tatweel, harakat: dropped */
        } else {
            out[k++] = (char)w[i];
            continue;
        }
        i++;
    }
    return k;
}

/* Code points in UTF-8 s[0, n). */
static size_t n_cp(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* Whether s[0, n) starts with the NUL-terminated `prefix` and has `min_cp` code points after it. */
static int starts_with(const char *s, size_t n, const char *prefix, size_t min_cp)
{
    size_t len = strlen(prefix);
    return n >= len && memcmp(s, prefix, len) == 0 && n_cp(s + len, n - len) >= min_cp;
}

/* Steps 2 and 3 on an Arabic word s[0, n): returns the bytes of s to skip. */
static size_t arabic_clitics(char *s, size_t n)
{
    size_t k = starts_with(s, n, "و", 3) ? strlen("و") : 0;
    s += k;
    n -= k;
    if (starts_with(s, n, "بال", 2) || starts_with(s, n, "كال", 2) || starts_with(s, n, "فال", 2))
        return k + strlen("ب");
    if (starts_with(s, n, "لل", 2)) {
        static_assert(sizeof "ا" == sizeof "ل", "one letter for another, in place");
        memcpy(s, "ا", strlen("ا")); /* the alef of ال that the preposition ل elided */
    }
    return k;
}

const char *ibid_stem(ibid_stemmer *s, const char *word, size_t n, size_t *n_out)
{
    assert(s && n_out);
    if (n > INT_MAX) { /* no word is this long; leave it as it is */
        *n_out = n;
        return word;
    }
    if (s->arabic) {
        IBID_GROW(s->buf, s->m_buf, n + 1);
        n = arabic_normalize((const unsigned char *)word, n, s->buf);
        size_t k = arabic_clitics(s->buf, n);
        word = s->buf + k;
        n -= k;
    }
    const sb_symbol *r = sb_stemmer_stem(s->sb, (const sb_symbol *)word, (int)n);
    if (!r) abort(); /* libstemmer fails only when out of memory */
    *n_out = (size_t)sb_stemmer_length(s->sb);
    return (const char *)r;
}
