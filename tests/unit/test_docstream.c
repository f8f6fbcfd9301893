/*
 * test_docstream.c: documents a batch at a time (docstream.c).
 *
 * - JSON Lines (plain and gzip): every document once, in order, with its id, text, metadata,
 *   source file and line number; blank lines skipped; the same documents as ibid_corpus_read.
 * - Folders: files in name order with relative ids, hidden files skipped, .jsonl files below a
 *   folder read as JSON Lines; more text files than one batch holds arrive in several batches.
 * - Errors: a bad line stops the read after the documents before it were delivered, naming file
 *   and line; under skip_bad it goes to the skip callback; invalid UTF-8 in a text file names the
 *   line and column; "-" is refused; a batch callback's error stops the read and is returned.
 * - Shares (ibid_share_read, the ranks of an MPI job): for 1 to 9 ranks, the shares of plain,
 *   compressed, CRLF, blank-line, long-line and empty JSON Lines files and text files, taken in
 *   rank order and with the lines of lower ranks added as ibid_mpi_share_lines adds them, are
 *   the documents and line numbers of one read, each once; a JSON Lines unit opened again
 *   (ibid_share_open) holds each document the rank read at its line number there.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ibid_int.h"
#include "test_files.h"

/* What the callbacks saw. */
typedef struct seen {
    size_t n_doc, n_batch, n_skip;
    char ids[64][64];
    char texts[64][128];
    char sources[64][256];
    long lines[64];
    int has_meta[64];
    long skip_lines[8];
    int fail_at; /* return an error from the batch holding document fail_at (1-based), or 0 */
} seen;

static int on_batch(void *ud, const ibid_sdoc *docs, size_t n, ibid_error *err)
{
    seen *s = ud;
    assert_true(n > 0);
    s->n_batch++;
    for (size_t i = 0; i < n; i++) {
        assert_true(s->n_doc < 64);
        assert_int_equal(strlen(docs[i].text), docs[i].n_text);
        snprintf(s->ids[s->n_doc], 64, "%s", docs[i].id);
        snprintf(s->texts[s->n_doc], 128, "%s", docs[i].text);
        snprintf(s->sources[s->n_doc], 256, "%s", docs[i].source);
        s->lines[s->n_doc] = docs[i].line_no;
        s->has_meta[s->n_doc] = docs[i].meta != NULL;
        s->n_doc++;
        if (s->fail_at && (int)s->n_doc == s->fail_at)
            return ibid_fail(err, IBID_EIO, "sink", 0, 0, "the sink failed");
    }
    return 0;
}

static void on_skip(void *ud, const ibid_error *e)
{
    seen *s = ud;
    assert_true(s->n_skip < 8);
    s->skip_lines[s->n_skip++] = e->line;
}

static void put(const char *dir, const char *name, const char *text)
{
    char *p = join(dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    free(p);
}

static int read_all(seen *s, const char *const *paths, size_t n, int skip_bad, ibid_error *err)
{
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.skip_bad = skip_bad;
    o.n_threads = 2;
    ibid_docstream_cb cb = {on_batch, on_skip, s};
    return ibid_docstream_read(paths, n, &o, &cb, err);
}

static const char jsonl[] = "{\"id\": \"a\", \"text\": \"first text\", \"lang\": \"en\"}\n"
                            "\n"
                            "{\"id\": 7, \"text\": \"second\\ntext\"}\r\n"
                            "{\"id\": \"c\", \"text\": \"third\"}";

static void test_jsonl(void **state)
{
    (void)state;
    char *dir = make_tmpdir("docstream");
    put(dir, "d.jsonl", jsonl);
    char *plain = join(dir, "d.jsonl"), *gz = join(dir, "z.jsonl.gz");
    gzFile g = gzopen(gz, "wb");
    gzwrite(g, jsonl, (unsigned)strlen(jsonl));
    gzclose(g);
    const char *paths[] = {plain, gz};
    seen *s = calloc(1, sizeof *s);
    ibid_error err;
    assert_int_equal(read_all(s, paths, 2, 0, &err), 0);
    assert_int_equal(s->n_doc, 6);
    static const char *ids[] = {"a", "7", "c"};
    static const char *texts[] = {"first text", "second\ntext", "third"};
    static const long lines[] = {1, 3, 4};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(s->ids[i], ids[i % 3]);
        assert_string_equal(s->texts[i], texts[i % 3]);
        assert_int_equal(s->lines[i], lines[i % 3]);
        assert_string_equal(s->sources[i], i < 3 ? plain : gz);
        assert_int_equal(s->has_meta[i], i % 3 == 0);
    }
    /* the same documents as the corpus reader */
    ibid_corpus *c;
    ibid_corpus_new(&c);
    assert_int_equal(ibid_corpus_read(c, plain, NULL, &err), 0);
    assert_int_equal(ibid_corpus_size(c), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(ibid_corpus_id(c, i), s->ids[i]);
        assert_string_equal(ibid_corpus_text(c, i, NULL), s->texts[i]);
    }
    ibid_corpus_free(c);

    /* a bad line: the documents before it, then the error; skip_bad: reported and skipped */
    put(dir, "bad.jsonl",
        "{\"id\": \"x\", \"text\": \"ok\"}\n{\"id\": \"y\"}\n{\"id\": \"z\", "
        "\"text\": \"also ok\"}\n");
    char *bad = join(dir, "bad.jsonl");
    const char *bad_paths[] = {bad};
    memset(s, 0, sizeof *s);
    assert_int_equal(read_all(s, bad_paths, 1, 0, &err), IBID_EMISSING);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.source, bad);
    assert_int_equal(s->n_doc, 1);
    memset(s, 0, sizeof *s);
    assert_int_equal(read_all(s, bad_paths, 1, 1, &err), 0);
    assert_int_equal(s->n_doc, 2);
    assert_int_equal(s->n_skip, 1);
    assert_int_equal(s->skip_lines[0], 2);

    /* the sink's error stops the read */
    memset(s, 0, sizeof *s);
    s->fail_at = 2;
    assert_int_equal(read_all(s, paths, 2, 0, &err), IBID_EIO);
    assert_string_equal(err.message, "the sink failed");

    const char *stdin_path[] = {"-"};
    assert_int_equal(read_all(s, stdin_path, 1, 0, &err), IBID_EINVAL);
    free(s);
    free(plain), free(gz), free(bad);
    rm_tree(dir);
}

static void test_folder(void **state)
{
    (void)state;
    char *dir = make_tmpdir("docstream_dir");
    char *sub = join(dir, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    put(dir, "b.txt", "bee");
    put(dir, "a.txt", "ay\n");
    put(dir, ".hidden", "never");
    put(sub, "c.jsonl", "{\"id\": \"in-jsonl\", \"text\": \"from a JSON Lines file\"}\n");
    put(sub, "d.txt", "line one\nline \xC3\x28 two\n");
    const char *paths[] = {dir};
    seen *s = calloc(1, sizeof *s);
    ibid_error err;
    assert_int_equal(read_all(s, paths, 1, 0, &err), IBID_EUTF8);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 6);
    assert_int_equal(s->n_doc, 3); /* a.txt, b.txt (one batch, flushed before c.jsonl), c */
    memset(s, 0, sizeof *s);
    assert_int_equal(read_all(s, paths, 1, 1, &err), 0);
    assert_int_equal(s->n_doc, 3);
    assert_int_equal(s->n_skip, 1);
    assert_string_equal(s->ids[0], "a.txt");
    assert_string_equal(s->texts[0], "ay\n");
    assert_int_equal(s->lines[0], 0);
    assert_string_equal(s->ids[1], "b.txt");
    assert_string_equal(s->ids[2], "in-jsonl");
    assert_int_equal(s->lines[2], 1);
    free(s);
    free(sub);
    rm_tree(dir);
}

/* Counts documents and batches, and checks that ids come in order. */
typedef struct order {
    size_t n, batches;
} order;

static int order_cb(void *ud, const ibid_sdoc *docs, size_t n, ibid_error *err)
{
    (void)err;
    order *o = ud;
    char want[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "f%05zu", o->n++);
        assert_string_equal(docs[i].id, want);
    }
    o->batches++;
    return 0;
}

static void test_many_files(void **state)
{
    (void)state;
    char *dir = make_tmpdir("docstream_many");
    char name[32];
    for (int i = 0; i < 4100; i++) { /* more than one batch of text files holds (4096) */
        snprintf(name, sizeof name, "f%05d", i);
        put(dir, name, "x");
    }
    const char *paths[] = {dir};
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    order ord = {0, 0};
    ibid_docstream_cb cb = {order_cb, on_skip, &ord};
    ibid_error err;
    assert_int_equal(ibid_docstream_read(paths, 1, &o, &cb, &err), 0);
    assert_int_equal(ord.n, 4100);
    assert_int_equal(ord.batches, 2);
    rm_tree(dir);
}

/* Documents of shares, as (id, unit, line), growable. */
typedef struct got {
    size_t n, m;
    char **id;
    size_t *unit;
    long *line;
} got;

static int got_batch(void *ud, const ibid_sdoc *docs, size_t n, ibid_error *err)
{
    (void)err;
    got *g = ud;
    for (size_t i = 0; i < n; i++) {
        if (g->n == g->m) {
            g->m = g->m ? 2 * g->m : 64;
            g->id = realloc(g->id, g->m * sizeof *g->id);
            g->unit = realloc(g->unit, g->m * sizeof *g->unit);
            g->line = realloc(g->line, g->m * sizeof *g->line);
            assert_non_null(g->id);
            assert_non_null(g->unit);
            assert_non_null(g->line);
        }
        g->id[g->n] = strdup(docs[i].id);
        g->unit[g->n] = docs[i].unit;
        g->line[g->n] = docs[i].line_no;
        g->n++;
    }
    return 0;
}

static void got_skip(void *ud, const ibid_error *e)
{
    (void)ud;
    (void)e;
    fail_msg("nothing is skipped here");
}

static void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++) free(g->id[i]);
    free(g->id);
    free(g->unit);
    free(g->line);
    memset(g, 0, sizeof *g);
}

/* The bytes of range stream [beg, end) of path, appended to buf at *n. */
static void read_range(const char *path, uint64_t beg, uint64_t end, char *buf, size_t *n)
{
    ibid_stream *st;
    ibid_error err;
    assert_int_equal(ibid_stream_open_range(&st, path, beg, end, &err), 0);
    long k;
    while ((k = ibid_stream_read(st, buf + *n, 3, &err)) > 0) *n += (size_t)k;
    assert_int_equal(k, 0);
    ibid_stream_close(st);
}

/* Every way of cutting a file into three byte ranges gives each line once, in order. */
static void test_ranges(void **state)
{
    (void)state;
    char *dir = make_tmpdir("docstream_range");
    static const char *files[] = {"ab\ncd\n\nefg\nh\n", "ab\ncd\n\nefg\nh", "\n\nx\n",
                                  "long line\n", ""};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        put(dir, "r.jsonl", files[f]);
        char *path = join(dir, "r.jsonl");
        size_t size = strlen(files[f]);
        for (size_t c1 = 0; c1 <= size; c1++)
            for (size_t c2 = c1; c2 <= size; c2++) {
                char buf[64];
                size_t n = 0;
                read_range(path, 0, c1, buf, &n);
                read_range(path, c1, c2, buf, &n);
                read_range(path, c2, size, buf, &n);
                assert_int_equal(n, size);
                assert_memory_equal(buf, files[f], size);
            }
        free(path);
    }
    rm_tree(dir);
}

static void test_shares(void **state)
{
    (void)state;
    char *dir = make_tmpdir("docstream_share");
    /* lines of many lengths, some long, blank lines and CRLF endings */
    size_t m = 1 << 16;
    char *big = malloc(m), *line = malloc(4200);
    assert_non_null(big);
    assert_non_null(line);
    size_t n = 0;
    for (int i = 0; i < 60; i++) {
        size_t len = (size_t)(i * 37 % 11) * (i % 9 == 4 ? 350 : 7) + 1;
        memset(line, 'a' + i % 26, len);
        line[len] = 0;
        n += (size_t)snprintf(big + n, m - n, "{\"id\": \"a%d\", \"text\": \"%s\"}%s", i, line,
                              i % 5 == 2 ? "\r\n" : "\n");
        if (i % 13 == 6) n += (size_t)snprintf(big + n, m - n, "\n");
    }
    assert_true(n < m);
    put(dir, "a.jsonl", big);
    put(dir, "b.txt", "a text file");
    char *gz = join(dir, "c.jsonl.gz");
    gzFile z = gzopen(gz, "wb");
    gzputs(z, "{\"id\": \"c1\", \"text\": \"compressed\"}\n{\"id\": \"c2\", \"text\": \"x\"}\n");
    gzclose(z);
    put(dir, "d.jsonl", "");
    put(dir, "e.jsonl",
        "{\"id\": \"e1\", \"text\": \"no line ending\"}\n{\"id\": \"e2\", \"text\": \"y\"}");
    put(dir, "f.txt", "another");
    const char *paths[] = {dir};
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    got all = {0};
    ibid_docstream_cb cb = {got_batch, got_skip, &all};
    ibid_error err;
    assert_int_equal(ibid_docstream_read(paths, 1, &o, &cb, &err), 0);
    assert_int_equal(all.n, 60 + 1 + 2 + 2 + 1);
    for (int n_ranks = 1; n_ranks <= 9; n_ranks++) {
        got g = {0};
        cb.ud = &g;
        long last_unit[9], last_lines[9];
        for (int r = 0; r < n_ranks; r++) {
            ibid_share sh;
            assert_int_equal(ibid_share_plan(&sh, paths, 1, &err), 0);
            assert_int_equal(sh.n_units, 6);
            size_t from = g.n;
            assert_int_equal(ibid_share_read(&sh, r, n_ranks, &o, &cb, &err), 0);
            last_unit[r] = sh.any && sh.last_split ? (long)sh.u_last : -1;
            last_lines[r] = sh.last_lines;
            /* a JSON Lines unit opened again (ibid_share_open, for dedup's copy of the kept
             * documents) has each document this rank read at its line number here */
            for (size_t i = from; i < g.n; i++) {
                if (g.line[i] == 0) continue; /* a text file */
                ibid_stream *st;
                assert_int_equal(ibid_share_open(&sh, g.unit[i], r, n_ranks, &st, &err), 0);
                char *bytes = malloc(m);
                size_t nb = 0;
                long k;
                while ((k = ibid_stream_read(st, bytes + nb, m - nb, &err)) > 0) nb += (size_t)k;
                assert_int_equal(k, 0);
                ibid_stream_close(st);
                const char *at = bytes, *end = bytes + nb;
                for (long ln = 1; ln < g.line[i]; ln++) {
                    const char *nl = memchr(at, '\n', (size_t)(end - at));
                    assert_non_null(nl);
                    at = nl + 1;
                }
                char want[64];
                snprintf(want, sizeof want, "\"id\": \"%s\"", g.id[i]);
                assert_true(end - at > (long)strlen(want));
                assert_true(memcmp(at + 1, want, strlen(want)) == 0);
                free(bytes);
            }
            long by = 0; /* what ibid_mpi_share_lines adds */
            if (sh.any && sh.first_mid)
                for (int q = 0; q < r; q++)
                    if (last_unit[q] == (long)sh.u_first) by += last_lines[q];
            for (size_t i = from; i < g.n; i++)
                if (g.unit[i] == sh.u_first && g.line[i] > 0) g.line[i] += by;
            ibid_share_free(&sh);
        }
        assert_int_equal(g.n, all.n);
        for (size_t i = 0; i < all.n; i++) {
            assert_string_equal(g.id[i], all.id[i]);
            assert_int_equal(g.unit[i], all.unit[i]);
            assert_int_equal(g.line[i], all.line[i]);
        }
        got_free(&g);
    }
    got_free(&all);
    free(big);
    free(line);
    free(gz);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl),      cmocka_unit_test(test_folder),
        cmocka_unit_test(test_many_files), cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
