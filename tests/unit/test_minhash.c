/*
 * test_minhash.c: shingles, MinHash signatures, band keys and the choice of bands and rows
 * (minhash.c).
 *
 * - The banding chosen for thresholds 0.5, 0.7 and 0.9 fits in the hashes, its S-curve is low
 *   well below the threshold and high well above it, and no other (bands, rows) pair has a
 *   smaller weighted error (checked by trying every pair, not by remembered numbers).
 * - Shingles are sorted and distinct; a short document is one shingle, an empty one none.
 * - Shingles in text order (computed eight at a time) equal one ibid_shingle_hash at a time for
 *   every length, and as a set equal ibid_shingles; a signature computed eight shingles at a
 *   time has in each bin the value of a one-at-a-time reference.
 * - The fraction of equal signature values estimates the Jaccard similarity of random sets
 *   within 4 standard deviations; equal sets give equal signatures and equal band keys, and a
 *   band's key depends on its number.
 * - ibid_set_similarity equals a brute-force count.
 * Prints its seed; IBID_TEST_SEED replays one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibid_int.h"

#include "test_rng.h"

static void test_params(void **state)
{
    (void)state;
    static const double thresholds[] = {0.5, 0.7, 0.9};
    for (size_t k = 0; k < 3; k++) {
        double t = thresholds[k], fp, fn;
        int b = 0, r = 0;
        assert_int_equal(ibid_minhash_params(t, 128, 0.5, 0.5, &b, &r, &fp, &fn), 0);
        printf("threshold %.1f: %d bands x %d rows, fp area %.4f, fn area %.4f\n", t, b, r, fp, fn);
        assert_true(b >= 1 && r >= 1 && b * r <= 128);
        assert_true(ibid_lsh_probability(t - 0.2, b, r) < 0.3);
        assert_true(ibid_lsh_probability(t + 0.1 > 0.99 ? 0.99 : t + 0.1, b, r) > 0.7);
        for (int b2 = 1; b2 <= 128; b2++) {
            for (int r2 = 1; r2 <= 128 / b2; r2++) {
                /* the same areas as the library computes them, for one pair at a time */
                double fp2 = 0, fn2 = 0;
                for (int i = 0; i <= 256; i++) {
                    double w = (i == 0 || i == 256) ? 1 : (i % 2 ? 4 : 2);
                    fp2 += w * ibid_lsh_probability(t * i / 256, b2, r2);
                    fn2 += w * (1 - ibid_lsh_probability(t + (1 - t) * i / 256, b2, r2));
                }
                fp2 *= t / 256 / 3;
                fn2 *= (1 - t) / 256 / 3;
                assert_true(0.5 * fp + 0.5 * fn <= 0.5 * fp2 + 0.5 * fn2 + 1e-9);
            }
        }
    }
    int b, r;
    assert_int_equal(ibid_minhash_params(0, 128, 0.5, 0.5, &b, &r, NULL, NULL), IBID_EINVAL);
    assert_int_equal(ibid_minhash_params(1, 128, 0.5, 0.5, &b, &r, NULL, NULL), IBID_EINVAL);
    assert_int_equal(ibid_minhash_params(0.5, 1, 0.5, 0.5, &b, &r, NULL, NULL), IBID_EINVAL);
    assert_int_equal(ibid_minhash_params(0.5, 128, 0, 0, &b, &r, NULL, NULL), IBID_EINVAL);
    /* weighing false negatives more moves the curve's steep part lower: more candidates */
    int b1, r1, b2, r2;
    assert_int_equal(ibid_minhash_params(0.7, 128, 0.5, 0.5, &b1, &r1, NULL, NULL), 0);
    assert_int_equal(ibid_minhash_params(0.7, 128, 0.1, 0.9, &b2, &r2, NULL, NULL), 0);
    assert_true(ibid_lsh_probability(0.6, b2, r2) >= ibid_lsh_probability(0.6, b1, r1));
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void test_shingles(void **state)
{
    (void)state;
    uint32_t tok[64], out[64], tmp[64];
    for (size_t n = 0; n < 64; n++) tok[n] = (uint32_t)(rng() % 5); /* many repeats */
    for (size_t n = 0; n <= 64; n++) {
        size_t k = ibid_shingles(out, tmp, tok, n, 3);
        if (n == 0) {
            assert_int_equal(k, 0);
            continue;
        }
        if (n < 3) {
            assert_int_equal(k, 1);
            assert_int_equal(out[0], ibid_shingle_hash(tok, (int)n));
            continue;
        }
        for (size_t i = 1; i < k; i++) assert_true(out[i - 1] < out[i]);
        for (size_t i = 0; i + 3 <= n; i++) { /* every shingle is there */
            uint32_t h = ibid_shingle_hash(tok + i, 3);
            int found = 0;
            for (size_t j = 0; j < k; j++) found |= out[j] == h;
            assert_true(found);
        }
        assert_true(k <= n - 2);
    }
    /* many shingles (the radix sort): the same as qsort's distinct values */
    enum { BIG = 20000 };
    uint32_t *bt = malloc(BIG * sizeof *bt), *bo = malloc(BIG * sizeof *bo);
    uint32_t *bx = malloc(BIG * sizeof *bx), *bq = malloc(BIG * sizeof *bq);
    assert_true(bt && bo && bx && bq);
    for (size_t i = 0; i < BIG; i++) bt[i] = (uint32_t)(rng() % 3000);
    size_t k = ibid_shingles(bo, bx, bt, BIG, 2);
    for (size_t i = 0; i + 2 <= BIG; i++) bq[i] = ibid_shingle_hash(bt + i, 2);
    qsort(bq, BIG - 1, sizeof *bq, cmp_u32);
    size_t kq = 0;
    for (size_t i = 0; i < BIG - 1; i++)
        if (kq == 0 || bq[i] != bq[kq - 1]) bq[kq++] = bq[i];
    assert_int_equal(k, kq);
    assert_memory_equal(bo, bq, k * sizeof *bo);
    free(bt), free(bo), free(bx), free(bq);
}

/* Shingles in text order (the eight-at-a-time loop, with AVX-512 where the machine has it, and
 * its tail for every length mod 8), then as a set: the values of one ibid_shingle_hash at a
 * time, and the set of ibid_shingles. */
static void test_shingles_in_order(void **state)
{
    (void)state;
    enum { N = 300 };
    uint32_t tok[N], raw[N], set[N], tmp[N];
    for (size_t i = 0; i < N; i++) tok[i] = i % 3 ? (uint32_t)rng() : (uint32_t)(rng() % 4);
    for (int ngram = 1; ngram <= 9; ngram += 4) {
        for (size_t n = 0; n <= 40 || n == N; n = n == 40 ? N : n + 1) {
            size_t k = ibid_shingle_hashes(raw, tok, n, ngram);
            size_t want = n == 0 ? 0 : n < (size_t)ngram ? 1 : n - (size_t)ngram + 1;
            assert_int_equal(k, want);
            for (size_t i = 0; i < k; i++) {
                int len = n < (size_t)ngram ? (int)n : ngram;
                assert_int_equal(raw[i], ibid_shingle_hash(tok + i, len));
            }
            size_t ks = ibid_shingle_set(raw, tmp, k);
            size_t kr = ibid_shingles(set, tmp, tok, n, ngram);
            assert_int_equal(ks, kr);
            if (ks) assert_memory_equal(raw, set, ks * sizeof *raw);
        }
    }
}

/* The bins of one-permutation hashing, one shingle at a time: sig[k] the least value that fell
 * into bin k, full[k] whether any did. */
static void reference_bins(uint32_t *sig, uint8_t *full, int n_hash, const uint32_t *sh, size_t n,
                           uint64_t seed)
{
    for (int k = 0; k < n_hash; k++) sig[k] = UINT32_MAX, full[k] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = sh[i] ^ seed; /* splitmix64's finalizer */
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9ULL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBULL;
        x ^= x >> 31;
        uint32_t bin = (uint32_t)(((x >> 32) * (uint64_t)n_hash) >> 32);
        if ((uint32_t)x < sig[bin]) sig[bin] = (uint32_t)x;
        full[bin] = 1;
    }
}

/* The signature computed eight shingles at a time (any tail length) has the reference's value in
 * every bin a shingle fell into, and in every other bin the value of one of those. */
static void test_sign_in_blocks(void **state)
{
    (void)state;
    uint32_t sh[100], a[256], b[256];
    uint8_t full[256];
    for (size_t i = 0; i < 100; i++) sh[i] = (uint32_t)rng();
    for (size_t n = 1; n <= 100; n += n < 20 ? 1 : 17) {
        ibid_minhash_sign(a, 256, sh, n, 7);
        reference_bins(b, full, 256, sh, n, 7);
        for (int k = 0; k < 256; k++) {
            if (full[k]) {
                assert_int_equal(a[k], b[k]);
                continue;
            }
            int borrowed = 0;
            for (int j = 0; j < 256; j++) borrowed |= full[j] && a[k] == b[j];
            assert_true(borrowed);
        }
    }
}

/* A sorted set of n distinct random values, sharing its first `common` with `base` when given. */
static size_t random_set(uint32_t *out, size_t n, const uint32_t *base, size_t common)
{
    for (size_t i = 0; i < n; i++) out[i] = i < common ? base[i] : (uint32_t)rng();
    qsort(out, n, sizeof *out, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || out[i] != out[k - 1]) out[k++] = out[i];
    return k;
}

static void test_signatures(void **state)
{
    (void)state;
    enum { K = 256, N = 400 };
    static uint32_t a[N], b[N], ua[N], sa[K], sb[K];
    for (int trial = 0; trial < 40; trial++) {
        size_t na = random_set(a, N, NULL, 0);
        memcpy(ua, a, sizeof a);
        /* shuffle a's values so that b shares a random subset of them */
        for (size_t i = na; i > 1; i--) {
            size_t j = rng() % i;
            uint32_t t = ua[i - 1];
            ua[i - 1] = ua[j];
            ua[j] = t;
        }
        size_t common = rng() % (na + 1);
        size_t nb = random_set(b, 50 + rng() % (N - 50), ua, common < 350 ? common : 350);
        double j = ibid_set_similarity(a, na, b, nb, 0);
        uint64_t seed = rng();
        ibid_minhash_sign(sa, K, a, na, seed);
        ibid_minhash_sign(sb, K, b, nb, seed);
        int eq = 0;
        for (int k = 0; k < K; k++) eq += sa[k] == sb[k];
        double est = (double)eq / K, sd = sqrt(j * (1 - j) / K);
        if (fabs(est - j) > 4 * sd + 0.02)
            fail_msg("trial %d: Jaccard %.3f, estimate %.3f (sd %.3f)", trial, j, est, sd);
    }
    /* equal sets, equal signatures, equal keys; a band's key depends on its number */
    size_t na = random_set(a, 30, NULL, 0); /* fewer shingles than bins: densified */
    ibid_minhash_sign(sa, 128, a, na, 7);
    ibid_minhash_sign(sb, 128, a, na, 7);
    assert_memory_equal(sa, sb, 128 * sizeof *sa);
    for (int k = 0; k < 128; k++) assert_int_not_equal(sa[k], UINT32_MAX);
    uint64_t ka[32], kb[32];
    ibid_minhash_bands(ka, sa, 32, 4);
    ibid_minhash_bands(kb, sb, 32, 4);
    assert_memory_equal(ka, kb, sizeof ka);
    uint32_t same[8] = {1, 2, 3, 4, 1, 2, 3, 4};
    ibid_minhash_bands(ka, same, 2, 4);
    assert_true(ka[0] != ka[1]);
    ibid_minhash_sign(sa, 16, a, 0, 7);
    for (int k = 0; k < 16; k++) assert_int_equal(sa[k], UINT32_MAX);
}

static void test_similarity(void **state)
{
    (void)state;
    static uint32_t a[200], b[200];
    for (int trial = 0; trial < 200; trial++) {
        size_t na = rng() % 200, nb = rng() % 200;
        for (size_t i = 0; i < na; i++) a[i] = (uint32_t)(rng() % 300);
        for (size_t i = 0; i < nb; i++) b[i] = (uint32_t)(rng() % 300);
        na = random_set(a, na, a, na);
        nb = random_set(b, nb, b, nb);
        size_t common = 0;
        for (size_t i = 0; i < na; i++)
            for (size_t k = 0; k < nb; k++) common += a[i] == b[k];
        double j = ibid_set_similarity(a, na, b, nb, 0), c = ibid_set_similarity(a, na, b, nb, 1);
        if (na == 0 || nb == 0) {
            assert_true(j == (na == nb ? 1.0 : 0.0));
            continue;
        }
        assert_true(fabs(j - (double)common / (double)(na + nb - common)) < 1e-12);
        assert_true(fabs(c - (double)common / (double)(na < nb ? na : nb)) < 1e-12);
    }
}

int main(void)
{
    seed_rng("test_minhash");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_shingles),
        cmocka_unit_test(test_shingles_in_order),
        cmocka_unit_test(test_sign_in_blocks),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_similarity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
