/*
 * test_read_files.c: ibid_corpus_read on folders, single files and compressed files
 * (read_files.c).
 *
 * Each test builds its own tree in a mkdtemp folder: nested folders, hidden entries, symbolic
 * links, JSON Lines next to text files, and files that must fail.
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
#include <zstd.h>

#include "ibid_int.h"
#include "test_files.h"

/* ---- helpers ---- */

static void put(const char *dir, const char *rel, const char *data, size_t n)
{
    char *p = join(dir, rel);
    FILE *fp = fopen(p, "wb");
    if (!fp) fail_msg("cannot create %s", p);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
    free(p);
}

static void put_str(const char *dir, const char *rel, const char *data)
{
    put(dir, rel, data, strlen(data));
}

static void mkdir_in(const char *dir, const char *rel)
{
    char *p = join(dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
}

static void check_message(const ibid_error *e, const char *part)
{
    if (!strstr(e->message, part)) fail_msg("message \"%s\" lacks \"%s\"", e->message, part);
}

static void expect_text(const ibid_corpus *c, const char *id, const char *text)
{
    long i = ibid_corpus_find(c, id);
    if (i < 0) fail_msg("no document '%s'", id);
    size_t n;
    const char *t = ibid_corpus_text(c, (size_t)i, &n);
    assert_int_equal(n, strlen(text));
    assert_memory_equal(t, text, n);
}

/* ---- tests ---- */

static void test_folder_recursive_sorted(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    mkdir_in(dir, "b");
    mkdir_in(dir, "b/deeper");
    mkdir_in(dir, "a");
    mkdir_in(dir, ".git");
    put_str(dir, "z.txt", "zed");
    put_str(dir, "b/deeper/x.txt", "deep");
    put_str(dir, "b/2.txt", "two");
    put_str(dir, "b/10.txt", "ten");
    put_str(dir, "a/B.txt", "upper");
    put_str(dir, "a/a.txt", "lower");
    put_str(dir, ".hidden.txt", "no");
    put_str(dir, "b/.swp", "no");
    put_str(dir, ".git/config", "no");
    put_str(dir, "empty.txt", "");

    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    int rc = ibid_corpus_read(c, dir, NULL, &e);
    if (rc) fail_msg("%s: %s", e.source, e.message);
    /* depth first, each folder by strcmp: "B" < "a", "10" < "2" */
    const char *want[] = {"a/B.txt",        "a/a.txt",   "b/10.txt", "b/2.txt",
                          "b/deeper/x.txt", "empty.txt", "z.txt"};
    size_t n_want = sizeof want / sizeof *want;
    assert_int_equal(ibid_corpus_size(c), n_want);
    for (size_t i = 0; i < n_want; i++) assert_string_equal(ibid_corpus_id(c, i), want[i]);
    expect_text(c, "b/deeper/x.txt", "deep");
    expect_text(c, "empty.txt", "");
    assert_null(ibid_corpus_meta(c, 0));
    ibid_corpus_free(c);

    /* a trailing slash gives the same ids */
    char *slash = join(dir, "");
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, slash, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), n_want);
    assert_string_equal(ibid_corpus_id(c, 0), "a/B.txt");
    ibid_corpus_free(c);
    free(slash);
    rm_tree(dir);
}

static void test_folder_with_jsonl_and_compressed(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    put_str(dir, "a.jsonl", "{\"id\":\"j1\",\"text\":\"from jsonl\",\"k\":\"v\"}\n");
    char *gz = join(dir, "b.txt.gz");
    gzFile g = gzopen(gz, "wb");
    gzputs(g, "gzipped text");
    assert_int_equal(gzclose(g), Z_OK);
    const char *plain = "zstd text";
    char z[256];
    size_t nz = ZSTD_compress(z, sizeof z, plain, strlen(plain), 1);
    assert_false(ZSTD_isError(nz));
    put(dir, "c.txt.zst", z, nz);
    put_str(dir, "d.jsonl.bak", "{not json, a text document}");

    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    int rc = ibid_corpus_read(c, dir, NULL, &e);
    if (rc) fail_msg("%s: %s", e.source, e.message);
    assert_int_equal(ibid_corpus_size(c), 4);
    assert_string_equal(ibid_corpus_id(c, 0), "j1");
    assert_string_equal(ibid_corpus_meta(c, 0), "{\"k\":\"v\"}");
    expect_text(c, "b.txt.gz", "gzipped text");
    expect_text(c, "c.txt.zst", "zstd text");
    expect_text(c, "d.jsonl.bak", "{not json, a text document}");
    ibid_corpus_free(c);

    /* a single compressed file: its id is the path as given */
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, gz, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 1);
    expect_text(c, gz, "gzipped text");
    ibid_corpus_free(c);
    free(gz);
    rm_tree(dir);
}

static void test_single_file_id(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    mkdir_in(dir, "sub");
    put_str(dir, "sub/doc.txt", "hello\r\nworld\n");
    char *path = join(dir, "sub/../sub/doc.txt");
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, path, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 1);
    assert_string_equal(ibid_corpus_id(c, 0), path); /* as given, not normalized */
    expect_text(c, path, "hello\r\nworld\n");        /* bytes as they are */
    /* reading it again is a duplicate id */
    assert_int_equal(ibid_corpus_read(c, path, NULL, &e), IBID_EDUPID);
    assert_string_equal(e.source, path);
    check_message(&e, "duplicate document id");
    ibid_corpus_free(c);
    free(path);
    rm_tree(dir);
}

static void test_invalid_utf8_line_column(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    put_str(dir, "good.txt", "fine");
    put_str(dir, "latin1.txt", "line one\nline two\nsecond caf\xE9 here\n");
    char *bad = join(dir, "latin1.txt");
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, dir, NULL, &e), IBID_EUTF8);
    assert_int_equal(e.code, IBID_EUTF8);
    assert_string_equal(e.source, bad);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 11);
    check_message(&e, "invalid UTF-8");
    /* documents before the bad one stay */
    assert_int_equal(ibid_corpus_size(c), 1);
    ibid_corpus_free(c);

    /* under skip_bad the bad file is recorded and reading goes on */
    put_str(dir, "z.txt", "after");
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.skip_bad = 1;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, dir, &o, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 2);
    assert_int_equal(ibid_corpus_n_skipped(c), 1);
    const ibid_error *s = ibid_corpus_skipped(c, 0);
    assert_int_equal(s->code, IBID_EUTF8);
    assert_string_equal(s->source, bad);
    assert_int_equal(s->line, 3);
    assert_int_equal(s->column, 11);
    ibid_corpus_free(c);
    free(bad);
    rm_tree(dir);
}

static void test_max_doc(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    put_str(dir, "a.txt", "12345");
    put_str(dir, "b.txt", "123456");
    char *gz = join(dir, "c.txt.gz");
    gzFile g = gzopen(gz, "wb");
    gzputs(g, "1234567890");
    assert_int_equal(gzclose(g), Z_OK);
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.max_doc = 5;
    ibid_corpus *c;
    ibid_error e;
    char *b = join(dir, "b.txt");
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, dir, &o, &e), IBID_ETOOBIG);
    assert_string_equal(e.source, b);
    check_message(&e, "max_doc");
    ibid_corpus_free(c);

    /* decompressed size counts, and skip_bad records both */
    o.skip_bad = 1;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, dir, &o, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 1);
    assert_int_equal(ibid_corpus_n_skipped(c), 2);
    assert_string_equal(ibid_corpus_skipped(c, 0)->source, b);
    assert_string_equal(ibid_corpus_skipped(c, 1)->source, gz);
    assert_int_equal(ibid_corpus_skipped(c, 1)->code, IBID_ETOOBIG);
    ibid_corpus_free(c);
    free(b);
    free(gz);
    rm_tree(dir);
}

static void test_missing_and_unreadable(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    char *missing = join(dir, "nothing-here.txt");
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.skip_bad = 1; /* I/O errors fail even so */
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, missing, &o, &e), IBID_EIO);
    assert_string_equal(e.source, missing);
    check_message(&e, "No such file");
    assert_int_equal(ibid_corpus_read(c, "", &o, &e), IBID_EIO);

    /* a broken symbolic link inside a folder names the link */
    char *link = join(dir, "dangling.txt");
    assert_int_equal(symlink(missing, link), 0);
    assert_int_equal(ibid_corpus_read(c, dir, &o, &e), IBID_EIO);
    assert_string_equal(e.source, link);
    check_message(&e, "symbolic link");
    assert_int_equal(ibid_corpus_n_skipped(c), 0);
    assert_int_equal(unlink(link), 0);

    /* a file that cannot be read (unless we are root, who reads everything) */
    put_str(dir, "locked.txt", "secret");
    char *locked = join(dir, "locked.txt");
    assert_int_equal(chmod(locked, 0), 0);
    FILE *probe = fopen(locked, "rb");
    if (!probe) {
        assert_int_equal(ibid_corpus_read(c, dir, &o, &e), IBID_EIO);
        assert_string_equal(e.source, locked);
        check_message(&e, "Permission denied");
    } else {
        fclose(probe);
    }
    ibid_corpus_free(c);
    free(locked);
    free(link);
    free(missing);
    rm_tree(dir);
}

static void test_symlinks(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    char *outside = make_tmpdir("files");
    mkdir_in(dir, "d");
    put_str(dir, "d/real.txt", "real");
    put_str(outside, "target.txt", "linked");
    char *target = join(outside, "target.txt"), *flink = join(dir, "link.txt");
    char *dlink = join(dir, "loop"), *self = join(dir, "d");
    assert_int_equal(symlink(target, flink), 0);
    assert_int_equal(symlink(self, dlink), 0); /* a link to a folder: not followed */
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, dir, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 2);
    assert_string_equal(ibid_corpus_id(c, 0), "d/real.txt");
    assert_string_equal(ibid_corpus_id(c, 1), "link.txt");
    expect_text(c, "link.txt", "linked");
    ibid_corpus_free(c);
    free(target);
    free(flink);
    free(dlink);
    free(self);
    rm_tree(outside);
    rm_tree(dir);
}

static void test_corrupt_compressed_text(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    put_str(dir, "bad.txt.gz", "this is not gzip");
    char *bad = join(dir, "bad.txt.gz");
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.skip_bad = 1;
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, dir, &o, &e), IBID_EPARSE);
    assert_string_equal(e.source, bad);
    check_message(&e, "gzip");
    ibid_corpus_free(c);
    free(bad);
    rm_tree(dir);
}

static void test_jsonl_error_in_folder(void **state)
{
    (void)state;
    char *dir = make_tmpdir("files");
    put_str(dir, "a.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n");
    char *p = join(dir, "a.jsonl");
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_read(c, dir, NULL, &e), IBID_EDUPID);
    assert_string_equal(e.source, p);
    assert_int_equal(e.line, 2);
    ibid_corpus_free(c);
    free(p);
    rm_tree(dir);
}

static void test_stdin(void **state)
{
    (void)state;
    /* "-" is JSON Lines on standard input */
    FILE *fp = tmpfile();
    fputs("{\"id\":\"s\",\"text\":\"from stdin\"}\n", fp);
    fflush(fp);
    rewind(fp);
    int saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fileno(fp), 0), 0);
    clearerr(stdin);
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    int rc = ibid_corpus_read(c, "-", NULL, &e);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    clearerr(stdin);
    fclose(fp);
    assert_int_equal(rc, 0);
    assert_int_equal(ibid_corpus_size(c), 1);
    expect_text(c, "s", "from stdin");
    ibid_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folder_recursive_sorted),
        cmocka_unit_test(test_folder_with_jsonl_and_compressed),
        cmocka_unit_test(test_single_file_id),
        cmocka_unit_test(test_invalid_utf8_line_column),
        cmocka_unit_test(test_max_doc),
        cmocka_unit_test(test_missing_and_unreadable),
        cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_corrupt_compressed_text),
        cmocka_unit_test(test_jsonl_error_in_folder),
        cmocka_unit_test(test_stdin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
