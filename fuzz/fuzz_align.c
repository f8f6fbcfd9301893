/*
 * fuzz_align.c: two small documents through the whole aligner (ibid_align: tokenize, n-grams,
 * chain, align, passages; the sentence layer in some modes), then through ibid_result_write.
 *
 * Input: a 13-byte header of options, then the two documents' tokens, one byte each, split at
 * the first 0xFF byte. A byte's low nibble picks a word from a small vocabulary (the alphabet
 * size comes from the header, so matches are frequent), its high bits the separator after it.
 * Words mix scripts, cases, ligatures and ignorables, and each is exactly one token.
 *
 * Checks, aborting when one fails:
 *   - the texts tokenize into exactly one token a byte; ibid_align succeeds;
 *   - every passage: ids in strcmp order, offsets in bounds with begin < end, byte and code
 *     point offsets naming the same characters, the first and last tokens of its token span,
 *     at least min_words tokens a side, matches no more than either side's tokens;
 *   - passages sorted by (id1, id2, begin1, begin2, end1, end2);
 *   - the texts ibid_result_write gives are the code point slices [begin, end) of the documents;
 *   - the same result from a second run, from 3 threads, and (as written bytes) from the corpus
 *     built in the other order.
 */
#include "fuzz_utf8.h"
#include "ibid_int.h"

#include <jansson.h>
#include <stdio.h>

#define CHECK(x)                                                                       \
    do {                                                                               \
        if (!(x)) {                                                                    \
            fprintf(stderr, "fuzz_align: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER  13
#define MAX_TOK 1500

/* One token each under every normalization; some equal others under NFKC or case folding. */
static const char *const words[16] = {"a",
                                      "b",
                                      "c",
                                      "the",
                                      "caf\xC3\xA9",
                                      "CAF\xC3\x89",
                                      "\xE6\x9D\xB1",
                                      "\xE4\xBA\xAC",
                                      "\xCE\xA9\xCE\xBC\xCE\xAD\xCE\xB3\xCE\xB1",
                                      "x\xC2\xADy",
                                      "d\xC3\xA9j\xC3\xA0",
                                      "cafe\xCC\x81",
                                      "\xEF\xAC\x81ne",
                                      "fine",
                                      "Z",
                                      "\xD0\xBC\xD0\xB8\xD1\x80"};
static const char *const seps[8] = {
    " ", ", ", "\n", " \xE2\x80\x94 ", "\xE2\x80\x9C", "\xE2\x80\x9D\t", "\xF0\x9F\x98\x80", ". "};

typedef struct {
    char *s;
    size_t n, m;
} buf;

static void put(buf *b, const char *s)
{
    size_t k = strlen(s);
    IBID_GROW(b->s, b->m, b->n + k + 1);
    memcpy(b->s + b->n, s, k + 1);
    b->n += k;
}

/* The text of tokens p[0, n) over an alphabet of `alpha` words. */
static void make_text(buf *b, const uint8_t *p, size_t n, unsigned alpha)
{
    put(b, "");
    for (size_t i = 0; i < n; i++) {
        put(b, words[(p[i] & 15) % alpha]);
        put(b, seps[(p[i] >> 4) & 7]);
    }
}

static size_t cp_to_byte(const char *s, size_t n, uint32_t cp)
{
    size_t i = 0;
    for (uint32_t k = 0; k < cp; k++) {
        CHECK(i < n);
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

static void check_side(const ibid_corpus *c, const ibid_token *t, size_t nt, uint32_t doc,
                       uint32_t cp_beg, uint32_t cp_end, uint32_t byte_beg, uint32_t byte_end,
                       uint32_t tok_beg, uint32_t tok_end, const ibid_align_opts *o)
{
    size_t n;
    const char *text = ibid_corpus_text(c, doc, &n);
    CHECK(cp_beg < cp_end && byte_beg < byte_end && byte_end <= n);
    CHECK(count_cp(text, byte_beg) == cp_beg);
    CHECK(count_cp(text + byte_beg, byte_end - byte_beg) == cp_end - cp_beg);
    CHECK(tok_beg < tok_end && tok_end <= nt);
    CHECK(tok_end - tok_beg >= (uint32_t)o->min_words);
    CHECK(t[tok_beg].cp_beg == cp_beg && t[tok_end - 1].cp_end == cp_end);
    CHECK(t[tok_beg].byte_beg == byte_beg && t[tok_end - 1].byte_end == byte_end);
}

static int cmp_key(const ibid_corpus *c, const ibid_passage *a, const ibid_passage *b)
{
    int r = strcmp(ibid_corpus_id(c, a->doc1), ibid_corpus_id(c, b->doc1));
    if (!r) r = strcmp(ibid_corpus_id(c, a->doc2), ibid_corpus_id(c, b->doc2));
    if (r) return r;
    const uint32_t ka[4] = {a->cp_beg1, a->cp_beg2, a->cp_end1, a->cp_end2};
    const uint32_t kb[4] = {b->cp_beg1, b->cp_beg2, b->cp_end1, b->cp_end2};
    for (int i = 0; i < 4; i++)
        if (ka[i] != kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

static void check_result(const ibid_corpus *c, ibid_token *const *t, const size_t *nt,
                         const ibid_result *r, const ibid_align_opts *o)
{
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        CHECK(p->doc1 < 2 && p->doc2 < 2 && p->doc1 != p->doc2);
        CHECK(strcmp(ibid_corpus_id(c, p->doc1), ibid_corpus_id(c, p->doc2)) < 0);
        check_side(c, t[p->doc1], nt[p->doc1], p->doc1, p->cp_beg1, p->cp_end1, p->byte_beg1,
                   p->byte_end1, p->tok_beg1, p->tok_end1, o);
        check_side(c, t[p->doc2], nt[p->doc2], p->doc2, p->cp_beg2, p->cp_end2, p->byte_beg2,
                   p->byte_end2, p->tok_beg2, p->tok_end2, o);
        CHECK(p->matches <= p->columns);
        CHECK(p->matches <= p->tok_end1 - p->tok_beg1 && p->matches <= p->tok_end2 - p->tok_beg2);
        if (i) CHECK(cmp_key(c, &r->passages[i - 1], p) < 0);
    }
}

/* Write r with texts; check each text against the slice its offsets name; return the bytes. */
static char *write_and_check(const ibid_corpus *c, const ibid_result *r, size_t *len)
{
    char *out = NULL;
    FILE *fp = open_memstream(&out, len);
    CHECK(fp);
    ibid_write_opts w = {IBID_FORMAT_JSONL, 1};
    CHECK(ibid_result_write(fp, c, r, &w, NULL) == 0);
    CHECK(fclose(fp) == 0);
    size_t n_lines = 0;
    for (char *line = out, *nl; *line; line = nl + 1, n_lines++) {
        nl = strchr(line, '\n');
        CHECK(nl);
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
        CHECK(j);
        for (int side = 1; side <= 2; side++) {
            const char *id = json_string_value(json_object_get(j, side == 1 ? "id1" : "id2"));
            CHECK(id);
            long d = ibid_corpus_find(c, id);
            CHECK(d >= 0);
            json_int_t b = json_integer_value(json_object_get(j, side == 1 ? "begin1" : "begin2"));
            json_int_t e = json_integer_value(json_object_get(j, side == 1 ? "end1" : "end2"));
            const char *s = json_string_value(json_object_get(j, side == 1 ? "text1" : "text2"));
            CHECK(s && b >= 0 && b < e);
            size_t n;
            const char *text = ibid_corpus_text(c, (size_t)d, &n);
            size_t bb = cp_to_byte(text, n, (uint32_t)b), be = cp_to_byte(text, n, (uint32_t)e);
            CHECK(strlen(s) == be - bb && memcmp(s, text + bb, be - bb) == 0);
        }
        json_decref(j);
    }
    CHECK(n_lines == r->n_passages);
    return out;
}

static int same_result(const ibid_result *a, const ibid_result *b)
{
    return a->n_passages == b->n_passages && a->n_tokens == b->n_tokens &&
           a->n_shared_ngrams == b->n_shared_ngrams && a->n_boilerplate == b->n_boilerplate &&
           a->n_seeds == b->n_seeds && a->n_candidates == b->n_candidates &&
           (a->n_passages == 0 ||
            memcmp(a->passages, b->passages, a->n_passages * sizeof *a->passages) == 0);
}

static ibid_result *run(const ibid_corpus *c, const ibid_align_opts *o)
{
    ibid_result *r = NULL;
    ibid_error e;
    int rc = ibid_align(&r, c, NULL, o, &e);
    if (rc != 0) fprintf(stderr, "fuzz_align: %s\n", e.message);
    CHECK(rc == 0 && r);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t h[HEADER] = {0};
    if (size) memcpy(h, data, size < HEADER ? size : HEADER);
    static const uint8_t none[1] = {0};
    const uint8_t *body = size > HEADER ? data + HEADER : none;
    size_t n_body = size > HEADER ? size - HEADER : 0;

    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 1 + h[0] % 5;
    o.min_seeds = 1 + h[1] % 3;
    o.max_gap = h[2] % 64;
    o.min_words = 1 + h[3] % 12;
    o.match = 1 + h[4] % 3;
    o.mismatch = -(h[5] % 4);
    o.gap_open = h[6] % 4;
    o.gap_extend = h[7] % 3;
    o.xdrop = 1 + h[8] % 30;
    o.max_tf = 1 + h[9] % 64;
    o.norm = (h[10] & 3) | (h[11] & 0x80 ? IBID_NORM_MARKUP : 0);
    /* a small index_memory forces many passes (16 bytes: one an n-gram, up to 4096) */
    if (h[10] & 4) o.index_memory = (size_t)16 << (h[10] >> 4);
    o.merge_gap = h[11] % 40;
    /* the sentence layer too, without WordNet (a load an input would be too slow) */
    o.mode = 1 + (h[9] >> 6) % 3;
    o.synonyms = 0;
    unsigned alpha = 2 + h[12] % 15;
    int swap_ids = h[12] >> 7;

    /* the two documents' tokens */
    const uint8_t *sep = memchr(body, 0xFF, n_body);
    size_t n0 = sep ? (size_t)(sep - body) : n_body / 2;
    const uint8_t *p1 = sep ? sep + 1 : body + n0;
    size_t n1 = n_body - (size_t)(p1 - body);
    if (n0 > MAX_TOK) n0 = MAX_TOK;
    if (n1 > MAX_TOK) n1 = MAX_TOK;
    buf t0 = {0}, t1 = {0};
    make_text(&t0, body, n0, alpha);
    make_text(&t1, p1, n1, alpha);
    const char *id0 = swap_ids ? "b" : "a", *id1 = swap_ids ? "a" : "b";

    ibid_corpus *c, *rev;
    CHECK(ibid_corpus_new(&c) == 0 && ibid_corpus_new(&rev) == 0);
    CHECK(ibid_corpus_add(c, id0, 1, t0.s, t0.n, NULL, NULL) == 0);
    CHECK(ibid_corpus_add(c, id1, 1, t1.s, t1.n, NULL, NULL) == 0);
    CHECK(ibid_corpus_add(rev, id1, 1, t1.s, t1.n, NULL, NULL) == 0);
    CHECK(ibid_corpus_add(rev, id0, 1, t0.s, t0.n, NULL, NULL) == 0);

    ibid_token *tok[2];
    size_t nt[2];
    CHECK(ibid_tokenize(&tok[0], &nt[0], t0.s, t0.n, o.norm, NULL) == 0 && nt[0] == n0);
    CHECK(ibid_tokenize(&tok[1], &nt[1], t1.s, t1.n, o.norm, NULL) == 0 && nt[1] == n1);

    ibid_result *r1 = run(c, &o);
    check_result(c, tok, nt, r1, &o);
    size_t len1, len2;
    char *out1 = write_and_check(c, r1, &len1);
    ibid_result *r2 = run(c, &o);
    CHECK(same_result(r1, r2));
    o.n_threads = 3;
    ibid_result *r3 = run(c, &o);
    CHECK(same_result(r1, r3));
    o.n_threads = 1;
    ibid_token *tok_rev[2] = {tok[1], tok[0]};
    size_t nt_rev[2] = {nt[1], nt[0]};
    ibid_result *r4 = run(rev, &o);
    check_result(rev, tok_rev, nt_rev, r4, &o);
    char *out2 = write_and_check(rev, r4, &len2);
    CHECK(len1 == len2 && (len1 == 0 || memcmp(out1, out2, len1) == 0));

    free(out1);
    free(out2);
    ibid_result_free(r1);
    ibid_result_free(r2);
    ibid_result_free(r3);
    ibid_result_free(r4);
    free(tok[0]);
    free(tok[1]);
    ibid_corpus_free(c);
    ibid_corpus_free(rev);
    free(t0.s);
    free(t1.s);
    return 0;
}
