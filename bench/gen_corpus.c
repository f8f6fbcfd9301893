/*
 * gen_corpus.c: a deterministic generator of a large corpus with planted reuse, for the speed,
 * memory and recall benchmark of `ibid align` (bench/README.md tells how to run it).
 *
 *   gen_corpus --bytes 1G --seed 1 -o corpus.jsonl --truth truth.tsv
 *
 * The text. The generator learns a word model from real text that every Debian machine has: the
 * files under /usr/share/common-licenses (plus any --source FILE). A word is a run of non-space
 * characters with its punctuation attached ("License,"), so punctuation and sentence ends come
 * out of the model too. Documents are written sentence by sentence by an order-1 Markov chain over
 * those words, with four departures from the chain that keep unrelated documents from sharing
 * word runs:
 *   - a jump: with probability --jump (0.35) the next word is drawn from a flattened unigram
 *     distribution (half a random word occurrence of the source, half a random word type)
 *     instead of from the successors of the current word;
 *   - a forced jump after a word with fewer than three distinct successors, which would
 *     otherwise copy the source's rare phrases ("Franklin Street, Fifth Floor, Boston") verbatim;
 *   - numbers (years, counts, amounts, percentages), as news text has;
 *   - a topic: each document draws 20 long words and uses them now and then, so documents differ
 *     in vocabulary as real ones do.
 * The license texts have only about 4,000 distinct words; with the chain alone two unrelated
 * documents of 1 GB of output would share word 4-grams everywhere, and `ibid align`, which seeds
 * on 4-grams and drops those in more than 100 documents, would find candidates everywhere. With
 * the departures above, unrelated documents share fewer 5-grams than real web text does;
 * bench/chance_overlap.py measures it (numbers in bench/README.md).
 *
 * Documents. Sizes are log-normal (median 6 KB, clamped to 2-20 KB by redrawing), paragraphs of
 * 2-7 sentences. Output is JSON Lines, {"id": "d00000001", "text": "..."}, ids in generation order
 * and zero-padded so that their string order is their order.
 *
 * Planted reuse. A fraction --reuse-rate of documents receive 1-3 passages from earlier documents,
 * each inserted at a sentence boundary. A passage is a run of 30-300 words (log-uniform) that
 * starts at a sentence start seven times in ten and at any word otherwise, edited word by word at
 * --edit-rate: a word is substituted (by a random source word), deleted, or followed by an
 * inserted word, with probability edit_rate in all, a third each; independently, with probability
 * edit_rate / 2, its case or its trailing punctuation changes. Where the passage comes from:
 *   - 80%: a random span of a document drawn uniformly from all earlier documents;
 *   - 10%: a chain: a copy planted earlier (B's copy of a passage of A) is copied again, into C;
 *   - 10%: a second copy: the source span of a passage planted earlier is copied again.
 * The generator keeps no earlier document: each document's background (its text without the
 * copies) comes from a generator of its own, seeded by --seed and the document's number, so it
 * can be made again when a passage is copied from it; what is remembered of each document is the
 * size of its background and where its copies went (12 bytes, plus 8 per copy), which is enough
 * to map a span of the background to the document as written. Chains and second copies draw from
 * a pool of the last thousand or so planted passages, each drawn about 0.2 times on average, so
 * that copies of copies stay rare instead of snowballing into clusters of every document.
 *
 * Ground truth (--truth): TSV, one planted passage a line,
 *   id1  begin1  end1  id2  begin2  end2  edit_rate
 * the source span in document id1 and the copy's span in document id2, in Unicode code points,
 * end exclusive, so that Python's text[begin:end] is the passage; edit_rate is the realized
 * fraction of source words substituted, deleted or followed by an insertion. A chain A->B->C
 * gives two lines (A,B) and (B,C); a second copy gives (A,B) and (A,D) with one source span.
 *
 * Determinism: every random choice comes from xoshiro256** generators seeded by splitmix64 from
 * --seed (and the document number, for backgrounds), and no floating-point function of the C
 * library is used, so the same seed and the same source files give the same bytes on every
 * machine. The source files are read in name
 * order and counted once when two names link to one file.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DEFAULT_SOURCE_DIR "/usr/share/common-licenses"
#define NO_TYPE            UINT32_MAX /* separates source files in the word stream */
#define N_PASSAGE_POOL     1024       /* planted passages kept for chains and second copies */
#define MIN_POOL           16         /* planted passages needed before chains start */
#define N_TOPIC            20         /* topic words per document */
#define P_TOPIC            0.03       /* per word: a topic word */
#define P_NUMBER           0.012      /* per word: a number */
#define P_RARE_JUMP        0.9        /* per word after a word with < 3 distinct successors */
#define P_CHAIN            0.1        /* per passage: copy an earlier copy */
#define P_SECOND_COPY      0.1        /* per passage: copy an earlier passage's source again */
#define P_SENTENCE_START   0.7        /* per passage: start at a sentence start */
#define MIN_PASSAGE_WORDS  30
#define MAX_PASSAGE_WORDS  300
#define MIN_DOC_BYTES      2000
#define MAX_DOC_BYTES      20000
#define MAX_SENTENCE_WORDS 45
#define MAX_TOKEN_BYTES    40

/* ---------------------------------------------------------------------------------------------
 * Allocation, buffers, errors
 * ------------------------------------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_corpus: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) die("out of memory allocating %zu bytes", n);
    return q;
}

/* Grow array `p` of `size`-byte items to hold at least `need`; *m is its capacity in items. */
static void *grow(void *p, size_t *m, size_t need, size_t size)
{
    if (need <= *m) return p;
    size_t m2 = *m ? *m : 16;
    while (m2 < need) m2 += m2 >> 1;
    if (m2 > SIZE_MAX / size) die("out of memory");
    *m = m2;
    return xrealloc(p, m2 * size);
}

typedef struct buf {
    char *a;
    size_t n, m; /* bytes used, bytes allocated */
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
    b->a = grow(b->a, &b->m, b->n + n + 1, 1);
    memcpy(b->a + b->n, s, n);
    b->n += n;
}

static void buf_addc(buf *b, char c)
{
    b->a = grow(b->a, &b->m, b->n + 2, 1);
    b->a[b->n++] = c;
}

/* Code points in `n` bytes of valid UTF-8: every byte but continuation bytes starts one. */
static size_t count_cp(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* ---------------------------------------------------------------------------------------------
 * Random numbers: xoshiro256** seeded by splitmix64 (Blackman and Vigna), and the few
 * distributions the generator needs, in plain arithmetic so that results do not depend on libm.
 * ------------------------------------------------------------------------------------------ */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1), 53 bits. */
static inline double rng_unif(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-32 for our n). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* e^x for |x| < 700: x = k ln 2 + y with |y| <= ln 2 / 2, e^y by its Taylor series. */
static double xexp(double x)
{
    const double ln2 = 0.69314718055994530942;
    long k = (long)(x / ln2 + (x < 0 ? -0.5 : 0.5));
    double y = x - (double)k * ln2, term = 1.0, sum = 1.0;
    for (int i = 1; i < 20; i++) {
        term *= y / i;
        sum += term;
    }
    for (; k > 0; k--) sum *= 2.0;
    for (; k < 0; k++) sum *= 0.5;
    return sum;
}

/* Standard normal, approximately: the Irwin-Hall sum of 12 uniforms, less 6. */
static double rng_normal(rng *r)
{
    double z = -6.0;
    for (int i = 0; i < 12; i++) z += rng_unif(r);
    return z;
}

/* ---------------------------------------------------------------------------------------------
 * The word model
 * ------------------------------------------------------------------------------------------ */

typedef struct wtype {
    uint32_t off, len;     /* the word's bytes in model.pool */
    uint32_t succ_beg;     /* its successors: model.succ[succ_beg, succ_end), with multiplicity */
    uint32_t succ_end;     /* (successors of every occurrence in the source) */
    uint32_t n_distinct;   /* distinct successor types */
    uint32_t count;        /* occurrences in the source */
    uint8_t ends_sentence; /* the word ends with . ! or ? (before closing quotes or brackets) */
} wtype;

typedef struct model {
    buf pool;     /* word bytes */
    wtype *types; /* distinct words */
    size_t n_types, m_types;
    uint32_t *stream; /* the source as word type ids, NO_TYPE between files */
    size_t n_stream, m_stream;
    uint32_t *occ; /* the stream without NO_TYPE: a uniform draw is a unigram draw */
    size_t n_occ;
    uint32_t *succ;   /* successors, grouped by predecessor */
    uint32_t *starts; /* words that open a sentence in the source, with multiplicity */
    size_t n_starts, m_starts;
    uint32_t *plain; /* word types of letters, maybe with a trailing , . ; or : */
    size_t n_plain, m_plain;
    uint32_t *topical; /* plain types with 5 or more letters: topic candidates */
    size_t n_topical, m_topical;
    uint32_t *slots; /* hash table of types: type id + 1, 0 for empty */
    size_t m_slots;
    uint64_t fingerprint; /* FNV-1a of the source words: same fingerprint, same model */
} model;

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

/* Length of the valid UTF-8 sequence at s[0, n) that encodes no control character, or 0. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return (c >= 0x20 && c != 0x7F) ? 1 : 0;
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;              /* surrogates */
    if (cp < 0xA0 || cp == 0x2028 || cp == 0x2029) return 0; /* C1 controls, line separators */
    return len;
}

static int contains(const char *s, size_t n, const char *pat)
{
    size_t k = strlen(pat);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, pat, k) == 0) return 1;
    return 0;
}

/* Whether a whitespace-delimited token of the source is a word worth learning: valid UTF-8
 * without control characters, not too long, with a letter or digit, and no URL or e-mail. */
static int good_token(const char *s, size_t n)
{
    if (n == 0 || n > MAX_TOKEN_BYTES) return 0;
    int alnum = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_char((const unsigned char *)s + i, n - i);
        if (!k) return 0;
        unsigned char c = (unsigned char)s[i];
        if (c == '<' || c == '>' || c == '@' || c == '_' || c == '\\' || c == '|') return 0;
        if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            alnum = 1;
        i += k;
    }
    return alnum && !contains(s, n, "://") && !contains(s, n, "www.");
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_sentence_end(const char *s, size_t n)
{
    while (n > 1 && (s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == ')')) n--;
    return n > 1 && (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == '?');
}

static int is_letter_byte(unsigned char c)
{
    return c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Letters in a word, counting each byte of a non-ASCII character as one. */
static size_t letters(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += is_letter_byte((unsigned char)s[i]);
    return k;
}

/* A word of letters (ASCII or not), perhaps ending in one of , . ; : */
static int is_plain(const char *s, size_t n)
{
    if (n > 1 && strchr(",.;:", s[n - 1])) n--;
    return letters(s, n) == n;
}

static uint32_t intern(model *md, const char *s, size_t n)
{
    if (md->n_types * 2 >= md->m_slots) {
        size_t m = md->m_slots ? md->m_slots * 2 : 1 << 14;
        uint32_t *slots = calloc(m, sizeof *slots);
        if (!slots) die("out of memory");
        for (size_t t = 0; t < md->n_types; t++) {
            const wtype *w = &md->types[t];
            size_t h = fnv1a(0xCBF29CE484222325ULL, md->pool.a + w->off, w->len) & (m - 1);
            while (slots[h]) h = (h + 1) & (m - 1);
            slots[h] = (uint32_t)t + 1;
        }
        free(md->slots);
        md->slots = slots;
        md->m_slots = m;
    }
    size_t h = fnv1a(0xCBF29CE484222325ULL, s, n) & (md->m_slots - 1);
    for (; md->slots[h]; h = (h + 1) & (md->m_slots - 1)) {
        const wtype *w = &md->types[md->slots[h] - 1];
        if (w->len == n && memcmp(md->pool.a + w->off, s, n) == 0) return md->slots[h] - 1;
    }
    if (md->n_types >= UINT32_MAX - 1 || md->pool.n + n >= UINT32_MAX) die("source too large");
    md->types = grow(md->types, &md->m_types, md->n_types + 1, sizeof *md->types);
    wtype *w = &md->types[md->n_types];
    memset(w, 0, sizeof *w);
    w->off = (uint32_t)md->pool.n;
    w->len = (uint32_t)n;
    w->ends_sentence = (uint8_t)is_sentence_end(s, n);
    buf_add(&md->pool, s, n);
    md->slots[h] = (uint32_t)md->n_types + 1;
    return (uint32_t)md->n_types++;
}

static void push_stream(model *md, uint32_t t)
{
    md->stream = grow(md->stream, &md->m_stream, md->n_stream + 1, sizeof *md->stream);
    md->stream[md->n_stream++] = t;
}

static void model_add_file(model *md, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) die("%s: %s", path, strerror(errno));
    buf text = {0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(&text, chunk, k);
    if (ferror(fp)) die("%s: read error", path);
    fclose(fp);
    for (size_t i = 0; i < text.n;) {
        while (i < text.n && is_space(text.a[i])) i++;
        size_t b = i;
        while (i < text.n && !is_space(text.a[i])) i++;
        if (i > b && good_token(text.a + b, i - b)) {
            push_stream(md, intern(md, text.a + b, i - b));
            md->fingerprint = fnv1a(md->fingerprint, text.a + b, i - b);
            md->fingerprint = fnv1a(md->fingerprint, " ", 1);
        }
    }
    push_stream(md, NO_TYPE);
    free(text.a);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Add every regular file of `dir` (not below it), in name order, each file once. */
static size_t model_add_dir(model *md, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) die("%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, m = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        names = grow(names, &m, n + 1, sizeof *names);
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = xrealloc(NULL, len);
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    struct stat *seen = xrealloc(NULL, (n + 1) * sizeof *seen);
    size_t n_seen = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        int dup = 0;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            for (size_t j = 0; j < n_seen; j++)
                dup |= seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino;
            if (!dup) {
                seen[n_seen++] = st;
                model_add_file(md, names[i]);
            }
        }
        free(names[i]);
    }
    free(names);
    free(seen);
    return n_seen;
}

/* Build the successor lists, sentence starts and topic candidates from the word stream. */
static void model_finish(model *md)
{
    size_t n_types = md->n_types;
    if (n_types < 100) die("the source text has only %zu distinct words", n_types);
    md->occ = xrealloc(NULL, md->n_stream * sizeof *md->occ);
    md->succ = xrealloc(NULL, md->n_stream * sizeof *md->succ);
    for (size_t i = 0; i < md->n_stream; i++) {
        uint32_t t = md->stream[i];
        if (t == NO_TYPE) continue;
        md->occ[md->n_occ++] = t;
        md->types[t].count++;
        if (i + 1 < md->n_stream && md->stream[i + 1] != NO_TYPE) md->types[t].succ_end++;
        int opens =
            i == 0 || md->stream[i - 1] == NO_TYPE || md->types[md->stream[i - 1]].ends_sentence;
        const char *s = md->pool.a + md->types[t].off;
        if (opens && *s >= 'A' && *s <= 'Z') {
            md->starts = grow(md->starts, &md->m_starts, md->n_starts + 1, sizeof *md->starts);
            md->starts[md->n_starts++] = t;
        }
    }
    uint32_t off = 0;
    for (size_t t = 0; t < n_types; t++) {
        uint32_t k = md->types[t].succ_end;
        md->types[t].succ_beg = md->types[t].succ_end = off;
        off += k;
    }
    for (size_t i = 0; i + 1 < md->n_stream; i++) {
        uint32_t t = md->stream[i], u = md->stream[i + 1];
        if (t != NO_TYPE && u != NO_TYPE) md->succ[md->types[t].succ_end++] = u;
    }
    for (size_t t = 0; t < n_types; t++) {
        wtype *w = &md->types[t];
        qsort(md->succ + w->succ_beg, w->succ_end - w->succ_beg, sizeof *md->succ, cmp_u32);
        for (uint32_t i = w->succ_beg; i < w->succ_end; i++)
            w->n_distinct += i == w->succ_beg || md->succ[i] != md->succ[i - 1];
        if (!is_plain(md->pool.a + w->off, w->len)) continue;
        md->plain = grow(md->plain, &md->m_plain, md->n_plain + 1, sizeof *md->plain);
        md->plain[md->n_plain++] = (uint32_t)t;
        if (letters(md->pool.a + w->off, w->len) >= 5) {
            md->topical = grow(md->topical, &md->m_topical, md->n_topical + 1, sizeof *md->topical);
            md->topical[md->n_topical++] = (uint32_t)t;
        }
    }
    if (md->n_starts == 0 || md->n_topical == 0) die("the source text has no sentences");
    if (md->n_plain < 100) die("the source text has only %zu plain words", md->n_plain);
}

static void model_free(model *md)
{
    free(md->pool.a);
    free(md->types);
    free(md->stream);
    free(md->occ);
    free(md->succ);
    free(md->starts);
    free(md->plain);
    free(md->topical);
    free(md->slots);
}

/* ---------------------------------------------------------------------------------------------
 * Background text
 * ------------------------------------------------------------------------------------------ */

typedef struct gen {
    const model *md;
    rng r;
    double jump;             /* --jump */
    uint32_t topic[N_TOPIC]; /* this document's topic words */
} gen;

/* A word from the flattened unigram distribution: half a source occurrence, half a plain type. */
static uint32_t any_word(gen *g)
{
    const model *md = g->md;
    uint64_t x = rng_next(&g->r);
    if (x & 1) return md->occ[rng_below(&g->r, md->n_occ)];
    return md->plain[rng_below(&g->r, md->n_plain)];
}

static void add_word(buf *b, const model *md, uint32_t t)
{
    buf_add(b, md->pool.a + md->types[t].off, md->types[t].len);
}

/* A number as news text writes them: a year, a count, an amount with a decimal, a percentage. */
static void add_number(gen *g, buf *b)
{
    char s[32];
    int n;
    switch (rng_below(&g->r, 5)) {
    case 0:
        n = snprintf(s, sizeof s, "%u", 1900 + (unsigned)rng_below(&g->r, 130));
        break;
    case 1:
        n = snprintf(s, sizeof s, "%u", 2 + (unsigned)rng_below(&g->r, 998));
        break;
    case 2:
        n = snprintf(s, sizeof s, "%u,%03u", 1 + (unsigned)rng_below(&g->r, 999),
                     (unsigned)rng_below(&g->r, 1000));
        break;
    case 3:
        n = snprintf(s, sizeof s, "%u.%u", (unsigned)rng_below(&g->r, 100),
                     (unsigned)rng_below(&g->r, 10));
        break;
    default:
        n = snprintf(s, sizeof s, "%u%%", 1 + (unsigned)rng_below(&g->r, 99));
        break;
    }
    buf_add(b, s, (size_t)n);
}

/* The word after `t`: a successor of t in the source, or one of the departures above. */
static uint32_t next_word(gen *g, uint32_t t)
{
    const model *md = g->md;
    const wtype *w = &md->types[t];
    double u = rng_unif(&g->r);
    if (u < P_TOPIC) return g->topic[rng_below(&g->r, N_TOPIC)];
    u = rng_unif(&g->r);
    double jump = w->n_distinct < 3 ? P_RARE_JUMP : g->jump;
    if (u < jump || w->succ_end == w->succ_beg) return any_word(g);
    return md->succ[w->succ_beg + rng_below(&g->r, w->succ_end - w->succ_beg)];
}

/* Remove trailing punctuation (ASCII, not closing a bracket) from the end of b, then add '.'. */
static void end_sentence(buf *b, size_t word_beg)
{
    while (b->n > word_beg + 1 && strchr(",;:-", b->a[b->n - 1])) b->n--;
    if (!is_sentence_end(b->a + word_beg, b->n - word_beg)) buf_addc(b, '.');
}

/* Append one sentence to b. */
static void gen_sentence(gen *g, buf *b)
{
    const model *md = g->md;
    uint32_t t = md->starts[rng_below(&g->r, md->n_starts)];
    for (int n = 1;; n++) {
        size_t word_beg = b->n;
        add_word(b, md, t);
        if (md->types[t].ends_sentence && n >= 4) return;
        if (n >= MAX_SENTENCE_WORDS) {
            end_sentence(b, word_beg);
            return;
        }
        buf_addc(b, ' ');
        if (rng_unif(&g->r) < P_NUMBER) {
            add_number(g, b);
            buf_addc(b, ' ');
            n++;
            t = any_word(g);
        } else {
            t = next_word(g, t);
        }
    }
}

/* A document size in bytes: log-normal, median 6 KB, sigma 0.6, within [2 KB, 20 KB]. */
static size_t doc_size(rng *r)
{
    for (;;) {
        double x = xexp(8.6995 + 0.6 * rng_normal(r)); /* ln 6000 = 8.6995 */
        if (x >= MIN_DOC_BYTES && x <= MAX_DOC_BYTES) return (size_t)x;
    }
}

typedef struct word_span {
    uint32_t byte_beg, byte_end; /* the word in its text */
    uint32_t cp_beg, cp_end;     /* the same in code points */
    uint8_t opens;               /* the word starts a sentence */
} word_span;

/* The background of one document: its text, sentences and words. */
typedef struct background {
    buf text;
    size_t *sent; /* byte offsets of sentence starts */
    size_t n_sent, m_sent;
    word_span *w; /* words, filled by index_words */
    size_t n_w, m_w;
} background;

static void background_free(background *bg)
{
    free(bg->text.a);
    free(bg->sent);
    free(bg->w);
}

/* The generator of document `id`'s background, derived from the seed and the number alone. */
static void doc_rng(rng *r, uint64_t seed, size_t id)
{
    uint64_t x = seed ^ ((uint64_t)id * 0xD1B54A32D192ED03ULL);
    rng_seed(r, splitmix64(&x));
}

/*
 * make_background: the background of document `id`, made by its own generator: a size drawn
 * from doc_size() and cut to max_size, a topic, then sentences in paragraphs until the size is
 * reached. The same (seed, id, max_size) give the same background, so the background of an
 * earlier document can be made again when a passage is copied from it. Returns the size asked.
 */
static size_t make_background(gen *g, uint64_t seed, size_t id, size_t max_size, background *bg)
{
    doc_rng(&g->r, seed, id);
    size_t size = doc_size(&g->r);
    if (size > max_size) size = max_size;
    for (int i = 0; i < N_TOPIC; i++)
        g->topic[i] = g->md->topical[rng_below(&g->r, g->md->n_topical)];
    int left_in_par = 2 + (int)rng_below(&g->r, 6);
    buf *b = &bg->text;
    b->n = 0;
    bg->n_sent = 0;
    while (b->n < size) {
        if (b->n > 0) {
            if (--left_in_par == 0) {
                buf_add(b, "\n\n", 2);
                left_in_par = 2 + (int)rng_below(&g->r, 6);
            } else {
                buf_addc(b, ' ');
            }
        }
        bg->sent = grow(bg->sent, &bg->m_sent, bg->n_sent + 1, sizeof *bg->sent);
        bg->sent[bg->n_sent++] = b->n;
        gen_sentence(g, b);
    }
    return size;
}

/* Fill bg->w with the words of bg->text (separated by spaces and newlines only). */
static void index_words(background *bg)
{
    const char *s = bg->text.a;
    size_t n = bg->text.n, cp = 0, i = 0;
    int opens = 1;
    bg->n_w = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\n')) {
            cp++;
            i++;
        }
        if (i == n) break;
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\n') i++;
        bg->w = grow(bg->w, &bg->m_w, bg->n_w + 1, sizeof *bg->w);
        size_t k = count_cp(s + b, i - b);
        bg->w[bg->n_w++] =
            (word_span){(uint32_t)b, (uint32_t)i, (uint32_t)cp, (uint32_t)(cp + k), (uint8_t)opens};
        cp += k;
        opens = is_sentence_end(s + b, i - b);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Passages: where they come from, and the editing of a copy
 * ------------------------------------------------------------------------------------------ */

/* A copy spliced into a document's background: it goes before background byte `bg_byte` (the
 * start of a sentence, or the end of the background) and adds `n_cp` code points there. */
typedef struct insert {
    uint32_t bg_byte;
    uint32_t n_cp; /* the copy and its separator */
} insert;

/* What the generator remembers of every document written, so that it can be a source later. */
typedef struct doc_rec {
    uint32_t bg_size; /* the size asked of its background (make_background's max_size) */
    uint32_t ins_beg; /* its copies: inserts[ins_beg, ins_beg + n_ins), by bg_byte */
    uint32_t n_ins;
} doc_rec;

/* A planted passage kept for chains and second copies. */
typedef struct kept_passage {
    size_t src_id, dst_id;     /* document numbers */
    uint32_t src_beg, src_end; /* code points */
    uint32_t dst_beg, dst_end;
    buf src_text, dst_text; /* the spans' texts */
} kept_passage;

/* A passage being copied into the current document. */
typedef struct passage {
    size_t src_id;             /* the source: document number */
    uint32_t cp_beg, cp_end;   /* and span, code points */
    buf src;                   /* the source span's text */
    buf edited;                /* the copy, after editing */
    double rate;               /* realized edit rate */
    size_t at;                 /* index of the background sentence it goes before */
    int par;                   /* 1: separated by a paragraph break, 0: by a space */
    uint32_t dst_beg, dst_end; /* the copy's span in the target, code points */
} passage;

/* A passage length in words, log-uniform in [MIN_PASSAGE_WORDS, MAX_PASSAGE_WORDS]. */
static size_t passage_words(rng *r)
{
    double lo = 3.4011974, hi = 5.7037825; /* ln 30, ln 300 */
    size_t k = (size_t)xexp(lo + (hi - lo) * rng_unif(r));
    return k < MIN_PASSAGE_WORDS   ? MIN_PASSAGE_WORDS
           : k > MAX_PASSAGE_WORDS ? MAX_PASSAGE_WORDS
                                   : k;
}

/*
 * pick_span: choose p's source in earlier document `id` (record rec, copies ins): make its
 * background again, choose a run of words that no copy interrupts, and map the run's offsets
 * in the background to the document as written, where the copies before it shift it.
 */
static void pick_span(gen *bgg, rng *r, uint64_t seed, size_t id, const doc_rec *rec,
                      const insert *ins, background *bg, passage *p)
{
    make_background(bgg, seed, id, rec->bg_size, bg);
    index_words(bg);
    assert(bg->n_w > 0);
    size_t len = passage_words(r);
    if (len > bg->n_w) len = bg->n_w;
    size_t beg = 0;
    for (int tries = 0;; tries++) {
        size_t last = bg->n_w - len;
        beg = rng_below(r, last + 1);
        if (rng_unif(r) < P_SENTENCE_START) {
            size_t i = beg;
            while (i <= last && !bg->w[i].opens) i++;
            if (i <= last) beg = i;
        }
        /* the segment of the background around beg that no copy interrupts: bytes [lo, hi) */
        uint32_t at = bg->w[beg].byte_beg, lo = 0, hi = UINT32_MAX;
        for (uint32_t k = 0; k < rec->n_ins; k++) {
            uint32_t q = ins[k].bg_byte;
            if (q <= at && q > lo) lo = q;
            if (q > at && q < hi) hi = q;
        }
        size_t seg_beg = beg, seg_end = beg + 1;
        while (seg_beg > 0 && bg->w[seg_beg - 1].byte_beg >= lo) seg_beg--;
        while (seg_end < bg->n_w && bg->w[seg_end].byte_beg < hi) seg_end++;
        if (seg_end - beg >= len) break;
        if (seg_end - seg_beg >= len) {
            beg = seg_end - len;
            break;
        }
        if (tries == 7) { /* every try fell in a short segment: take what this one has */
            beg = seg_beg;
            len = seg_end - seg_beg;
            break;
        }
    }
    const word_span *a = &bg->w[beg], *z = &bg->w[beg + len - 1];
    uint32_t shift = 0;
    for (uint32_t k = 0; k < rec->n_ins; k++)
        if (ins[k].bg_byte <= a->byte_beg) shift += ins[k].n_cp;
    p->src_id = id;
    p->cp_beg = a->cp_beg + shift;
    p->cp_end = z->cp_end + shift;
    p->src.n = 0;
    buf_add(&p->src, bg->text.a + a->byte_beg, z->byte_end - a->byte_beg);
}

/* Change the case of the word's first letter or of the whole word (ASCII letters only, so
 * that the code point count stays), or its trailing punctuation. */
static void cosmetic(rng *r, buf *out, size_t word_beg)
{
    char *s = out->a + word_beg;
    size_t n = out->n - word_beg;
    switch (rng_below(r, 3)) {
    case 0:
        if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') *s ^= 0x20;
        break;
    case 1:
        for (size_t i = 0; i < n; i++)
            if (s[i] >= 'a' && s[i] <= 'z') s[i] ^= 0x20;
        break;
    default:
        if (n > 1 && strchr(".,;:", s[n - 1]))
            out->n--;
        else
            buf_addc(out, ',');
        break;
    }
}

/* Edit p->text into p->edited at per-word rate `rate` (see the top of the file). */
static void edit_passage(gen *g, passage *p, double rate)
{
    const char *s = p->src.a;
    size_t n = p->src.n, i = 0, n_src = 0, n_ops = 0;
    buf *out = &p->edited;
    out->n = 0;
    while (i < n) {
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\n') i++;
        size_t e = i;
        while (i < n && (s[i] == ' ' || s[i] == '\n')) i++;
        n_src++;
        double u = rng_unif(&g->r);
        size_t word_beg = out->n;
        if (u < rate) {
            n_ops++;
            switch (rng_below(&g->r, 3)) {
            case 0: /* substitute */
                add_word(out, g->md, any_word(g));
                break;
            case 1: /* delete, with the separator after the word */
                continue;
            default: /* insert a word after this one */
                buf_add(out, s + b, e - b);
                buf_addc(out, ' ');
                add_word(out, g->md, any_word(g));
                break;
            }
        } else {
            buf_add(out, s + b, e - b);
            if (u < rate * 1.5) cosmetic(&g->r, out, word_beg);
        }
        buf_add(out, s + e, i - e);
    }
    while (out->n > 0 && (out->a[out->n - 1] == ' ' || out->a[out->n - 1] == '\n')) out->n--;
    if (out->n == 0) buf_add(out, s, n); /* everything deleted: keep the source as it was */
    p->rate = n_src ? (double)n_ops / (double)n_src : 0.0;
}

/* ---------------------------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------------------------ */

typedef struct out_file {
    const char *path; /* as given; "-" is standard output */
    char *tmp;        /* written here, renamed to path on success */
    FILE *fp;
} out_file;

static void out_open(out_file *o, const char *path)
{
    o->path = path;
    o->tmp = NULL;
    if (strcmp(path, "-") == 0) {
        o->fp = stdout;
        return;
    }
    size_t len = strlen(path) + 5;
    o->tmp = xrealloc(NULL, len);
    snprintf(o->tmp, len, "%s.tmp", path);
    o->fp = fopen(o->tmp, "wb");
    if (!o->fp) die("%s: %s", o->tmp, strerror(errno));
}

static void out_close(out_file *o)
{
    if (fflush(o->fp) != 0 || ferror(o->fp)) die("%s: write error", o->path);
    if (o->fp == stdout) return;
    if (fclose(o->fp) != 0) die("%s: write error", o->path);
    if (rename(o->tmp, o->path) != 0) die("%s: %s", o->path, strerror(errno));
    free(o->tmp);
}

/* Append s as the inside of a JSON string: quote, backslash and control characters escaped. */
static void json_escape(buf *b, const char *s, size_t n)
{
    b->a = grow(b->a, &b->m, b->n + 6 * n + 1, 1); /* room for the longest escapes */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            b->a[b->n++] = (char)c;
        } else if (c == '\n') {
            buf_add(b, "\\n", 2);
        } else if (c == '"' || c == '\\') {
            buf_addc(b, '\\');
            buf_addc(b, (char)c);
        } else {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            buf_add(b, e, 6);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * The corpus
 * ------------------------------------------------------------------------------------------ */

typedef struct opts {
    unsigned long long bytes, seed;
    double reuse_rate, edit_rate, jump;
    const char *out, *truth;
    const char **sources;
    size_t n_sources;
    int no_default_source;
} opts;

typedef struct stats {
    size_t n_docs, n_targets, n_passages, n_chain, n_second, n_bytes_text;
    double sum_rate;
} stats;

static void doc_id(char *s, size_t n, size_t id)
{
    snprintf(s, n, "d%08zu", id);
}

/* Keep planted passage p in the pool: appended while there is room, then in a random slot, so
 * that the pool holds the last N_PASSAGE_POOL or so and each is drawn about
 * P_CHAIN + P_SECOND_COPY times in all: copies of copies die out instead of snowballing. */
static void keep_passage(rng *r, kept_passage *pool, size_t *n_pool, const passage *p,
                         size_t dst_id)
{
    size_t slot = *n_pool < N_PASSAGE_POOL ? (*n_pool)++ : rng_below(r, N_PASSAGE_POOL);
    kept_passage *k = &pool[slot];
    k->src_id = p->src_id;
    k->src_beg = p->cp_beg;
    k->src_end = p->cp_end;
    k->dst_id = dst_id;
    k->dst_beg = p->dst_beg;
    k->dst_end = p->dst_end;
    k->src_text.n = 0;
    buf_add(&k->src_text, p->src.a, p->src.n);
    k->dst_text.n = 0;
    buf_add(&k->dst_text, p->edited.a, p->edited.n);
}

/* Choose where passage p comes from, for document `id`, and edit it. */
static void choose_passage(gen *g, gen *bgg, const opts *o, size_t id, const doc_rec *recs,
                           const insert *inserts, const kept_passage *pool, size_t n_pool,
                           background *scratch, passage *p, stats *st)
{
    double u = rng_unif(&g->r);
    if (n_pool >= MIN_POOL && u < P_CHAIN + P_SECOND_COPY) {
        const kept_passage *k = &pool[rng_below(&g->r, n_pool)];
        p->src.n = 0;
        if (u < P_CHAIN) {
            p->src_id = k->dst_id, p->cp_beg = k->dst_beg, p->cp_end = k->dst_end;
            buf_add(&p->src, k->dst_text.a, k->dst_text.n);
            st->n_chain++;
        } else {
            p->src_id = k->src_id, p->cp_beg = k->src_beg, p->cp_end = k->src_end;
            buf_add(&p->src, k->src_text.a, k->src_text.n);
            st->n_second++;
        }
    } else {
        size_t src = 1 + rng_below(&g->r, id - 1);
        const doc_rec *rec = &recs[src];
        pick_span(bgg, &g->r, o->seed, src, rec, inserts + rec->ins_beg, scratch, p);
    }
    edit_passage(g, p, o->edit_rate);
}

static void generate(const opts *o, const model *md, stats *st)
{
    gen g = {.md = md, .jump = o->jump};   /* reuse decisions and edits */
    gen bgg = {.md = md, .jump = o->jump}; /* backgrounds, reseeded for each document */
    rng_seed(&g.r, o->seed);
    out_file out, truth;
    out_open(&out, o->out);
    if (o->truth) {
        out_open(&truth, o->truth);
        fputs("id1\tbegin1\tend1\tid2\tbegin2\tend2\tedit_rate\n", truth.fp);
    }
    kept_passage *pool = calloc(N_PASSAGE_POOL, sizeof *pool);
    if (!pool) die("out of memory");
    size_t n_pool = 0;
    doc_rec *recs = NULL; /* by document number; recs[0] unused */
    size_t m_recs = 0;
    insert *inserts = NULL;
    size_t n_inserts = 0, m_inserts = 0;
    background cur = {0}, scratch = {0};
    buf text = {0}, line = {0};
    passage ps[3];
    memset(ps, 0, sizeof ps);
    unsigned long long written = 0;
    memset(st, 0, sizeof *st);

    for (size_t id = 1; written < o->bytes; id++) {
        unsigned long long left = o->bytes - written;
        size_t max_size = left < MAX_DOC_BYTES ? (size_t)left : MAX_DOC_BYTES;
        recs = grow(recs, &m_recs, id + 1, sizeof *recs);
        recs[id].bg_size = (uint32_t)make_background(&bgg, o->seed, id, max_size, &cur);

        size_t n_ps = 0;
        if (id > 1 && rng_unif(&g.r) < o->reuse_rate) n_ps = 1 + rng_below(&g.r, 3);
        for (size_t i = 0; i < n_ps; i++) {
            choose_passage(&g, &bgg, o, id, recs, inserts, pool, n_pool, &scratch, &ps[i], st);
            ps[i].at = rng_below(&g.r, cur.n_sent + 1); /* n_sent: after the last sentence */
            ps[i].par = (int)rng_below(&g.r, 2);
        }
        for (size_t i = 1; i < n_ps; i++) /* insertion sort by `at`, stable */
            for (size_t j = i; j > 0 && ps[j - 1].at > ps[j].at; j--) {
                passage t = ps[j];
                ps[j] = ps[j - 1];
                ps[j - 1] = t;
            }

        /* The document: background sentences with the copies spliced in before sentence `at`. */
        const buf *bg = &cur.text;
        text.n = 0;
        size_t bg_pos = 0, cp = 0;
        recs[id].ins_beg = (uint32_t)n_inserts;
        recs[id].n_ins = (uint32_t)n_ps;
        for (size_t i = 0; i < n_ps; i++) {
            passage *p = &ps[i];
            size_t to = p->at < cur.n_sent ? cur.sent[p->at] : bg->n;
            cp += count_cp(bg->a + bg_pos, to - bg_pos);
            buf_add(&text, bg->a + bg_pos, to - bg_pos);
            bg_pos = to;
            const char *sep = p->par ? "\n\n" : " ";
            size_t n_sep = p->par ? 2 : 1, cp_before = cp;
            if (to == bg->n) { /* at the end: the separator goes before */
                buf_add(&text, sep, n_sep);
                cp += n_sep;
            }
            p->dst_beg = (uint32_t)cp;
            cp += count_cp(p->edited.a, p->edited.n);
            p->dst_end = (uint32_t)cp;
            buf_add(&text, p->edited.a, p->edited.n);
            if (to < bg->n) {
                buf_add(&text, sep, n_sep);
                cp += n_sep;
            }
            inserts = grow(inserts, &m_inserts, n_inserts + 1, sizeof *inserts);
            inserts[n_inserts++] = (insert){(uint32_t)to, (uint32_t)(cp - cp_before)};
        }
        buf_add(&text, bg->a + bg_pos, bg->n - bg_pos);
        if (text.n >= UINT32_MAX) die("document too large");

        char id_s[32], src_s[32];
        doc_id(id_s, sizeof id_s, id);
        line.n = 0;
        buf_add(&line, "{\"id\": \"", 8);
        buf_add(&line, id_s, strlen(id_s));
        buf_add(&line, "\", \"text\": \"", 12);
        json_escape(&line, text.a, text.n);
        buf_add(&line, "\"}\n", 3);
        if (fwrite(line.a, 1, line.n, out.fp) != line.n) die("%s: write error", o->out);
        written += line.n;
        st->n_docs++;
        st->n_bytes_text += text.n;

        for (size_t i = 0; i < n_ps; i++) {
            passage *p = &ps[i];
            doc_id(src_s, sizeof src_s, p->src_id);
            if (o->truth)
                fprintf(truth.fp, "%s\t%u\t%u\t%s\t%u\t%u\t%.4f\n", src_s, p->cp_beg, p->cp_end,
                        id_s, p->dst_beg, p->dst_end, p->rate);
            st->sum_rate += p->rate;
            keep_passage(&g.r, pool, &n_pool, p, id);
        }
        st->n_passages += n_ps;
        st->n_targets += n_ps > 0;
    }
    out_close(&out);
    if (o->truth) out_close(&truth);
    for (size_t i = 0; i < N_PASSAGE_POOL; i++) {
        free(pool[i].src_text.a);
        free(pool[i].dst_text.a);
    }
    for (size_t i = 0; i < 3; i++) {
        free(ps[i].src.a);
        free(ps[i].edited.a);
    }
    free(pool);
    free(recs);
    free(inserts);
    background_free(&cur);
    background_free(&scratch);
    free(text.a);
    free(line.a);
}

/* ---------------------------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------------------------ */

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: gen_corpus [options]\n"
            "  --bytes N         total output size, about (suffixes K, M, G: powers of 1024);\n"
            "                    default 100M\n"
            "  --seed S          random seed (default 1): same seed and sources, same bytes\n"
            "  -o, --out FILE    JSON Lines output (default -, standard output)\n"
            "  --truth FILE      planted passages as TSV (id1 begin1 end1 id2 begin2 end2\n"
            "                    edit_rate; code points, end exclusive)\n"
            "  --reuse-rate R    fraction of documents that receive passages (default 0.3)\n"
            "  --edit-rate E     per-word edit probability of a copy (default 0.05)\n"
            "  --jump P          per-word probability of leaving the Markov chain (default 0.35)\n"
            "  --source FILE     learn from FILE too (repeatable)\n"
            "  --no-default-source  do not read " DEFAULT_SOURCE_DIR "\n"
            "  -h, --help        this help\n");
}

static int parse_size(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return -1;
    unsigned long long mult = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mult = 1ULL << 10, end++;
        break;
    case 'm':
    case 'M':
        mult = 1ULL << 20, end++;
        break;
    case 'g':
    case 'G':
        mult = 1ULL << 30, end++;
        break;
    default:
        break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v > ULLONG_MAX / mult) return -1;
    *out = v * mult;
    return 0;
}

static int parse_prob(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0.0 && v <= 1.0)) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {.bytes = 100ULL << 20,
              .seed = 1,
              .reuse_rate = 0.3,
              .edit_rate = 0.05,
              .jump = 0.35,
              .out = "-"};
    o.sources = xrealloc(NULL, (size_t)argc * sizeof *o.sources);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--no-default-source") == 0) {
            o.no_default_source = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "gen_corpus: %s needs a value (or is unknown)\n", a);
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--bytes") == 0)
            bad = parse_size(v, &o.bytes) || o.bytes == 0;
        else if (strcmp(a, "--seed") == 0)
            bad = parse_size(v, &o.seed);
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0)
            o.out = v;
        else if (strcmp(a, "--truth") == 0)
            o.truth = v;
        else if (strcmp(a, "--reuse-rate") == 0)
            bad = parse_prob(v, &o.reuse_rate);
        else if (strcmp(a, "--edit-rate") == 0)
            bad = parse_prob(v, &o.edit_rate);
        else if (strcmp(a, "--jump") == 0)
            bad = parse_prob(v, &o.jump);
        else if (strcmp(a, "--source") == 0)
            o.sources[o.n_sources++] = v;
        else {
            fprintf(stderr, "gen_corpus: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "gen_corpus: bad value for %s: %s\n", a, v);
            return 2;
        }
        i++;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    model md = {.fingerprint = 0xCBF29CE484222325ULL};
    size_t n_files = 0;
    if (!o.no_default_source) n_files += model_add_dir(&md, DEFAULT_SOURCE_DIR);
    for (size_t i = 0; i < o.n_sources; i++, n_files++) model_add_file(&md, o.sources[i]);
    model_finish(&md);
    fprintf(stderr,
            "gen_corpus: learned %zu words, %zu distinct, from %zu files (fingerprint %016llx)\n",
            md.n_occ, md.n_types, n_files, (unsigned long long)md.fingerprint);

    stats st;
    generate(&o, &md, &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    fprintf(stderr,
            "gen_corpus: %zu documents, %.1f MB of text; %zu planted passages in %zu documents "
            "(%zu chained, %zu second copies), mean edit rate %.4f; %.1f s, %.1f MB/s\n",
            st.n_docs, (double)st.n_bytes_text / 1e6, st.n_passages, st.n_targets, st.n_chain,
            st.n_second, st.n_passages ? st.sum_rate / (double)st.n_passages : 0.0, secs,
            (double)st.n_bytes_text / 1e6 / (secs > 0 ? secs : 1e-9));
    model_free(&md);
    free(o.sources);
    return 0;
}
