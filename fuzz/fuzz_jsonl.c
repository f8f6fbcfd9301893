/*
 * fuzz_jsonl.c: arbitrary bytes as a JSON Lines stream (read_jsonl.c, through stream.c).
 *
 * The input is read three times through fmemopen: A with the defaults; B with skip_bad; C with
 * skip_bad and small limits (max_line 64, max_doc 16), so that the too-long-line path runs.
 * Whatever the bytes, these must hold, or the target aborts:
 *   - an error carries its code, the stream's name, a line >= 1 and a message; under skip_bad
 *     reading a memory stream never fails, and skipped lines come in increasing order;
 *   - every stored id is non-empty, NUL-free, valid UTF-8, unique and found again by its id;
 *     every text is valid UTF-8 within max_doc; every metadata string parses as a JSON object
 *     holding neither the id nor the text field;
 *   - the documents of A are exactly the first documents of B (skip_bad only skips);
 *   - D, B read again on 2 threads with 64-byte blocks and 3 lines a batch (so the reader
 *     thread and its two line buffers take turns at nearly every line), has B's documents and
 *     skipped lines.
 * Nothing may leak: every corpus is freed.
 */
#include "ibid_int.h"

#include <jansson.h>
#include <stdio.h>
#include <utf8proc.h>

#define CHECK(x)                                                                       \
    do {                                                                               \
        if (!(x)) {                                                                    \
            fprintf(stderr, "fuzz_jsonl: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_utf8(const char *s, size_t n)
{
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) return 0;
        i += (size_t)k;
    }
    return 1;
}

static void check_corpus(const ibid_corpus *c, const ibid_read_opts *o)
{
    for (size_t i = 0; i < ibid_corpus_size(c); i++) {
        const char *id = ibid_corpus_id(c, i);
        size_t n_id = strlen(id), n_text;
        CHECK(n_id > 0 && valid_utf8(id, n_id));
        CHECK(ibid_corpus_find(c, id) == (long)i);
        const char *text = ibid_corpus_text(c, i, &n_text);
        CHECK(n_text <= o->max_doc && text[n_text] == 0 && valid_utf8(text, n_text));
        const char *meta = ibid_corpus_meta(c, i);
        if (meta) {
            json_error_t je;
            json_t *m = json_loads(meta, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
            CHECK(json_is_object(m) && json_object_size(m) > 0);
            CHECK(!json_object_get(m, o->id_field) && !json_object_get(m, o->text_field));
            json_decref(m);
        }
    }
    long last = 0;
    for (size_t i = 0; i < ibid_corpus_n_skipped(c); i++) {
        const ibid_error *e = ibid_corpus_skipped(c, i);
        CHECK(e->code < 0 && e->line > last && e->message[0]);
        CHECK(strcmp(e->source, "fuzz.jsonl") == 0);
        last = e->line;
    }
}

/* Read data as JSON Lines under `o`; *out is the corpus, the result the read's return. */
static int read_with(ibid_corpus **out, const uint8_t *data, size_t size, const ibid_read_opts *o)
{
    ibid_corpus *c;
    ibid_error e;
    memset(&e, 0, sizeof e);
    CHECK(ibid_corpus_new(&c) == 0);
    *out = c;
    FILE *fp = fmemopen(size ? (void *)data : (void *)"", size, "r");
    if (!fp) return 0; /* some libcs refuse size 0 */
    int rc = ibid_corpus_read_jsonl(c, fp, "fuzz.jsonl", o, &e);
    fclose(fp);
    CHECK(rc <= 0);
    if (rc < 0) {
        CHECK(e.code == rc && e.line >= 1 && e.message[0]);
        CHECK(strcmp(e.source, "fuzz.jsonl") == 0);
        CHECK(rc != IBID_EIO && rc != IBID_ENOMEM && rc != IBID_EINVAL);
    }
    if (o->skip_bad) CHECK(rc == 0);
    check_corpus(c, o);
    return rc;
}

/* read_with on 2 threads, through the reader thread, with tiny blocks and batches. */
static void read_ahead_with(ibid_corpus **out, const uint8_t *data, size_t size,
                            const ibid_read_opts *o_in)
{
    ibid_read_opts o = *o_in;
    o.n_threads = 2;
    ibid_jsonl_tuning t;
    ibid_jsonl_tuning_init(&t);
    t.block = 64;
    t.batch_lines = 3;
    ibid_corpus *c;
    ibid_error e;
    memset(&e, 0, sizeof e);
    CHECK(ibid_corpus_new(&c) == 0);
    *out = c;
    FILE *fp = fmemopen(size ? (void *)data : (void *)"", size, "r");
    if (!fp) return;
    ibid_stream *s = NULL;
    CHECK(ibid_stream_from_fp(&s, fp, "fuzz.jsonl", &e) == 0);
    CHECK(ibid_read_jsonl_tuned(c, s, &o, &t, &e) == 0); /* skip_bad: a memory stream never fails */
    ibid_stream_close(s);
    fclose(fp);
    check_corpus(c, &o);
}

static int same_doc(const ibid_corpus *a, const ibid_corpus *b, size_t i)
{
    size_t na, nb;
    const char *ta = ibid_corpus_text(a, i, &na), *tb = ibid_corpus_text(b, i, &nb);
    const char *ma = ibid_corpus_meta(a, i), *mb = ibid_corpus_meta(b, i);
    return strcmp(ibid_corpus_id(a, i), ibid_corpus_id(b, i)) == 0 && na == nb &&
           memcmp(ta, tb, na) == 0 && (ma && mb ? strcmp(ma, mb) == 0 : ma == mb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ibid_read_opts oa, ob, oc;
    ibid_read_opts_init(&oa);
    ob = oa;
    ob.skip_bad = 1;
    oc = ob;
    oc.max_line = 64;
    oc.max_doc = 16;

    ibid_corpus *a, *b, *c, *d;
    int rc_a = read_with(&a, data, size, &oa);
    read_with(&b, data, size, &ob);
    read_with(&c, data, size, &oc);
    read_ahead_with(&d, data, size, &ob);

    CHECK(ibid_corpus_size(a) <= ibid_corpus_size(b));
    for (size_t i = 0; i < ibid_corpus_size(a); i++) CHECK(same_doc(a, b, i));
    if (rc_a == 0) CHECK(ibid_corpus_size(a) == ibid_corpus_size(b) && !ibid_corpus_n_skipped(b));
    /* the small limits only remove documents: every id of C is in B */
    for (size_t i = 0; i < ibid_corpus_size(c); i++)
        CHECK(ibid_corpus_find(b, ibid_corpus_id(c, i)) >= 0);
    /* the reader thread changes nothing */
    CHECK(ibid_corpus_size(d) == ibid_corpus_size(b));
    for (size_t i = 0; i < ibid_corpus_size(b); i++) CHECK(same_doc(b, d, i));
    CHECK(ibid_corpus_n_skipped(d) == ibid_corpus_n_skipped(b));
    for (size_t i = 0; i < ibid_corpus_n_skipped(b); i++) {
        const ibid_error *eb = ibid_corpus_skipped(b, i), *ed = ibid_corpus_skipped(d, i);
        CHECK(eb->code == ed->code && eb->line == ed->line && eb->column == ed->column);
        CHECK(strcmp(eb->message, ed->message) == 0);
    }

    ibid_corpus_free(a);
    ibid_corpus_free(b);
    ibid_corpus_free(c);
    ibid_corpus_free(d);
    return 0;
}
