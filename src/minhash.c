/*
 * minhash.c: word n-gram shingles, MinHash signatures and LSH band keys for ibid dedup.
 *
 * A document is the set of its word n-grams (shingles), each a 32-bit hash of n consecutive
 * token hashes (tokens as normalized by tokenize.c: NFKC, case folded). Two documents' Jaccard
 * similarity J = |A & B| / |A | B| is what --threshold speaks of.
 *
 * Signatures: one-permutation hashing with optimal densification (Li, Owen and Zhang, "One
 * Permutation Hashing", NIPS 2012; Shrivastava, "Optimal Densification for Fast and Accurate
 * Minwise Hashing", ICML 2017). Each shingle is mixed once into 64 bits; the high bits pick one
 * of K bins, the low 32 bits are its value, and each bin keeps its least value. A bin that no
 * shingle fell into borrows the value of a non-empty bin chosen by a hash of (bin, attempt), so
 * that two documents' bins agree with probability J as with K independent permutations, at the
 * cost of one hash per shingle instead of K.
 *
 * Banding (Broder 1997; Leskovec, Rajaraman and Ullman, "Mining of Massive Datasets", ch. 3.4):
 * the K = b x r values form b bands of r rows; each band is hashed into a 64-bit bucket key (the
 * band's number is the seed, so equal rows in different bands never meet). Two documents of
 * similarity s share at least one bucket with probability P(s) = 1 - (1 - s^r)^b, an S-curve
 * that rises steepest near (1/b)^(1/r). ibid_minhash_params chooses b and r for a threshold t as
 * datasketch's _optimal_param does: among b x r <= K, the pair minimising
 *   w_fp * integral_0^t P(s) ds  +  w_fn * integral_t^1 (1 - P(s)) ds,
 * the area of false positives (pairs below t that become candidates) and of false negatives
 * (pairs above t that never do). Candidates are then verified exactly (dedup.c), so a false
 * positive costs time and a false negative costs recall: ibid weighs them 1 : 1 by default.
 */
#include "ibid_int.h"

#include <math.h>
#include <xxhash.h>

/* On x86-64 with GCC or Clang, the hot loops are also compiled for AVX-512 and chosen at run
 * time (__builtin_cpu_supports); elsewhere only the portable build exists. */
#if defined(__x86_64__) && defined(__GNUC__)
#define IBID_X86_CLONES 1
#else
#define IBID_X86_CLONES 0
#endif
#if defined(__GNUC__)
#define IBID_ALWAYS_INLINE __attribute__((always_inline))
#else
#define IBID_ALWAYS_INLINE
#endif

/* splitmix64's finalizer: a bijection on 64 bits that mixes every input bit into every output
 * bit (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators", 2014). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

double ibid_lsh_probability(double s, int bands, int rows)
{
    assert(bands >= 1 && rows >= 1);
    if (s <= 0) return 0;
    if (s >= 1) return 1;
    return 1 - pow(1 - pow(s, rows), bands);
}

/* Simpson's rule with 256 intervals on [lo, hi] of P (want_fn 0) or 1 - P (want_fn 1). */
static double area(double lo, double hi, int bands, int rows, int want_fn)
{
    enum { STEPS = 256 };
    if (hi <= lo) return 0;
    double h = (hi - lo) / STEPS, sum = 0;
    for (int i = 0; i <= STEPS; i++) {
        double p = ibid_lsh_probability(lo + h * i, bands, rows);
        double f = want_fn ? 1 - p : p;
        sum += f * (i == 0 || i == STEPS ? 1 : (i % 2 ? 4 : 2));
    }
    return sum * h / 3;
}

int ibid_minhash_params(double threshold, int max_hashes, double w_fp, double w_fn, int *bands,
                        int *rows, double *fp, double *fn)
{
    if (!(threshold > 0 && threshold < 1) || max_hashes < 2 || max_hashes > IBID_MAX_HASHES ||
        !(w_fp >= 0) || !(w_fn >= 0) || w_fp + w_fn <= 0)
        return IBID_EINVAL;
    double best = HUGE_VAL;
    for (int b = 1; b <= max_hashes; b++) {
        for (int r = 1; r <= max_hashes / b; r++) {
            double a_fp = area(0, threshold, b, r, 0), a_fn = area(threshold, 1, b, r, 1);
            double e = w_fp * a_fp + w_fn * a_fn;
            if (e < best - 1e-12) { /* ties: the first found, fewest bands */
                best = e;
                *bands = b;
                *rows = r;
                if (fp) *fp = a_fp;
                if (fn) *fn = a_fn;
            }
        }
    }
    assert(best < HUGE_VAL);
    return 0;
}

uint32_t ibid_shingle_hash(const uint32_t *tok, int n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    for (int i = 0; i < n; i++) h = mix64(h ^ tok[i]);
    return (uint32_t)h;
}

/* Sort a[0, n) ascending: insertion sort for a few, else an LSD radix sort on 11-bit digits
 * (three passes) through tmp[0, n). qsort's comparisons took a third of dedup's time. */
static void sort_u32(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n <= 48) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > v; j--) a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    uint32_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 33; shift += 11) {
        size_t count[2048] = {0};
        for (size_t i = 0; i < n; i++) count[(src[i] >> shift) & 2047]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[count[(src[i] >> shift) & 2047]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a); /* three passes end in tmp */
}

/*
 * out[i] = ibid_shingle_hash(tok + i, ngram) for i in [0, n), eight shingles at a time: the
 * eight hash chains are independent, so a compiler can keep them in one vector register. With
 * 64-bit vector multiplies (AVX-512DQ) that is 3.4 times as fast as one chain at a time
 * (bench/RESULTS.md); the values are the same bits either way.
 */
static inline IBID_ALWAYS_INLINE void shingle_run(uint32_t *out, const uint32_t *tok, size_t n,
                                                  int ngram)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t h[8];
        for (int k = 0; k < 8; k++) h[k] = 0x9E3779B97F4A7C15ULL ^ (uint64_t)ngram;
        for (int j = 0; j < ngram; j++)
            for (int k = 0; k < 8; k++) h[k] = mix64(h[k] ^ tok[i + (size_t)k + (size_t)j]);
        for (int k = 0; k < 8; k++) out[i + (size_t)k] = (uint32_t)h[k];
    }
    for (; i < n; i++) out[i] = ibid_shingle_hash(tok + i, ngram);
}

static void shingle_run_any(uint32_t *out, const uint32_t *tok, size_t n, int ngram)
{
    shingle_run(out, tok, n, ngram);
}

#if IBID_X86_CLONES
__attribute__((target("avx512f,avx512dq,avx512vl"))) static void
shingle_run_avx512(uint32_t *out, const uint32_t *tok, size_t n, int ngram)
{
    shingle_run(out, tok, n, ngram);
}
#endif

size_t ibid_shingle_hashes(uint32_t *out, const uint32_t *tok, size_t n_tok, int ngram)
{
    assert(ngram >= 1);
    if (n_tok == 0) return 0;
    if (n_tok < (size_t)ngram) {
        out[0] = ibid_shingle_hash(tok, (int)n_tok); /* a short document is one shingle */
        return 1;
    }
    size_t n = n_tok - (size_t)ngram + 1;
#if IBID_X86_CLONES
    if (__builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        shingle_run_avx512(out, tok, n, ngram);
        return n;
    }
#endif
    shingle_run_any(out, tok, n, ngram);
    return n;
}

size_t ibid_shingle_set(uint32_t *a, uint32_t *tmp, size_t n)
{
    sort_u32(a, tmp, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || a[i] != a[k - 1]) a[k++] = a[i];
    return k;
}

size_t ibid_shingles(uint32_t *out, uint32_t *tmp, const uint32_t *tok, size_t n_tok, int ngram)
{
    return ibid_shingle_set(out, tmp, ibid_shingle_hashes(out, tok, n_tok, ngram));
}

/* Each shingle into its bin, keeping the bin's least value; the hashes eight at a time (as in
 * shingle_run), the bins one at a time (two shingles may fall into one bin). */
static inline IBID_ALWAYS_INLINE void sign_run(uint32_t *sig, uint8_t *full, int n_hash,
                                               const uint32_t *sh, size_t n, uint64_t seed)
{
    size_t i = 0;
    uint64_t h[8];
    while (i < n) {
        size_t m = n - i < 8 ? n - i : 8;
        if (m == 8)
            for (int k = 0; k < 8; k++) h[k] = mix64(sh[i + (size_t)k] ^ seed);
        else
            for (size_t k = 0; k < m; k++) h[k] = mix64(sh[i + k] ^ seed);
        for (size_t k = 0; k < m; k++) {
            uint32_t bin = (uint32_t)(((h[k] >> 32) * (uint64_t)n_hash) >> 32);
            uint32_t v = (uint32_t)h[k], old = sig[bin];
            sig[bin] = v < old ? v : old; /* a store always, no branch: whether a value is a new
                                             least is a coin toss for the first shingles, and
                                             the mispredictions took three quarters of the time */
            full[bin] = 1;
        }
        i += m;
    }
}

static void sign_run_any(uint32_t *sig, uint8_t *full, int n_hash, const uint32_t *sh, size_t n,
                         uint64_t seed)
{
    sign_run(sig, full, n_hash, sh, n, seed);
}

#if IBID_X86_CLONES
__attribute__((target("avx512f,avx512dq,avx512vl"))) static void
sign_run_avx512(uint32_t *sig, uint8_t *full, int n_hash, const uint32_t *sh, size_t n,
                uint64_t seed)
{
    sign_run(sig, full, n_hash, sh, n, seed);
}
#endif

void ibid_minhash_sign(uint32_t *sig, int n_hash, const uint32_t *sh, size_t n, uint64_t seed)
{
    assert(n_hash >= 1 && n_hash <= IBID_MAX_HASHES);
    uint8_t full[IBID_MAX_HASHES];
    memset(full, 0, (size_t)n_hash);
    for (int k = 0; k < n_hash; k++) sig[k] = UINT32_MAX;
    if (n == 0) return;
#if IBID_X86_CLONES
    if (__builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        sign_run_avx512(sig, full, n_hash, sh, n, seed);
    else
#endif
        sign_run_any(sig, full, n_hash, sh, n, seed);
    for (int k = 0; k < n_hash; k++) {
        if (full[k]) continue;
        for (uint64_t attempt = 1;; attempt++) {
            uint64_t h = mix64(seed ^ ((uint64_t)k << 32) ^ attempt);
            uint32_t j = (uint32_t)(((h >> 32) * (uint64_t)n_hash) >> 32);
            if (full[j]) {
                sig[k] = sig[j];
                break;
            }
        }
    }
}

void ibid_minhash_bands(uint64_t *keys, const uint32_t *sig, int bands, int rows)
{
    for (int j = 0; j < bands; j++)
        keys[j] = XXH3_64bits_withSeed(sig + (size_t)j * rows, (size_t)rows * sizeof *sig,
                                       (uint64_t)j + 1);
}

double ibid_set_similarity(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                           int containment)
{
    if (na == 0 || nb == 0) return na == nb ? 1 : 0;
    size_t i = 0, j = 0, common = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            common++;
            i++;
            j++;
        }
    }
    if (containment) return (double)common / (double)(na < nb ? na : nb);
    return (double)common / (double)(na + nb - common);
}
