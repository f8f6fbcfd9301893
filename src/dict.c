/*
 * dict.c: FreeDict bilingual dictionaries (Debian's dict-freedict-* packages, dictd format) as a
 * table from a normalized word to its translations.
 *
 * Files. freedict-<from>-<to>.index has one line per headword: "headword TAB offset TAB length",
 * the numbers in dictd's base64 (A-Z a-z 0-9 + / for digits 0..63, most significant first); they
 * locate the entry in the uncompressed freedict-<from>-<to>.dict.dz, which is dictzip, a gzip
 * file that zlib's gzread reads whole. Index lines whose headword starts with "00database" are
 * dictd's own metadata and skipped. Several lines may share an entry; its strings then repeat
 * and are removed again when the table is finished.
 *
 * Entries. The first line is the headword, then an optional pronunciation "/.../", abbreviations
 * "(...)" and grammar labels "<...>"; "a. / b." gives two headwords. Each later line is a sense:
 * optionally numbered "2. ", with domain labels "[mus.]", glosses separated by commas, each with
 * its own "<n>" labels and "(...)" remarks. Lines of examples ('"...'), cross references ("{...}")
 * and notes ("Note:", "Synonyms:", "see:") are skipped. From each headword and gloss we drop
 * brackets of any kind with their contents, everything from a "<" on, ellipses, placeholders
 * ("etw.", "jdn.", "sb.", "sth."), trailing punctuation, and anything longer than
 * IBID_DICT_MAX_WORDS words; "a/b" as a gloss's first or last word stands for two glosses
 * (elsewhere the slash often separates phrases, and the gloss is dropped).
 *
 * Building. Every dictionary text (direct, then the reverse one inverted) is parsed on its own
 * thread into its own table: a string pool with an open-addressing hash table (XXH3), and the
 * (headword, translation) pairs of string ids in dictionary order. The tables are then merged in
 * that order into one; a counting sort groups the pairs by headword keeping their order, repeats
 * are dropped, and each headword's translations become a slice of one pointer array, those that
 * both dictionaries give first: FreeDict lists senses in no order of frequency (ara-eng gives
 * العالم as "bookman, scientist, scholar, savant, world"), and a sense attested in both
 * directions is the likelier one (terms.c keeps only a word's first few translations).
 *
 * Stems. ibid_dict_index_stems stems every one-word headword in the source language and
 * interns the stem as a string of the same table, whose `lemma` names the shortest headword with
 * that stem; a word missing from the dictionary is then looked up by its own stem, which finds
 * its headword whatever its inflection or clitics.
 */
#include "dict.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <utf8proc.h>
#include <xxhash.h>
#include <zlib.h>

#define NORM_OPTS (UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STABLE)

/* An interned string: pool[byte_off, byte_off + n_bytes), then a NUL. */
typedef struct dstr {
    uint64_t hash;
    size_t byte_off;
    uint32_t n_bytes;
    uint32_t beg, n; /* its translations: trans[beg, beg + n) */
    uint32_t lemma;  /* 0, or 1 + the id of the shortest headword whose stem this string is */
} dstr;

typedef struct dpair {
    uint32_t head, trans; /* string ids */
    uint32_t inverted;    /* 1 when from the reverse dictionary */
} dpair;

struct ibid_dict {
    size_t n_pool, m_pool; /* bytes */
    char *pool;            /* every string, NUL-terminated */
    size_t n_str, m_str;
    dstr *str;
    size_t m_slot;  /* a power of two, or 0 */
    uint64_t *slot; /* 0: empty, else hash >> 32 << 32 | (string id + 1) */
    size_t n_pair, m_pair;
    dpair *pair; /* while building: in order of usefulness */
    size_t n_trans;
    const char **trans; /* into pool */
    size_t n_head;      /* strings with translations */
};

/* ---- index lines ---- */

static int b64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode the base64 number s[0, n) (n >= 1; at most 10 digits, so it fits in 60 bits). */
static int b64_number(const char *s, size_t n, uint64_t *v, size_t *bad)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = b64_digit((unsigned char)s[i]);
        if (d < 0 || i >= 10) {
            *bad = i;
            return -1;
        }
        *v = *v << 6 | (uint64_t)d;
    }
    if (n == 0) *bad = 0;
    return n == 0 ? -1 : 0;
}

int ibid_dict_index_line(const char *s, size_t n, size_t n_data, const char *name, long line,
                         ibid_dict_ref *ref, ibid_error *err)
{
    assert(s || n == 0);
    const char *t1 = memchr(s, '\t', n);
    const char *t2 = t1 ? memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - s)) : NULL;
    if (!t2)
        return ibid_fail(err, IBID_EPARSE, name, line, 0,
                         "expected headword, offset and length separated by tabs");
    const char *t3 = memchr(t2 + 1, '\t', n - (size_t)(t2 + 1 - s)); /* extra fields: ignored */
    const char *f[2] = {t1 + 1, t2 + 1};
    size_t n_f[2] = {(size_t)(t2 - f[0]), (size_t)((t3 ? t3 : s + n) - f[1])};
    uint64_t v[2];
    for (int k = 0; k < 2; k++) {
        size_t bad = 0;
        if (b64_number(f[k], n_f[k], &v[k], &bad) < 0)
            return ibid_fail(err, IBID_EPARSE, name, line, (long)(f[k] - s + (long)bad) + 1,
                             "bad base64 %s '%.*s'", k ? "length" : "offset",
                             (int)(n_f[k] < 40 ? n_f[k] : 40), f[k]);
    }
    if (v[0] > n_data || v[1] > n_data - v[0])
        return ibid_fail(err, IBID_EPARSE, name, line, 0,
                         "entry at offset %llu, length %llu lies past the end of the data "
                         "(%zu bytes)",
                         (unsigned long long)v[0], (unsigned long long)v[1], n_data);
    ref->head = s;
    ref->n_head = (size_t)(t1 - s);
    ref->byte_off = (size_t)v[0];
    ref->n_bytes = (size_t)v[1];
    return 0;
}

/* ---- entries ---- */

static void tmp_put(ibid_dict_entry *e, const char *s, size_t n)
{
    IBID_GROW(e->tmp, e->m_tmp, e->n_tmp + n + 1);
    memcpy(e->tmp + e->n_tmp, s, n);
    e->n_tmp += n;
}

/* Copy s[0, n) to e->tmp without brackets and their contents, without anything from a "<" at
 * depth 0, without ellipses, control characters as spaces, runs of spaces as one. */
static void strip_marks(ibid_dict_entry *e, const char *s, size_t n)
{
    int depth = 0;
    size_t k = 0;
    IBID_GROW(e->tmp, e->m_tmp, n + 1);
    char *t = e->tmp;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth > 0) depth--;
            c = ' ';
        } else if (depth == 0 && c == '<') {
            break;
        }
        if (depth > 0) continue;
        if (c == 0xE2 && i + 2 < n && s[i + 1] == '\x80' && s[i + 2] == '\xA6') {
            i += 2;
            c = ' ';
        }
        if (c < 0x20 || c == 0x7F) c = ' ';
        if (c == ' ' && (k == 0 || t[k - 1] == ' ')) continue;
        t[k++] = (char)c;
    }
    while (k > 0 && t[k - 1] == ' ') k--;
    e->n_tmp = k;
}

static int is_placeholder(const char *w, size_t n)
{
    static const char *const words[] = {"etw.", "jdn.", "jdm.",  "jds.",     "jd.",      "sb.",
                                        "sth.", "sb's", "sth's", "sb./sth.", "jdn./etw."};
    if (n < 3 || (w[n - 1] != '.' && w[n - 1] != 's')) return 0;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0) return 1;
    return 0;
}

static int is_trailing_punct(char c)
{
    return c && strchr(".,;:!?\"'", c) != NULL;
}

/* Append a[0, n_a) b[0, n_b) c[0, n_c) to e as one string, then a NUL. */
static void entry_put(ibid_dict_entry *e, const char *a, size_t n_a, const char *b, size_t n_b,
                      const char *c, size_t n_c)
{
    size_t n = n_a + n_b + n_c;
    assert(n > 0);
    IBID_GROW(e->str, e->m_str, e->n_str + 1);
    IBID_GROW(e->buf, e->m_buf, e->n_buf + n + 1);
    assert(e->n_buf < UINT32_MAX);
    e->str[e->n_str++] = (uint32_t)e->n_buf;
    memcpy(e->buf + e->n_buf, a, n_a);
    memcpy(e->buf + e->n_buf + n_a, b, n_b);
    memcpy(e->buf + e->n_buf + n_a + n_b, c, n_c);
    e->n_buf += n;
    e->buf[e->n_buf++] = 0;
}

/* Add `words` (n bytes), once for each alternative of its word [sl_beg, sl_end) holding '/'
 * ("anfangen/beginnen"); nothing when an alternative is empty (a pronunciation, "a//b"). */
static void put_alternatives(ibid_dict_entry *e, const char *words, size_t n, size_t sl_beg,
                             size_t sl_end)
{
    const char *w = words + sl_beg;
    size_t n_w = sl_end - sl_beg, n_alt = 1;
    for (size_t i = 0; i < n_w; i++) n_alt += w[i] == '/';
    if (n_alt > 4 || w[0] == '/' || w[n_w - 1] == '/') return;
    for (size_t i = 1; i < n_w; i++)
        if (w[i] == '/' && w[i - 1] == '/') return;
    for (size_t i = 0, beg = 0; i <= n_w; i++) {
        if (i < n_w && w[i] != '/') continue;
        entry_put(e, words, sl_beg, w + beg, i - beg, words + sl_end, n - sl_end);
        beg = i + 1;
    }
}

/* Clean one headword or gloss s[0, n) and add what is left. */
static void add_clean(ibid_dict_entry *e, const char *s, size_t n)
{
    strip_marks(e, s, n);
    /* the words but placeholders, rebuilt after the stripped text in tmp */
    size_t n_in = e->n_tmp, n_words = 0;
    IBID_GROW(e->tmp, e->m_tmp, 2 * n_in + 2); /* no reallocation below: tmp is read too */
    for (size_t i = 0; i < n_in;) {
        size_t j = i;
        while (j < n_in && e->tmp[j] != ' ') j++;
        if (!is_placeholder(e->tmp + i, j - i)) {
            if (n_words++ > 0) tmp_put(e, " ", 1);
            tmp_put(e, e->tmp + i, j - i);
        }
        i = j + 1;
    }
    const char *w = e->tmp + n_in;
    size_t n_w = e->n_tmp - n_in;
    while (n_w > 0 && (is_trailing_punct(w[n_w - 1]) || w[n_w - 1] == ' ')) n_w--;
    while (n_w > 0 && (w[0] == '"' || w[0] == '\'' || w[0] == ' ')) w++, n_w--;
    if (n_w == 0 || n_words > IBID_DICT_MAX_WORDS) return;
    /* the one word holding '/', if any */
    size_t n_slashed = 0, sl_beg = 0, sl_end = 0;
    for (size_t i = 0; i < n_w;) {
        size_t j = i;
        while (j < n_w && w[j] != ' ') j++;
        if (memchr(w + i, '/', j - i)) {
            n_slashed++;
            sl_beg = i;
            sl_end = j;
        }
        i = j + 1;
    }
    if (n_slashed == 0) entry_put(e, w, n_w, "", 0, "", 0);
    /* "vorn anfangen/beginnen", not "reach a place/as far as a place" */
    if (n_slashed == 1 && (sl_beg == 0 || sl_end == n_w))
        put_alternatives(e, w, n_w, sl_beg, sl_end);
}

/* Where the headword of the first line s[0, n) ends: at a pronunciation " /x" or labels " <". */
static size_t head_end(const char *s, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == ' ' && ((s[i + 1] == '/' && s[i + 2] != ' ') || s[i + 1] == '<')) return i;
    return n;
}

static void parse_head(ibid_dict_entry *e, const char *s, size_t n)
{
    n = head_end(s, n);
    size_t beg = 0;
    for (size_t i = 0; i + 3 <= n; i++) {
        if (memcmp(s + i, " / ", 3) != 0) continue;
        add_clean(e, s + beg, i - beg);
        beg = i + 3;
        i += 2;
    }
    add_clean(e, s + beg, n - beg);
}

/* Does the sense line s[0, n) (leading spaces gone) hold something other than glosses? */
static int is_other_line(const char *s, size_t n)
{
    if (n == 0 || s[0] == '"' || s[0] == '{') return 1;
    size_t i = 0;
    while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) i++;
    return i > 0 && i < n && s[i] == ':'; /* "Note:", "Synonyms:", "see:" */
}

static void parse_sense(ibid_dict_entry *e, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) s++, n--;
    if (is_other_line(s, n)) return;
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i > 0 && i + 1 < n && s[i] == '.' && s[i + 1] == ' ') s += i + 2, n -= i + 2;
    int depth = 0;
    size_t beg = 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '(' || c == '[' || c == '{' || c == '<') depth++;
        if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0) depth--;
        if (depth == 0 && (c == ',' || c == ';')) {
            add_clean(e, s + beg, i - beg);
            beg = i + 1;
        }
    }
    add_clean(e, s + beg, n - beg);
}

void ibid_dict_entry_parse(ibid_dict_entry *e, const char *s, size_t n)
{
    assert(s || n == 0);
    e->n_head = e->n_str = e->n_buf = 0;
    int first = 1;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
        if (first) {
            parse_head(e, s + i, len);
            e->n_head = e->n_str;
            first = 0;
        } else {
            parse_sense(e, s + i, len);
        }
        i += len + 1;
    }
}

void ibid_dict_entry_free(ibid_dict_entry *e)
{
    if (!e) return;
    free(e->str);
    free(e->buf);
    free(e->tmp);
    memset(e, 0, sizeof *e);
}

/* ---- the table ---- */

#define SLOT_TAG(h)  ((h) >> 32 << 32)
#define SLOT_ID(x)   ((uint32_t)(x)-1)
#define SLOT_MASK(d) ((d)->m_slot - 1)

/* Make room for m strings at most half full (m_slot a power of two). */
static void table_reserve(ibid_dict *d, size_t m)
{
    if (2 * m <= d->m_slot) return;
    size_t m_slot = 1024;
    while (m_slot < 2 * m) m_slot *= 2;
    free(d->slot);
    d->slot = ibid_xcalloc(m_slot, sizeof *d->slot);
    d->m_slot = m_slot;
    for (size_t i = 0; i < d->n_str; i++) {
        size_t j = d->str[i].hash & SLOT_MASK(d);
        while (d->slot[j]) j = (j + 1) & SLOT_MASK(d);
        d->slot[j] = SLOT_TAG(d->str[i].hash) | (i + 1);
    }
}

/* The slot of s[0, n) (hash h): where it is, or the empty one where it belongs. */
static size_t table_find(const ibid_dict *d, const char *s, size_t n, uint64_t h)
{
    size_t j = h & SLOT_MASK(d);
    for (; d->slot[j]; j = (j + 1) & SLOT_MASK(d)) {
        if (SLOT_TAG(d->slot[j]) != SLOT_TAG(h)) continue;
        const dstr *x = &d->str[SLOT_ID(d->slot[j])];
        if (x->n_bytes == n && memcmp(d->pool + x->byte_off, s, n) == 0) break;
    }
    return j;
}

/* The id of string s[0, n) (NUL-terminated), added when new. */
static uint32_t intern(ibid_dict *d, const char *s, size_t n)
{
    uint64_t h = XXH3_64bits(s, n);
    table_reserve(d, d->n_str + 1);
    size_t j = table_find(d, s, n, h);
    if (d->slot[j]) return SLOT_ID(d->slot[j]);
    assert(d->n_str < UINT32_MAX - 1 && n < UINT32_MAX);
    IBID_GROW(d->str, d->m_str, d->n_str + 1);
    IBID_GROW(d->pool, d->m_pool, d->n_pool + n + 1);
    dstr *x = &d->str[d->n_str];
    x->hash = h;
    x->byte_off = d->n_pool;
    x->n_bytes = (uint32_t)n;
    x->beg = x->n = x->lemma = 0;
    memcpy(d->pool + d->n_pool, s, n + 1);
    d->n_pool += n + 1;
    d->slot[j] = SLOT_TAG(h) | (d->n_str + 1);
    return (uint32_t)d->n_str++;
}

/* ---- parsing a text on one thread ---- */

/* One thread's parse of one dictionary text: its own table of strings and pairs of their ids,
 * in order (headword and translation swapped already when inverted), merged later. */
typedef struct batch {
    ibid_dict d;
    size_t n_ids, m_ids;
    uint32_t *ids; /* the string ids of one entry */
    size_t n_cp, m_cp;
    int32_t *cp; /* normalization scratch: code points, then their UTF-8 */
    size_t m_low;
    char *low; /* normalization scratch: lowercased ASCII */
    ibid_dict_entry e;
} batch;

static int is_arabic_mark(int32_t c)
{
    return (c >= 0x64B && c <= 0x65F) || c == 0x670 || c == 0x640;
}

/* A leading ال before at least two more letters of the first word: its length in bytes. */
static size_t article_len(const char *s, size_t n)
{
    if (n < 4 || memcmp(s, "\xD8\xA7\xD9\x84", 4) != 0) return 0;
    size_t n_cp = 0;
    for (size_t i = 4; i < n && s[i] != ' '; i++) n_cp += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n_cp >= 2 ? 4 : 0;
}

/* Normalize s[0, n) and add it to b's table; its id, or UINT32_MAX when s is not UTF-8 or
 * nothing is left of it. ASCII only needs lowercasing. */
static uint32_t norm_intern(batch *b, const char *s, size_t n, int strip_article)
{
    size_t ascii = 1;
    for (size_t i = 0; i < n && ascii; i++) ascii = (unsigned char)s[i] < 0x80;
    if (ascii) {
        IBID_GROW(b->low, b->m_low, n + 1);
        for (size_t i = 0; i < n; i++) b->low[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i];
        b->low[n] = 0;
        return n ? intern(&b->d, b->low, n) : UINT32_MAX;
    }
    utf8proc_ssize_t k;
    for (;;) {
        k = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, b->cp,
                               (utf8proc_ssize_t)b->m_cp, NORM_OPTS);
        if (k < 0) return UINT32_MAX;
        if ((size_t)k < b->m_cp) break; /* < : room for the NUL below */
        IBID_GROW(b->cp, b->m_cp, (size_t)k + 1);
    }
    size_t kept = 0;
    for (size_t i = 0; i < (size_t)k; i++)
        if (!is_arabic_mark(b->cp[i])) b->cp[kept++] = b->cp[i];
    k = utf8proc_reencode(b->cp, (utf8proc_ssize_t)kept, NORM_OPTS); /* UTF-8 and a NUL */
    if (k < 0) return UINT32_MAX;
    const char *out = (const char *)b->cp;
    size_t n_out = (size_t)k;
    if (strip_article) {
        size_t skip = article_len(out, n_out);
        out += skip;
        n_out -= skip;
    }
    return n_out ? intern(&b->d, out, n_out) : UINT32_MAX;
}

/* Normalize e->str[beg, end) into b->ids; how many were kept. */
static uint32_t norm_strings(batch *b, size_t beg, size_t end, int strip_article)
{
    uint32_t kept = 0;
    for (size_t i = beg; i < end; i++) {
        const char *s = b->e.buf + b->e.str[i];
        uint32_t id = norm_intern(b, s, strlen(s), strip_article);
        if (id == UINT32_MAX) continue;
        IBID_GROW(b->ids, b->m_ids, b->n_ids + 1);
        b->ids[b->n_ids++] = id;
        kept++;
    }
    return kept;
}

static void parse_entry(batch *b, const ibid_dict_text *t, const char *s, size_t n)
{
    ibid_dict_entry *e = &b->e;
    ibid_dict_entry_parse(e, s, n);
    if (e->n_head == 0 || e->n_str == e->n_head) return;
    b->n_ids = 0;
    uint32_t n1 = norm_strings(b, t->inverted ? e->n_head : 0, t->inverted ? e->n_str : e->n_head,
                               t->inverted && t->strip_article);
    uint32_t n2 =
        norm_strings(b, t->inverted ? 0 : e->n_head, t->inverted ? e->n_head : e->n_str, 0);
    ibid_dict *d = &b->d;
    IBID_GROW(d->pair, d->m_pair, d->n_pair + (size_t)n1 * n2);
    for (uint32_t h = 0; h < n1; h++)
        for (uint32_t k = 0; k < n2; k++)
            d->pair[d->n_pair++] = (dpair){b->ids[h], b->ids[n1 + k], (uint32_t)t->inverted};
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* Parse every entry of t into b. */
static int parse_text(batch *b, const ibid_dict_text *t, ibid_error *err)
{
    long line = 0;
    table_reserve(&b->d, t->n_index / 32); /* about one new string for every index line */
    for (size_t i = 0; i < t->n_index;) {
        const char *s = t->index + i, *nl = memchr(s, '\n', t->n_index - i);
        size_t len = nl ? (size_t)(nl - s) : t->n_index - i;
        i += len + 1;
        line++;
        if (len > 0 && s[len - 1] == '\r') len--;
        if (len == 0) continue;
        ibid_dict_ref r;
        int rc = ibid_dict_index_line(s, len, t->n_data, t->name, line, &r, err);
        if (rc < 0) return rc;
        if (starts_with(r.head, r.n_head, "00database")) continue;
        parse_entry(b, t, t->data + r.byte_off, r.n_bytes);
    }
    return 0;
}

static void dict_clear(ibid_dict *d)
{
    free(d->pool);
    free(d->str);
    free(d->slot);
    free(d->pair);
    free(d->trans);
    memset(d, 0, sizeof *d);
}

static void batch_free(batch *b)
{
    dict_clear(&b->d);
    free(b->ids);
    free(b->cp);
    free(b->low);
    ibid_dict_entry_free(&b->e);
    memset(b, 0, sizeof *b);
}

/* Add the strings and pairs of one parsed text to d, in order. */
static void merge(ibid_dict *d, const batch *b)
{
    const ibid_dict *local = &b->d;
    uint32_t *id = ibid_xmalloc((local->n_str + 1) * sizeof *id);
    for (size_t i = 0; i < local->n_str; i++) {
        const dstr *x = &local->str[i];
        id[i] = intern(d, local->pool + x->byte_off, x->n_bytes);
    }
    IBID_GROW(d->pair, d->m_pair, d->n_pair + local->n_pair);
    for (size_t i = 0; i < local->n_pair; i++)
        d->pair[d->n_pair++] =
            (dpair){id[local->pair[i].head], id[local->pair[i].trans], local->pair[i].inverted};
    free(id);
}

/* Group the pairs by headword, dropping repeats: the translations that both dictionaries give
 * first (a word's senses agree in both directions: "world" for العالم, which the direct
 * dictionary lists after "bookman", "scientist", "scholar" and "savant"), then the others,
 * each group in the order found. */
static void finish(ibid_dict *d)
{
    for (size_t i = 0; i < d->n_pair; i++) d->str[d->pair[i].head].n++;
    uint32_t *fill = ibid_xmalloc((d->n_str + 1) * sizeof *fill);
    uint32_t sum = 0;
    for (size_t i = 0; i < d->n_str; i++) {
        fill[i] = d->str[i].beg = sum;
        sum += d->str[i].n;
    }
    dpair *ord = ibid_xmalloc((d->n_pair + 1) * sizeof *ord);
    for (size_t i = 0; i < d->n_pair; i++) ord[fill[d->pair[i].head]++] = d->pair[i];
    uint32_t *seen = fill; /* per string: the headword + 1 that last listed it */
    memset(seen, 0, (d->n_str + 1) * sizeof *seen);
    uint8_t *from = ibid_xcalloc(d->n_str + 1, 1); /* per string: 1 direct, 2 inverted, 3 both */
    d->trans = ibid_xmalloc((d->n_pair + 1) * sizeof *d->trans);
    d->n_trans = 0;
    for (size_t i = 0; i < d->n_str; i++) {
        dstr *x = &d->str[i];
        uint32_t beg = (uint32_t)d->n_trans;
        for (uint32_t k = x->beg; k < x->beg + x->n; k++) {
            uint32_t t = ord[k].trans;
            if (seen[t] != i + 1) seen[t] = (uint32_t)i + 1, from[t] = 0;
            from[t] |= (uint8_t)(1u << ord[k].inverted);
        }
        for (int both = 1; both >= 0; both--)
            for (uint32_t k = x->beg; k < x->beg + x->n; k++) {
                uint32_t t = ord[k].trans;
                if (!from[t] || (from[t] == 3) != both) continue;
                from[t] = 0; /* listed */
                d->trans[d->n_trans++] = d->pool + d->str[t].byte_off;
            }
        x->beg = beg;
        x->n = (uint32_t)d->n_trans - beg;
        d->n_head += x->n > 0;
    }
    free(ord);
    free(seen);
    free(from);
    free(d->pair);
    d->pair = NULL;
    d->n_pair = d->m_pair = 0;
}

/* ---- reading and building ---- */

/* One dictionary text to parse on a thread, read first when paths are given. */
typedef struct job {
    ibid_dict_text t;
    char *index_path, *data_path; /* NULL: t is in memory already */
    char *index_buf, *data_buf;   /* what was read, owned */
    batch b;
    int rc;
    ibid_error err;
} job;

static int read_plain(const char *path, char **out, size_t *n, ibid_error *err)
{
    int rc = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    size_t m = 1 << 20;
    char *buf = ibid_xmalloc(m);
    *n = 0;
    for (;;) {
        if (*n == m) IBID_GROW(buf, m, m + 1);
        size_t k = fread(buf + *n, 1, m - *n, fp);
        *n += k;
        if (k == 0) break;
    }
    if (ferror(fp)) rc = ibid_fail(err, IBID_EIO, path, 0, 0, "read error: %s", strerror(errno));
    fclose(fp);
    *out = buf;
    return rc;
}

/* The uncompressed size that a gzip file's last four bytes give (modulo 4 GiB; dictzip files
 * are one member), capped at 1 GiB: a first guess for the buffer, nothing more. */
static size_t gzip_size_hint(const char *path)
{
    unsigned char t[4];
    size_t n = 0;
    FILE *fp = fopen(path, "rb");
    if (fp && fseek(fp, -4, SEEK_END) == 0 && fread(t, 1, 4, fp) == 4)
        n = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
    if (fp) fclose(fp);
    return n < (1u << 30) ? n : 1u << 30;
}

static int read_gzip(const char *path, char **out, size_t *n, ibid_error *err)
{
    int rc = 0;
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s",
                         errno ? strerror(errno) : "out of memory");
    gzbuffer(gz, 1 << 18);
    size_t m = gzip_size_hint(path) + (1 << 20);
    char *buf = ibid_xmalloc(m);
    *n = 0;
    for (;;) {
        if (m - *n < (1 << 20)) IBID_GROW(buf, m, m + (1 << 20));
        size_t want = m - *n < INT_MAX ? m - *n : INT_MAX;
        int k = gzread(gz, buf + *n, (unsigned)want);
        int zerr = Z_OK;
        const char *msg = gzerror(gz, &zerr);
        if (k < 0 || (k == 0 && zerr != Z_OK)) {
            if (zerr == Z_ERRNO)
                rc = ibid_fail(err, IBID_EIO, path, 0, 0, "read error: %s", strerror(errno));
            else if (zerr == Z_BUF_ERROR)
                rc = ibid_fail(err, IBID_EPARSE, path, 0, 0,
                               "truncated gzip data: the file ends inside a compressed stream");
            else
                rc = ibid_fail(err, IBID_EPARSE, path, 0, 0, "corrupt gzip data: %s", msg);
            break;
        }
        if (k == 0) break;
        *n += (size_t)k;
    }
    gzclose(gz);
    *out = buf;
    return rc;
}

static void run_job(void *ud, size_t i, int tid)
{
    (void)tid;
    job *j = (job *)ud + i;
    if (j->index_path) {
        if ((j->rc = read_plain(j->index_path, &j->index_buf, &j->t.n_index, &j->err)) < 0) return;
        if ((j->rc = read_gzip(j->data_path, &j->data_buf, &j->t.n_data, &j->err)) < 0) return;
        j->t.index = j->index_buf;
        j->t.data = j->data_buf;
    }
    j->rc = parse_text(&j->b, &j->t, &j->err);
    free(j->index_buf); /* the batch holds copies of everything kept */
    free(j->data_buf);
    j->index_buf = j->data_buf = NULL;
}

static void job_free(job *j)
{
    free(j->index_path);
    free(j->data_path);
    free(j->index_buf);
    free(j->data_buf);
    batch_free(&j->b);
}

/* Run the jobs, two at a time, then merge them in order. */
static int run_jobs(ibid_dict **out, job *jobs, size_t n_jobs, ibid_error *err)
{
    int rc = 0;
    ibid_dict *d = NULL;
    ibid_parallel_for(2, n_jobs, run_job, jobs);
    for (size_t i = 0; i < n_jobs; i++) {
        if (jobs[i].rc < 0) {
            if (err) *err = jobs[i].err;
            rc = jobs[i].rc;
            goto done;
        }
    }
    /* the first table becomes the dictionary; the others are merged into it */
    d = ibid_xcalloc(1, sizeof *d);
    if (n_jobs > 0) {
        *d = jobs[0].b.d;
        memset(&jobs[0].b.d, 0, sizeof jobs[0].b.d);
    }
    for (size_t i = 1; i < n_jobs; i++) {
        table_reserve(d, d->n_str + jobs[i].b.d.n_str);
        merge(d, &jobs[i].b);
        batch_free(&jobs[i].b);
    }
    finish(d);
done:
    *out = d;
    return rc;
}

int ibid_dict_build(ibid_dict **out, const ibid_dict_text *t, size_t n_t, ibid_error *err)
{
    assert(out && (t || n_t == 0));
    job *jobs = ibid_xcalloc(n_t ? n_t : 1, sizeof *jobs);
    for (size_t i = 0; i < n_t; i++) jobs[i].t = t[i];
    int rc = run_jobs(out, jobs, n_t, err);
    for (size_t i = 0; i < n_t; i++) job_free(&jobs[i]);
    free(jobs);
    return rc;
}

static char *dict_path(const char *dir, const char *a, const char *b, const char *ext)
{
    size_t n = strlen(dir) + strlen(a) + strlen(b) + strlen(ext) + 16;
    char *p = ibid_xmalloc(n);
    snprintf(p, n, "%s/freedict-%s-%s%s", dir, a, b, ext);
    return p;
}

static int file_exists(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp) fclose(fp);
    return fp != NULL;
}

int ibid_dict_load(ibid_dict **out, const char *dir, const char *from, const char *to,
                   ibid_error *err)
{
    assert(out && from && to);
    if (!dir) dir = "/usr/share/dictd";
    job jobs[2];
    memset(jobs, 0, sizeof jobs);
    size_t n_jobs = 1;
    for (int k = 0; k < 2; k++) {
        job *j = &jobs[k];
        j->index_path = dict_path(dir, k ? to : from, k ? from : to, ".index");
        j->data_path = dict_path(dir, k ? to : from, k ? from : to, ".dict.dz");
        j->t.name = j->index_path;
        j->t.inverted = k;
        j->t.strip_article = k && strcmp(from, "ara") == 0;
    }
    if (file_exists(jobs[1].index_path)) n_jobs = 2;
    int rc = run_jobs(out, jobs, n_jobs, err);
    for (int k = 0; k < 2; k++) job_free(&jobs[k]);
    return rc;
}

/* ---- lookups ---- */

size_t ibid_dict_lookup(const ibid_dict *d, const char *word, size_t n, const char *const **out)
{
    assert(d && (word || n == 0) && out);
    *out = NULL;
    if (d->m_slot == 0) return 0;
    size_t j = table_find(d, word, n, XXH3_64bits(word, n));
    if (!d->slot[j]) return 0;
    const dstr *x = &d->str[SLOT_ID(d->slot[j])];
    if (x->n == 0) return 0;
    *out = d->trans + x->beg;
    return x->n;
}

void ibid_dict_index_stems(ibid_dict *d, ibid_stemmer *st)
{
    assert(d && st);
    size_t n_str = d->n_str;                                    /* the stems are added after them */
    size_t *off = ibid_xmalloc((d->n_trans + 1) * sizeof *off); /* the pool moves as it grows */
    for (size_t i = 0; i < d->n_trans; i++) off[i] = (size_t)(d->trans[i] - d->pool);
    for (size_t i = 0; i < n_str; i++) {
        const dstr *x = &d->str[i];
        const char *w = d->pool + x->byte_off;
        if (x->n == 0 || memchr(w, ' ', x->n_bytes)) continue; /* a headword of one word */
        size_t ls;
        const char *stem = ibid_stem(st, w, x->n_bytes, &ls);
        char buf[256];
        if (ls == 0 || ls >= sizeof buf) continue;
        memcpy(buf, stem, ls); /* NUL-terminated for intern */
        buf[ls] = 0;
        uint32_t n_bytes = x->n_bytes, id = intern(d, buf, ls); /* x may move */
        dstr *t = &d->str[id];
        if (!t->lemma || d->str[t->lemma - 1].n_bytes > n_bytes) t->lemma = (uint32_t)i + 1;
    }
    for (size_t i = 0; i < d->n_trans; i++) d->trans[i] = d->pool + off[i];
    free(off);
}

size_t ibid_dict_lookup_stem(const ibid_dict *d, const char *stem, size_t n,
                             const char *const **out)
{
    assert(d && (stem || n == 0) && out);
    *out = NULL;
    if (d->m_slot == 0) return 0;
    size_t j = table_find(d, stem, n, XXH3_64bits(stem, n));
    if (!d->slot[j]) return 0;
    uint32_t lemma = d->str[SLOT_ID(d->slot[j])].lemma;
    if (!lemma) return 0;
    const dstr *x = &d->str[lemma - 1];
    *out = d->trans + x->beg;
    return x->n;
}

size_t ibid_dict_size(const ibid_dict *d)
{
    return d->n_head;
}

void ibid_dict_free(ibid_dict *d)
{
    if (!d) return;
    dict_clear(d);
    free(d);
}
