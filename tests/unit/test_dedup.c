/*
 * test_dedup.c: ibid dedup end to end through the library (dedup.c, docstream.c).
 *
 * A generated corpus in two JSON Lines files: random documents over a 3,000-word vocabulary,
 * exact copies (case and punctuation changed), and near copies with a few words replaced.
 *   - Memory: the same job with the default budget (nothing spilled) and with 64 KiB (bucket
 *     keys and candidate pairs spilled to many runs), on 1 and 3 threads (so also with the
 *     reader thread), gives the same survivor for every document and the same figures.
 *   - Truth: exact copies are removed as exact; every planted pair whose true Jaccard (by brute
 *     force over the shingle sets) is at least 0.85 ends in one cluster; no random document is
 *     removed; every clustered document is at least the threshold similar to some other member.
 *   - Output: the kept lines are the input lines of the survivors, byte for byte, in order.
 *   - Folders of text files, and errors: a missing file, standard input, a bad line (with and
 *     without skip_bad).
 * Prints its seed; IBID_TEST_SEED replays one.
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

#include "ibid_int.h"
#include "test_files.h"

#include "test_rng.h"

enum { N_BASE = 300, N_WORDS = 3000 };

typedef struct planted {
    size_t copy, orig; /* document numbers */
    int exact;
} planted;

static void word(char *buf, uint32_t w)
{
    sprintf(buf, "w%ux", w); /* distinct words */
}

/* Write one document line: id, text of words[0, n), an extra field. */
static void put_doc(FILE *fp, size_t id, const uint32_t *words, size_t n, int shout)
{
    fprintf(fp, "{\"id\": \"d%zu\", \"extra\": [1, 2.50], \"text\": \"", id);
    char buf[32];
    for (size_t i = 0; i < n; i++) {
        word(buf, words[i]);
        if (shout) buf[0] = 'W'; /* case folding makes it equal */
        fprintf(fp, "%s%s", i ? (shout ? ",  " : " ") : "", buf);
    }
    fprintf(fp, "\"}\n");
}

typedef struct corpus_gen {
    size_t n_doc;
    uint32_t **words;
    size_t *n_words;
    size_t n_planted;
    planted *pl;
} corpus_gen;

static void gen(corpus_gen *g, const char *path1, const char *path2)
{
    FILE *f1 = fopen(path1, "w"), *f2 = fopen(path2, "w");
    assert_non_null(f1);
    assert_non_null(f2);
    size_t total = N_BASE + N_BASE;
    g->words = calloc(total, sizeof *g->words);
    g->n_words = calloc(total, sizeof *g->n_words);
    g->pl = calloc(total, sizeof *g->pl);
    g->n_doc = 0;
    g->n_planted = 0;
    for (size_t i = 0; i < N_BASE; i++) {
        size_t n = 40 + rng() % 300;
        uint32_t *w = malloc(n * sizeof *w);
        for (size_t k = 0; k < n; k++) w[k] = (uint32_t)(rng() % N_WORDS);
        g->words[g->n_doc] = w;
        g->n_words[g->n_doc] = n;
        put_doc(f1, g->n_doc, w, n, 0);
        g->n_doc++;
        if (rng() % 3 == 0) { /* a copy, exact or near, later in the first or second file */
            size_t orig = g->n_doc - 1 - rng() % g->n_doc;
            uint32_t *c = malloc(g->n_words[orig] * sizeof *c);
            memcpy(c, g->words[orig], g->n_words[orig] * sizeof *c);
            int exact = rng() % 2;
            if (!exact)
                for (size_t k = 0; k < g->n_words[orig]; k++)
                    if (rng() % 100 < 3) c[k] = (uint32_t)(rng() % N_WORDS);
            g->pl[g->n_planted++] = (planted){g->n_doc, orig, exact};
            g->words[g->n_doc] = c;
            g->n_words[g->n_doc] = g->n_words[orig];
            put_doc(f1, g->n_doc, c, g->n_words[orig], exact);
            g->n_doc++;
        }
    }
    fclose(f1);
    /* the second file: copies of the first file's documents only */
    for (size_t i = 0; i < 40; i++) {
        size_t orig = rng() % g->n_doc;
        uint32_t *c = malloc(g->n_words[orig] * sizeof *c);
        memcpy(c, g->words[orig], g->n_words[orig] * sizeof *c);
        g->pl[g->n_planted++] = (planted){g->n_doc, orig, 1};
        g->words[g->n_doc] = c;
        g->n_words[g->n_doc] = g->n_words[orig];
        put_doc(f2, g->n_doc, c, g->n_words[orig], 1);
        g->n_doc++;
    }
    fclose(f2);
}

static void gen_free(corpus_gen *g)
{
    for (size_t i = 0; i < g->n_doc; i++) free(g->words[i]);
    free(g->words);
    free(g->n_words);
    free(g->pl);
}

/* The Jaccard similarity of two generated documents' 5-gram shingle sets. */
static double true_jaccard(const corpus_gen *g, size_t a, size_t b)
{
    uint32_t *ta = malloc(g->n_words[a] * sizeof *ta), *tb = malloc(g->n_words[b] * sizeof *tb);
    uint32_t *sa = malloc(g->n_words[a] * sizeof *sa), *sb = malloc(g->n_words[b] * sizeof *sb);
    char buf[32];
    for (size_t k = 0; k < g->n_words[a]; k++) {
        word(buf, g->words[a][k]);
        ibid_token *t;
        size_t n;
        assert_int_equal(ibid_tokenize(&t, &n, buf, strlen(buf), IBID_NORM_DEFAULT, NULL), 0);
        assert_int_equal(n, 1);
        ta[k] = t[0].hash;
        free(t);
    }
    for (size_t k = 0; k < g->n_words[b]; k++) {
        word(buf, g->words[b][k]);
        ibid_token *t;
        size_t n;
        assert_int_equal(ibid_tokenize(&t, &n, buf, strlen(buf), IBID_NORM_DEFAULT, NULL), 0);
        tb[k] = t[0].hash;
        free(t);
    }
    uint32_t *tmp = malloc((g->n_words[a] + g->n_words[b]) * sizeof *tmp);
    size_t na = ibid_shingles(sa, tmp, ta, g->n_words[a], 5),
           nb = ibid_shingles(sb, tmp, tb, g->n_words[b], 5);
    free(tmp);
    double j = ibid_set_similarity(sa, na, sb, nb, 0);
    free(ta), free(tb), free(sa), free(sb);
    return j;
}

static ibid_dedup *run(const char *const *paths, size_t n, size_t memory, int threads,
                       double threshold)
{
    ibid_dedup_opts o;
    ibid_dedup_opts_init(&o);
    o.memory = memory;
    o.n_threads = threads;
    o.threshold = threshold;
    ibid_read_opts ro;
    ibid_read_opts_init(&ro);
    ro.n_threads = threads;
    ibid_dedup *d = NULL;
    ibid_error err;
    int rc = ibid_dedup_run(&d, paths, n, &ro, &o, &err);
    if (rc < 0) fail_msg("dedup: %s: %s", err.source, err.message);
    return d;
}

/* The lines of a file, NULL-terminated, each malloc'd without its "\n". */
static char **read_lines(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char **lines = NULL, *line = NULL;
    size_t m = 0, cap = 0;
    ssize_t k;
    *n = 0;
    while ((k = getline(&line, &cap, fp)) >= 0) {
        if (k > 0 && line[k - 1] == '\n') line[k - 1] = 0;
        lines = realloc(lines, (*n + 1) * sizeof *lines);
        lines[(*n)++] = strdup(line);
        (void)m;
    }
    free(line);
    fclose(fp);
    return lines;
}

static void test_corpus(void **state)
{
    (void)state;
    char *dir = make_tmpdir("dedup");
    char *p1 = join(dir, "one.jsonl"), *p2 = join(dir, "two.jsonl");
    corpus_gen g;
    gen(&g, p1, p2);
    const char *paths[] = {p1, p2};
    double threshold = 0.6;
    ibid_dedup *a = run(paths, 2, 0, 1, threshold);
    ibid_dedup *b = run(paths, 2, 1 << 16, 3, threshold);
    const ibid_dedup_stats *sa = ibid_dedup_get_stats(a), *sb = ibid_dedup_get_stats(b);
    printf("%zu documents, %zu planted copies; kept %zu, %zu exact, %zu near, %zu clusters; "
           "runs %zu and %zu\n",
           sa->n_docs, g.n_planted, sa->n_kept, sa->n_exact, sa->n_near, sa->n_clusters, sa->n_runs,
           sb->n_runs);
    assert_int_equal(sa->n_docs, g.n_doc);
    assert_int_equal(sa->n_runs, 0);
    assert_true(sb->n_runs > 2);
    assert_int_equal(sa->n_shingle_bytes, sb->n_shingle_bytes);
    for (size_t i = 0; i < g.n_doc; i++)
        assert_int_equal(ibid_dedup_survivor(a, i), ibid_dedup_survivor(b, i));
    assert_int_equal(sa->n_kept, sb->n_kept);
    assert_int_equal(sa->n_exact, sb->n_exact);
    assert_int_equal(sa->n_near, sb->n_near);
    assert_int_equal(sa->n_clusters, sb->n_clusters);
    assert_int_equal(sa->n_candidates, sb->n_candidates);

    /* the truth: planted copies found, random documents kept */
    char *is_copy = calloc(g.n_doc, 1);
    for (size_t k = 0; k < g.n_planted; k++) {
        const planted *p = &g.pl[k];
        is_copy[p->copy] = 1;
        double j = p->exact ? 1 : true_jaccard(&g, p->copy, p->orig);
        if (j >= 0.85 && ibid_dedup_survivor(a, p->copy) != ibid_dedup_survivor(a, p->orig))
            fail_msg("d%zu copies d%zu (Jaccard %.3f) but is not in its cluster", p->copy, p->orig,
                     j);
        if (p->exact) assert_false(ibid_dedup_is_kept(a, p->copy));
    }
    /* with --keep first, a cluster's survivor is its first document, an original */
    for (size_t i = 0; i < g.n_doc; i++)
        if (!is_copy[i] && !ibid_dedup_is_kept(a, i))
            fail_msg("d%zu, an original, was removed (survivor d%zu)", i,
                     ibid_dedup_survivor(a, i));
    /* every removed document is at least `threshold` similar to some member of its cluster */
    for (size_t i = 0; i < g.n_doc; i++) {
        size_t s = ibid_dedup_survivor(a, i);
        if (s == i) continue;
        double best = 0;
        for (size_t k = 0; k < g.n_doc; k++)
            if (k != i && ibid_dedup_survivor(a, k) == s) {
                double j = true_jaccard(&g, i, k);
                if (j > best) best = j;
            }
        if (best < threshold) fail_msg("d%zu is in a cluster with nothing similar", i);
    }

    /* the kept output: the survivors' input lines, byte for byte, in order */
    char *out = join(dir, "kept.jsonl");
    FILE *fp = fopen(out, "w");
    ibid_error err;
    assert_int_equal(ibid_dedup_write_kept(a, fp, &err), 0);
    fclose(fp);
    size_t n1, n2, nk;
    char **l1 = read_lines(p1, &n1), **l2 = read_lines(p2, &n2), **lk = read_lines(out, &nk);
    assert_int_equal(n1 + n2, g.n_doc);
    assert_int_equal(nk, sa->n_kept);
    size_t k = 0;
    for (size_t i = 0; i < g.n_doc; i++) {
        if (!ibid_dedup_is_kept(a, i)) continue;
        assert_string_equal(lk[k], i < n1 ? l1[i] : l2[i - n1]);
        k++;
    }
    for (size_t i = 0; i < n1; i++) free(l1[i]);
    for (size_t i = 0; i < n2; i++) free(l2[i]);
    for (size_t i = 0; i < nk; i++) free(lk[i]);
    free(l1), free(l2), free(lk);
    free(out);
    free(is_copy);
    ibid_dedup_free(a);
    ibid_dedup_free(b);
    gen_free(&g);
    free(p1), free(p2);
    rm_tree(dir);
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char *p = join(dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    free(p);
}

static void test_folder_and_errors(void **state)
{
    (void)state;
    char *dir = make_tmpdir("dedup_dir");
    put_file(dir, "a.txt", "One two three four five six seven eight.\n");
    put_file(dir, "b.txt", "ONE two three, four five six seven eight");
    put_file(dir, "c.txt", "Something \"else\" entirely\there.\n");
    const char *paths[] = {dir};
    ibid_dedup *d = run(paths, 1, 0, 2, 0.8);
    assert_int_equal(ibid_dedup_get_stats(d)->n_docs, 3);
    assert_string_equal(ibid_dedup_id(d, 1), "b.txt");
    assert_int_equal(ibid_dedup_survivor(d, 1), 0);
    assert_true(ibid_dedup_is_kept(d, 2));
    char *out = join(dir, "kept.out");
    FILE *fp = fopen(out, "w");
    ibid_error err;
    assert_int_equal(ibid_dedup_write_kept(d, fp, &err), 0);
    fclose(fp);
    size_t n;
    char **lines = read_lines(out, &n);
    assert_int_equal(n, 2);
    assert_string_equal(
        lines[0], "{\"id\":\"a.txt\",\"text\":\"One two three four five six seven eight.\\n\"}");
    assert_string_equal(
        lines[1], "{\"id\":\"c.txt\",\"text\":\"Something \\\"else\\\" entirely\\there.\\n\"}");
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    ibid_dedup_free(d);

    /* errors */
    ibid_dedup_opts o;
    ibid_dedup_opts_init(&o);
    ibid_read_opts ro;
    ibid_read_opts_init(&ro);
    d = NULL;
    const char *missing[] = {"/nonexistent/ibid.jsonl"};
    assert_int_equal(ibid_dedup_run(&d, missing, 1, &ro, &o, &err), IBID_EIO);
    assert_null(d);
    const char *stdin_path[] = {"-"};
    assert_int_equal(ibid_dedup_run(&d, stdin_path, 1, &ro, &o, &err), IBID_EINVAL);
    char *bad = join(dir, "bad.jsonl");
    fp = fopen(bad, "w");
    fputs("{\"id\": \"x\", \"text\": \"fine words here\"}\n{\"id\": \"y\", \"text\": \n", fp);
    fputs("{\"id\": \"z\", \"text\": \"fine words here\"}\n", fp);
    fclose(fp);
    const char *bad_path[] = {bad};
    assert_int_equal(ibid_dedup_run(&d, bad_path, 1, &ro, &o, &err), IBID_EPARSE);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.source, bad);
    ro.skip_bad = 1;
    assert_int_equal(ibid_dedup_run(&d, bad_path, 1, &ro, &o, &err), 0);
    assert_int_equal(ibid_dedup_get_stats(d)->n_docs, 2);
    assert_int_equal(ibid_dedup_get_stats(d)->n_skipped, 1);
    assert_int_equal(ibid_dedup_skipped(d, 0)->line, 2);
    assert_int_equal(ibid_dedup_survivor(d, 1), 0);
    ibid_dedup_free(d);
    o.threshold = 1.5;
    assert_int_equal(ibid_dedup_run(&d, bad_path, 1, &ro, &o, &err), IBID_EINVAL);
    free(bad);
    free(out);
    rm_tree(dir);
}

int main(void)
{
    seed_rng("test_dedup");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_folder_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
