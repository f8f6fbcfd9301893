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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_folder),
        cmocka_unit_test(test_many_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
