/*
 * gen_dedup.c: a JSON Lines corpus with planted exact and near duplicates, and their truth, for
 * benchmarking ibid dedup.
 *
 *   gen_dedup --bytes 2G --seed 1 --out corpus.jsonl --truth truth.tsv [--dup 0.2]
 *
 * Documents are 80 to 1,200 words drawn from a Zipf(1) distribution over 60,000 made-up words
 * (frequent words short), in sentences of 8 to 25 words. A fraction --dup of the documents are
 * copies of one of the last 20,000 originals, with an edit rate drawn from 0 (an exact copy,
 * its letter case and punctuation changed: equal after normalization), 0.01, 0.02, 0.05, 0.1,
 * 0.15, 0.2, 0.3: each word is, with that probability, replaced (60%), deleted (20%) or
 * followed by an inserted word (20%). truth.tsv lists every copy: copy_id, orig_id, edit_rate
 * and the exact Jaccard similarity of the two documents' word 5-gram sets (the shingles of ibid
 * dedup's defaults, computed here independently on word numbers). Deterministic for a seed.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_VOCAB 60000
#define RING    20000
#define NGRAM   5

static uint64_t state;

static uint64_t rnd(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unif(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static double cdf[N_VOCAB];
static char words[N_VOCAB][12];

static uint32_t zipf(void)
{
    double u = unif() * cdf[N_VOCAB - 1];
    size_t lo = 0, hi = N_VOCAB - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

typedef struct doc {
    uint32_t *w;
    size_t n, m;
    uint64_t id;
} doc;

static void push(doc *d, uint32_t w)
{
    if (d->n == d->m) {
        d->m = d->m ? 2 * d->m : 256;
        d->w = realloc(d->w, d->m * sizeof *d->w);
        if (!d->w) abort();
    }
    d->w[d->n++] = w;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static size_t shingles(const doc *d, uint64_t *out)
{
    size_t n = 0;
    if (d->n == 0) return 0;
    if (d->n < NGRAM) {
        uint64_t h = 1469598103934665603ull;
        for (size_t i = 0; i < d->n; i++) h = (h ^ d->w[i]) * 1099511628211ull;
        out[n++] = h;
    }
    for (size_t i = 0; i + NGRAM <= d->n; i++) {
        uint64_t h = 1469598103934665603ull;
        for (int k = 0; k < NGRAM; k++) h = (h ^ d->w[i + k]) * 1099511628211ull;
        out[n++] = h;
    }
    qsort(out, n, sizeof *out, cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || out[i] != out[k - 1]) out[k++] = out[i];
    return k;
}

static double jaccard(const doc *a, const doc *b)
{
    uint64_t *sa = malloc((a->n + 1) * sizeof *sa), *sb = malloc((b->n + 1) * sizeof *sb);
    if (!sa || !sb) abort();
    size_t na = shingles(a, sa), nb = shingles(b, sb), i = 0, j = 0, c = 0;
    while (i < na && j < nb) {
        if (sa[i] < sb[j])
            i++;
        else if (sa[i] > sb[j])
            j++;
        else
            c++, i++, j++;
    }
    free(sa);
    free(sb);
    return na + nb - c ? (double)c / (double)(na + nb - c) : 1;
}

/* Write d as a JSON line; `noise` changes letter case and punctuation only. */
static size_t put(FILE *fp, const doc *d, int noise, char *buf, size_t m_buf)
{
    size_t n = 0, until = 0;
    int cap = 1;
    for (size_t i = 0; i < d->n; i++) {
        const char *w = words[d->w[i]];
        size_t k = strlen(w);
        if (n + k + 8 > m_buf) abort();
        if (i) buf[n++] = ' ';
        for (size_t c = 0; c < k; c++) {
            char ch = w[c];
            if ((cap && c == 0) || noise == 2) ch = (char)(ch - 'a' + 'A');
            buf[n++] = ch;
        }
        cap = 0;
        if (i + 1 == d->n || i == until) {
            buf[n++] = noise == 1 ? '!' : '.';
            until = i + 8 + rnd() % 18;
            cap = 1;
        } else if (noise == 1 && rnd() % 7 == 0) {
            buf[n++] = ',';
        }
    }
    uint64_t day = d->id % 3650;
    int len = fprintf(fp,
                      "{\"id\": \"d%" PRIu64 "\", \"date\": \"%04d-%02d-%02d\", \"source\": "
                      "\"gen\", \"text\": \"%.*s\"}\n",
                      d->id, (int)(1980 + day / 365), (int)(1 + day % 365 / 31),
                      (int)(1 + day % 28), (int)n, buf);
    return (size_t)len;
}

static size_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    switch (*end) {
    case 'K':
    case 'k':
        v *= 1024;
        break;
    case 'M':
    case 'm':
        v *= 1024 * 1024;
        break;
    case 'G':
    case 'g':
        v *= 1024.0 * 1024 * 1024;
        break;
    default:
        break;
    }
    return (size_t)v;
}

int main(int argc, char **argv)
{
    size_t bytes = 100 << 20;
    uint64_t seed = 1;
    double dup = 0.2;
    const char *out = NULL, *truth = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--bytes") == 0)
            bytes = parse_size(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--dup") == 0)
            dup = strtod(argv[i + 1], NULL);
        else if (strcmp(argv[i], "--out") == 0)
            out = argv[i + 1];
        else if (strcmp(argv[i], "--truth") == 0)
            truth = argv[i + 1];
    }
    if (!out || !truth) {
        fprintf(stderr, "usage: gen_dedup --bytes SIZE --seed N --out FILE --truth FILE "
                        "[--dup FRACTION]\n");
        return 2;
    }
    state = seed;
    double sum = 0;
    for (size_t i = 0; i < N_VOCAB; i++) {
        sum += 1.0 / (double)(i + 1);
        cdf[i] = sum;
        /* word i: its number in base 26, frequent words short, then a letter from a hash */
        size_t k = 0, v = i;
        do {
            words[i][k++] = (char)('a' + v % 26);
            v /= 26;
        } while (v);
        words[i][k++] = (char)('a' + (i * 7919) % 26);
        words[i][k] = 0;
    }
    FILE *fo = fopen(out, "w"), *ft = fopen(truth, "w");
    if (!fo || !ft) {
        perror("gen_dedup");
        return 1;
    }
    fprintf(ft, "copy_id\torig_id\tedit_rate\tjaccard\n");
    static const double rates[] = {0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3};
    static doc ring[RING];
    size_t n_ring = 0, m_buf = 1 << 20;
    char *buf = malloc(m_buf);
    doc cur = {0};
    size_t written = 0;
    uint64_t id = 0, n_copies = 0;
    while (written < bytes) {
        cur.n = 0;
        cur.id = id++;
        if (n_ring > 100 && unif() < dup) {
            doc *o = &ring[rnd() % (n_ring < RING ? n_ring : RING)];
            double e = rates[rnd() % 8];
            for (size_t i = 0; i < o->n; i++) {
                double u = unif();
                if (u >= e)
                    push(&cur, o->w[i]);
                else if (u < 0.6 * e)
                    push(&cur, zipf());
                else if (u >= 0.8 * e) {
                    push(&cur, o->w[i]);
                    push(&cur, zipf());
                } /* else: deleted */
            }
            int noise = e == 0 ? 1 + (int)(rnd() % 2) : 0;
            written += put(fo, &cur, noise, buf, m_buf);
            fprintf(ft, "d%" PRIu64 "\td%" PRIu64 "\t%.2f\t%.6f\n", cur.id, o->id, e,
                    jaccard(&cur, o));
            n_copies++;
        } else {
            size_t n = 80 + rnd() % 1121;
            for (size_t i = 0; i < n; i++) push(&cur, zipf());
            written += put(fo, &cur, 0, buf, m_buf);
            doc *slot = &ring[n_ring++ % RING];
            slot->n = 0;
            slot->id = cur.id;
            for (size_t i = 0; i < cur.n; i++) push(slot, cur.w[i]);
        }
    }
    fprintf(stderr, "gen_dedup: %" PRIu64 " documents, %" PRIu64 " copies, %zu bytes\n", id,
            n_copies, written);
    free(buf);
    free(cur.w);
    for (size_t i = 0; i < RING; i++) free(ring[i].w);
    if (fclose(fo) != 0 || fclose(ft) != 0) {
        perror("gen_dedup");
        return 1;
    }
    return 0;
}
