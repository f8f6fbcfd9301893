/*
 * test_store.c: the store (store.c, store_index.c, store_add.c, store_query.c): winnowing,
 * in-memory pair lists, creating and reopening a store, recorded options, re-adding and
 * replacing, incremental adds equal to one batch alignment, a batch's staged rows and the add
 * lock, queries, ibid_store_load, and the errors (missing file, not a store, a newer schema, a
 * read-only add). Randomised: the seed is printed and IBID_TEST_SEED replays it.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "test_files.h"
#include "test_rng.h"

/* ---- helpers ---- */

/* n random words "wNNNN" of a 20,000-word vocabulary, space separated, into a new string. */
static char *random_words(size_t n)
{
    char *s = malloc(n * 8 + 1);
    assert_non_null(s);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(s + k, "%sw%04u", i ? " " : "", (unsigned)(rng() % 20000));
    s[k] = 0;
    return s;
}

/* Document i of a and document j of b have the same id, text (NUL-terminated) and metadata. */
static void expect_same_doc(const ibid_corpus *a, size_t i, const ibid_corpus *b, size_t j)
{
    size_t n1, n2;
    const char *t1 = ibid_corpus_text(a, i, &n1), *t2 = ibid_corpus_text(b, j, &n2);
    assert_string_equal(ibid_corpus_id(a, i), ibid_corpus_id(b, j));
    assert_int_equal(n1, n2);
    assert_memory_equal(t1, t2, n1);
    assert_int_equal(t2[n2], 0);
    const char *m1 = ibid_corpus_meta(a, i), *m2 = ibid_corpus_meta(b, j);
    if (m1)
        assert_string_equal(m1, m2);
    else
        assert_null(m2);
}

/* A corpus of n documents of 200-400 random words; about half of the documents from the
 * fourth on copy a run of 40-80 words of an earlier one into their middle. */
static ibid_corpus *planted_corpus(size_t n)
{
    ibid_corpus *c;
    ibid_corpus_new(&c);
    char **texts = calloc(n, sizeof *texts);
    for (size_t i = 0; i < n; i++) {
        char *a = random_words(100 + rng() % 100), *b = random_words(100 + rng() % 100);
        char *copy = strdup("");
        if (i >= 3 && rng() % 2) {
            const char *src = texts[rng() % i];
            size_t len = strlen(src), beg = rng() % (len / 2), span = 40 + rng() % 40;
            while (beg > 0 && src[beg - 1] != ' ') beg--;
            size_t end = beg;
            for (size_t w = 0; w < span && end < len; end++) w += src[end] == ' ';
            free(copy);
            copy = strndup(src + beg, end - beg);
        }
        size_t m = strlen(a) + strlen(b) + strlen(copy) + 4;
        texts[i] = malloc(m);
        snprintf(texts[i], m, "%s %s %s", a, copy, b);
        char id[32];
        snprintf(id, sizeof id, "doc%03zu", i);
        char meta[96];
        snprintf(meta, sizeof meta, "{\"date\": \"2020-01-%02zu\", \"title\": \"T%zu\"}",
                 i % 28 + 1, i);
        assert_int_equal(ibid_corpus_add(c, id, strlen(id), texts[i], strlen(texts[i]), meta, NULL),
                         0);
        free(a), free(b), free(copy);
    }
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    return c;
}

/* The passages of r as "id1 id2 b1 e1 b2 e2 matches kind" lines, sorted, in one string. */
static char *passage_lines(const ibid_corpus *c, const ibid_result *r)
{
    size_t m = r->n_passages * 128 + 1, k = 0;
    char *s = malloc(m);
    s[0] = 0;
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        k += (size_t)snprintf(s + k, m - k, "%s %s %u %u %u %u %u %s\n", ibid_corpus_id(c, p->doc1),
                              ibid_corpus_id(c, p->doc2), p->cp_beg1, p->cp_end1, p->cp_beg2,
                              p->cp_end2, p->matches, ibid_kind_name(p->kind));
    }
    return s;
}

typedef struct fixture {
    char *dir, *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = make_tmpdir("store");
    f->db = join(f->dir, "t.db");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rm_tree(f->dir);
    free(f->db);
    free(f);
    return 0;
}

/* One integer from SQL run on the store's file. */
static long long sql_int(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* ---- the n-gram index, decoded ---- */

typedef struct entry {
    uint64_t hash;
    uint32_t doc;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

/* Every entry of the store's n-gram index, sorted by (hash, doc), after checking the blocks as
 * docs/store.md describes them: rowid run << 16 | part, 8-byte entries (a little-endian 64-bit
 * number, the 32 hash bits below the part's then the doc) strictly increasing within the block,
 * no empty block, gram_runs counting each run's entries, no entry in two runs. An entry's
 * `hash` here is the 48 bits it has of one: part << 32 | the kept bits. *n_runs gets the number
 * of runs. */
static entry *index_entries(const char *db, size_t *n_out, size_t *n_runs)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    size_t n = 0, m = 1024;
    entry *e = malloc(m * sizeof *e);
    int64_t runs[64], counts[64];
    size_t nr = 0;
    assert_int_equal(
        sqlite3_prepare_v2(h, "SELECT block, data FROM gram_blocks ORDER BY block", -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t block = sqlite3_column_int64(st, 0);
        int64_t run = block >> IBID_STORE_PART_BITS;
        uint64_t part = (uint64_t)block & (IBID_STORE_PARTS - 1);
        const unsigned char *d = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        assert_true(len > 0 && len % 8 == 0);
        if (nr == 0 || runs[nr - 1] != run) {
            assert_true(nr < 64);
            runs[nr] = run, counts[nr++] = 0;
        }
        counts[nr - 1] += (int64_t)(len / 8);
        for (size_t k = 0; k < len; k += 8) {
            uint64_t v = 0;
            for (int b = 7; b >= 0; b--) v = v << 8 | d[k + (size_t)b];
            if (n == m) e = realloc(e, (m *= 2) * sizeof *e);
            e[n] = (entry){part << 32 | v >> 32, (uint32_t)v};
            if (k) assert_true(cmp_entry(&e[n - 1], &e[n]) < 0);
            n++;
        }
    }
    sqlite3_finalize(st);
    assert_int_equal(
        sqlite3_prepare_v2(h, "SELECT run, n FROM gram_runs ORDER BY run", -1, &st, NULL),
        SQLITE_OK);
    size_t r = 0;
    for (; sqlite3_step(st) == SQLITE_ROW; r++) {
        assert_true(r < nr);
        assert_int_equal(sqlite3_column_int64(st, 0), runs[r]);
        assert_int_equal(sqlite3_column_int64(st, 1), counts[r]);
    }
    assert_int_equal(r, nr);
    sqlite3_finalize(st);
    sqlite3_close(h);
    qsort(e, n, sizeof *e, cmp_entry);
    for (size_t k = 1; k < n; k++) assert_true(cmp_entry(&e[k - 1], &e[k]) < 0);
    *n_out = n;
    if (n_runs) *n_runs = nr;
    return e;
}

/* ---- winnowing ---- */

static void test_sketch(void **state)
{
    (void)state;
    seed_rng("test_sketch");
    enum { N = 400 };
    uint32_t a[N], b[N];
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < N; i++) a[i] = (uint32_t)rng(), b[i] = (uint32_t)rng();
        /* a shared run of 2W + n - 1 tokens somewhere in each */
        int run = 2 * IBID_STORE_WINNOW + 4 - 1, pa = (int)(rng() % (N - run)),
            pb = (int)(rng() % (N - run));
        memcpy(b + pb, a + pa, (size_t)run * sizeof *a);
        uint64_t *ka, *kb;
        size_t na = ibid_store_sketch(a, N, 4, 0, &ka), nb = ibid_store_sketch(b, N, 4, 0, &kb);
        /* about 2 / (W + 1) of the n-grams, sorted and distinct, 63 bits */
        assert_true(na > (N - 3) / (IBID_STORE_WINNOW + 1) && na < (N - 3) * 3 / 4);
        for (size_t i = 0; i < na; i++) {
            assert_true(ka[i] < (UINT64_C(1) << 63));
            if (i) assert_true(ka[i - 1] < ka[i]);
        }
        size_t shared = 0;
        for (size_t i = 0, j = 0; i < na && j < nb;) {
            if (ka[i] == kb[j])
                shared++, i++, j++;
            else if (ka[i] < kb[j])
                i++;
            else
                j++;
        }
        assert_true(shared >= 2);
        /* the same tokens, the same sketch */
        uint64_t *again;
        size_t n2 = ibid_store_sketch(a, N, 4, 0, &again);
        assert_int_equal(n2, na);
        assert_memory_equal(again, ka, na * sizeof *ka);
        free(again), free(ka), free(kb);
    }
    uint64_t *none;
    assert_int_equal(ibid_store_sketch(a, 3, 4, 0, &none), 0);
    assert_null(none);
    assert_int_equal(ibid_store_sketch(a, 4, 4, 0, &none), 1);
    free(none);
}

/* ---- pair lists in memory ---- */

static void test_pairs_new(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_corpus_new(&c);
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "d%d", i);
        assert_int_equal(ibid_corpus_add(c, id, strlen(id), "x", 1, NULL, NULL), 0);
    }
    const uint32_t v[][2] = {{2, 1}, {1, 2}, {3, 3}, {0, 3}, {1, 2}};
    ibid_pairs *p;
    assert_int_equal(ibid_pairs_new(&p, c, v, 5, NULL), 0);
    assert_int_equal(ibid_pairs_size(p), 2);
    size_t n;
    const ibid_pair *it = ibid_pairs_items(p, &n);
    assert_int_equal(it[0].a, 0);
    assert_int_equal(it[0].b, 3);
    assert_int_equal(it[1].a, 1);
    assert_int_equal(it[1].b, 2);
    ibid_pairs_free(p);
    assert_int_equal(ibid_pairs_new(&p, c, NULL, 0, NULL), 0);
    assert_int_equal(ibid_pairs_size(p), 0);
    ibid_pairs_free(p);
    const uint32_t bad[][2] = {{0, 4}};
    ibid_error err = {0};
    assert_int_equal(ibid_pairs_new(&p, c, bad, 1, &err), IBID_EINVAL);
    assert_null(p);
    assert_non_null(strstr(err.message, "document 4"));
    ibid_corpus_free(c);
}

/* ---- the store ---- */

/* Adding documents in batches finds what one ibid_align over all of them finds: every passage
 * stored is one ibid_align reports, and every one ibid_align reports whose two sides share a run
 * of CW + n - 1 tokens (C = IBID_STORE_CAND_MIN disjoint windows of sampled n-grams) is stored. The
 * copies planted here are exact, so a passage of that many matches holds such a run, except where a
 * copy of a copy overlaps the original only in part. */
static int has_line(const char *lines, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = lines; (p = strstr(p, line)) != NULL; p++)
        if ((p == lines || p[-1] == '\n') && p[n - 1] == '\n') return 1;
    return 0;
}

/* Every line of `got` is a line of `want`. */
static void assert_lines_in(char *got, const char *want)
{
    for (char *line = got; *line;) {
        char *nl = strchr(line, '\n'), saved = nl[1];
        nl[1] = 0;
        assert_true(has_line(want, line));
        nl[1] = saved;
        line = nl + 1;
    }
}

static void test_incremental_equals_batch(void **state)
{
    fixture *f = *state;
    seed_rng("test_incremental_equals_batch");
    ibid_corpus *c = planted_corpus(60);
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    ibid_result *whole;
    assert_int_equal(ibid_align(&whole, c, NULL, &o, NULL), 0);
    assert_true(whole->n_passages > 10);
    char *want = passage_lines(c, whole);

    size_t batches[] = {1, 7, 1000};
    for (size_t k = 0; k < 3; k++) {
        unlink(f->db);
        ibid_store *s;
        ibid_error err = {0};
        assert_int_equal(
            ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err), 0);
        assert_int_equal(ibid_store_version(s), IBID_STORE_VERSION);
        assert_int_equal(sql_int(f->db, "PRAGMA page_size"), 16384);
        ibid_store_add_opts ao;
        ibid_store_add_opts_init(&ao);
        ao.batch_docs = batches[k];
        ibid_store_add_report rep;
        assert_int_equal(ibid_store_add(s, c, &ao, &rep, &err), 0);
        assert_int_equal(rep.n_added, 60);
        assert_int_equal(rep.n_present, 0);
        assert_true(rep.n_passages <= whole->n_passages);
        assert_true(rep.n_passages >= whole->n_passages * 9 / 10);
        assert_int_equal(rep.n_batches, (60 + batches[k] - 1) / batches[k]);
        ibid_corpus *lc;
        ibid_result *lr;
        assert_int_equal(ibid_store_load(&lc, &lr, s, NULL, 0, 0, &err), 0);
        assert_int_equal(ibid_corpus_size(lc), 60);
        char *got = passage_lines(lc, lr);
        assert_lines_in(got, want);
        for (size_t i = 0; i < whole->n_passages; i++) {
            const ibid_passage *p = &whole->passages[i];
            if (p->matches < IBID_STORE_CAND_MIN * IBID_STORE_WINNOW + 3 ||
                p->matches != p->columns)
                continue;
            ibid_result one = {.n_passages = 1, .passages = (ibid_passage *)p};
            char *line = passage_lines(c, &one);
            assert_true(has_line(got, line));
            free(line);
        }
        /* documents come back with their text and metadata */
        for (size_t i = 0; i < 60; i++) expect_same_doc(c, i, lc, i);
        free(got);
        ibid_corpus_free(lc);
        ibid_result_free(lr);
        ibid_store_close(s);
    }
    free(want);
    ibid_result_free(whole);
    ibid_corpus_free(c);
}

/* Re-adding is a no-op; --replace deletes the old passages and aligns again. */
static void test_readd_replace(void **state)
{
    fixture *f = *state;
    seed_rng("test_readd_replace");
    ibid_corpus *c = planted_corpus(30);
    ibid_store *s;
    ibid_error err = {0};
    ibid_store_add_report rep;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, c, NULL, &rep, &err), 0);
    size_t n_docs, n_pass, n_docs2, n_pass2;
    assert_int_equal(ibid_store_count(s, &n_docs, &n_pass, &err), 0);
    assert_int_equal(n_docs, 30);
    assert_int_equal(n_pass, rep.n_passages);
    assert_true(n_pass > 3);

    assert_int_equal(ibid_store_add(s, c, NULL, &rep, &err), 0);
    assert_int_equal(rep.n_added, 0);
    assert_int_equal(rep.n_present, 30);
    assert_int_equal(rep.n_batches, 0);
    assert_int_equal(ibid_store_count(s, &n_docs2, &n_pass2, &err), 0);
    assert_int_equal(n_docs2, 30);
    assert_int_equal(n_pass2, n_pass);

    /* replace every document by itself: the same passages again */
    ibid_store_add_opts ao;
    ibid_store_add_opts_init(&ao);
    ao.replace = 1;
    assert_int_equal(ibid_store_add(s, c, &ao, &rep, &err), 0);
    assert_int_equal(rep.n_added, 30);
    assert_int_equal(rep.n_replaced, 30);
    assert_int_equal(ibid_store_count(s, &n_docs2, &n_pass2, &err), 0);
    assert_int_equal(n_docs2, 30);
    assert_int_equal(n_pass2, n_pass);

    /* replace one document by unrelated text: its passages go */
    ibid_corpus *one;
    ibid_corpus_new(&one);
    char *t = random_words(300);
    long victim = -1;
    ibid_corpus *lc;
    ibid_result *lr;
    assert_int_equal(ibid_store_load(&lc, &lr, s, NULL, 0, 0, &err), 0);
    assert_true(lr->n_passages > 0);
    victim = (long)lr->passages[0].doc2;
    const char *vid = ibid_corpus_id(lc, (size_t)victim);
    size_t n_with = 0;
    for (size_t i = 0; i < lr->n_passages; i++)
        n_with += lr->passages[i].doc1 == victim || lr->passages[i].doc2 == victim;
    assert_int_equal(ibid_corpus_add(one, vid, strlen(vid), t, strlen(t), NULL, NULL), 0);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT doc FROM docs WHERE id = '%s'", vid);
    long long old_row = sql_int(f->db, sql);
    assert_int_equal(ibid_store_add(s, one, &ao, &rep, &err), 0);
    assert_int_equal(rep.n_replaced, 1);
    /* the index holds the new text's entries, none of the old text's */
    long long new_row = sql_int(f->db, sql);
    assert_true(new_row != old_row);
    size_t n_ent, n_old_row = 0, n_new_row = 0;
    entry *ent = index_entries(f->db, &n_ent, NULL);
    for (size_t k = 0; k < n_ent; k++) {
        n_old_row += ent[k].doc == old_row;
        n_new_row += ent[k].doc == new_row;
    }
    assert_int_equal(n_old_row, 0);
    assert_true(n_new_row > 0);
    free(ent);
    assert_int_equal(rep.n_passages, 0);
    assert_int_equal(ibid_store_count(s, &n_docs2, &n_pass2, &err), 0);
    assert_int_equal(n_docs2, 30);
    assert_int_equal(n_pass2, n_pass - n_with);
    /* its index entries went too: a query with its old text does not find it */
    size_t n_old;
    const char *old_text = ibid_corpus_text(c, (size_t)ibid_corpus_find(c, vid), &n_old);
    ibid_corpus *qc;
    ibid_result *qr;
    assert_int_equal(ibid_store_query(&qc, &qr, s, "q", old_text, n_old, &err), 0);
    for (size_t i = 0; i < qr->n_passages; i++)
        assert_string_not_equal(ibid_corpus_id(qc, qr->passages[i].doc2), vid);
    ibid_corpus_free(qc);
    ibid_result_free(qr);
    free(t);
    ibid_corpus_free(one);
    ibid_corpus_free(lc);
    ibid_result_free(lr);
    ibid_store_close(s);
    ibid_corpus_free(c);
}

/* Saved stories equal the stories of the loaded store; a replaced document takes its saved
 * stories with it; a read-only store refuses to save. */
static void test_save_stories(void **state)
{
    fixture *f = *state;
    seed_rng("test_save_stories");
    ibid_corpus *c = planted_corpus(40);
    ibid_store *s;
    ibid_error err = {0};
    ibid_store_add_opts ao;
    ibid_store_add_opts_init(&ao);
    ao.batch_docs = 7;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, c, &ao, NULL, &err), 0);
    ibid_corpus *lc;
    ibid_result *lr;
    ibid_stories *st;
    assert_int_equal(ibid_store_save_stories(s, NULL, &lc, &lr, &st, &err), 0);
    size_t n_story = ibid_stories_size(st), n_member = 0, n_in_story = 0;
    assert_true(n_story >= 2);
    for (size_t k = 0; k < n_story; k++) n_member += ibid_stories_get(st, k)->n_docs;
    for (size_t p = 0; p < lr->n_passages; p++)
        n_in_story += ibid_stories_passage(st, p)->story >= 0;
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM stories"), n_story);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM story_docs"), n_member);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM passages WHERE story IS NOT NULL"),
                     n_in_story);
    assert_int_equal(sql_int(f->db, "SELECT sum(n_docs) FROM stories"), n_member);
    /* every story's first witness is its rank-0 member, and the earliest dated one */
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM stories s JOIN story_docs y ON "
                                    "y.story = s.story AND y.rank = 0 WHERE y.doc <> s.first_doc"),
                     0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM stories s JOIN story_docs y USING "
                                    "(story) JOIN docs d ON d.doc = y.doc JOIN docs f ON "
                                    "f.doc = s.first_doc WHERE d.date < f.date"),
                     0);
    /* the largest story's first witness as the stories give it; a story is numbered by its
     * lowest passage rowid */
    const ibid_story *y0 = ibid_stories_get(st, 0);
    char sql[320];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM stories s JOIN docs d ON d.doc = s.first_doc "
             "WHERE s.n_docs = %zu AND s.n_passages = %zu AND d.id = '%s'",
             y0->n_docs, y0->n_passages, ibid_corpus_id(lc, y0->docs[0]));
    assert_true(sql_int(f->db, sql) >= 1);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM stories s WHERE story <> (SELECT "
                                    "min(passage) FROM passages p WHERE p.story = s.story)"),
                     0);

    /* saving again replaces, not adds */
    assert_int_equal(ibid_store_save_stories(s, NULL, NULL, NULL, NULL, &err), 0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM stories"), n_story);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM story_saves"), 2);

    /* replacing a member of story X deletes story X, its members and its passages' links */
    long long x = sql_int(f->db, "SELECT story FROM stories ORDER BY n_docs DESC, story LIMIT 1");
    snprintf(sql, sizeof sql, "SELECT doc FROM story_docs WHERE story = %lld AND rank = 1", x);
    long long member = sql_int(f->db, sql);
    size_t mi = (size_t)member - 1; /* documents were added in order, rowids from 1 */
    const char *vid = ibid_corpus_id(lc, mi);
    size_t n_text;
    const char *text = ibid_corpus_text(lc, mi, &n_text);
    ibid_corpus *one;
    ibid_corpus_new(&one);
    assert_int_equal(ibid_corpus_add(one, vid, strlen(vid), text, n_text, NULL, NULL), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM story_docs y JOIN docs d USING (doc) WHERE d.id = '%s'", vid);
    long long n_with = sql_int(f->db, sql);
    assert_true(n_with >= 1);
    ao.replace = 1;
    assert_int_equal(ibid_store_add(s, one, &ao, NULL, &err), 0);
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM stories WHERE story = %lld) + (SELECT count(*) FROM "
             "story_docs WHERE story = %lld) + (SELECT count(*) FROM passages WHERE story = %lld)",
             x, x, x);
    assert_int_equal(sql_int(f->db, sql), 0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM stories"), (long long)n_story - n_with);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM story_docs WHERE story NOT IN (SELECT "
                                    "story FROM stories) OR doc NOT IN (SELECT doc FROM docs)"),
                     0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM stories WHERE first_doc NOT IN (SELECT "
                                    "doc FROM docs)"),
                     0);
    ibid_store_close(s);

    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_READ, NULL, &err), 0);
    assert_int_equal(ibid_store_save_stories(s, NULL, NULL, NULL, NULL, &err), IBID_EINVAL);
    ibid_store_close(s);
    ibid_corpus_free(one);
    ibid_stories_free(st);
    ibid_corpus_free(lc);
    ibid_result_free(lr);
    ibid_corpus_free(c);
}

/* A corpus of n documents of random words, a third of them with a form ("fw00 fw01 ... fw29"
 * with random words and figures of up to three digits in it, rule 2b's figures), and from the
 * fourth on half with a copied run of an earlier document: stories that grow from add to add, and a
 * form whose words grow common, so that its passages turn from stories into templates as documents
 * come (the template rule's document frequencies change under the saved stories). */
static ibid_corpus *forms_corpus(size_t n, size_t id0)
{
    ibid_corpus *planted = planted_corpus(n), *c;
    ibid_corpus_new(&c);
    for (size_t i = 0; i < n; i++) {
        size_t n_text;
        const char *text = ibid_corpus_text(planted, i, &n_text);
        char form[600] = "";
        size_t k = 0;
        if (rng() % 3 == 0) /* the form, a slot word after every sixth form word */
            for (int w = 0; w < 30; w++)
                k += (size_t)snprintf(form + k, sizeof form - k,
                                      w % 12 == 5    ? "fw%02d x%u "
                                      : w % 12 == 11 ? "fw%02d %u "
                                                     : "fw%02d ",
                                      w, (unsigned)(rng() % 1000));
        /* form words out of order in every document: common words, in no passage */
        for (int w = 0; w < 8; w++)
            k += (size_t)snprintf(form + k, sizeof form - k, "q%u fw%02u ",
                                  (unsigned)(rng() % 1000), (unsigned)(rng() % 30));
        char *t = malloc(n_text + sizeof form + 2);
        snprintf(t, n_text + sizeof form + 2, "%.*s %s", (int)n_text, text, form);
        char id[32], meta[96];
        snprintf(id, sizeof id, "doc%04zu", id0 + i);
        snprintf(meta, sizeof meta, "{\"date\": \"2020-%02zu-%02zu\", \"title\": \"T%zu\"}",
                 (id0 + i) / 28 % 12 + 1, (id0 + i) % 28 + 1, id0 + i);
        assert_int_equal(ibid_corpus_add(c, id, strlen(id), t, strlen(t), meta, NULL), 0);
        free(t);
    }
    ibid_corpus_free(planted);
    return c;
}

/* Documents [beg, end) of c, as a new corpus. */
static ibid_corpus *corpus_slice(const ibid_corpus *c, size_t beg, size_t end)
{
    ibid_corpus *out;
    ibid_corpus_new(&out);
    for (size_t i = beg; i < end; i++) {
        const ibid_doc *d = ibid_corpus_doc(c, i);
        const char *id = ibid_corpus_id(c, i);
        assert_int_equal(ibid_corpus_add(out, id, strlen(id), d->text, d->n_text, d->meta, NULL),
                         0);
    }
    return out;
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    assert_int_equal(fclose(b), 0);
}

/* Rows of `sql` in store a and not in store b, plus the other way round. */
static long long rows_differ(const char *a, const char *b, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(a, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char att[600];
    snprintf(att, sizeof att, "ATTACH '%s' AS b", b);
    assert_int_equal(sqlite3_exec(h, att, NULL, NULL, NULL), SQLITE_OK);
    long long n = 0;
    for (int dir = 0; dir < 2; dir++) {
        const char *x = dir ? "b." : "main.", *y = dir ? "main." : "b.";
        char full[1200], tx[512], ty[512];
        /* the same query over each schema: "T." marks the tables */
        size_t kx = 0, ky = 0;
        for (const char *p = sql; *p; p++) {
            if (p[0] == 'T' && p[1] == '.') {
                kx += (size_t)snprintf(tx + kx, sizeof tx - kx, "%s", x);
                ky += (size_t)snprintf(ty + ky, sizeof ty - ky, "%s", y);
                p++;
            } else {
                tx[kx++] = *p, ty[ky++] = *p;
            }
            tx[kx] = ty[ky] = 0;
        }
        snprintf(full, sizeof full, "SELECT count(*) FROM (%s EXCEPT %s)", tx, ty);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(h, full, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        n += sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

/* Stories updated after each of several adds equal the stories saved over the whole store at
 * once, table by table; the updates recompute part of the store; a replaced document and new
 * options make the next update a full save. */
static void test_update_stories(void **state)
{
    fixture *f = *state;
    seed_rng("test_update_stories");
    ibid_corpus *c = forms_corpus(90, 0);
    ibid_store *s;
    ibid_error err = {0};
    ibid_store_add_opts ao;
    ibid_store_add_opts_init(&ao);
    ao.batch_docs = 6;
    ibid_stories_opts so;
    ibid_stories_opts_init(&so);
    ibid_store_stories_report rep;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    size_t cuts[] = {0, 12, 20, 33, 41, 55, 62, 75, 90}, n_part = 0, n_tmpl = 0;
    for (size_t k = 0; k + 1 < sizeof cuts / sizeof *cuts; k++) {
        ibid_corpus *part = corpus_slice(c, cuts[k], cuts[k + 1]);
        assert_int_equal(ibid_store_add(s, part, &ao, NULL, &err), 0);
        ibid_corpus_free(part);
        assert_int_equal(ibid_store_update_stories(s, &so, &rep, &err), 0);
        assert_int_equal(rep.full, k == 0);
        assert_int_equal(rep.n_new_docs, cuts[k + 1] - cuts[k]);
        if (k == 0) continue;
        size_t n_pass = (size_t)sql_int(f->db, "SELECT count(*) FROM passages");
        n_part += rep.n_passages < n_pass;
        n_tmpl += rep.n_template_seeds;
    }
    ibid_store_close(s);
    /* most updates recomputed part of the store, and the forms' words grew common under some */
    assert_true(n_part >= 4);
    assert_true(n_tmpl > 0);
    assert_true(sql_int(f->db, "SELECT count(*) FROM passages WHERE boilerplate = 1") > 0);
    assert_true(sql_int(f->db, "SELECT count(*) FROM stories") >= 5);

    char *full = join(f->dir, "full.db");
    copy_file(f->db, full);
    assert_int_equal(ibid_store_open(&s, full, IBID_STORE_WRITE, NULL, &err), 0);
    assert_int_equal(ibid_store_save_stories(s, &so, NULL, NULL, NULL, &err), 0);
    ibid_store_close(s);
    static const char *const tables[] = {
        "SELECT * FROM T.stories",
        "SELECT * FROM T.story_docs",
        "SELECT passage, story, boilerplate FROM T.passages",
        "SELECT * FROM T.story_words",
        "SELECT batch, n_stories, n_boilerplate FROM T.story_saves WHERE save = (SELECT "
        "max(save) FROM T.story_saves)",
        "SELECT * FROM T.config",
        /* what the template rule last found may be older than the full save's (document
         * frequencies only grow), but it is on the same passages and says the same */
        "SELECT passage, need, kdf IS NULL, words IS NULL, figures IS NULL FROM T.story_rare",
    };
    for (size_t k = 0; k < sizeof tables / sizeof *tables; k++) {
        print_message("%s\n", tables[k]);
        assert_int_equal(rows_differ(f->db, full, tables[k]), 0);
    }

    /* a replaced document: the next update saves all */
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE, NULL, &err), 0);
    ibid_corpus *one = corpus_slice(c, 40, 41);
    ao.replace = 1;
    assert_int_equal(ibid_store_add(s, one, &ao, NULL, &err), 0);
    assert_int_equal(ibid_store_update_stories(s, &so, &rep, &err), 0);
    assert_int_equal(rep.full, 1);
    assert_int_equal(ibid_store_update_stories(s, &so, &rep, &err), 0);
    assert_int_equal(rep.full, 0);
    assert_int_equal(rep.n_passages, 0);
    /* other options: all */
    so.join_cover = 0.5;
    assert_int_equal(ibid_store_update_stories(s, &so, &rep, &err), 0);
    assert_int_equal(rep.full, 1);
    so.rare_df = -1;
    assert_int_equal(ibid_store_update_stories(s, &so, &rep, &err), IBID_EINVAL);
    ibid_store_close(s);
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_READ, NULL, &err), 0);
    assert_int_equal(ibid_store_update_stories(s, NULL, &rep, &err), IBID_EINVAL);
    ibid_store_close(s);
    ibid_corpus_free(one);
    ibid_corpus_free(c);
    free(full);
}

/* How many values two sorted arrays without repeats share. */
static size_t shared_sorted(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (b[j] < a[i])
            j++;
        else
            k++, i++, j++;
    }
    return k;
}

/* Candidates found with the lookups split over threads, each on its own connection, and with a
 * run's blocks read by scanning or one by one, equal those found on the store's one connection
 * as store_index.c chooses, and those of a brute-force count of shared sampled n-grams. */
static void test_parallel_lookups(void **state)
{
    fixture *f = *state;
    seed_rng("test_parallel_lookups");
    ibid_corpus *c = planted_corpus(64), *c2 = planted_corpus(20);
    ibid_store *s;
    ibid_error err = {0};
    ibid_store_add_opts ao;
    ibid_store_add_opts_init(&ao);
    ao.batch_docs = 30; /* 30 + 30 merged, then 4 on their own: two runs */
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, c, &ao, NULL, &err), 0);
    /* the new documents: c's last ones again (they share text with the store) and others */
    size_t n = ibid_corpus_size(c2) + 10;
    uint64_t **sk = calloc(n, sizeof *sk);
    size_t *n_sk = calloc(n, sizeof *n_sk);
    for (size_t i = 0; i < n; i++) {
        const ibid_corpus *from = i < 10 ? c : c2;
        size_t k = i < 10 ? ibid_corpus_size(c) - 1 - i : i - 10, len;
        const char *text = ibid_corpus_text(from, k, &len);
        assert_int_equal(ibid_store_sketch_text(s, text, len, &sk[i], &n_sk[i], &err), 0);
    }
    size_t n_runs, n_ent, n_rec = 0;
    free(index_entries(f->db, &n_ent, &n_runs));
    assert_int_equal(n_runs, 2);
    for (size_t i = 0; i < n; i++) n_rec += n_sk[i];
    ibid_rec *rec = malloc(n_rec * sizeof *rec);
    n_rec = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n_sk[i]; k++) rec[n_rec++] = (ibid_rec){sk[i][k], (uint32_t)i, 0};
    ibid_rec_sort(rec, n_rec, 1);
    /* the expected pairs, by brute force: every sketch against every stored document's (no
     * n-gram is in max_df documents in so small a corpus) */
    size_t n_want = 0, n_want_f = 0;
    ibid_store_cand *want = NULL, *want_f = calloc(n * n, sizeof *want_f);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(s->db, "SELECT doc, text FROM texts ORDER BY doc", -1, &st, NULL),
        SQLITE_OK);
    size_t n_stored = 0;
    int64_t *doc = NULL;
    uint64_t **dsk = NULL;
    size_t *n_dsk = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        doc = realloc(doc, (n_stored + 1) * sizeof *doc);
        dsk = realloc(dsk, (n_stored + 1) * sizeof *dsk);
        n_dsk = realloc(n_dsk, (n_stored + 1) * sizeof *n_dsk);
        doc[n_stored] = sqlite3_column_int64(st, 0);
        assert_int_equal(ibid_store_sketch_text(s, (const char *)sqlite3_column_text(st, 1),
                                                (size_t)sqlite3_column_bytes(st, 1), &dsk[n_stored],
                                                &n_dsk[n_stored], &err),
                         0);
        n_stored++;
    }
    sqlite3_finalize(st);
    want = calloc(n * n_stored, sizeof *want);
    for (size_t a = 0; a < n; a++) {
        for (size_t d = 0; d < n_stored; d++)
            if (shared_sorted(sk[a], n_sk[a], dsk[d], n_dsk[d]) >= IBID_STORE_CAND_MIN)
                want[n_want++] = (ibid_store_cand){(uint32_t)a, doc[d]};
        for (size_t b = a + 1; b < n; b++)
            if (shared_sorted(sk[a], n_sk[a], sk[b], n_sk[b]) >= IBID_STORE_CAND_MIN)
                want_f[n_want_f++] = (ibid_store_cand){(uint32_t)a, (int64_t)b};
    }
    for (size_t d = 0; d < n_stored; d++) free(dsk[d]);
    free(dsk);
    free(n_dsk);
    free(doc);
    enum { RUNS = 6 };
    const int threads[RUNS] = {1, 1, 1, 2, 3, 3}, scan[RUNS] = {-1, 0, 1, -1, 0, 1};
    ibid_store_cand *sv[RUNS], *fv[RUNS];
    size_t n_sv[RUNS], n_fv[RUNS];
    for (int run = 0; run < RUNS; run++) {
        ibid_align_opts o = *ibid_store_opts(s);
        o.n_threads = threads[run];
        ibid_store_set_runtime(s, &o);
        s->parallel_lookups = threads[run] == 1 ? SIZE_MAX : 1;
        s->scan_blocks = scan[run];
        assert_int_equal(ibid_store_candidates(s, rec, n_rec, n, NULL, 0, &sv[run], &n_sv[run],
                                               &fv[run], &n_fv[run], &err),
                         0);
    }
    assert_true(n_sv[0] >= 10); /* the copies find their originals at least */
    assert_int_equal(n_sv[0], n_want);
    assert_int_equal(n_fv[0], n_want_f);
    for (size_t k = 0; k < n_want; k++) {
        assert_int_equal(sv[0][k].a, want[k].a);
        assert_int_equal(sv[0][k].b, want[k].b);
    }
    for (size_t k = 0; k < n_want_f; k++) {
        assert_int_equal(fv[0][k].a, want_f[k].a);
        assert_int_equal(fv[0][k].b, want_f[k].b);
    }
    free(want);
    free(want_f);
    free(rec);
    for (int run = 1; run < RUNS; run++) {
        assert_int_equal(n_sv[run], n_sv[0]);
        assert_int_equal(n_fv[run], n_fv[0]);
        for (size_t k = 0; k < n_sv[0]; k++) { /* field by field: the struct has padding */
            assert_int_equal(sv[run][k].a, sv[0][k].a);
            assert_int_equal(sv[run][k].b, sv[0][k].b);
        }
        for (size_t k = 0; k < n_fv[0]; k++) {
            assert_int_equal(fv[run][k].a, fv[0][k].a);
            assert_int_equal(fv[run][k].b, fv[0][k].b);
        }
    }
    for (int run = 0; run < RUNS; run++) free(sv[run]), free(fv[run]);
    for (size_t i = 0; i < n; i++) free(sk[i]);
    free(sk);
    free(n_sk);
    ibid_store_close(s);
    ibid_corpus_free(c);
    ibid_corpus_free(c2);
}

/* Many small batches after a large one: the index never holds more than IBID_STORE_MAX_RUNS
 * runs, both merges happen (a batch absorbing every run, and the smaller runs), and the entries
 * are those of a store that added the documents in one batch. */
static void test_index_runs(void **state)
{
    fixture *f = *state;
    seed_rng("test_index_runs");
    enum { N = 70, FIRST = 40 };
    ibid_corpus *c = planted_corpus(N), *head;
    ibid_error err = {0};
    ibid_result *whole;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    assert_int_equal(ibid_align(&whole, c, NULL, &o, NULL), 0);
    char *want = passage_lines(c, whole);

    /* one store: all the documents in one batch */
    char *db1 = join(f->dir, "one.db");
    ibid_store *s;
    assert_int_equal(ibid_store_open(&s, db1, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err), 0);
    assert_int_equal(ibid_store_add(s, c, NULL, NULL, &err), 0);
    ibid_store_close(s);
    size_t n_want, n_runs;
    entry *e_want = index_entries(db1, &n_want, &n_runs);
    assert_int_equal(n_runs, 1);
    assert_true(n_want > N * 20);

    /* the other: FIRST documents, then one by one */
    ibid_corpus_new(&head);
    for (size_t i = 0; i < FIRST; i++) {
        size_t n;
        const char *text = ibid_corpus_text(c, i, &n), *id = ibid_corpus_id(c, i);
        assert_int_equal(
            ibid_corpus_add(head, id, strlen(id), text, n, ibid_corpus_meta(c, i), NULL), 0);
    }
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, head, NULL, NULL, &err), 0);
    size_t prev = 1, n_all = 0, n_smaller = 0, n_ent;
    for (size_t i = FIRST; i < N; i++) {
        ibid_corpus *one;
        ibid_corpus_new(&one);
        size_t n;
        const char *text = ibid_corpus_text(c, i, &n), *id = ibid_corpus_id(c, i);
        assert_int_equal(
            ibid_corpus_add(one, id, strlen(id), text, n, ibid_corpus_meta(c, i), NULL), 0);
        assert_int_equal(ibid_store_add(s, one, NULL, NULL, &err), 0);
        ibid_corpus_free(one);
        free(index_entries(f->db, &n_ent, &n_runs));
        assert_true(n_runs <= IBID_STORE_MAX_RUNS);
        if (n_runs == 1)
            n_all++;
        else if (n_runs == 2 && prev == IBID_STORE_MAX_RUNS)
            n_smaller++;
        else
            assert_int_equal(n_runs, prev + 1);
        prev = n_runs;
    }
    assert_true(n_all >= 1);
    assert_true(n_smaller >= 1);
    entry *e_got = index_entries(f->db, &n_ent, NULL);
    assert_int_equal(n_ent, n_want);
    for (size_t k = 0; k < n_want; k++) {
        assert_int_equal(e_got[k].hash, e_want[k].hash);
        assert_int_equal(e_got[k].doc, e_want[k].doc);
    }
    /* and the passages found are passages of the whole corpus's alignment */
    ibid_corpus *lc;
    ibid_result *lr;
    assert_int_equal(ibid_store_load(&lc, &lr, s, NULL, 0, 0, &err), 0);
    assert_true(lr->n_passages >= whole->n_passages * 9 / 10);
    char *got = passage_lines(lc, lr);
    assert_lines_in(got, want);
    free(got);
    ibid_corpus_free(lc);
    ibid_result_free(lr);
    ibid_store_close(s);
    free(e_got);
    free(e_want);
    free(db1);
    free(want);
    ibid_result_free(whole);
    ibid_corpus_free(head);
    ibid_corpus_free(c);
}

/* An index entry keeps 48 of a hash's 63 bits (part and 32 more): a lookup meets the entries of
 * its 48 bits, also when two of the batch's hashes share them (the lookup goes back over the
 * same entries for the second). New document 0 holds three of stored document D's sampled
 * hashes with their lowest bit flipped (kept bits the same), new document 1 the three hashes
 * themselves: both are candidates with D, three votes each, and not with each other. */
static void test_kept_bits(void **state)
{
    fixture *f = *state;
    seed_rng("test_kept_bits");
    ibid_corpus *c = planted_corpus(6);
    ibid_error err = {0};
    ibid_store *s;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, c, NULL, NULL, &err), 0);
    size_t n;
    const char *text = ibid_corpus_text(c, 2, &n);
    uint64_t *sk;
    size_t n_sk;
    assert_int_equal(ibid_store_sketch_text(s, text, n, &sk, &n_sk, &err), 0);
    assert_true(n_sk > 30);
    ibid_rec rec[6];
    for (int k = 0; k < 3; k++) {
        uint64_t h = sk[10 * k + 5];
        rec[2 * k] = (ibid_rec){h ^ 1, 0, 0};
        rec[2 * k + 1] = (ibid_rec){h, 1, 0};
    }
    ibid_rec_sort(rec, 6, 1);
    ibid_store_cand *sc, *fc;
    size_t n_sc, n_fc;
    assert_int_equal(ibid_store_candidates(s, rec, 6, 2, NULL, 0, &sc, &n_sc, &fc, &n_fc, &err), 0);
    int64_t d = sql_int(f->db, "SELECT doc FROM docs WHERE id = 'doc002'");
    assert_int_equal(n_sc, 2);
    assert_int_equal(sc[0].a, 0);
    assert_int_equal(sc[0].b, d);
    assert_int_equal(sc[1].a, 1);
    assert_int_equal(sc[1].b, d);
    assert_int_equal(n_fc, 0);
    free(sc);
    free(fc);
    free(sk);
    ibid_store_close(s);
    ibid_corpus_free(c);
}

/* Run SQL with no result on the store's file, as another process would. */
static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

typedef struct {
    ibid_store *s;
    ibid_corpus *c;
    int rc, done;
    ibid_error err;
} add_job;

static void *run_add(void *ud)
{
    add_job *j = ud;
    j->rc = ibid_store_add(j->s, j->c, NULL, NULL, &j->err);
    __atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* What a batch stages in its first transaction and an add that died left (texts past the last
 * document, index blocks past the last run) is invisible and deleted by the next add; and an
 * add waits while another holds the store's add lock ("<store>-lock"). */
static void test_add_staged_and_lock(void **state)
{
    fixture *f = *state;
    seed_rng("test_add_staged_and_lock");
    enum { N = 30, FIRST = 20 };
    ibid_corpus *c = planted_corpus(N), *head, *tail;
    ibid_corpus_new(&head);
    ibid_corpus_new(&tail);
    for (size_t i = 0; i < N; i++) {
        size_t n;
        const char *text = ibid_corpus_text(c, i, &n), *id = ibid_corpus_id(c, i);
        assert_int_equal(ibid_corpus_add(i < FIRST ? head : tail, id, strlen(id), text, n,
                                         ibid_corpus_meta(c, i), NULL),
                         0);
    }
    ibid_error err = {0};
    ibid_store *s;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, head, NULL, NULL, &err), 0);

    /* what a dead add leaves: a text and a block of a run nothing lists */
    sql_exec(f->db, "INSERT INTO texts(text) VALUES ('w0001 w0002 w0003 w0004 w0005');"
                    "INSERT INTO gram_blocks(block, data) VALUES "
                    "(((SELECT max(run) FROM gram_runs) + 1) << 16 | 7, zeroblob(12))");
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM texts"), FIRST + 1);
    /* readers do not see it */
    ibid_corpus *lc;
    ibid_result *lr;
    assert_int_equal(ibid_store_load(&lc, &lr, s, NULL, 0, 0, &err), 0);
    assert_int_equal(ibid_corpus_size(lc), FIRST);
    ibid_corpus_free(lc);
    ibid_result_free(lr);

    /* a reader in a long read transaction keeps its snapshot through the add (which does not
     * wait for it: its checkpoint leaves the pages such a reader holds back to a later one) */
    sqlite3 *rh;
    sqlite3_stmt *cnt;
    assert_int_equal(sqlite3_open_v2(f->db, &rh, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(rh, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(rh, "SELECT count(*) FROM docs", -1, &cnt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(cnt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(cnt, 0), FIRST);
    sqlite3_reset(cnt);

    /* another add holds the lock: this one waits until it is released */
    char *lock = join(f->dir, "t.db-lock");
    int fd = open(lock, O_RDWR | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    add_job j = {s, tail, 0, 0, {0}};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run_add, &j), 0);
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    assert_int_equal(__atomic_load_n(&j.done, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM docs"), FIRST);
    close(fd);
    pthread_join(th, NULL);
    assert_int_equal(j.rc, 0);
    assert_int_equal(sqlite3_step(cnt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(cnt, 0), FIRST);
    sqlite3_finalize(cnt);
    assert_int_equal(sqlite3_exec(rh, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(rh);

    /* the dead add's rows are gone, the new batch is whole, and nothing is left staged */
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM docs"), N);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM texts"), N);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM docs JOIN texts USING (doc)"), N);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM texts WHERE text LIKE 'w0001 w0002 %'"),
                     0);
    size_t n_ent;
    free(index_entries(f->db, &n_ent, NULL)); /* every block in a listed run */
    assert_true(n_ent > N * 20);
    ibid_store_close(s);
    free(lock);
    ibid_corpus_free(head);
    ibid_corpus_free(tail);
    ibid_corpus_free(c);
}

/* A corpus of n documents of 4,000 random words each (about 24 KB), ids prefix0, prefix1, ... */
static ibid_corpus *big_corpus(size_t n, const char *prefix, size_t *bytes)
{
    ibid_corpus *c;
    ibid_corpus_new(&c);
    *bytes = 0;
    for (size_t i = 0; i < n; i++) {
        char id[32], *t = random_words(4000);
        snprintf(id, sizeof id, "%s%zu", prefix, i);
        assert_int_equal(ibid_corpus_add(c, id, strlen(id), t, strlen(t), NULL, NULL), 0);
        *bytes += strlen(t);
        free(t);
    }
    return c;
}

static long long file_size(const char *dir, const char *name)
{
    char *p = join(dir, name);
    struct stat st;
    long long n = stat(p, &st) == 0 ? (long long)st.st_size : -1;
    free(p);
    return n;
}

/* Once the batch's pages are checkpointed, the add empties the WAL on its writer thread, so that
 * the store's close does not delete a WAL of the batch's size; never when a reader holds an
 * older snapshot, whom it does not wait for. */
static void test_wal_emptied(void **state)
{
    fixture *f = *state;
    seed_rng("test_wal_emptied");
    size_t n1, n2;
    ibid_corpus *c1 = big_corpus(60, "a", &n1), *c2 = big_corpus(60, "b", &n2);
    ibid_error err = {0};
    ibid_store *s;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, c1, NULL, NULL, &err), 0);
    long long wal = file_size(f->dir, "t.db-wal");
    assert_true(wal >= 0 && wal < (long long)n1 / 4); /* the second transaction's rows only */
    /* a reader in a read transaction begun before the next add */
    sqlite3 *rh;
    assert_int_equal(sqlite3_open_v2(f->db, &rh, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(rh, "BEGIN; SELECT count(*) FROM docs", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(ibid_store_add(s, c2, NULL, NULL, &err), 0);
    assert_true(file_size(f->dir, "t.db-wal") >= (long long)n2); /* left for a later one */
    assert_int_equal(sqlite3_exec(rh, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(rh);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM docs"), 120);
    ibid_store_close(s);
    ibid_corpus_free(c1);
    ibid_corpus_free(c2);
}

/* A query finds what aligning the text with the store's documents finds, the query as doc1. */
static void test_query(void **state)
{
    fixture *f = *state;
    seed_rng("test_query");
    ibid_corpus *c = planted_corpus(40);
    ibid_store *s;
    ibid_error err = {0};
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, c, NULL, NULL, &err), 0);
    ibid_store_close(s);
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_READ, NULL, &err), 0);

    /* the query: pieces of three stored documents */
    size_t n0, n1, n2;
    const char *t0 = ibid_corpus_text(c, 5, &n0), *t1 = ibid_corpus_text(c, 17, &n1),
               *t2 = ibid_corpus_text(c, 33, &n2);
    char *filler = random_words(50);
    size_t m = n0 + n1 + n2 + strlen(filler) + 8;
    char *q = malloc(m);
    snprintf(q, m, "%.*s %s %.*s %.*s", (int)(n0 / 2), t0, filler, (int)(n1 / 2), t1 + n1 / 2,
             (int)n2, t2);
    ibid_corpus *qc;
    ibid_result *qr;
    assert_int_equal(ibid_store_query(&qc, &qr, s, "zz-query", q, strlen(q), &err), 0);
    assert_string_equal(ibid_corpus_id(qc, 0), "zz-query");
    int seen[3] = {0};
    for (size_t i = 0; i < qr->n_passages; i++) {
        const ibid_passage *p = &qr->passages[i];
        assert_int_equal(p->doc1, 0);
        assert_true(p->cp_end1 <= strlen(q)); /* ASCII: code points are bytes */
        const char *id2 = ibid_corpus_id(qc, p->doc2);
        seen[0] |= strcmp(id2, "doc005") == 0;
        seen[1] |= strcmp(id2, "doc017") == 0;
        seen[2] |= strcmp(id2, "doc033") == 0;
        /* the aligned spans hold the same words */
        size_t nb;
        const char *tb = ibid_corpus_text(qc, p->doc2, &nb);
        assert_true(p->cp_end2 <= nb);
        if (i) assert_true(strcmp(ibid_corpus_id(qc, qr->passages[i - 1].doc2), id2) <= 0);
        (void)tb;
    }
    assert_true(seen[0] && seen[1] && seen[2]);

    /* the answer of ibid_align over the query and the whole store: every passage the query
     * finds is one of its, and every exact one of CW + n - 1 tokens or more is found */
    ibid_corpus *all;
    ibid_result *ar, *lr;
    assert_int_equal(ibid_store_load(&all, &lr, s, NULL, 0, 0, &err), 0);
    assert_int_equal(ibid_corpus_add(all, "zz-query", 8, q, strlen(q), NULL, NULL), 0);
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    assert_int_equal(ibid_align(&ar, all, NULL, &o, NULL), 0);
    size_t n_q = 0, qi = ibid_corpus_size(all) - 1;
    for (size_t i = 0; i < ar->n_passages; i++) {
        const ibid_passage *p = &ar->passages[i];
        if (p->doc2 != qi) continue; /* "zz-query" sorts last: it is always doc2 */
        n_q++;
        if (p->matches < IBID_STORE_CAND_MIN * IBID_STORE_WINNOW + 3 || p->matches != p->columns)
            continue;
        int found = 0;
        for (size_t k = 0; k < qr->n_passages; k++) {
            const ibid_passage *x = &qr->passages[k];
            found |= strcmp(ibid_corpus_id(qc, x->doc2), ibid_corpus_id(all, p->doc1)) == 0 &&
                     x->cp_beg1 == p->cp_beg2 && x->cp_end1 == p->cp_end2 &&
                     x->cp_beg2 == p->cp_beg1 && x->cp_end2 == p->cp_end1;
        }
        assert_true(found);
    }
    assert_true(n_q >= qr->n_passages);
    for (size_t k = 0; k < qr->n_passages; k++) {
        const ibid_passage *x = &qr->passages[k];
        int found = 0;
        for (size_t i = 0; i < ar->n_passages; i++) {
            const ibid_passage *p = &ar->passages[i];
            found |= p->doc2 == qi &&
                     strcmp(ibid_corpus_id(qc, x->doc2), ibid_corpus_id(all, p->doc1)) == 0 &&
                     x->cp_beg1 == p->cp_beg2 && x->cp_end1 == p->cp_end2 &&
                     x->cp_beg2 == p->cp_beg1 && x->cp_end2 == p->cp_end1;
        }
        assert_true(found);
    }

    /* a read-only store refuses to add; bad UTF-8 is named */
    ibid_store_add_report rep;
    assert_int_equal(ibid_store_add(s, c, NULL, &rep, &err), IBID_EINVAL);
    ibid_corpus *bc = NULL;
    ibid_result *br = NULL;
    assert_int_equal(ibid_store_query(&bc, &br, s, "bad", "ok\n\xff", 4, &err), IBID_EUTF8);
    assert_int_equal(err.line, 2);
    assert_null(bc);

    free(filler);
    free(q);
    ibid_corpus_free(qc);
    ibid_result_free(qr);
    ibid_corpus_free(all);
    ibid_result_free(ar);
    ibid_result_free(lr);
    ibid_store_close(s);
    ibid_corpus_free(c);
}

/* ibid_store_load with ids: the documents reachable within max_hops passages. */
static void test_load_hops(void **state)
{
    fixture *f = *state;
    /* a chain a - b - c (each copies from the one before) and an unrelated d */
    seed_rng("test_load_hops");
    char *w1 = random_words(60), *w2 = random_words(60), *x[4];
    for (int i = 0; i < 4; i++) x[i] = random_words(150);
    char *t[4];
    size_t m = 4096;
    for (int i = 0; i < 4; i++) t[i] = malloc(m);
    snprintf(t[0], m, "%s %s", x[0], w1);
    snprintf(t[1], m, "%s %s %s", w1, x[1], w2);
    snprintf(t[2], m, "%s %s", w2, x[2]);
    snprintf(t[3], m, "%s", x[3]);
    ibid_corpus *c;
    ibid_corpus_new(&c);
    const char *ids[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(ibid_corpus_add(c, ids[i], 1, t[i], strlen(t[i]), NULL, NULL), 0);
    ibid_store *s;
    ibid_error err = {0};
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, c, NULL, NULL, &err), 0);
    struct {
        int hops;
        size_t n_docs, n_pass;
    } cases[] = {{0, 1, 0}, {1, 2, 1}, {2, 3, 2}, {-1, 3, 2}};
    for (size_t k = 0; k < 4; k++) {
        ibid_corpus *lc;
        ibid_result *lr;
        const char *want[] = {"a"};
        assert_int_equal(ibid_store_load(&lc, &lr, s, want, 1, cases[k].hops, &err), 0);
        assert_int_equal(ibid_corpus_size(lc), cases[k].n_docs);
        assert_int_equal(lr->n_passages, cases[k].n_pass);
        assert_string_equal(ibid_corpus_id(lc, 0), "a");
        ibid_corpus_free(lc);
        ibid_result_free(lr);
    }
    ibid_corpus *lc = NULL;
    ibid_result *lr = NULL;
    const char *missing[] = {"a", "nope"};
    assert_int_equal(ibid_store_load(&lc, &lr, s, missing, 2, 1, &err), IBID_ENOTFOUND);
    assert_non_null(strstr(err.message, "'nope'"));
    assert_null(lc);
    ibid_store_close(s);
    for (int i = 0; i < 4; i++) free(t[i]), free(x[i]);
    free(w1), free(w2);
    ibid_corpus_free(c);
}

/* Opening: recorded options, missing files, foreign databases, newer schemas. */
static void test_open_errors(void **state)
{
    fixture *f = *state;
    ibid_store *s = NULL;
    ibid_error err = {0};
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_READ, NULL, &err), IBID_ENOTFOUND);
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE, NULL, &err), IBID_ENOTFOUND);
    assert_null(s);

    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 5;
    o.mode = IBID_MODE_ALL;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, &o, &err), 0);
    ibid_store_close(s);
    /* reopened without options: the recorded ones */
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_READ, NULL, &err), 0);
    assert_int_equal(ibid_store_opts(s)->ngram, 5);
    assert_int_equal(ibid_store_opts(s)->mode, IBID_MODE_ALL);
    ibid_store_close(s);
    /* with other matching options: refused, naming the option */
    ibid_align_opts_init(&o);
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE, &o, &err), IBID_EINVAL);
    assert_non_null(strstr(err.message, "ngram"));
    /* the same matching options and other run-time ones: fine */
    o.ngram = 5;
    o.mode = IBID_MODE_ALL;
    o.n_threads = 3;
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE, &o, &err), 0);
    assert_int_equal(ibid_store_opts(s)->n_threads, 3);
    ibid_store_close(s);

    /* a newer schema */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_READ, NULL, &err), IBID_EINVAL);
    assert_non_null(strstr(err.message, "newer"));

    /* another application's database, and a file that is no database */
    char *other = join(f->dir, "other.db");
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(ibid_store_open(&s, other, IBID_STORE_WRITE, NULL, &err), IBID_EIO);
    assert_non_null(strstr(err.message, "not an ibid store"));
    FILE *fp = fopen(other, "w");
    fputs("hello, this is not a database at all, just some text to fill the header page", fp);
    fclose(fp);
    assert_int_equal(ibid_store_open(&s, other, IBID_STORE_READ, NULL, &err), IBID_EIO);
    assert_non_null(strstr(err.message, "not an ibid store"));
    assert_string_equal(err.source, other);
    free(other);
}

/* ibid_store_fetch_many: the same corpus (ids, texts, metadata, in the order asked) on one
 * connection or split over threads, each on its own; a missing document and a stored text that
 * is not UTF-8 (written behind ibid's back) are errors that name the store and the document. */
static void test_fetch_many(void **state)
{
    fixture *f = *state;
    seed_rng("test_fetch_many");
    ibid_corpus *c = planted_corpus(40), *m;
    ibid_corpus_new(&m); /* c's documents, every third with metadata */
    for (size_t i = 0; i < ibid_corpus_size(c); i++) {
        size_t len;
        const char *text = ibid_corpus_text(c, i, &len), *id = ibid_corpus_id(c, i);
        char meta[64];
        snprintf(meta, sizeof meta, "{\"n\":%zu}", i);
        ibid_error e;
        assert_int_equal(ibid_corpus_add(m, id, strlen(id), text, len, i % 3 ? NULL : meta, &e), 0);
    }
    ibid_store *s;
    ibid_error err = {0};
    assert_int_equal(ibid_store_open(&s, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err),
                     0);
    assert_int_equal(ibid_store_add(s, m, NULL, NULL, &err), 0);
    int64_t *docs = NULL;
    size_t n_docs = 0;
    assert_int_equal(ibid_store_all_docs(s, &docs, &n_docs, &err), 0);
    assert_int_equal(n_docs, 40);
    /* some of them, in a shuffled order */
    int64_t want[30];
    for (size_t k = 0; k < 30; k++) want[k] = docs[(k * 7) % n_docs];
    ibid_corpus *ref;
    ibid_corpus_new(&ref);
    for (size_t k = 0; k < 30; k++) assert_int_equal(ibid_store_fetch(s, want[k], ref, &err), 0);
    const int threads[] = {1, 2, 3};
    for (size_t t = 0; t < 3; t++) {
        ibid_align_opts o = *ibid_store_opts(s);
        o.n_threads = threads[t];
        ibid_store_set_runtime(s, &o);
        s->parallel_fetch = 1;
        ibid_corpus *got;
        ibid_corpus_new(&got);
        assert_int_equal(ibid_store_fetch_many(s, want, 30, got, &err), 0);
        assert_int_equal(ibid_corpus_size(got), 30);
        for (size_t k = 0; k < 30; k++) expect_same_doc(ref, k, got, k);
        ibid_corpus_free(got);
        /* a rowid that is no document, in the last thread's share */
        int64_t bad[30];
        memcpy(bad, want, sizeof bad);
        bad[29] = docs[n_docs - 1] + 1000;
        ibid_corpus_new(&got);
        assert_int_equal(ibid_store_fetch_many(s, bad, 30, got, &err), IBID_ENOTFOUND);
        assert_non_null(strstr(err.message, "no stored document"));
        ibid_corpus_free(got);
    }
    /* a stored text that is not UTF-8 */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE texts SET text = CAST(X'41C328' AS TEXT) WHERE doc = %lld",
             (long long)want[3]);
    assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
    for (size_t t = 0; t < 3; t++) {
        ibid_align_opts o = *ibid_store_opts(s);
        o.n_threads = threads[t];
        ibid_store_set_runtime(s, &o);
        ibid_corpus *got;
        ibid_corpus_new(&got);
        int rc = ibid_store_fetch_many(s, want, 30, got, &err);
        assert_int_equal(rc, IBID_EUTF8); /* naming the store and the document */
        assert_string_equal(err.source, f->db);
        char what[80];
        snprintf(what, sizeof what, "stored document %lld: invalid UTF-8 at byte 1",
                 (long long)want[3]);
        assert_non_null(strstr(err.message, what));
        ibid_corpus_free(got);
    }
    free(docs);
    ibid_corpus_free(ref);
    ibid_corpus_free(m);
    ibid_corpus_free(c);
    ibid_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sketch),
        cmocka_unit_test(test_pairs_new),
        cmocka_unit_test_setup_teardown(test_incremental_equals_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readd_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_stories, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_stories, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_staged_and_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_emptied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_hops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
