/*
 * wordnet.c: WordNet 3.0 synonyms from the plain-text index files, for soft word matches.
 *
 * Two words are synonyms when they share a synset, a set of word senses with one meaning. The
 * index.POS files list, for each lemma of a part of speech, the byte offsets of its synsets in
 * data.POS, most frequent sense first ("car n 5 6 @ ~ #m #p %p - 5 2 02958343 02959942 ..."),
 * so sharing a synset is sharing an offset of the same part of speech, and the data files are
 * never read. A synset is named by pos << 30 | offset. The POS.exc files list irregular forms
 * with their base forms ("geese goose", "better good well").
 *
 * Storage: every entry (an index lemma, or an exception) lives in one pool of 32-bit words: the
 * lemma's bytes padded to whole words, then its payload: the synset offsets of an index lemma, or
 * the base forms of an exception joined by spaces. An array of small entry records points into
 * the pool, and an open-addressing hash table (linear probing, at most half full) maps
 * (kind, lemma) to an entry, where kind is the part of speech for an index lemma and
 * KIND_EXC + the part of speech for an exception. A word may have several exception lines
 * (noun.exc lists "aurar" twice), so lookups walk the probe sequence for every match.
 *
 * Base forms, as WordNet's morphy(7WN) describes them: in each part of speech, the word itself,
 * then its exception-list base forms when it has any, otherwise the forms that the rules of
 * detachment give ("-ies" -> "-y", "-ing" -> "", ...), keeping only forms listed in the index.
 * Morphy's special cases for collocations and the "-ful" suffix are left out.
 */
#include "wordnet.h"

#include <errno.h>
#include <stdio.h>
#include <xxhash.h>

#define DEFAULT_DIR "/usr/share/wordnet"
#define MAX_FILE    ((size_t)1 << 30) /* bytes in one WordNet file */
#define KIND_EXC    4                 /* kind of an exception entry: KIND_EXC + pos */
#define LOCAL_IDS   256               /* synset ids collected without allocating */

typedef struct wn_entry {
    uint32_t at;      /* the lemma's first word in the pool; the payload follows the lemma */
    uint16_t n_lemma; /* bytes */
    uint8_t kind;     /* pos: an index lemma; KIND_EXC + pos: an exception */
    uint32_t n;       /* index lemma: synset offsets; exception: bytes of its base forms */
} wn_entry;

struct ibid_wordnet {
    size_t n_pool, m_pool;
    uint32_t *pool; /* entries: lemma bytes padded to whole words, then the payload */
    size_t n_entry, m_entry;
    wn_entry *entry;
    size_t m_slot;  /* slots: 0 or a power of 2, at least twice n_entry */
    uint64_t *slot; /* 0 (empty) or hash >> 32 << 32 | (entry index + 1) */
};

static const char pos_letter[IBID_WN_N_POS] = {'n', 'v', 'a', 'r'};
static const char *const pos_name[IBID_WN_N_POS] = {"noun", "verb", "adj", "adv"};

/* The rules of detachment of morphy(7WN): a word ending in `suffix` may be the inflected form
 * of the word ending in `ending` instead. */
typedef struct rule {
    const char *suffix, *ending;
} rule;
static const rule noun_rules[] = {{"s", ""},      {"ses", "s"},   {"xes", "x"},   {"zes", "z"},
                                  {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}};
static const rule verb_rules[] = {{"s", ""},   {"ies", "y"}, {"es", "e"},  {"es", ""},
                                  {"ed", "e"}, {"ed", ""},   {"ing", "e"}, {"ing", ""}};
static const rule adj_rules[] = {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}};
static const rule *const rules[IBID_WN_N_POS] = {noun_rules, verb_rules, adj_rules, NULL};
static const size_t n_rules[IBID_WN_N_POS] = {sizeof noun_rules / sizeof *noun_rules,
                                              sizeof verb_rules / sizeof *verb_rules,
                                              sizeof adj_rules / sizeof *adj_rules, 0};

/* ---- the pool and the hash table ---- */

static size_t words(size_t n_bytes)
{
    return (n_bytes + 3) / 4;
}

static const char *lemma_of(const ibid_wordnet *w, const wn_entry *e)
{
    return (const char *)(w->pool + e->at);
}

static const uint32_t *payload_of(const ibid_wordnet *w, const wn_entry *e)
{
    return w->pool + e->at + words(e->n_lemma);
}

/* The table hash of lemma s[0, n) as an entry of `kind`. */
static uint64_t hash_of(const char *s, size_t n, int kind)
{
    return XXH3_64bits(s, n) ^ (uint64_t)(kind + 1) * 0x9e3779b97f4a7c15ULL;
}

static void table_put(ibid_wordnet *w, uint64_t h, size_t idx)
{
    size_t mask = w->m_slot - 1, i = (size_t)h & mask;
    while (w->slot[i]) i = (i + 1) & mask;
    w->slot[i] = h >> 32 << 32 | (uint64_t)(idx + 1);
}

/* Make room for one more entry, doubling the table (and rehashing) when it would pass half. */
static void table_reserve(ibid_wordnet *w)
{
    if ((w->n_entry + 1) * 2 <= w->m_slot) return;
    free(w->slot);
    w->m_slot = w->m_slot ? w->m_slot * 2 : 1024;
    w->slot = ibid_xcalloc(w->m_slot, sizeof *w->slot);
    for (size_t i = 0; i < w->n_entry; i++) {
        const wn_entry *e = &w->entry[i];
        table_put(w, hash_of(lemma_of(w, e), e->n_lemma, e->kind), i);
    }
}

/* A walk along the probe sequence of one (kind, lemma). */
typedef struct probe {
    uint64_t h;
    size_t i; /* the next slot to look at */
} probe;

static probe probe_start(const ibid_wordnet *w, const char *s, size_t n, int kind)
{
    probe p = {hash_of(s, n, kind), 0};
    p.i = w->m_slot ? (size_t)p.h & (w->m_slot - 1) : 0;
    return p;
}

/* The next entry of `kind` named s[0, n) along probe p, or NULL when there are no more. */
static const wn_entry *find_next(const ibid_wordnet *w, int kind, const char *s, size_t n, probe *p)
{
    if (!w->m_slot) return NULL;
    size_t mask = w->m_slot - 1;
    for (uint64_t v; (v = w->slot[p->i]) != 0;) {
        p->i = (p->i + 1) & mask;
        if (v >> 32 != p->h >> 32) continue;
        const wn_entry *e = &w->entry[(uint32_t)v - 1];
        if (e->kind == kind && e->n_lemma == n && memcmp(lemma_of(w, e), s, n) == 0) return e;
    }
    return NULL;
}

/* Append an entry of `kind` for lemma s[0, n), with `n_payload` words of payload (returned, for
 * the caller to fill) and field n = `count`. */
static uint32_t *new_entry(ibid_wordnet *w, int kind, const char *s, size_t n, size_t n_payload,
                           uint32_t count)
{
    assert(n <= IBID_WN_MAX_LEMMA && kind >= 0 && kind < 2 * IBID_WN_N_POS);
    size_t at = w->n_pool, n_words = words(n) + n_payload;
    assert(at + n_words <= UINT32_MAX && w->n_entry < UINT32_MAX);
    IBID_GROW(w->pool, w->m_pool, at + n_words);
    if (n > 0) w->pool[at + words(n) - 1] = 0; /* the padding */
    memcpy(w->pool + at, s, n);
    w->n_pool += n_words;
    table_reserve(w);
    IBID_GROW(w->entry, w->m_entry, w->n_entry + 1);
    w->entry[w->n_entry] = (wn_entry){(uint32_t)at, (uint16_t)n, (uint8_t)kind, count};
    table_put(w, hash_of(s, n, kind), w->n_entry++);
    return w->pool + at + words(n);
}

/* IBID_ETOOBIG when `n_words` more pool words or one more entry would not fit in 32 bits. */
static int check_room(const ibid_wordnet *w, size_t n_words, const char *name, long line,
                      ibid_error *err)
{
    if (w->n_pool + n_words <= UINT32_MAX && w->n_entry + 1 < UINT32_MAX) return 0;
    return ibid_fail(err, IBID_ETOOBIG, name, line, 0, "WordNet too large for 32-bit offsets");
}

/* ---- parsing lines ---- */

/* The next field of s[0, n) at or after *i (fields are separated by runs of spaces): 1 and its
 * span, or 0 at the end of the line. */
static int next_field(const char *s, size_t n, size_t *i, const char **f, size_t *n_f)
{
    size_t j = *i;
    while (j < n && s[j] == ' ') j++;
    size_t beg = j;
    while (j < n && s[j] != ' ') j++;
    *i = j;
    *f = s + beg;
    *n_f = j - beg;
    return j > beg;
}

/* The decimal number f[0, n) when it is at most max: 1 and its value, or 0. */
static int parse_num(const char *f, size_t n, uint32_t max, uint32_t *v)
{
    if (n == 0 || n > 10) return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i] < '0' || f[i] > '9') return 0;
        x = x * 10 + (uint64_t)(f[i] - '0');
    }
    if (x > max) return 0;
    *v = (uint32_t)x;
    return 1;
}

static long column(const char *s, const char *f)
{
    return (long)(f - s) + 1;
}

/* Check a lemma or word f[0, n) of line s: 0, or an error naming `what`. */
static int check_word(const char *s, const char *f, size_t n, const char *what, const char *name,
                      long line, ibid_error *err)
{
    if (n > IBID_WN_MAX_LEMMA)
        return ibid_fail(err, IBID_ETOOBIG, name, line, column(s, f),
                         "%s of %zu bytes, more than %d", what, n, IBID_WN_MAX_LEMMA);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f[i];
        if (c <= 0x20 || c == 0x7f)
            return ibid_fail(err, IBID_EPARSE, name, line, column(s, f + i),
                             "control byte 0x%02x in %s", c, what);
    }
    return 0;
}

/* The length of line s[0, n) without a trailing '\r', or 0 for a line to skip. */
static size_t content_len(const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r') n--;
    return n > 0 && s[0] != ' ' ? n : 0;
}

static int missing(const char *s, size_t n, const char *what, const char *name, long line,
                   ibid_error *err)
{
    return ibid_fail(err, IBID_EPARSE, name, line, column(s, s + n), "missing %s", what);
}

/* Field "what" f[0, n_f) as a number at most max: 0, or an error. */
static int number_field(const char *s, const char *f, size_t n_f, uint32_t max, uint32_t *v,
                        const char *what, const char *name, long line, ibid_error *err)
{
    if (parse_num(f, n_f, max, v)) return 0;
    return ibid_fail(err, IBID_EPARSE, name, line, column(s, f), "bad %s \"%.*s\"", what,
                     (int)(n_f < 32 ? n_f : 32), f);
}

int ibid_wordnet_parse_index(ibid_wn_index_line *out, const char *s, size_t n, int pos,
                             const char *name, long line, ibid_error *err)
{
    assert(out && (s || n == 0) && pos >= 0 && pos < IBID_WN_N_POS);
    if ((n = content_len(s, n)) == 0) return 0;
    size_t i = 0, n_f;
    const char *f;
    uint32_t n_syn = 0, n_ptr = 0, v = 0;
    int rc;
    next_field(s, n, &i, &f, &n_f); /* the line starts with a field: not a space */
    if ((rc = check_word(s, f, n_f, "lemma", name, line, err)) < 0) return rc;
    out->lemma = f;
    out->n_lemma = n_f;
    if (!next_field(s, n, &i, &f, &n_f)) return missing(s, n, "part of speech", name, line, err);
    if (n_f != 1 || (f[0] != pos_letter[pos] && !(pos == IBID_WN_ADJ && f[0] == 's')))
        return ibid_fail(err, IBID_EPARSE, name, line, column(s, f),
                         "part of speech \"%.*s\", expected \"%c\"", (int)(n_f < 32 ? n_f : 32), f,
                         pos_letter[pos]);
    if (!next_field(s, n, &i, &f, &n_f)) return missing(s, n, "synset_cnt", name, line, err);
    if ((rc = number_field(s, f, n_f, UINT32_MAX, &n_syn, "synset_cnt", name, line, err)) < 0)
        return rc;
    if (n_syn == 0 || n_syn > IBID_WN_MAX_SENSES)
        return ibid_fail(err, n_syn ? IBID_ETOOBIG : IBID_EPARSE, name, line, column(s, f),
                         "synset_cnt %u, expected 1 to %d", n_syn, IBID_WN_MAX_SENSES);
    if (!next_field(s, n, &i, &f, &n_f)) return missing(s, n, "p_cnt", name, line, err);
    if ((rc = number_field(s, f, n_f, UINT32_MAX, &n_ptr, "p_cnt", name, line, err)) < 0) return rc;
    for (uint32_t k = 0; k < n_ptr; k++)
        if (!next_field(s, n, &i, &f, &n_f))
            return missing(s, n, "pointer symbol", name, line, err);
    if (!next_field(s, n, &i, &f, &n_f)) return missing(s, n, "sense_cnt", name, line, err);
    if ((rc = number_field(s, f, n_f, UINT32_MAX, &v, "sense_cnt", name, line, err)) < 0) return rc;
    if (!next_field(s, n, &i, &f, &n_f)) return missing(s, n, "tagsense_cnt", name, line, err);
    if ((rc = number_field(s, f, n_f, UINT32_MAX, &v, "tagsense_cnt", name, line, err)) < 0)
        return rc;
    for (uint32_t k = 0; k < n_syn; k++) {
        if (!next_field(s, n, &i, &f, &n_f)) return missing(s, n, "synset offset", name, line, err);
        if ((rc = number_field(s, f, n_f, 0x3fffffff, &out->offset[k], "synset offset", name, line,
                               err)) < 0)
            return rc;
    }
    if (next_field(s, n, &i, &f, &n_f))
        return ibid_fail(err, IBID_EPARSE, name, line, column(s, f),
                         "more fields than the %u synset offsets", n_syn);
    out->n_offset = n_syn;
    return 1;
}

int ibid_wordnet_parse_exc(ibid_wn_exc_line *out, const char *s, size_t n, const char *name,
                           long line, ibid_error *err)
{
    assert(out && (s || n == 0));
    if ((n = content_len(s, n)) == 0) return 0;
    size_t i = 0, n_f;
    const char *f;
    int rc;
    next_field(s, n, &i, &f, &n_f);
    if ((rc = check_word(s, f, n_f, "inflected form", name, line, err)) < 0) return rc;
    out->word = f;
    out->n_word = n_f;
    out->n_base = 0;
    while (next_field(s, n, &i, &f, &n_f)) {
        if (out->n_base == IBID_WN_MAX_BASES)
            return ibid_fail(err, IBID_ETOOBIG, name, line, column(s, f), "more than %d base forms",
                             IBID_WN_MAX_BASES);
        if ((rc = check_word(s, f, n_f, "base form", name, line, err)) < 0) return rc;
        out->base[out->n_base] = f;
        out->n_base_bytes[out->n_base++] = n_f;
    }
    if (out->n_base == 0) return missing(s, n, "base form", name, line, err);
    return 1;
}

/* ---- loading ---- */

int ibid_wordnet_new(ibid_wordnet **out)
{
    *out = ibid_xcalloc(1, sizeof **out);
    return 0;
}

void ibid_wordnet_free(ibid_wordnet *w)
{
    if (!w) return;
    free(w->pool);
    free(w->entry);
    free(w->slot);
    free(w);
}

static int add_index(ibid_wordnet *w, int pos, const ibid_wn_index_line *l, const char *name,
                     long line, ibid_error *err)
{
    probe p = probe_start(w, l->lemma, l->n_lemma, pos);
    if (find_next(w, pos, l->lemma, l->n_lemma, &p))
        return ibid_fail(err, IBID_EPARSE, name, line, 1, "lemma \"%.*s\" listed twice",
                         (int)l->n_lemma, l->lemma);
    int rc = check_room(w, words(l->n_lemma) + l->n_offset, name, line, err);
    if (rc < 0) return rc;
    uint32_t *off = new_entry(w, pos, l->lemma, l->n_lemma, l->n_offset, (uint32_t)l->n_offset);
    memcpy(off, l->offset, l->n_offset * sizeof *off);
    return 0;
}

/* An exception is stored with its base forms joined by single spaces. */
static int add_exc(ibid_wordnet *w, int pos, const ibid_wn_exc_line *l, const char *name, long line,
                   ibid_error *err)
{
    assert(l->n_base > 0 && l->n_base <= IBID_WN_MAX_BASES);
    size_t n_bytes = l->n_base - 1;
    for (size_t k = 0; k < l->n_base; k++) n_bytes += l->n_base_bytes[k];
    int rc = check_room(w, words(l->n_word) + words(n_bytes), name, line, err);
    if (rc < 0) return rc;
    char *dst =
        (char *)new_entry(w, KIND_EXC + pos, l->word, l->n_word, words(n_bytes), (uint32_t)n_bytes);
    for (size_t k = 0; k < l->n_base; k++) {
        if (k > 0) *dst++ = ' ';
        memcpy(dst, l->base[k], l->n_base_bytes[k]);
        dst += l->n_base_bytes[k];
    }
    return 0;
}

/* Parse line s[0, len), number `line`, of a file of part of speech `pos`, and add it. */
static int add_line(ibid_wordnet *w, int pos, int is_exc, const char *s, size_t len,
                    const char *name, long line, ibid_error *err)
{
    int rc;
    if (is_exc) {
        ibid_wn_exc_line l;
        if ((rc = ibid_wordnet_parse_exc(&l, s, len, name, line, err)) <= 0) return rc;
        return add_exc(w, pos, &l, name, line, err);
    }
    ibid_wn_index_line l;
    if ((rc = ibid_wordnet_parse_index(&l, s, len, pos, name, line, err)) <= 0) return rc;
    return add_index(w, pos, &l, name, line, err);
}

int ibid_wordnet_add(ibid_wordnet *w, int pos, int is_exc, const char *buf, size_t n,
                     const char *name, ibid_error *err)
{
    assert(w && (buf || n == 0) && pos >= 0 && pos < IBID_WN_N_POS);
    long line = 0;
    for (size_t i = 0; i < n;) {
        const char *s = buf + i, *nl = memchr(s, '\n', n - i);
        size_t len = nl ? (size_t)(nl - s) : n - i;
        i += len + (nl != NULL);
        int rc = add_line(w, pos, is_exc, s, len, name, ++line, err);
        if (rc < 0) return rc;
    }
    return 0;
}

/* Read the file at `path` into *buf (capacity *m, reused between calls); its size in *n. */
static int read_file(const char *path, char **buf, size_t *m, size_t *n, ibid_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    int rc = 0;
    size_t got;
    *n = 0;
    do {
        if (*n >= MAX_FILE) {
            rc = ibid_fail(err, IBID_ETOOBIG, path, 0, 0, "file of 1 GiB or more");
            goto done;
        }
        IBID_GROW(*buf, *m, *n + ((size_t)1 << 20));
        got = fread(*buf + *n, 1, *m - *n, fp);
        *n += got;
    } while (got > 0);
    if (ferror(fp)) rc = ibid_fail(err, IBID_EIO, path, 0, 0, "read error");
done:
    fclose(fp);
    return rc;
}

int ibid_wordnet_load(ibid_wordnet **out, const char *dir, ibid_error *err)
{
    assert(out);
    *out = NULL;
    if (!dir) dir = DEFAULT_DIR;
    ibid_wordnet *w;
    ibid_wordnet_new(&w);
    size_t n_path = strlen(dir) + 16, m_buf = 0, n_buf = 0;
    char *path = ibid_xmalloc(n_path), *buf = NULL;
    int rc = 0;
    for (int f = 0; f < 2 * IBID_WN_N_POS; f++) {
        int pos = f % IBID_WN_N_POS, is_exc = f >= IBID_WN_N_POS;
        if (is_exc)
            snprintf(path, n_path, "%s/%s.exc", dir, pos_name[pos]);
        else
            snprintf(path, n_path, "%s/index.%s", dir, pos_name[pos]);
        if ((rc = read_file(path, &buf, &m_buf, &n_buf, err)) < 0) goto done;
        if ((rc = ibid_wordnet_add(w, pos, is_exc, buf, n_buf, path, err)) < 0) goto done;
    }
    *out = w;
    w = NULL;
done:
    free(buf);
    free(path);
    ibid_wordnet_free(w);
    return rc;
}

/* ---- lookups ---- */

/* A set of synset ids being collected: on the stack up to LOCAL_IDS, then on the heap. */
typedef struct idset {
    size_t n, m;
    uint32_t *ids; /* local, or malloc'd */
    uint32_t local[LOCAL_IDS];
} idset;

static void idset_init(idset *s)
{
    s->n = 0;
    s->m = LOCAL_IDS;
    s->ids = s->local;
}

static void idset_push(idset *s, uint32_t id)
{
    if (s->n == s->m) {
        uint32_t *p = ibid_xmalloc(2 * s->m * sizeof *p);
        memcpy(p, s->ids, s->n * sizeof *p);
        if (s->ids != s->local) free(s->ids);
        s->ids = p;
        s->m *= 2;
    }
    s->ids[s->n++] = id;
}

static void idset_free(idset *s)
{
    if (s->ids != s->local) free(s->ids);
}

static void idset_sort_unique(idset *s)
{
    if (s->n < 2) return;
    qsort(s->ids, s->n, sizeof *s->ids, ibid_cmp_u32);
    size_t j = 1;
    for (size_t i = 1; i < s->n; i++)
        if (s->ids[i] != s->ids[j - 1]) s->ids[j++] = s->ids[i];
    s->n = j;
}

/* Add the synsets of the top k senses of lemma s[0, n) in part of speech pos. */
static void add_senses(const ibid_wordnet *w, int pos, const char *s, size_t n, int k, idset *set)
{
    probe p = probe_start(w, s, n, pos);
    const wn_entry *e = find_next(w, pos, s, n, &p);
    if (!e) return;
    const uint32_t *off = payload_of(w, e);
    size_t n_take = e->n < (uint32_t)k ? e->n : (size_t)k;
    for (size_t i = 0; i < n_take; i++) idset_push(set, IBID_WN_ID(pos, off[i]));
}

/* Add the senses of the exception-list base forms of s[0, n); returns how many exception lines
 * name it. */
static size_t add_exceptions(const ibid_wordnet *w, int pos, const char *s, size_t n, int k,
                             idset *set)
{
    probe p = probe_start(w, s, n, KIND_EXC + pos);
    size_t n_found = 0;
    for (const wn_entry *e; (e = find_next(w, KIND_EXC + pos, s, n, &p)) != NULL; n_found++) {
        const char *b = (const char *)payload_of(w, e), *f;
        size_t i = 0, n_f;
        while (next_field(b, e->n, &i, &f, &n_f)) add_senses(w, pos, f, n_f, k, set);
    }
    return n_found;
}

/* Add the senses of the forms the rules of detachment give for s[0, n). */
static void add_detached(const ibid_wordnet *w, int pos, const char *s, size_t n, int k, idset *set)
{
    char form[IBID_WN_MAX_LEMMA];
    for (size_t r = 0; r < n_rules[pos]; r++) {
        const rule *u = &rules[pos][r];
        size_t n_suffix = strlen(u->suffix), n_ending = strlen(u->ending);
        if (n <= n_suffix || memcmp(s + n - n_suffix, u->suffix, n_suffix) != 0) continue;
        assert(n_ending <= n_suffix); /* the form fits where the word did */
        memcpy(form, s, n - n_suffix);
        memcpy(form + n - n_suffix, u->ending, n_ending);
        add_senses(w, pos, form, n - n_suffix + n_ending, k, set);
    }
}

/* Collect the synsets of word[0, n) into set, sorted and unique. */
static void collect(const ibid_wordnet *w, const char *word, size_t n, int k, idset *set)
{
    assert(w && (word || n == 0));
    if (k <= 0 || n == 0 || n > IBID_WN_MAX_LEMMA) return;
    char s[IBID_WN_MAX_LEMMA];
    for (size_t i = 0; i < n; i++) s[i] = word[i] == ' ' ? '_' : word[i];
    for (int pos = 0; pos < IBID_WN_N_POS; pos++) {
        add_senses(w, pos, s, n, k, set);
        if (add_exceptions(w, pos, s, n, k, set) == 0) add_detached(w, pos, s, n, k, set);
    }
    idset_sort_unique(set);
}

size_t ibid_wordnet_synsets(const ibid_wordnet *w, const char *word, size_t n, int k, uint32_t *ids,
                            size_t max)
{
    assert(ids || max == 0);
    idset set;
    idset_init(&set);
    collect(w, word, n, k, &set);
    size_t n_out = set.n < max ? set.n : max;
    if (n_out > 0) memcpy(ids, set.ids, n_out * sizeof *ids);
    idset_free(&set);
    return n_out;
}

int ibid_wordnet_synonyms(const ibid_wordnet *w, const char *a, size_t na, const char *b, size_t nb,
                          int k)
{
    idset sa, sb;
    idset_init(&sa);
    idset_init(&sb);
    collect(w, a, na, k, &sa);
    if (sa.n > 0) collect(w, b, nb, k, &sb);
    int shared = 0;
    for (size_t i = 0, j = 0; i < sa.n && j < sb.n && !shared;) {
        if (sa.ids[i] < sb.ids[j])
            i++;
        else if (sa.ids[i] > sb.ids[j])
            j++;
        else
            shared = 1;
    }
    idset_free(&sa);
    idset_free(&sb);
    return shared;
}
