/*
 * test_read_jsonl.c: JSON Lines input (read_jsonl.c) and the streams under it (stream.c).
 *
 * Inputs are written to a temporary file (or, for .gz and .zst, compressed by the test itself
 * with zlib and zstd into a mkdtemp folder) and read back; every error is checked for its code,
 * file name, line and column, and for the words of its message a person would act on.
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

/* Read data[0, n) as JSON Lines named "docs.jsonl" into a new corpus *c. */
static int read_bytes(ibid_corpus **c, const char *data, size_t n, const ibid_read_opts *o,
                      ibid_error *e)
{
    assert_int_equal(ibid_corpus_new(c), 0);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    rewind(fp);
    memset(e, 0, sizeof *e);
    int rc = ibid_corpus_read_jsonl(*c, fp, "docs.jsonl", o, e);
    fclose(fp);
    return rc;
}

static int read_str(ibid_corpus **c, const char *data, const ibid_read_opts *o, ibid_error *e)
{
    return read_bytes(c, data, strlen(data), o, e);
}

static void check_message(const ibid_error *e, const char *part)
{
    if (!strstr(e->message, part)) fail_msg("message \"%s\" lacks \"%s\"", e->message, part);
}

/* Reading `data` fails with `code` at docs.jsonl:line:column, the message holding `part`. */
static void expect_error(const char *data, size_t n, const ibid_read_opts *o, int code, long line,
                         long column, const char *part)
{
    ibid_corpus *c;
    ibid_error e;
    int rc = read_bytes(&c, data, n, o, &e);
    if (rc != code || e.line != line || e.column != column)
        fail_msg("got %d at %ld:%ld (%s), expected %d at %ld:%ld", rc, e.line, e.column, e.message,
                 code, line, column);
    assert_int_equal(e.code, code);
    assert_string_equal(e.source, "docs.jsonl");
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, column);
    check_message(&e, part);
    ibid_corpus_free(c);
}

#define EXPECT_ERROR(lit, code, line, column, part) \
    expect_error(lit, sizeof(lit) - 1, NULL, code, line, column, part)

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static void write_gz(const char *path, const char *data, size_t n)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, data, (unsigned)n), (int)n);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* zstd-compress data into a new buffer; *n_out its size. */
static char *zst_bytes(const char *data, size_t n, size_t *n_out)
{
    size_t cap = ZSTD_compressBound(n);
    char *z = malloc(cap);
    assert_non_null(z);
    *n_out = ZSTD_compress(z, cap, data, n, 3);
    assert_false(ZSTD_isError(*n_out));
    return z;
}

static void write_zst(const char *path, const char *data, size_t n)
{
    size_t nz;
    char *z = zst_bytes(data, n, &nz);
    write_file(path, z, nz);
    free(z);
}

static void expect_doc(const ibid_corpus *c, size_t i, const char *id, const char *text,
                       const char *meta)
{
    size_t n;
    assert_true(i < ibid_corpus_size(c));
    assert_string_equal(ibid_corpus_id(c, i), id);
    const char *t = ibid_corpus_text(c, i, &n);
    assert_int_equal(n, strlen(text));
    assert_memory_equal(t, text, n);
    if (meta)
        assert_string_equal(ibid_corpus_meta(c, i), meta);
    else
        assert_null(ibid_corpus_meta(c, i));
}

/* ---- good input ---- */

static void test_good_records(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_error e;
    const char *in = "{\"id\": \"a\", \"text\": \"first text\"}\n"
                     "{\"text\": \"second\\ntext \\u00e9\", \"id\": \"b\"}\n";
    assert_int_equal(read_str(&c, in, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 2);
    expect_doc(c, 0, "a", "first text", NULL);
    expect_doc(c, 1, "b", "second\ntext \xC3\xA9", NULL);
    assert_int_equal(ibid_corpus_find(c, "b"), 1);
    assert_int_equal(ibid_corpus_n_skipped(c), 0);
    ibid_corpus_free(c);
}

static void test_metadata_in_order(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_error e;
    const char *in =
        "{\"b\": 1, \"id\": \"x\", \"a\": [1, 2 , {\"k\" : null}], \"text\": \"t\", "
        "\"c\": {\"z\" : 0.1, \"e\": 1e5, \"f\": -0.0}, \"s\": \"a b , } \\\" ] \\\\\", "
        "\"u\": \"\\u00e9\", \"t\": true}\n"
        "{\"id\":\"y\",\"text\":\"u\",\"only\":false}\n"
        "{\"text\":\"v\",\"id\":\"z\"}\n";
    assert_int_equal(read_str(&c, in, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 3);
    /* numbers and escapes exactly as written, white space outside strings dropped */
    expect_doc(c, 0, "x", "t",
               "{\"b\":1,\"a\":[1,2,{\"k\":null}],\"c\":{\"z\":0.1,\"e\":1e5,\"f\":-0.0},"
               "\"s\":\"a b , } \\\" ] \\\\\",\"u\":\"\\u00e9\",\"t\":true}");
    expect_doc(c, 1, "y", "u", "{\"only\":false}");
    expect_doc(c, 2, "z", "v", NULL);
    ibid_corpus_free(c);
}

static void test_integer_ids(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_error e;
    const char *in = "{\"id\": 42, \"text\": \"a\"}\n{\"id\": -7, \"text\": \"b\"}\n"
                     "{\"id\": 9223372036854775807, \"text\": \"c\"}\n";
    assert_int_equal(read_str(&c, in, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 3);
    expect_doc(c, 0, "42", "a", NULL);
    expect_doc(c, 1, "-7", "b", NULL);
    expect_doc(c, 2, "9223372036854775807", "c", NULL);
    ibid_corpus_free(c);
    /* an integer id and the same id as a string are one id */
    EXPECT_ERROR("{\"id\": 42, \"text\": \"a\"}\n{\"id\": \"42\", \"text\": \"b\"}\n", IBID_EDUPID,
                 2, 0, "duplicate document id '42'");
}

static void test_nul_in_text(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(read_str(&c, "{\"id\":\"n\",\"text\":\"a\\u0000b\\u0000\"}", NULL, &e), 0);
    size_t n;
    const char *t = ibid_corpus_text(c, 0, &n);
    assert_int_equal(n, 4);
    assert_memory_equal(t, "a\0b\0", 4);
    ibid_corpus_free(c);
    /* a NUL inside an id cannot be an id */
    EXPECT_ERROR("{\"id\":\"a\\u0000b\",\"text\":\"x\"}\n", IBID_EMISSING, 1, 0, "NUL");
}

static void test_line_endings_and_blank_lines(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_error e;
    const char *in = "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\\r\"}\r\n"
                     "\r\n"
                     "   \t \n"
                     "\n"
                     "{\"id\":\"b\",\"text\":\"y\"}\r\n"
                     "{\"id\":\"c\",\"text\":\"z\"}"; /* no line ending */
    assert_int_equal(read_str(&c, in, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 3);
    expect_doc(c, 0, "a", "x\r", NULL);
    expect_doc(c, 1, "b", "y", NULL);
    expect_doc(c, 2, "c", "z", NULL);
    ibid_corpus_free(c);

    /* nothing at all, and only blank lines, are empty corpora */
    assert_int_equal(read_str(&c, "", NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 0);
    ibid_corpus_free(c);
    assert_int_equal(read_str(&c, "\n\r\n  \n", NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 0);
    ibid_corpus_free(c);

    /* blank lines count: the error is on line 5 */
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\"}\n\n\r\n  \n{\"id\":\"b\"}\r\n", IBID_EMISSING, 5, 0,
                 "missing \"text\" field");
    /* a last line without a newline is numbered too */
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\"}", IBID_EMISSING, 2, 0,
                 "missing \"text\" field");
}

static void test_json_syntax_errors(void **state)
{
    (void)state;
    /* columns are 1-based bytes; jansson points at the end of the offending token */
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\" 1}\n", IBID_EPARSE, 2, 7,
                 "invalid JSON: ':' expected");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\",}\n", IBID_EPARSE, 1, 22, "invalid JSON");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\"} x\n", IBID_EPARSE, 1, 23, "end of file expected");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\"\n", IBID_EPARSE, 1, 20, "invalid JSON");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\",\"id\":\"b\"}\n", IBID_EPARSE, 1, 25,
                 "duplicate object key");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"\\ud800\"}\n", IBID_EPARSE, 1, 25, "invalid Unicode");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\",\"n\":99999999999999999999}\n", IBID_EPARSE, 1, 45,
                 "too big integer");
    /* a raw NUL byte: not "end of file" but a NUL, at its own column */
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\0\"}\n", IBID_EPARSE, 2, 9,
                 "NUL byte");
    /* a byte order mark on line 1 shifts jansson's columns by its 3 bytes */
    EXPECT_ERROR("\xEF\xBB\xBF{\"id\" 1}\n", IBID_EPARSE, 1, 10, "':' expected");
    /* valid JSON, not an object */
    EXPECT_ERROR("\n[1, 2]\n", IBID_EPARSE, 2, 0, "expected a JSON object");
    EXPECT_ERROR("\"text\"\n", IBID_EPARSE, 1, 0, "found a string");
}

static void test_missing_and_wrong_fields(void **state)
{
    (void)state;
    EXPECT_ERROR("{\"text\":\"x\"}\n", IBID_EMISSING, 1, 0, "missing \"id\" field");
    EXPECT_ERROR("{\"id\":\"a\"}\n", IBID_EMISSING, 1, 0, "missing \"text\" field");
    EXPECT_ERROR("{\"id\":1.5,\"text\":\"x\"}\n", IBID_EMISSING, 1, 0,
                 "\"id\" must be a string or an integer, not a real number");
    EXPECT_ERROR("{\"id\":null,\"text\":\"x\"}\n", IBID_EMISSING, 1, 0, "not null");
    EXPECT_ERROR("{\"id\":[\"a\"],\"text\":\"x\"}\n", IBID_EMISSING, 1, 0, "not an array");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":7}\n", IBID_EMISSING, 1, 0,
                 "\"text\" must be a string, not an integer");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":{}}\n", IBID_EMISSING, 1, 0, "not an object");
    EXPECT_ERROR("{\"id\":\"\",\"text\":\"x\"}\n", IBID_EMISSING, 1, 0, "empty document id");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* Latin-1 inside a string, outside any string, a truncated sequence, an encoded surrogate,
     * an overlong encoding: each at the column of its first bad byte */
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"caf\xE9\"}\n", IBID_EUTF8, 1, 22,
                 "invalid UTF-8: byte 0xE9");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\xFF\n", IBID_EUTF8,
                 2, 22, "0xFF");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"\xE2\x82\"}\n", IBID_EUTF8, 1, 19, "0xE2");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"\xED\xA0\x80\"}\n", IBID_EUTF8, 1, 19, "0xED");
    EXPECT_ERROR("{\"id\":\"a\",\"text\":\"\xC0\xAF\"}\n", IBID_EUTF8, 1, 19, "0xC0");
    EXPECT_ERROR("{\"id\":\"\xF8\",\"text\":\"x\"}\n", IBID_EUTF8, 1, 8, "0xF8");
}

static void test_duplicate_id(void **state)
{
    (void)state;
    EXPECT_ERROR("{\"id\":\"x\",\"text\":\"1\"}\n{\"id\":\"y\",\"text\":\"2\"}\n"
                 "{\"id\":\"x\",\"text\":\"3\"}\n",
                 IBID_EDUPID, 3, 0, "duplicate document id 'x'");
}

static void test_max_line(void **state)
{
    (void)state;
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    const char *ok = "{\"id\":\"a\",\"text\":\"xyz\"}"; /* 23 bytes */
    o.max_line = strlen(ok);
    ibid_corpus *c;
    ibid_error e;
    /* exactly max_line bytes, with either line ending or none, fits */
    char in[256];
    snprintf(in, sizeof in, "%s\r\n%s\n", ok, "{\"id\":\"b\",\"text\":\"xyz\"}");
    assert_int_equal(read_str(&c, in, &o, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 2);
    ibid_corpus_free(c);
    /* one byte more does not, whether the line ends or not */
    const char *long2 = "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"wxyz\"}\n";
    expect_error(long2, strlen(long2), &o, IBID_ETOOBIG, 2, 0, "longer than 23 bytes");
    expect_error(long2, strlen(long2) - 1, &o, IBID_ETOOBIG, 2, 0, "max_line");

    /* a line far longer than the limit and the read buffer is dropped under skip_bad, and the
     * lines after it keep their numbers */
    size_t n_big = 300000;
    char *big = malloc(n_big + 200);
    assert_non_null(big);
    size_t k = (size_t)sprintf(big, "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"");
    memset(big + k, 'q', n_big);
    k += n_big;
    k +=
        (size_t)sprintf(big + k, "\"}\n\n{\"id\":\"c\",\"text\":\"x\"}\n{\"id\":\"d\",\"text\":\"");
    memset(big + k, 'r', 100);
    k += 100;
    k += (size_t)sprintf(big + k, "\"}");
    o.max_line = 1000;
    o.skip_bad = 1;
    assert_int_equal(read_bytes(&c, big, k, &o, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 3);
    assert_string_equal(ibid_corpus_id(c, 0), "a");
    assert_string_equal(ibid_corpus_id(c, 1), "c");
    assert_string_equal(ibid_corpus_id(c, 2), "d");
    assert_int_equal(ibid_corpus_n_skipped(c), 1);
    const ibid_error *s = ibid_corpus_skipped(c, 0);
    assert_int_equal(s->code, IBID_ETOOBIG);
    assert_int_equal(s->line, 2);
    assert_string_equal(s->source, "docs.jsonl");
    ibid_corpus_free(c);
    /* the last line, 120 bytes, is too long for 100 */
    o.max_line = 100;
    o.skip_bad = 0;
    expect_error(big + k - 120, 120, &o, IBID_ETOOBIG, 1, 0, "longer than 100 bytes");
    /* with the default limit the long line reads whole, across many buffer refills */
    ibid_read_opts_init(&o);
    assert_int_equal(read_bytes(&c, big, k, &o, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 4);
    size_t n;
    ibid_corpus_text(c, 1, &n);
    assert_int_equal(n, n_big);
    ibid_corpus_free(c);
    free(big);
}

static void test_max_doc(void **state)
{
    (void)state;
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.max_doc = 3;
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(read_str(&c, "{\"id\":\"a\",\"text\":\"abc\"}", &o, &e), 0);
    ibid_corpus_free(c);
    const char *in = "{\"id\":\"a\",\"text\":\"abc\"}\n{\"id\":\"b\",\"text\":\"abcd\"}";
    expect_error(in, strlen(in), &o, IBID_ETOOBIG, 2, 0, "document 'b' has 4 bytes");
}

static void test_many_lines(void **state)
{
    (void)state;
    /* enough short lines to cross many buffer boundaries at every offset */
    size_t n_doc = 20000, m = n_doc * 48, k = 0;
    char *in = malloc(m);
    assert_non_null(in);
    for (size_t i = 0; i < n_doc; i++)
        k += (size_t)snprintf(in + k, m - k, "{\"id\":\"d%zu\",\"text\":\"t%zu\"}%s", i, i * 7,
                              i % 3 == 0 ? "\r\n" : "\n");
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(read_bytes(&c, in, k, NULL, &e), 0);
    assert_int_equal(ibid_corpus_size(c), n_doc);
    char id[32], text[32];
    for (size_t i = 0; i < n_doc; i += 997) {
        snprintf(id, sizeof id, "d%zu", i);
        snprintf(text, sizeof text, "t%zu", i * 7);
        expect_doc(c, i, id, text, NULL);
    }
    ibid_corpus_free(c);
    free(in);
}

static void test_skip_bad(void **state)
{
    (void)state;
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.skip_bad = 1;
    ibid_corpus *c;
    ibid_error e;
    const char *in = "{\"id\":\"a\",\"text\":\"1\"}\n"
                     "{\"id\":\"b\",\"text\":\"\xFF\"}\n"
                     "not json\n"
                     "{\"id\":\"c\",\"text\":\"3\"}\n"
                     "{\"id\":\"a\",\"text\":\"4\"}\n"
                     "{\"id\":\"d\"}\n"
                     "{\"id\":\"e\",\"text\":\"6\"}";
    assert_int_equal(read_str(&c, in, &o, &e), 0);
    assert_int_equal(ibid_corpus_size(c), 3);
    assert_string_equal(ibid_corpus_id(c, 0), "a");
    assert_string_equal(ibid_corpus_id(c, 1), "c");
    assert_string_equal(ibid_corpus_id(c, 2), "e");
    expect_doc(c, 0, "a", "1", NULL); /* the duplicate did not replace the first */
    assert_int_equal(ibid_corpus_n_skipped(c), 4);
    static const struct {
        int code;
        long line;
    } want[] = {{IBID_EUTF8, 2}, {IBID_EPARSE, 3}, {IBID_EDUPID, 5}, {IBID_EMISSING, 6}};
    for (size_t i = 0; i < 4; i++) {
        const ibid_error *s = ibid_corpus_skipped(c, i);
        assert_int_equal(s->code, want[i].code);
        assert_int_equal(s->line, want[i].line);
        assert_string_equal(s->source, "docs.jsonl");
    }
    ibid_corpus_free(c);

    /* without err, skipping still records */
    assert_int_equal(ibid_corpus_new(&c), 0);
    FILE *fp = tmpfile();
    fputs("x\n{\"id\":\"a\",\"text\":\"1\"}\n", fp);
    rewind(fp);
    assert_int_equal(ibid_corpus_read_jsonl(c, fp, "in", &o, NULL), 0);
    assert_int_equal(ibid_corpus_n_skipped(c), 1);
    assert_int_equal(ibid_corpus_size(c), 1);
    fclose(fp);
    ibid_corpus_free(c);
}

static void test_options(void **state)
{
    (void)state;
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    assert_string_equal(o.id_field, "id");
    assert_string_equal(o.text_field, "text");
    assert_int_equal(o.skip_bad, 0);
    assert_int_equal(o.max_line, (size_t)1 << 30);
    assert_int_equal(o.max_doc, (size_t)1 << 30);

    o.id_field = "doc";
    o.text_field = "body";
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(read_str(&c, "{\"doc\":\"a\",\"body\":\"b\",\"id\":1,\"text\":2}", &o, &e), 0);
    expect_doc(c, 0, "a", "b", "{\"id\":1,\"text\":2}");
    ibid_corpus_free(c);
    expect_error("{\"id\":\"a\",\"text\":\"b\"}", 21, &o, IBID_EMISSING, 1, 0,
                 "missing \"doc\" field");

    o.text_field = "doc";
    assert_int_equal(read_str(&c, "", &o, &e), IBID_EINVAL);
    check_message(&e, "must differ");
    ibid_corpus_free(c);
    ibid_read_opts_init(&o);
    o.max_line = 0;
    assert_int_equal(read_str(&c, "", &o, &e), IBID_EINVAL);
    ibid_corpus_free(c);
    ibid_read_opts_init(&o);
    o.max_doc = (size_t)UINT32_MAX;
    assert_int_equal(read_str(&c, "", &o, &e), IBID_EINVAL);
    check_message(&e, "4 GiB");
    ibid_corpus_free(c);
}

static const char k_two_docs[] = "{\"id\":\"g1\",\"text\":\"one\",\"m\":1}\n"
                                 "{\"id\":\"g2\",\"text\":\"two\"}\n";

static void test_gzip_and_zstd(void **state)
{
    (void)state;
    char *dir = make_tmpdir("jsonl");
    char *gz = join(dir, "docs.jsonl.gz"), *zst = join(dir, "docs.jsonl.zst");
    write_gz(gz, k_two_docs, sizeof k_two_docs - 1);
    write_zst(zst, k_two_docs, sizeof k_two_docs - 1);
    const char *paths[] = {gz, zst};
    for (int i = 0; i < 2; i++) {
        ibid_corpus *c;
        ibid_error e;
        assert_int_equal(ibid_corpus_new(&c), 0);
        int rc = ibid_corpus_read(c, paths[i], NULL, &e);
        if (rc) fail_msg("%s: %s", paths[i], e.message);
        assert_int_equal(ibid_corpus_size(c), 2);
        expect_doc(c, 0, "g1", "one", "{\"m\":1}");
        expect_doc(c, 1, "g2", "two", NULL);
        ibid_corpus_free(c);
    }
    free(gz);
    free(zst);
    rm_tree(dir);
}

static void test_multi_member_gzip_and_frames(void **state)
{
    (void)state;
    /* concatenated gzip members and zstd frames read as one stream */
    char *dir = make_tmpdir("jsonl");
    char *gz = join(dir, "a.jsonl.gz"), *zst = join(dir, "a.jsonl.zst");
    const char *half2 = "{\"id\":\"g3\",\"text\":\"three\"}\n";
    gzFile g = gzopen(gz, "wb");
    assert_non_null(g);
    gzwrite(g, k_two_docs, sizeof k_two_docs - 1);
    assert_int_equal(gzclose(g), Z_OK);
    g = gzopen(gz, "ab");
    gzwrite(g, half2, (unsigned)strlen(half2));
    assert_int_equal(gzclose(g), Z_OK);
    size_t n1, n2;
    char *z1 = zst_bytes(k_two_docs, sizeof k_two_docs - 1, &n1);
    char *z2 = zst_bytes(half2, strlen(half2), &n2);
    FILE *fp = fopen(zst, "wb");
    fwrite(z1, 1, n1, fp);
    fwrite(z2, 1, n2, fp);
    fclose(fp);
    const char *paths[] = {gz, zst};
    for (int i = 0; i < 2; i++) {
        ibid_corpus *c;
        ibid_error e;
        assert_int_equal(ibid_corpus_new(&c), 0);
        assert_int_equal(ibid_corpus_read(c, paths[i], NULL, &e), 0);
        assert_int_equal(ibid_corpus_size(c), 3);
        expect_doc(c, 2, "g3", "three", NULL);
        ibid_corpus_free(c);
    }
    free(z1);
    free(z2);
    free(gz);
    free(zst);
    rm_tree(dir);
}

/* Reading `path` fails with `code`, naming the file, even under skip_bad. */
static void expect_file_error(const char *path, int code, const char *part)
{
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.skip_bad = 1;
    ibid_corpus *c;
    ibid_error e;
    assert_int_equal(ibid_corpus_new(&c), 0);
    int rc = ibid_corpus_read(c, path, &o, &e);
    if (rc != code) fail_msg("%s: rc %d (%s), expected %d", path, rc, e.message, code);
    assert_string_equal(e.source, path);
    check_message(&e, part);
    assert_int_equal(ibid_corpus_n_skipped(c), 0);
    ibid_corpus_free(c);
}

static void test_corrupt_compressed(void **state)
{
    (void)state;
    char *dir = make_tmpdir("jsonl");
    char *gz = join(dir, "t.jsonl.gz"), *zst = join(dir, "t.jsonl.zst");
    char *plain_gz = join(dir, "p.jsonl.gz"), *missing = join(dir, "none.jsonl");

    /* a large input cut in half: the documents before the cut stay, then an error */
    size_t n = 0, m = 4000 * 40;
    char *in = malloc(m);
    for (int i = 0; i < 4000; i++)
        n += (size_t)snprintf(in + n, m - n, "{\"id\":\"%d\",\"text\":\"%d %d\"}\n", i, i * i, i);
    gzFile g = gzopen(gz, "wb");
    gzwrite(g, in, (unsigned)n);
    gzclose(g);
    assert_int_equal(truncate(gz, 2000), 0);
    expect_file_error(gz, IBID_EPARSE, "truncated gzip");

    size_t nz;
    char *z = zst_bytes(in, n, &nz);
    write_file(zst, z, nz / 2);
    expect_file_error(zst, IBID_EPARSE, "truncated zstd");
    /* garbage in the middle of a frame */
    memset(z + nz / 3, 0x5A, 64);
    write_file(zst, z, nz);
    expect_file_error(zst, IBID_EPARSE, "corrupt zstd");
    /* a gzip member with a damaged body */
    g = gzopen(gz, "wb");
    gzwrite(g, in, (unsigned)n);
    gzclose(g);
    FILE *fp = fopen(gz, "r+b");
    fseek(fp, 100, SEEK_SET);
    fwrite("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 1, 8, fp);
    fclose(fp);
    expect_file_error(gz, IBID_EPARSE, "gzip");

    write_file(plain_gz, k_two_docs, sizeof k_two_docs - 1);
    expect_file_error(plain_gz, IBID_EPARSE, "not in gzip format");
    write_file(zst, k_two_docs, sizeof k_two_docs - 1);
    expect_file_error(zst, IBID_EPARSE, "corrupt zstd");
    expect_file_error(missing, IBID_EIO, "No such file");

    free(z);
    free(in);
    free(gz);
    free(zst);
    free(plain_gz);
    free(missing);
    rm_tree(dir);
}

static void test_stream_api(void **state)
{
    (void)state;
    /* the stream reads every byte once, at any request size, and fails cleanly after an error */
    char *dir = make_tmpdir("jsonl");
    char *zst = join(dir, "s.zst");
    size_t n = 100000;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++) data[i] = (char)('a' + (i * 7919) % 26);
    write_zst(zst, data, n);
    ibid_stream *s;
    ibid_error e;
    assert_int_equal(ibid_stream_open(&s, zst, &e), 0);
    assert_string_equal(ibid_stream_name(s), zst);
    char *got = malloc(n + 10);
    size_t have = 0;
    long k;
    size_t step = 1;
    while ((k = ibid_stream_read(s, got + have, step, &e)) > 0) {
        assert_true((size_t)k <= step);
        have += (size_t)k;
        step = step * 3 % 4093 + 1;
        assert_true(have <= n);
    }
    assert_int_equal(k, 0);
    assert_int_equal(have, n);
    assert_memory_equal(got, data, n);
    assert_int_equal(ibid_stream_read(s, got, 10, &e), 0); /* still at the end */
    ibid_stream_close(s);
    ibid_stream_close(NULL);

    assert_int_equal(ibid_stream_open(&s, dir, &e), 0); /* a folder opens, and fails to read */
    assert_int_equal(ibid_stream_read(s, got, 10, &e), IBID_EIO);
    assert_string_equal(e.source, dir);
    assert_int_equal(ibid_stream_read(s, got, 10, &e), IBID_EIO);
    ibid_stream_close(s);
    /* so does a folder named like a compressed file */
    char *gzdir = join(dir, "d.gz"), *zstdir = join(dir, "d.zst");
    assert_int_equal(mkdir(gzdir, 0755), 0);
    assert_int_equal(mkdir(zstdir, 0755), 0);
    s = NULL;
    int rc = ibid_stream_open(&s, gzdir, &e);
    if (rc == 0) rc = (int)ibid_stream_read(s, got, 10, &e);
    assert_int_equal(rc, IBID_EIO);
    assert_string_equal(e.source, gzdir);
    check_message(&e, "Is a directory");
    ibid_stream_close(s);
    assert_int_equal(ibid_stream_open(&s, zstdir, &e), 0);
    assert_int_equal(ibid_stream_read(s, got, 10, &e), IBID_EIO);
    check_message(&e, "Is a directory");
    ibid_stream_close(s);
    free(gzdir);
    free(zstdir);
    free(got);
    free(data);
    free(zst);
    rm_tree(dir);
}

/* ---- the parallel reader: block boundaries, threads, the text decoded without jansson ---- */

#include "test_rng.h"

/* Read data[0, n) as "docs.jsonl" through ibid_read_jsonl_tuned into a new corpus *c. */
static int read_tuned(ibid_corpus **c, const char *data, size_t n, const ibid_read_opts *o,
                      const ibid_jsonl_tuning *t, ibid_error *e)
{
    assert_int_equal(ibid_corpus_new(c), 0);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    rewind(fp);
    memset(e, 0, sizeof *e);
    ibid_stream *s;
    assert_int_equal(ibid_stream_from_fp(&s, fp, "docs.jsonl", e), 0);
    int rc = ibid_read_jsonl_tuned(*c, s, o, t, e);
    ibid_stream_close(s);
    fclose(fp);
    return rc;
}

static void expect_same_error(const ibid_error *a, const ibid_error *b, const char *what)
{
    if (a->code != b->code || a->line != b->line || a->column != b->column ||
        strcmp(a->source, b->source) != 0 || strcmp(a->message, b->message) != 0)
        fail_msg("%s: %d %s:%ld:%ld %s, expected %d %s:%ld:%ld %s", what, b->code, b->source,
                 b->line, b->column, b->message, a->code, a->source, a->line, a->column,
                 a->message);
}

/* Corpus b holds what corpus a holds: documents, texts, metadata, skipped records. */
static void expect_same_corpus(const ibid_corpus *a, const ibid_corpus *b, const char *what)
{
    if (ibid_corpus_size(a) != ibid_corpus_size(b))
        fail_msg("%s: %zu documents, expected %zu", what, ibid_corpus_size(b), ibid_corpus_size(a));
    for (size_t i = 0; i < ibid_corpus_size(a); i++) {
        size_t na, nb;
        const char *ta = ibid_corpus_text(a, i, &na), *tb = ibid_corpus_text(b, i, &nb);
        const char *ma = ibid_corpus_meta(a, i), *mb = ibid_corpus_meta(b, i);
        if (strcmp(ibid_corpus_id(a, i), ibid_corpus_id(b, i)) != 0 || na != nb ||
            memcmp(ta, tb, na + 1) != 0 || (ma && mb ? strcmp(ma, mb) != 0 : ma != mb))
            fail_msg("%s: document %zu ('%s') differs", what, i, ibid_corpus_id(a, i));
        assert_int_equal(ibid_corpus_find(b, ibid_corpus_id(b, i)), (long)i);
    }
    assert_int_equal(ibid_corpus_bytes(a), ibid_corpus_bytes(b));
    assert_int_equal(ibid_corpus_n_skipped(a), ibid_corpus_n_skipped(b));
    for (size_t i = 0; i < ibid_corpus_n_skipped(a); i++)
        expect_same_error(ibid_corpus_skipped(a, i), ibid_corpus_skipped(b, i), what);
}

/*
 * Reading data[0, n) with `o` gives the same result, error included, for every thread count,
 * block size and lines per batch, with and without the text decoded by the reader, as jansson
 * parsing one whole line at a time. Returns the number of documents.
 */
static size_t expect_any_tuning(const char *data, size_t n, const ibid_read_opts *o_in)
{
    ibid_read_opts o = *o_in;
    ibid_jsonl_tuning ref;
    ibid_jsonl_tuning_init(&ref);
    ref.jansson_only = 1;
    ibid_corpus *a;
    ibid_error ea;
    o.n_threads = 1;
    int rc_a = read_tuned(&a, data, n, &o, &ref, &ea);
    static const size_t blocks[] = {1, 7, 100, 4096, (size_t)32 << 20};
    static const size_t lines[] = {1, 3, 1000};
    static const int threads[] = {1, 4};
    for (size_t bi = 0; bi < sizeof blocks / sizeof *blocks; bi++)
        for (size_t li = 0; li < sizeof lines / sizeof *lines; li++)
            for (int ti = 0; ti < 2; ti++)
                for (int jansson_only = 0; jansson_only < 2; jansson_only++) {
                    ibid_jsonl_tuning t = {blocks[bi], lines[li], jansson_only, 0};
                    o.n_threads = threads[ti];
                    char what[160];
                    snprintf(what, sizeof what,
                             "block %zu, %zu lines, %d threads, jansson_only %d, skip_bad %d",
                             t.block, t.batch_lines, o.n_threads, jansson_only, o.skip_bad);
                    ibid_corpus *b;
                    ibid_error eb;
                    int rc_b = read_tuned(&b, data, n, &o, &t, &eb);
                    if (rc_a != rc_b) fail_msg("%s: rc %d, expected %d", what, rc_b, rc_a);
                    if (rc_a < 0) expect_same_error(&ea, &eb, what);
                    expect_same_corpus(a, b, what);
                    ibid_corpus_free(b);
                }
    size_t n_doc = ibid_corpus_size(a);
    ibid_corpus_free(a);
    return n_doc;
}

/* Append the printf-formatted text to buf (capacity m), at *k. */
static void IBID_PRINTF(4, 5) put(char *buf, size_t m, size_t *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *k, m - *k, fmt, ap);
    va_end(ap);
    assert_true(w >= 0 && (size_t)w < m - *k);
    *k += (size_t)w;
}

static void test_parallel_blocks(void **state)
{
    (void)state;
    /* good lines of many lengths, among every kind of bad line, so that batches end everywhere */
#define BAD(lit)             \
    {                        \
        lit, sizeof(lit) - 1 \
    }
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        BAD("{\"id\":\"b\",\"text\":\"caf\xE9\"}"), /* invalid UTF-8 */
        BAD("{\"id\":\"b\",\"text\":\"x\""),        /* broken JSON */
        BAD("{\"id\":\"b\",\"text\":\"a\0b\"}"),    /* a raw NUL */
        BAD("{\"id\":\"d0\",\"text\":\"duplicate\"}"),
        BAD("{\"id\":\"b\"}"),
        BAD("{\"id\":\"b\",\"text\":\"bad \\ud800 surrogate\"}"),
        BAD("{\"id\":\"b\",\"text\":\"x\",\"text\":\"y\"}"),
        BAD("{\"id\":\"\",\"text\":\"empty id\"}"),
        BAD("[1]"),
    };
#undef BAD
    size_t m = 1 << 20, k = 0;
    char *in = malloc(m);
    assert_non_null(in);
    for (int i = 0; i < 600; i++) {
        if (i % 7 == 3) {
            size_t b = (size_t)(i / 7) % (sizeof bad / sizeof *bad);
            memcpy(in + k, bad[b].s, bad[b].n);
            k += bad[b].n;
        } else if (i % 11 == 5) {
            put(in, m, &k, "%s", i % 2 ? "" : "  \t"); /* blank */
        } else {
            put(in, m, &k, "{\"id\":\"d%d\",\"text\":\"", i);
            for (int w = 0; w < i % 37; w++)
                put(in, m, &k, "%s", w % 5 == 4 ? "w\\n\\\"\\u00e9\\ud83d\\ude00 " : "word ");
            put(in, m, &k, "\"%s}",
                i % 4 == 1 ? ",\"n\": 1.50, \"tags\" : [\"a\", {\"text\":1}]" : "");
        }
        put(in, m, &k, "%s", i % 5 == 2 ? "\r\n" : "\n");
    }
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    o.skip_bad = 1;
    size_t n_doc = expect_any_tuning(in, k, &o);
    assert_true(n_doc > 400);
    o.skip_bad = 0;
    assert_int_equal(expect_any_tuning(in, k, &o), 3); /* the error on line 4 stops the read */
    /* lines over max_line, some far longer than a block, others ending just at the limit */
    o.max_line = 120;
    o.skip_bad = 1;
    expect_any_tuning(in, k, &o);
    /* the first error late in the input, after many blocks */
    ibid_read_opts_init(&o);
    size_t k_good = 0;
    for (int i = 0; i < 400; i++)
        put(in, m, &k_good, "{\"id\":\"g%d\",\"text\":\"text %d\"}\n", i, i);
    put(in, m, &k_good, "{\"id\":\"g7\",\"text\":\"again\"}\n{\"id\":\"g400\",\"text\":\"after\"}");
    assert_int_equal(expect_any_tuning(in, k_good, &o), 400);
    free(in);
}

static void test_parallel_stream_errors(void **state)
{
    (void)state;
    /* a truncated gzip file: the documents before the break, then the same error on the same
     * line, for any tuning */
    char *dir = make_tmpdir("jsonl");
    char *gz = join(dir, "t.jsonl.gz");
    size_t n = 0, m = 3000 * 40;
    char *in = malloc(m);
    assert_non_null(in);
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(in + n, m - n, "{\"id\":\"%d\",\"text\":\"%d %d\"}\n", i, i * i, i);
    gzFile g = gzopen(gz, "wb");
    gzwrite(g, in, (unsigned)n);
    gzclose(g);
    assert_int_equal(truncate(gz, 5000), 0);
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    ibid_corpus *a = NULL;
    ibid_error ea;
    static const size_t blocks[] = {(size_t)32 << 20, 1, 100, 4096};
    for (size_t bi = 0; bi < 4; bi++)
        for (int threads = 1; threads <= 4; threads += 3) {
            ibid_jsonl_tuning t;
            ibid_jsonl_tuning_init(&t);
            t.block = blocks[bi];
            t.batch_lines = 7;
            o.n_threads = threads;
            ibid_corpus *c;
            ibid_error e;
            ibid_stream *s;
            assert_int_equal(ibid_corpus_new(&c), 0);
            assert_int_equal(ibid_stream_open(&s, gz, &e), 0);
            assert_int_equal(ibid_read_jsonl_tuned(c, s, &o, &t, &e), IBID_EPARSE);
            ibid_stream_close(s);
            check_message(&e, "truncated gzip");
            assert_true(ibid_corpus_size(c) > 100 && e.line == (long)ibid_corpus_size(c) + 1);
            if (!a) {
                a = c;
                ea = e;
                continue;
            }
            expect_same_error(&ea, &e, "truncated gzip");
            expect_same_corpus(a, c, "truncated gzip");
            ibid_corpus_free(c);
        }
    ibid_corpus_free(a);
    free(in);
    free(gz);
    rm_tree(dir);
}

/* The text of line {"id":"x","text":"<body>"} decodes as jansson decodes it, or fails with
 * jansson's error. */
static void expect_text_as_jansson(const char *body, size_t n_body)
{
    char line[512];
    assert_true(n_body < 400);
    size_t k = (size_t)snprintf(line, sizeof line, "{\"id\":\"x\",\"text\":\"");
    memcpy(line + k, body, n_body);
    k += n_body;
    k += (size_t)snprintf(line + k, sizeof line - k, "\",\"m\":1}\n");
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    ibid_jsonl_tuning ref, fast;
    ibid_jsonl_tuning_init(&ref);
    ref.jansson_only = 1;
    ref.block = 4096;
    ibid_jsonl_tuning_init(&fast);
    fast.block = 4096;
    ibid_corpus *a, *b;
    ibid_error ea, eb;
    int rc_a = read_tuned(&a, line, k, &o, &ref, &ea);
    int rc_b = read_tuned(&b, line, k, &o, &fast, &eb);
    char what[600];
    snprintf(what, sizeof what, "text \"%.*s\"", (int)n_body, body);
    if (rc_a != rc_b) fail_msg("%s: rc %d, expected %d", what, rc_b, rc_a);
    if (rc_a < 0) expect_same_error(&ea, &eb, what);
    expect_same_corpus(a, b, what);
    ibid_corpus_free(a);
    ibid_corpus_free(b);
}

#define EXPECT_TEXT_AS_JANSSON(lit) expect_text_as_jansson(lit, sizeof(lit) - 1)

static void test_text_as_jansson(void **state)
{
    (void)state;
    EXPECT_TEXT_AS_JANSSON("");
    EXPECT_TEXT_AS_JANSSON("plain text, longer than eight bytes");
    EXPECT_TEXT_AS_JANSSON("\\\" \\\\ \\/ \\b \\f \\n \\r \\t");
    EXPECT_TEXT_AS_JANSSON("\\u0041\\u00e9\\u00E9\\u20ac\\uffff\\u0000end");
    EXPECT_TEXT_AS_JANSSON("\\ud83d\\ude00 \\uD83D\\uDE00 \\udbff\\udfff");
    EXPECT_TEXT_AS_JANSSON("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \x7F");
    /* what jansson rejects: lone or reversed surrogates, bad hex, unknown escapes, controls */
    EXPECT_TEXT_AS_JANSSON("\\ud800");
    EXPECT_TEXT_AS_JANSSON("\\ud800x");
    EXPECT_TEXT_AS_JANSSON("\\ud800\\u0041");
    EXPECT_TEXT_AS_JANSSON("\\ud800\\\\u0041");
    EXPECT_TEXT_AS_JANSSON("\\udc00\\ud800");
    EXPECT_TEXT_AS_JANSSON("\\ud800\\ud800");
    EXPECT_TEXT_AS_JANSSON("\\u12G4");
    EXPECT_TEXT_AS_JANSSON("\\u12");
    EXPECT_TEXT_AS_JANSSON("\\x41");
    EXPECT_TEXT_AS_JANSSON("\\U0041");
    EXPECT_TEXT_AS_JANSSON("\\");
    EXPECT_TEXT_AS_JANSSON("tab\there");
    EXPECT_TEXT_AS_JANSSON("cr\rhere");
    EXPECT_TEXT_AS_JANSSON("\x1F");

    /* random strings of escapes and characters, valid or not */
    seed_rng("test_text_as_jansson");
    static const char *pieces[] = {"a",       "word ",   "\\n",     "\\\"",    "\\\\",
                                   "\\u00e9", "\\ud83d", "\\ude00", "\\u0000", "\\uD7FF",
                                   "\\uE000", "\\",      "u",       "\"",      "\xC3\xA9",
                                   "\t",      "\\z",     "0",       "F",       "\\/"};
    for (int r = 0; r < 3000; r++) {
        char body[400];
        size_t k = 0;
        int n_pieces = (int)(rng() % 12);
        for (int i = 0; i < n_pieces; i++) {
            const char *p = pieces[rng() % (sizeof pieces / sizeof *pieces)];
            memcpy(body + k, p, strlen(p));
            k += strlen(p);
        }
        expect_text_as_jansson(body, k);
    }
}

static void test_text_field_forms(void **state)
{
    (void)state;
    /* where the text field is found, or not, by the reader's own scan */
    static const char *lines[] = {
        "{\"id\":\"a\",\"te\\u0078t\":\"escaped key\"}",
        "{\"id\":\"a\",\"te\\u0078t\":\"escaped key\",\"text\":\"and plain\"}",
        "{\"id\":\"a\",\"m\":{\"text\":\"nested\"},\"text\":\"top\"}",
        "{\"id\":\"a\",\"m\":[\"text\",{\"text\":\"]}\"}],\"text\":\"after an array\"}",
        "{\"id\":\"a\",\"text\":\"top\",\"m\":{\"text\":\"nested after\"}}",
        "{\"id\":\"a\",\"text\":\"x\",\"text\":\"dup\"}",
        "{\"id\":\"a\",\"text\":7}",
        "{\"id\":\"a\",\"text\":\"x\" , \"z\" : 1e5 }",
        "{\"id\":\"a\",\"text\":\"x\"} trailing",
        "{\"id\":\"a\",\"text\":\"x\",}",
        "{\"id\":\"a\" \"text\":\"x\"}",
        "{\"id\":\"a\",\"text\":\"unterminated",
        "  {  \"text\"  :  \"spaces\"  ,  \"id\"  :  1  }  ",
        "{\"id\":\"a\",\"text\":\"x\",\"m\":\"\\ud800\"}",
        "{\"id\":\"a\",\"text\":\"x\",\"\\u0000\":1}",
    };
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        for (int skip = 0; skip < 2; skip++) {
            o.skip_bad = skip;
            expect_any_tuning(lines[i], strlen(lines[i]), &o);
        }
    /* field names the scan cannot match as written, or other than the default */
    o.text_field = "t\\x";
    const char *in = "{\"id\":\"a\",\"t\\\\x\":\"backslash\"}";
    expect_any_tuning(in, strlen(in), &o);
    o.text_field = "body";
    o.id_field = "text";
    in = "{\"text\":\"the id\",\"body\":\"the text\",\"id\":1}";
    expect_any_tuning(in, strlen(in), &o);
}

static void test_n_threads_option(void **state)
{
    (void)state;
    ibid_read_opts o;
    ibid_read_opts_init(&o);
    assert_int_equal(o.n_threads, 1);
    ibid_corpus *c;
    ibid_error e;
    o.n_threads = 0;
    assert_int_equal(read_str(&c, "", &o, &e), IBID_EINVAL);
    check_message(&e, "n_threads is 0");
    ibid_corpus_free(c);
    o.n_threads = 1025;
    assert_int_equal(read_str(&c, "", &o, &e), IBID_EINVAL);
    ibid_corpus_free(c);
    o.n_threads = 3;
    assert_int_equal(read_str(&c, k_two_docs, &o, &e), 0);
    expect_doc(c, 0, "g1", "one", "{\"m\":1}");
    expect_doc(c, 1, "g2", "two", NULL);
    ibid_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_records),
        cmocka_unit_test(test_metadata_in_order),
        cmocka_unit_test(test_integer_ids),
        cmocka_unit_test(test_nul_in_text),
        cmocka_unit_test(test_line_endings_and_blank_lines),
        cmocka_unit_test(test_json_syntax_errors),
        cmocka_unit_test(test_missing_and_wrong_fields),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_duplicate_id),
        cmocka_unit_test(test_max_line),
        cmocka_unit_test(test_max_doc),
        cmocka_unit_test(test_many_lines),
        cmocka_unit_test(test_skip_bad),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_gzip_and_zstd),
        cmocka_unit_test(test_multi_member_gzip_and_frames),
        cmocka_unit_test(test_corrupt_compressed),
        cmocka_unit_test(test_stream_api),
        cmocka_unit_test(test_parallel_blocks),
        cmocka_unit_test(test_parallel_stream_errors),
        cmocka_unit_test(test_text_as_jansson),
        cmocka_unit_test(test_text_field_forms),
        cmocka_unit_test(test_n_threads_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
