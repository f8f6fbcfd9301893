/*
 * mpi_align.c: ibid align across the ranks of an MPI job, with the same output as one process.
 *
 * The one-process pipeline (pipeline.c) holds the corpus, indexes its shared n-grams and aligns
 * every candidate pair. Here each of N ranks holds about 1/N of it, in the shape of a
 * distributed hash join (the n-gram shuffle of MapReduce-style text reuse detection, e.g. passim
 * on Spark, Smith et al. 2014):
 *
 *   1. read: each rank reads its share of the inputs (docstream.c, ibid_share_read: about 1/N
 *      of the bytes) and owns the documents it read; the line numbers, duplicate ids and first
 *      error of one process are settled by exchanges (read_share below).
 *   2. postings: each rank tokenizes its documents and sends every n-gram posting
 *      {hash, document, position} to the rank owning the hash's range (ibid_mpi_exchange), in
 *      the P passes one process would take for index_memory, so a rank holds 1/N of a pass.
 *      A document is named by ref = index * N + owner (its owner's index in input order).
 *   3. shared n-grams: the hash's owner sorts the postings it received and applies the rules of
 *      ngram.c (df in 2..max_df, at most max_tf occurrences in a document, two documents left);
 *      it sends each kept n-gram to every rank s owning one of its documents, with the
 *      occurrences of the documents owned by s or by the ranks s takes (takes(): about half of
 *      the others, on a circle): a pair (a, b) is aligned by the one of its two owners that
 *      takes the other (by its owner when both are one rank's), which thus sees every n-gram the
 *      pair shares.
 *   4. candidates: each rank indexes the n-grams it received (ibid_index_transpose), finds the
 *      candidate pairs of its documents (candidates.c, min_seeds), fetches the texts of the
 *      partners it lacks from their owners (a second exchange), and aligns its pairs with
 *      pipeline.c on a corpus of its documents followed by the fetched ones
 *      (ibid_align_indexed). Seeds are symmetric and each pair is aligned with the document
 *      first in id order as side 1, so a pair gives the passages one process gives it.
 *   5. output: each rank writes its passages, sorted by (id1, id2, begin1, begin2, end1, end2)
 *      as one process sorts them, to a temporary file as framed records (the sort key, then
 *      the formatted line); rank 0 merges the N sorted streams into `out`, asking each rank
 *      for 1 MiB chunks (MPI_Send/MPI_Recv), so no rank holds more than its own part.
 *
 * Memory of a rank (docs/mpi.md measures it): its documents' text (1/N), their tokens during
 * step 2, 1/N of one pass's postings (16 bytes each) and its share of the shared n-grams'
 * occurrences (each n-gram goes to the owners of its documents, so an n-gram in k documents on
 * k ranks is held about k/2 times), the fetched partners' texts, and the alignment's own.
 *
 * The text format's totals line is rank 0's, counted while merging. A pair list (--pairs) is
 * read by every rank, its ids checked across ranks (read_pairs), and each rank aligns the listed
 * pairs among its own candidates. Not distributed: --mode reworded/all (its tf-isf weights are
 * corpus-wide) and the HTML report; ibid_mpi_align refuses them.
 */
#include "mpi_exchange.h"

#include <errno.h>
#include <mpi.h>
#include <sys/resource.h>
#include <xxhash.h>

#define CHUNK    IBID_MPI_CHUNK /* bytes of one merge message (mpi_exchange.h) */
#define TAG_REQ  IBID_MPI_TAG_REQ
#define TAG_DATA IBID_MPI_TAG_DATA
#define ROUND    0 /* bytes per destination in one exchange round: as many as MPI counts allow */

/* ---- the job ---- */

const char *ibid_mpi_library(void)
{
    static char v[MPI_MAX_LIBRARY_VERSION_STRING];
    static int done;
    if (!done) { /* written once; any thread reads the same bytes after */
        int n = 0;
        MPI_Get_library_version(v, &n);
        v[strcspn(v, "\n")] = 0;
        done = 1;
    }
    return v;
}

int ibid_mpi_init(int *argc, char ***argv, ibid_error *err)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "MPI_Init failed");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    return 0;
}

void ibid_mpi_finalize(void)
{
    MPI_Finalize();
}

static int inited(void)
{
    int flag = 0, done = 0;
    MPI_Initialized(&flag);
    if (flag) MPI_Finalized(&done);
    return flag && !done;
}

int ibid_mpi_rank(void)
{
    int r = 0;
    if (inited()) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int ibid_mpi_size(void)
{
    int n = 0;
    if (inited()) MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

/* Errors with their places in the input (unit, then line): the order of one process. */
typedef struct err_vec {
    size_t n, m;
    ibid_error *v;
    size_t *unit; /* v[i] is about a document of unit[i] (or the unit being read) */
} err_vec;

typedef struct mjob {
    int rank, n;
    const ibid_align_opts *ao;
    const ibid_read_opts *ro;
    const ibid_mpi_opts *mo;
    ibid_share sh;    /* the inputs and this rank's share of them */
    ibid_corpus *c;   /* this rank's documents, then the fetched partners */
    size_t n_own;     /* documents this rank owns: c's first n_own */
    uint32_t *d_unit; /* per own document: its unit and line (for messages) */
    long *d_line;
    size_t m_d;
    err_vec skip;      /* skipped here, the reader's and duplicate ids, in input order */
    size_t err_unit;   /* the unit of a document that stopped the read (on_batch) */
    int err_in_batch;  /* the read was stopped by on_batch */
    ibid_toks *toks;   /* per own document, during the n-gram exchange */
    size_t n_group;    /* shared n-grams received */
    size_t *group_beg; /* group g: occ[group_beg[g], group_beg[g + 1]) */
    size_t m_beg;
    ibid_occ *occ; /* (ref, position) */
    size_t n_occ, m_occ;
    size_t n_shared, n_boiler; /* n-grams kept and dropped as this rank owns their hash */
    /* --pairs: the file's pairs, as [id1, NUL, id2, NUL] in pair_ids, of the valid lines */
    char *pair_ids;
    size_t n_pair_ids, m_pair_ids, n_pairs, n_pairs_skipped;
    ibid_mpi_rank_stats st;
    ibid_mpi_traffic tr;
} mjob;

static void push_err(err_vec *v, const ibid_error *e, size_t unit)
{
    IBID_GROW(v->v, v->m, v->n + 1);
    v->unit = ibid_xrealloc(v->unit, v->m * sizeof *v->unit);
    v->unit[v->n] = unit;
    v->v[v->n++] = *e;
}

/* ---- 1. read: this rank's share, numbered as one process numbers it ---- */

/*
 * Every rank reads its share of the inputs (ibid_share_read: about 1/N of the bytes) and owns
 * the documents it read: rank r's documents come after rank r - 1's in input order, so
 * (rank, index) is input order and a document's ref is index * N + rank, as before. No text
 * moves to be read. What one process checks across the whole corpus is then settled by
 * exchanges: the line numbers of a file split between ranks (ibid_mpi_share_lines), and
 * duplicate ids (dup_ids: every id goes to the owner of its hash, which names the later copies).
 */
static int on_batch(void *ud, const ibid_sdoc *docs, size_t n, ibid_error *err)
{
    mjob *j = ud;
    for (size_t i = 0; i < n; i++) {
        const ibid_sdoc *d = &docs[i];
        ibid_error e;
        int rc = ibid_corpus_add(j->c, d->id, strlen(d->id), d->text, d->n_text, d->meta, &e);
        if (rc == 0) {
            size_t k = ibid_corpus_size(j->c) - 1;
            IBID_GROW(j->d_unit, j->m_d, k + 1);
            j->d_line = ibid_xrealloc(j->d_line, j->m_d * sizeof *j->d_line);
            j->d_unit[k] = (uint32_t)d->unit;
            j->d_line[k] = d->line_no;
            continue;
        }
        snprintf(e.source, sizeof e.source, "%s", d->source); /* named as the readers do */
        e.line = d->line_no;
        if (!j->ro->skip_bad) {
            if (err) *err = e;
            j->err_unit = d->unit;
            j->err_in_batch = 1;
            return rc;
        }
        push_err(&j->skip, &e, d->unit);
    }
    return 0;
}

static void on_skip(void *ud, const ibid_error *e)
{
    mjob *j = ud;
    push_err(&j->skip, e, j->sh.cur_unit);
}

/* Add the lines of lower ranks to line numbers of unit u: line 0 (no line) stays. */
static void shift_line(long *line, size_t unit, size_t u, long by)
{
    if (unit == u && *line > 0) *line += by;
}

typedef struct id_ref { /* an id as its hash's owner receives it */
    uint64_t h;
    uint32_t src, idx; /* the rank that read it, and its index there */
    const char *id;
    uint32_t n_id;
} id_ref;

static int cmp_id_ref(const void *a, const void *b)
{
    const id_ref *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    if (x->n_id != y->n_id) return x->n_id < y->n_id ? -1 : 1;
    int c = memcmp(x->id, y->id, x->n_id);
    if (c) return c;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Growable byte buffers, one per destination rank. */
typedef struct byte_vec {
    size_t n, m;
    char *v;
} byte_vec;

static void put_bytes(byte_vec *b, const void *p, size_t n)
{
    IBID_GROW(b->v, b->m, b->n + n);
    memcpy(b->v + b->n, p, n);
    b->n += n;
}

static char *flatten_bytes(byte_vec *b, int n, size_t *send_n)
{
    size_t total = 0;
    for (int d = 0; d < n; d++) total += b[d].n;
    char *buf = ibid_xmalloc(total ? total : 1), *p = buf;
    for (int d = 0; d < n; d++) {
        send_n[d] = b[d].n;
        if (b[d].n) memcpy(p, b[d].v, b[d].n);
        p += b[d].n;
        free(b[d].v);
    }
    return buf;
}

/*
 * Ids read by different ranks: each id goes to the rank owning its hash (XXH3), which sorts what
 * it received by (id, rank, index), that is by input order within an id, and answers every copy
 * after the first to the rank that read it. Returns, per own document, 1 for a later copy (an
 * array of n_own bytes; the caller frees). Copies on one rank never get here: the corpus refused
 * them on the way in. Collective.
 */
static uint8_t *dup_ids(mjob *j)
{
    int n = j->n;
    byte_vec *out = ibid_xcalloc((size_t)n, sizeof *out);
    size_t *send_n = ibid_xmalloc((size_t)n * sizeof *send_n);
    size_t *recv_n = ibid_xmalloc((size_t)n * sizeof *recv_n);
    for (size_t i = 0; i < j->n_own; i++) { /* [hash (8), index (4), id bytes (4), id] */
        const char *id = ibid_corpus_id(j->c, i);
        uint32_t n_id = (uint32_t)strlen(id), idx = (uint32_t)i;
        uint64_t h = XXH3_64bits(id, n_id);
        byte_vec *b = &out[ibid_mpi_dest(h, n)];
        put_bytes(b, &h, 8);
        put_bytes(b, &idx, 4);
        put_bytes(b, &n_id, 4);
        put_bytes(b, id, n_id);
    }
    char *sbuf = flatten_bytes(out, n, send_n), *rbuf;
    ibid_mpi_exchange(sbuf, send_n, &rbuf, recv_n, ROUND, &j->tr);
    free(sbuf);
    id_ref *ref = NULL;
    size_t n_ref = 0, m_ref = 0;
    const char *q = rbuf;
    for (int s = 0; s < n; s++)
        for (const char *end = q + recv_n[s]; q < end;) {
            IBID_GROW(ref, m_ref, n_ref + 1);
            id_ref *r = &ref[n_ref++];
            memcpy(&r->h, q, 8);
            memcpy(&r->idx, q + 8, 4);
            memcpy(&r->n_id, q + 12, 4);
            r->src = (uint32_t)s;
            r->id = q + 16;
            q += 16 + r->n_id;
        }
    if (n_ref) qsort(ref, n_ref, sizeof *ref, cmp_id_ref);
    memset(out, 0, (size_t)n * sizeof *out);
    for (size_t i = 1; i < n_ref; i++)
        if (ref[i].h == ref[i - 1].h && ref[i].n_id == ref[i - 1].n_id &&
            memcmp(ref[i].id, ref[i - 1].id, ref[i].n_id) == 0)
            put_bytes(&out[ref[i].src], &ref[i].idx, 4);
    free(ref);
    free(rbuf);
    sbuf = flatten_bytes(out, n, send_n);
    ibid_mpi_exchange(sbuf, send_n, &rbuf, recv_n, ROUND, &j->tr);
    free(sbuf);
    uint8_t *dup = ibid_xcalloc(j->n_own ? j->n_own : 1, 1);
    size_t got = 0;
    for (int s = 0; s < n; s++) got += recv_n[s] / 4;
    for (size_t i = 0; i < got; i++) {
        uint32_t idx;
        memcpy(&idx, rbuf + 4 * i, 4);
        assert(idx < j->n_own);
        dup[idx] = 1;
    }
    free(rbuf);
    free(out);
    free(send_n);
    free(recv_n);
    return dup;
}

/* The error one process gives own document i as a later copy of an id. */
static void dup_error(const mjob *j, size_t i, ibid_error *e)
{
    const char *id = ibid_corpus_id(j->c, i);
    ibid_fail(e, IBID_EDUPID, j->sh.units[j->d_unit[i]].path, j->d_line[i], 0,
              "duplicate document id '%.*s'", (int)strlen(id), id);
}

/* Drop the later copies (dup) from the corpus: a new corpus of the others, in order. */
static void drop_dups(mjob *j, const uint8_t *dup)
{
    ibid_corpus *c;
    ibid_corpus_new(&c);
    size_t k = 0;
    for (size_t i = 0; i < j->n_own; i++) {
        if (dup[i]) continue;
        const ibid_doc *d = ibid_corpus_doc(j->c, i);
        ibid_error e;
        int rc = ibid_corpus_add(c, d->id, strlen(d->id), d->text, d->n_text, d->meta, &e);
        assert(rc == 0);
        (void)rc;
        j->d_unit[k] = j->d_unit[i];
        j->d_line[k] = j->d_line[i];
        k++;
    }
    ibid_corpus_free(j->c);
    j->c = c;
    j->n_own = k;
}

typedef struct err_at {
    size_t unit;
    long line;
    size_t k; /* for a stable order */
} err_at;

static int cmp_err_at(const void *a, const void *b)
{
    const err_at *x = a, *y = b;
    if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* The skipped records in input order (the reader's, then the duplicates, interleaved). */
static void sort_skips(err_vec *v)
{
    err_at *a = ibid_xmalloc((v->n ? v->n : 1) * sizeof *a);
    for (size_t i = 0; i < v->n; i++) a[i] = (err_at){v->unit[i], v->v[i].line, i};
    qsort(a, v->n, sizeof *a, cmp_err_at);
    ibid_error *e = ibid_xmalloc((v->n ? v->n : 1) * sizeof *e);
    for (size_t i = 0; i < v->n; i++) e[i] = v->v[a[i].k], v->unit[i] = a[i].unit;
    free(v->v);
    v->v = e;
    v->m = v->n ? v->n : 1;
    v->unit = ibid_xrealloc(v->unit, v->m * sizeof *v->unit);
    free(a);
}

/*
 * Read this rank's share and settle what one process would have said about it: the same
 * documents, the same first error (the one first in input order wins: each rank's earliest, then
 * the lowest rank's, by ibid_mpi_agree), or under skip_bad the same skipped records. Collective.
 */
static int read_share(mjob *j, const char *const *inputs, size_t n_inputs, ibid_error *err)
{
    ibid_error e;
    memset(&e, 0, sizeof e);
    ibid_share_plan(&j->sh, inputs, n_inputs, &e);
    ibid_docstream_cb cb = {on_batch, on_skip, j};
    int rc = ibid_share_read(&j->sh, j->rank, j->n, j->ro, &cb, &e);
    size_t e_unit = j->err_in_batch ? j->err_unit : j->sh.cur_unit;
    j->n_own = ibid_corpus_size(j->c);
    long by = ibid_mpi_share_lines(&j->sh);
    if (by) {
        size_t u = j->sh.u_first;
        for (size_t i = 0; i < j->n_own; i++) shift_line(&j->d_line[i], j->d_unit[i], u, by);
        for (size_t i = 0; i < j->skip.n; i++)
            shift_line(&j->skip.v[i].line, j->skip.unit[i], u, by);
        if (rc < 0) shift_line(&e.line, e_unit, u, by);
    }
    uint8_t *dup = dup_ids(j);
    size_t first_dup = SIZE_MAX, n_dup = 0;
    for (size_t i = 0; i < j->n_own; i++)
        if (dup[i]) {
            if (first_dup == SIZE_MAX) first_dup = i;
            n_dup++;
        }
    if (first_dup != SIZE_MAX && !j->ro->skip_bad) { /* the earlier of it and the read's error */
        if (rc == 0 || j->d_unit[first_dup] < e_unit ||
            (j->d_unit[first_dup] == e_unit && j->d_line[first_dup] < e.line)) {
            dup_error(j, first_dup, &e);
            rc = IBID_EDUPID;
        }
    }
    if (rc == 0 && n_dup) {
        for (size_t i = 0; i < j->n_own; i++)
            if (dup[i]) {
                dup_error(j, i, &e);
                push_err(&j->skip, &e, j->d_unit[i]);
            }
        drop_dups(j, dup);
    }
    free(dup);
    if (rc == 0) sort_skips(&j->skip);
    if (rc < 0 && err) *err = e;
    return rc;
}

/* ---- the pair list (--pairs) ---- */

/* A line of the pair file as parsed: its ids (offsets into the file) and line number. */
typedef struct pair_line {
    size_t off1, n1, off2, n2;
    long line;
} pair_line;

typedef struct pair_parse {
    const char *buf;
    pair_line *v;
    size_t n, m;
} pair_parse;

static int on_pair_line(void *ud, const char *id1, size_t n1, const char *id2, size_t n2, long line)
{
    pair_parse *p = ud;
    IBID_GROW(p->v, p->m, p->n + 1);
    p->v[p->n++] = (pair_line){(size_t)(id1 - p->buf), n1, (size_t)(id2 - p->buf), n2, line};
    return 0;
}

/* Whether id s[0, n) is one of this rank's documents. */
static int have_id(const mjob *j, const char *s, size_t n, char **tmp, size_t *m_tmp)
{
    if (memchr(s, 0, n)) return 0; /* corpus ids hold no NUL */
    IBID_GROW(*tmp, *m_tmp, n + 1);
    memcpy(*tmp, s, n);
    (*tmp)[n] = 0;
    return ibid_corpus_find(j->c, *tmp) >= 0;
}

/*
 * Every rank reads the whole pair file (it is small beside the corpus) and parses it as
 * ibid_pairs_read does; whether each id exists is settled by an MPI_Allreduce (bitwise or) of
 * what each rank finds among its own documents, so every rank fails on the first line with an
 * unknown id, with the message of one process, or (skip_bad) drops it. The valid pairs' ids are
 * kept, to be looked up after the partners are fetched (pairs_local). Collective.
 */
static int read_pairs(mjob *j, const char *path, ibid_error *err)
{
    ibid_stream *s = NULL;
    char *buf = NULL, *tmp = NULL;
    size_t n_buf = 0, m_buf = 0, m_tmp = 0;
    pair_parse p = {0};
    int rc = ibid_stream_open(&s, path, err);
    while (rc == 0) {
        if (m_buf - n_buf < 4096) IBID_GROW(buf, m_buf, n_buf + 65536);
        long k = ibid_stream_read(s, buf + n_buf, m_buf - n_buf, err);
        if (k <= 0) {
            rc = (int)k;
            break;
        }
        n_buf += (size_t)k;
    }
    ibid_stream_close(s);
    p.buf = buf;
    if (rc == 0) rc = ibid_pairs_parse(buf, n_buf, path, on_pair_line, &p, err);
    if ((rc = ibid_mpi_agree(rc, err)) < 0) goto done;
    uint8_t *found = ibid_xcalloc(p.n ? p.n : 1, 1);
    for (size_t i = 0; i < p.n; i++)
        found[i] = (uint8_t)(have_id(j, buf + p.v[i].off1, p.v[i].n1, &tmp, &m_tmp) |
                             have_id(j, buf + p.v[i].off2, p.v[i].n2, &tmp, &m_tmp) << 1);
    for (size_t at = 0; at < p.n; at += (size_t)1 << 30) {
        size_t k = p.n - at < (size_t)1 << 30 ? p.n - at : (size_t)1 << 30;
        MPI_Allreduce(MPI_IN_PLACE, found + at, (int)k, MPI_UNSIGNED_CHAR, MPI_BOR, MPI_COMM_WORLD);
    }
    for (size_t i = 0; i < p.n && rc == 0; i++) {
        const pair_line *x = &p.v[i];
        if (found[i] != 3) {
            if (j->ro->skip_bad) {
                j->n_pairs_skipped++;
                continue;
            }
            int one = !(found[i] & 1); /* one process looks up id1 first */
            size_t n_bad = one ? x->n1 : x->n2;
            rc = ibid_fail(err, IBID_ENOTFOUND, path, x->line, 0,
                           "unknown document id '%.*s' (not in the corpus)",
                           (int)(n_bad < 300 ? n_bad : 300), buf + (one ? x->off1 : x->off2));
            break;
        }
        IBID_GROW(j->pair_ids, j->m_pair_ids, j->n_pair_ids + x->n1 + x->n2 + 2);
        memcpy(j->pair_ids + j->n_pair_ids, buf + x->off1, x->n1);
        j->pair_ids[j->n_pair_ids + x->n1] = 0;
        j->n_pair_ids += x->n1 + 1;
        memcpy(j->pair_ids + j->n_pair_ids, buf + x->off2, x->n2);
        j->pair_ids[j->n_pair_ids + x->n2] = 0;
        j->n_pair_ids += x->n2 + 1;
        j->n_pairs++;
    }
    free(found);
done:
    free(p.v);
    free(buf);
    free(tmp);
    return rc; /* every rank found the same */
}

/* The listed pairs this rank aligns, in its corpus's numbers: both documents here (its own or
 * fetched), one of them its own. */
static ibid_pairs *pairs_local(const mjob *j)
{
    uint32_t(*v)[2] = ibid_xmalloc((j->n_pairs ? j->n_pairs : 1) * sizeof *v);
    size_t n = 0;
    const char *q = j->pair_ids;
    for (size_t i = 0; i < j->n_pairs; i++) {
        const char *id2 = q + strlen(q) + 1;
        long a = ibid_corpus_find(j->c, q), b = ibid_corpus_find(j->c, id2);
        q = id2 + strlen(id2) + 1;
        if (a < 0 || b < 0 || ((size_t)a >= j->n_own && (size_t)b >= j->n_own)) continue;
        v[n][0] = (uint32_t)a;
        v[n][1] = (uint32_t)b;
        n++;
    }
    ibid_pairs *p = NULL;
    ibid_error e;
    int rc = ibid_pairs_new(&p, j->c, (const uint32_t(*)[2])v, n, &e);
    assert(rc == 0);
    (void)rc;
    free(v);
    return p;
}

/* ---- 2 and 3. the n-gram exchange ---- */

typedef struct tok_job {
    mjob *j;
    int *rc;
    ibid_error *e;
} tok_job;

static void tokenize_one(void *ud, size_t i, int tid)
{
    tok_job *t = ud;
    (void)tid;
    const ibid_doc *d = ibid_corpus_doc(t->j->c, i);
    t->rc[i] = ibid_tokenize_hashes(&t->j->toks[i], d->text, d->n_text, t->j->ao->norm, &t->e[i]);
}

/* Growable u32 buffers, one per destination rank. */
typedef struct u32_vec {
    size_t n, m;
    uint32_t *v;
} u32_vec;

static void put_u32(u32_vec *b, uint32_t x)
{
    IBID_GROW(b->v, b->m, b->n + 1);
    b->v[b->n++] = x;
}

/* Flatten per-destination u32 buffers into one send buffer with byte counts. */
static char *flatten(u32_vec *b, int n, size_t *send_n)
{
    size_t total = 0;
    for (int d = 0; d < n; d++) total += b[d].n * sizeof(uint32_t);
    char *buf = ibid_xmalloc(total ? total : 1), *p = buf;
    for (int d = 0; d < n; d++) {
        send_n[d] = b[d].n * sizeof(uint32_t);
        if (send_n[d]) memcpy(p, b[d].v, send_n[d]);
        p += send_n[d];
        b[d].n = 0;
    }
    return buf;
}

/*
 * Whether rank s aligns the pairs between its documents and rank t's (s != t). The ranks sit on
 * a circle and each takes the ranks less than half-way round after it (exactly half-way, for an
 * even N, the lower of the two), so every rank takes about (N - 1) / 2 of the others: the pairs
 * spread evenly, where "the lower rank" gave rank 0 N - 1 partners and rank N - 1 none.
 */
static int takes(int s, int t, int n)
{
    int d = (t - s + n) % n;
    return 2 * d < n || (2 * d == n && s < t);
}

/*
 * One n-gram's postings g[0, k) (sorted by ref, then position) as its hash's owner sees them:
 * apply ngram.c's rules, then queue, for each owner s of a kept document, the occurrences of
 * the kept documents owned by s or by ranks s takes, when that makes a pair:
 * [count, (ref, pos)...]. `owners`: 2 N scratch (counts per rank, then the ranks present).
 */
static void shared_ngram(mjob *j, const ibid_rec *g, size_t k, u32_vec *out, uint32_t *owners)
{
    const ibid_align_opts *o = j->ao;
    int n = j->n;
    size_t df = 1;
    for (size_t i = 1; i < k; i++) df += g[i].x != g[i - 1].x;
    if (df < 2) return;
    if (df > (size_t)o->max_df) {
        j->n_boiler++;
        return;
    }
    /* kept runs: documents with at most max_tf occurrences; count kept documents per owner */
    uint32_t *present = owners + n, n_present = 0;
    size_t kept = 0;
    for (size_t i = 0; i < k;) {
        size_t e = i + 1;
        while (e < k && g[e].x == g[i].x) e++;
        if (e - i <= (size_t)o->max_tf) {
            uint32_t t = g[i].x % (uint32_t)n;
            if (owners[t]++ == 0) present[n_present++] = t;
            kept++;
        }
        i = e;
    }
    if (kept < 2) {
        for (uint32_t p = 0; p < n_present; p++) owners[present[p]] = 0;
        return;
    }
    j->n_shared++;
    for (uint32_t p = 0; p < n_present; p++) {
        int s = (int)present[p];
        size_t reach = 0; /* kept documents of s and of the ranks it takes */
        for (uint32_t q = 0; q < n_present; q++)
            if ((int)present[q] == s || takes(s, (int)present[q], n)) reach += owners[present[q]];
        if (reach >= 2) {
            u32_vec *b = &out[s];
            size_t count_at = b->n;
            put_u32(b, 0);
            uint32_t m = 0;
            for (size_t i = 0; i < k;) {
                size_t e = i + 1;
                while (e < k && g[e].x == g[i].x) e++;
                int t = (int)(g[i].x % (uint32_t)n);
                if (e - i <= (size_t)o->max_tf && (t == s || takes(s, t, n)))
                    for (size_t q = i; q < e; q++, m++) put_u32(b, g[q].x), put_u32(b, g[q].y);
                i = e;
            }
            b->v[count_at] = m;
        }
    }
    for (uint32_t p = 0; p < n_present; p++) owners[present[p]] = 0;
}

/* Add the shared n-grams a rank received, [count, (ref, pos)...] each, to its store. */
static void store_groups(mjob *j, const uint32_t *v, size_t n_v)
{
    for (size_t i = 0; i < n_v;) {
        uint32_t m = v[i++];
        assert(i + 2 * (size_t)m <= n_v);
        IBID_GROW(j->occ, j->m_occ, j->n_occ + m);
        for (uint32_t q = 0; q < m; q++, i += 2) j->occ[j->n_occ++] = (ibid_occ){v[i], v[i + 1]};
        IBID_GROW(j->group_beg, j->m_beg, j->n_group + 2);
        j->group_beg[++j->n_group] = j->n_occ;
        j->st.n_group_occ += m;
    }
}

static int exchange_ngrams(mjob *j, ibid_error *err)
{
    const ibid_align_opts *o = j->ao;
    int n = j->n, rc = 0;
    size_t n_own = j->n_own;
    j->toks = ibid_xcalloc(n_own ? n_own : 1, sizeof *j->toks);
    tok_job t = {j, ibid_xcalloc(n_own ? n_own : 1, sizeof(int)),
                 ibid_xcalloc(n_own ? n_own : 1, sizeof(ibid_error))};
    ibid_parallel_for(o->n_threads, n_own, tokenize_one, &t);
    for (size_t i = 0; i < n_own && rc == 0; i++)
        if (t.rc[i] < 0) { /* the corpus checked UTF-8 on the way in: only a bug gets here */
            rc = t.rc[i];
            if (err) *err = t.e[i];
        }
    free(t.rc);
    free(t.e);
    if ((rc = ibid_mpi_agree(rc, err)) < 0) return rc;

    uint64_t mine = 0, total = 0;
    for (size_t i = 0; i < n_own; i++)
        if (j->toks[i].n_tok >= (size_t)o->ngram) mine += j->toks[i].n_tok - (size_t)o->ngram + 1;
    MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    int P = ibid_ngram_passes((size_t)total, o->index_memory);

    size_t *send_n = ibid_xmalloc((size_t)n * sizeof *send_n);
    size_t *recv_n = ibid_xmalloc((size_t)n * sizeof *recv_n);
    size_t *cursor = ibid_xmalloc((size_t)(n + 1) * sizeof *cursor);
    u32_vec *out = ibid_xcalloc((size_t)n, sizeof *out);
    uint32_t *owners = ibid_xcalloc(2 * (size_t)n, sizeof *owners);
    IBID_GROW(j->group_beg, j->m_beg, 1);
    j->group_beg[0] = 0;
    for (int pass = 0; pass < P; pass++) {
        /* this pass's postings, by destination: count, then fill */
        memset(send_n, 0, (size_t)n * sizeof *send_n);
        for (int phase = 0; phase < 2; phase++) {
            ibid_rec *post =
                phase ? ibid_xmalloc((cursor[n] ? cursor[n] : 1) * sizeof *post) : NULL;
            for (size_t i = 0; i < n_own; i++) {
                const ibid_toks *tk = &j->toks[i];
                if (tk->n_tok < (size_t)o->ngram) continue;
                uint32_t ref = (uint32_t)(i * (size_t)n + (size_t)j->rank);
                for (size_t q = 0; q + (size_t)o->ngram <= tk->n_tok; q++) {
                    uint32_t h = ibid_ngram_mix(tk->tok + q, o->ngram);
                    if (ibid_ngram_pass_of(h, P) != (uint32_t)pass) continue;
                    uint64_t key = ibid_ngram_hash(tk->tok + q, o->ngram);
                    int d = ibid_mpi_dest(key, n);
                    if (phase == 0)
                        send_n[d]++;
                    else
                        post[cursor[d]++] = (ibid_rec){key, ref, (uint32_t)q};
                }
            }
            if (phase == 0) {
                cursor[0] = 0;
                for (int d = 0; d < n; d++) cursor[d + 1] = cursor[d] + send_n[d];
                for (int d = 0; d < n; d++) send_n[d] *= sizeof(ibid_rec);
                continue;
            }
            if (j->mo->test_die_rank == j->rank) ibid_mpi_test_die(j->mo); /* the failure test */
            char *recv;
            ibid_mpi_exchange((const char *)post, send_n, &recv, recv_n, ROUND, &j->tr);
            free(post);
            size_t n_recv = 0;
            for (int s = 0; s < n; s++) n_recv += recv_n[s] / sizeof(ibid_rec);
            j->st.n_postings += n_recv;
            ibid_rec *r = (ibid_rec *)(void *)recv;
            ibid_rec_sort(r, n_recv, o->n_threads);
            for (size_t i = 0; i < n_recv;) {
                size_t e = i + 1;
                while (e < n_recv && r[e].key == r[i].key) e++;
                if (e - i > 1) shared_ngram(j, r + i, e - i, out, owners);
                i = e;
            }
            free(recv);
            char *gsend = flatten(out, n, send_n);
            ibid_mpi_exchange(gsend, send_n, &recv, recv_n, ROUND, &j->tr);
            free(gsend);
            size_t n_v = 0;
            for (int s = 0; s < n; s++) n_v += recv_n[s] / sizeof(uint32_t);
            store_groups(j, (const uint32_t *)(void *)recv, n_v);
            free(recv);
        }
    }
    for (int d = 0; d < n; d++) free(out[d].v);
    free(out);
    free(owners);
    free(send_n);
    free(recv_n);
    free(cursor);
    for (size_t i = 0; i < n_own; i++) ibid_toks_free(&j->toks[i]);
    free(j->toks);
    j->toks = NULL;
    return P;
}

/* ---- 4. candidates, partners, alignment ---- */

/* A foreign ref as (owner << 32 | index), which orders documents by owner, then input order. */
static uint64_t foreign_key(uint32_t ref, int n)
{
    return (uint64_t)(ref % (uint32_t)n) << 32 | ref / (uint32_t)n;
}

static size_t find_u64(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    assert(lo < n && v[lo] == x);
    return lo;
}

/* Build an index over n_doc local documents from the store, each occurrence's document mapped
 * by map(ref) (or dropped when it maps to UINT32_MAX). */
typedef struct ref_map {
    const mjob *j;
    const uint64_t *foreign; /* sorted foreign keys */
    size_t n_foreign;
    const uint32_t *local; /* per foreign key: its local document, or UINT32_MAX */
} ref_map;

static uint32_t map_ref(const ref_map *m, uint32_t ref)
{
    const mjob *j = m->j;
    if ((int)(ref % (uint32_t)j->n) == j->rank) return ref / (uint32_t)j->n;
    size_t f = find_u64(m->foreign, m->n_foreign, foreign_key(ref, j->n));
    return m->local ? m->local[f] : (uint32_t)(j->n_own + f);
}

static void build_index(ibid_index *ix, const mjob *j, const ref_map *m, size_t n_doc)
{
    memset(ix, 0, sizeof *ix);
    ibid_occ *occ = ibid_xmalloc((j->n_occ ? j->n_occ : 1) * sizeof *occ);
    size_t n_occ = 0, m_beg = 0;
    IBID_GROW(ix->group_beg, m_beg, j->n_group + 1);
    ix->group_beg[0] = 0;
    for (size_t g = 0; g < j->n_group; g++) {
        for (size_t k = j->group_beg[g]; k < j->group_beg[g + 1]; k++) {
            uint32_t d = map_ref(m, j->occ[k].a);
            if (d != UINT32_MAX) occ[n_occ++] = (ibid_occ){d, j->occ[k].b};
        }
        ix->group_beg[++ix->n_group] = n_occ;
    }
    ibid_index_transpose(ix, occ, n_occ, n_doc);
}

typedef struct cand_job {
    const ibid_index *ix;
    const mjob *j;
    ibid_arena **km;
    uint8_t **need; /* per thread: foreign partners some candidate needs */
} cand_job;

static void cand_one(void *ud, size_t a, int tid)
{
    cand_job *cj = ud;
    ibid_rec *hits;
    ibid_cand *cand;
    size_t n_hits;
    size_t n = ibid_candidates(cj->km[tid], cj->ix, (uint32_t)a, NULL, 0, cj->j->ao->min_seeds,
                               &hits, &n_hits, &cand);
    for (size_t k = 0; k < n; k++)
        if (cand[k].b >= cj->j->n_own) cj->need[tid][cand[k].b - cj->j->n_own] = 1;
    ibid_arena_reset(cj->km[tid]);
}

/* Fetch the texts of foreign[i] for every i with need[i] from their owners; add them to the
 * corpus in order. Returns 0 or an error of ibid_corpus_add (a bug: the owner checked them). */
static int fetch(mjob *j, const uint64_t *foreign, size_t n_foreign, const uint8_t *need,
                 ibid_error *err)
{
    int n = j->n, rc = 0;
    size_t *send_n = ibid_xcalloc((size_t)n, sizeof *send_n);
    size_t *recv_n = ibid_xmalloc((size_t)n * sizeof *recv_n);
    u32_vec *req = ibid_xcalloc((size_t)n, sizeof *req);
    for (size_t f = 0; f < n_foreign; f++)
        if (need[f]) put_u32(&req[foreign[f] >> 32], (uint32_t)foreign[f]);
    char *sbuf = flatten(req, n, send_n), *rbuf;
    ibid_mpi_exchange(sbuf, send_n, &rbuf, recv_n, ROUND, &j->tr);
    free(sbuf);
    /* answer: per request, [id bytes (u32), text bytes (u64), id, text] */
    size_t total = 0, at = 0;
    const uint32_t *asked = (const uint32_t *)(void *)rbuf;
    for (int s = 0; s < n; s++)
        for (size_t k = 0; k < recv_n[s] / sizeof(uint32_t); k++, at++) {
            const ibid_doc *d = ibid_corpus_doc(j->c, asked[at]);
            total += 12 + strlen(d->id) + d->n_text;
        }
    char *ans = ibid_xmalloc(total ? total : 1), *p = ans;
    at = 0;
    for (int s = 0; s < n; s++) {
        char *from = p;
        for (size_t k = 0; k < recv_n[s] / sizeof(uint32_t); k++, at++) {
            const ibid_doc *d = ibid_corpus_doc(j->c, asked[at]);
            uint32_t n_id = (uint32_t)strlen(d->id);
            uint64_t n_text = d->n_text;
            memcpy(p, &n_id, 4);
            memcpy(p + 4, &n_text, 8);
            memcpy(p + 12, d->id, n_id);
            memcpy(p + 12 + n_id, d->text, d->n_text);
            p += 12 + n_id + d->n_text;
        }
        send_n[s] = (size_t)(p - from);
    }
    free(rbuf);
    ibid_mpi_exchange(ans, send_n, &rbuf, recv_n, ROUND, &j->tr);
    free(ans);
    size_t got = 0;
    for (int s = 0; s < n; s++) got += recv_n[s];
    for (const char *q = rbuf, *end = rbuf + got; q < end && rc == 0;) {
        uint32_t n_id;
        uint64_t n_text;
        memcpy(&n_id, q, 4);
        memcpy(&n_text, q + 4, 8);
        rc = ibid_corpus_add(j->c, q + 12, n_id, q + 12 + n_id, (size_t)n_text, NULL, err);
        j->st.n_fetched++;
        j->st.n_fetched_bytes += n_text;
        q += 12 + n_id + n_text;
    }
    free(rbuf);
    for (int d = 0; d < n; d++) free(req[d].v);
    free(req);
    free(send_n);
    free(recv_n);
    return rc;
}

static int align_local(mjob *j, ibid_result **res, ibid_error *err)
{
    int rc = 0, nt = j->ao->n_threads;
    /* the foreign documents the received n-grams name, sorted by (owner, index) */
    uint64_t *foreign = ibid_xmalloc((j->n_occ ? j->n_occ : 1) * sizeof *foreign);
    size_t n_foreign = 0;
    for (size_t k = 0; k < j->n_occ; k++)
        if ((int)(j->occ[k].a % (uint32_t)j->n) != j->rank)
            foreign[n_foreign++] = foreign_key(j->occ[k].a, j->n);
    qsort(foreign, n_foreign, sizeof *foreign, ibid_cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < n_foreign; i++)
        if (u == 0 || foreign[u - 1] != foreign[i]) foreign[u++] = foreign[i];
    n_foreign = u;

    /* candidates over every named document, to learn which partners to fetch */
    ibid_index ix;
    ref_map m = {j, foreign, n_foreign, NULL};
    build_index(&ix, j, &m, j->n_own + n_foreign);
    cand_job cj = {&ix, j, ibid_xmalloc((size_t)nt * sizeof(ibid_arena *)),
                   ibid_xmalloc((size_t)nt * sizeof(uint8_t *))};
    for (int t = 0; t < nt; t++) {
        cj.km[t] = ibid_arena_new();
        cj.need[t] = ibid_xcalloc(n_foreign ? n_foreign : 1, 1);
    }
    ibid_parallel_for(nt, j->n_own, cand_one, &cj);
    ibid_index_free(&ix);
    uint32_t *local = ibid_xmalloc((n_foreign ? n_foreign : 1) * sizeof *local);
    size_t n_fetch = 0;
    for (size_t f = 0; f < n_foreign; f++) {
        uint8_t any = 0;
        for (int t = 0; t < nt; t++) any |= cj.need[t][f];
        cj.need[0][f] = any;
        local[f] = any ? (uint32_t)(j->n_own + n_fetch++) : UINT32_MAX;
    }
    rc = fetch(j, foreign, n_foreign, cj.need[0], err);
    for (int t = 0; t < nt; t++) {
        ibid_arena_free(cj.km[t]);
        free(cj.need[t]);
    }
    free(cj.km);
    free(cj.need);
    if ((rc = ibid_mpi_agree(rc, err)) == 0) {
        m.local = local;
        build_index(&ix, j, &m, j->n_own + n_fetch);
        free(j->occ);
        j->occ = NULL;
        j->n_occ = 0;
        ibid_align_opts o = *j->ao;
        o.progress = NULL;
        ibid_pairs *only = j->mo->pairs_path ? pairs_local(j) : NULL;
        rc = ibid_align_indexed(res, j->c, only, &ix, j->n_own, &o, err);
        ibid_pairs_free(only);
        ibid_index_free(&ix);
    }
    free(local);
    free(foreign);
    return ibid_mpi_agree(rc, err);
}

/* ---- 5. output: sorted parts, merged on rank 0 ---- */

/* A part's record: the sort key, then the formatted line. */
typedef struct frame {
    uint32_t n_id1, n_id2, cp_beg1, cp_beg2, cp_end1, cp_end2;
    uint64_t n_line;
} frame;

static int write_part(const mjob *j, const ibid_result *r, const ibid_write_opts *wo, FILE *part,
                      ibid_error *err)
{
    char *line = NULL;
    size_t n_line = 0;
    FILE *ms = open_memstream(&line, &n_line);
    int bad = !ms;
    for (size_t i = 0; i < r->n_passages && !bad; i++) {
        const ibid_passage *p = &r->passages[i];
        const char *id1 = ibid_corpus_id(j->c, p->doc1), *id2 = ibid_corpus_id(j->c, p->doc2);
        bad |= fseeko(ms, 0, SEEK_SET) != 0 || ibid_passage_write(ms, j->c, p, wo) < 0 ||
               fflush(ms) != 0;
        if (bad) break;
        frame f = {(uint32_t)strlen(id1),
                   (uint32_t)strlen(id2),
                   p->cp_beg1,
                   p->cp_beg2,
                   p->cp_end1,
                   p->cp_end2,
                   (uint64_t)ftello(ms)};
        bad |= fwrite(&f, sizeof f, 1, part) != 1 || fwrite(id1, 1, f.n_id1, part) != f.n_id1 ||
               fwrite(id2, 1, f.n_id2, part) != f.n_id2 ||
               fwrite(line, 1, f.n_line, part) != f.n_line;
    }
    if (ms) fclose(ms);
    free(line);
    if (bad || fflush(part) != 0 || fseeko(part, 0, SEEK_SET) != 0)
        return ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot write a temporary file: %s",
                         strerror(errno));
    return 0;
}

/* Rank 0's view of one rank's part: a window of its bytes. */
typedef struct part_in {
    int src;  /* the rank */
    FILE *fp; /* rank 0's own part; NULL for the others, read by message */
    char *buf;
    size_t beg, end, m;
    int eof;
} part_in;

/* Make at least k bytes available from p->buf + p->beg; 1, or 0 at the end of the part. */
static int need(part_in *p, size_t k, ibid_mpi_traffic *t)
{
    while (p->end - p->beg < k && !p->eof) {
        if (p->beg) { /* slide the window */
            memmove(p->buf, p->buf + p->beg, p->end - p->beg);
            p->end -= p->beg;
            p->beg = 0;
        }
        IBID_GROW(p->buf, p->m, p->end + (k > CHUNK ? k : CHUNK));
        size_t got;
        if (p->fp) {
            got = fread(p->buf + p->end, 1, CHUNK, p->fp);
        } else {
            int go = 1, cnt;
            MPI_Status st;
            MPI_Send(&go, 1, MPI_INT, p->src, TAG_REQ, MPI_COMM_WORLD);
            MPI_Recv(p->buf + p->end, (int)CHUNK, MPI_BYTE, p->src, TAG_DATA, MPI_COMM_WORLD, &st);
            MPI_Get_count(&st, MPI_BYTE, &cnt);
            got = (size_t)cnt;
            t->received += got;
        }
        p->eof = got == 0;
        p->end += got;
    }
    return p->end - p->beg >= k;
}

/* The record at the window's start, when the part has one left: its frame in *f. */
static const char *head(part_in *p, frame *f, ibid_mpi_traffic *t)
{
    if (!need(p, sizeof *f, t)) return NULL;
    memcpy(f, p->buf + p->beg, sizeof *f);
    size_t k = sizeof *f + f->n_id1 + f->n_id2 + f->n_line;
    if (!need(p, k, t)) return NULL; /* cut short: cannot happen, the part was flushed */
    return p->buf + p->beg;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* The order of ibid_passages_sort: ids in byte order, then offsets. */
static int frame_cmp(const frame *x, const char *rx, const frame *y, const char *ry)
{
    int c;
    if ((c = cmp_bytes(rx + sizeof *x, x->n_id1, ry + sizeof *y, y->n_id1))) return c;
    if ((c = cmp_bytes(rx + sizeof *x + x->n_id1, x->n_id2, ry + sizeof *y + y->n_id1, y->n_id2)))
        return c;
    if (x->cp_beg1 != y->cp_beg1) return x->cp_beg1 < y->cp_beg1 ? -1 : 1;
    if (x->cp_beg2 != y->cp_beg2) return x->cp_beg2 < y->cp_beg2 ? -1 : 1;
    if (x->cp_end1 != y->cp_end1) return x->cp_end1 < y->cp_end1 ? -1 : 1;
    if (x->cp_end2 != y->cp_end2) return x->cp_end2 < y->cp_end2 ? -1 : 1;
    return 0;
}

/* Merge the ranks' parts into out; for the text format, then the totals line of one process
 * (ibid_result_write): passages, pairs of documents (consecutive in the merged order, which is
 * by ids) and documents (n_docs, of every rank). */
static int merge_parts(mjob *j, FILE *part, FILE *out, const ibid_write_opts *wo, uint64_t n_docs,
                       ibid_error *err)
{
    int n = j->n, rc = 0;
    uint64_t n_pass = 0, n_pairs = 0;
    char *prev = NULL; /* the ids of the last passage written: id1, NUL, id2 */
    size_t n_prev = 0, m_prev = 0, n_prev1 = 0;
    part_in *in = ibid_xcalloc((size_t)n, sizeof *in);
    frame *f = ibid_xmalloc((size_t)n * sizeof *f);
    const char **rec = ibid_xmalloc((size_t)n * sizeof *rec);
    for (int s = 0; s < n; s++) {
        in[s].src = s;
        in[s].fp = s == 0 ? part : NULL;
        rec[s] = head(&in[s], &f[s], &j->tr);
    }
    if (ibid_write_header(out, wo) < 0) rc = -1;
    for (;;) {
        int best = -1;
        for (int s = 0; s < n; s++)
            if (rec[s] && (best < 0 || frame_cmp(&f[s], rec[s], &f[best], rec[best]) < 0)) best = s;
        if (best < 0 || rc < 0) break;
        const frame *b = &f[best];
        const char *ids = rec[best] + sizeof *b;
        if (n_pass++ == 0 || n_prev1 != b->n_id1 || n_prev != b->n_id1 + b->n_id2 ||
            memcmp(prev, ids, n_prev) != 0) {
            n_pairs++;
            IBID_GROW(prev, m_prev, (size_t)b->n_id1 + b->n_id2 + 1);
            memcpy(prev, ids, (size_t)b->n_id1 + b->n_id2);
            n_prev1 = b->n_id1;
            n_prev = (size_t)b->n_id1 + b->n_id2;
        }
        if (fwrite(ids + b->n_id1 + b->n_id2, 1, b->n_line, out) != b->n_line) rc = -1;
        in[best].beg += sizeof *b + b->n_id1 + b->n_id2 + b->n_line;
        rec[best] = head(&in[best], &f[best], &j->tr);
    }
    for (int s = 1; s < n; s++) { /* after a write error: tell the ranks still sending to stop */
        if (in[s].eof) continue;
        ibid_mpi_stop_part(s);
    }
    if (rc == 0 && wo->format == IBID_FORMAT_TEXT &&
        fprintf(out, "%llu passages shared by %llu pairs of documents, among %llu documents\n",
                (unsigned long long)n_pass, (unsigned long long)n_pairs,
                (unsigned long long)n_docs) < 0)
        rc = -1;
    free(prev);
    for (int s = 0; s < n; s++) free(in[s].buf);
    free(in);
    free(f);
    free(rec);
    if (rc < 0 || fflush(out) != 0 || ferror(out))
        return ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot write the output: %s", strerror(errno));
    return 0;
}

/* ---- the report ---- */

static int make_report(mjob *j, const ibid_result *res, int P, ibid_mpi_report **rep)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    j->st.n_docs = j->n_own;
    j->st.n_passages = res ? res->n_passages : 0;
    j->st.bytes_sent = j->tr.sent;
    j->st.bytes_received = j->tr.received;
    j->st.max_rss = (uint64_t)ru.ru_maxrss * 1024;
    for (size_t i = 0; i < j->n_own; i++) j->st.n_bytes += ibid_corpus_doc(j->c, i)->n_text;
    uint64_t mine[5] = {j->n_shared, j->n_boiler, res ? res->n_candidates : 0, j->st.n_passages,
                        j->n_own},
             sum[5];
    MPI_Allreduce(mine, sum, 5, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    ibid_mpi_report *r = ibid_xcalloc(1, sizeof *r);
    r->n_ranks = j->n;
    r->rank = ibid_xcalloc(j->rank == 0 ? (size_t)j->n : 1, sizeof *r->rank);
    MPI_Gather(&j->st, (int)sizeof j->st, MPI_BYTE, r->rank, (int)sizeof j->st, MPI_BYTE, 0,
               MPI_COMM_WORLD);
    if (j->rank != 0) r->rank[0] = j->st;
    r->n_docs = (size_t)sum[4];
    r->n_shared_ngrams = (size_t)sum[0];
    r->n_boilerplate = (size_t)sum[1];
    r->n_candidates = (size_t)sum[2];
    r->n_passages = (size_t)sum[3];
    r->n_passes = P;
    r->n_pairs_skipped = j->n_pairs_skipped;
    /* skipped: each rank's in input order, so all of them in rank order */
    int bytes = (int)(j->skip.n * sizeof(ibid_error)), *counts = NULL, *displs = NULL;
    if (j->rank == 0) {
        counts = ibid_xmalloc((size_t)j->n * sizeof *counts);
        displs = ibid_xmalloc((size_t)j->n * sizeof *displs);
    }
    MPI_Gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    size_t all = 0;
    if (j->rank == 0)
        for (int s = 0; s < j->n; s++) displs[s] = (int)all, all += (size_t)counts[s];
    r->skipped = ibid_xmalloc(all ? all : 1);
    MPI_Gatherv(j->skip.v, bytes, MPI_BYTE, r->skipped, counts, displs, MPI_BYTE, 0,
                MPI_COMM_WORLD);
    r->n_skipped = all / sizeof(ibid_error);
    free(counts);
    free(displs);
    if (rep)
        *rep = r;
    else
        ibid_mpi_report_free(r);
    return 0;
}

/* ---- ibid_mpi_align ---- */

int ibid_mpi_align(FILE *out, const char *const *inputs, size_t n_inputs, const ibid_read_opts *ro,
                   const ibid_align_opts *ao, const ibid_write_opts *wo, const ibid_mpi_opts *mo,
                   ibid_mpi_report **rep, ibid_error *err)
{
    assert(inited());
    if (rep) *rep = NULL;
    int rc = 0, P = 0;
    ibid_mpi_opts mo_default;
    if (!mo) {
        ibid_mpi_opts_init(&mo_default);
        mo = &mo_default;
    }
    mjob j = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &j.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &j.n);
    j.ao = ao;
    j.ro = ro;
    j.mo = mo;
    ibid_result *res = NULL;
    FILE *part = NULL;
    if ((rc = ibid_align_opts_check(ao, err)) == 0 && ao->mode != IBID_MODE_VERBATIM)
        rc = ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "under MPI only --mode verbatim is supported");
    if (rc == 0 && wo->format != IBID_FORMAT_JSONL && wo->format != IBID_FORMAT_TSV &&
        wo->format != IBID_FORMAT_TEXT)
        rc = ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "under MPI the output is jsonl, tsv or text");
    if (rc == 0 && (j.rank == 0) != (out != NULL))
        rc = ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "the output goes to rank 0 alone");
    if ((rc = ibid_mpi_agree(rc, err)) < 0) return rc;

    ibid_corpus_new(&j.c);
    rc = read_share(&j, inputs, n_inputs, err);
    uint64_t own = j.n_own, most = 0;
    MPI_Allreduce(&own, &most, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    if (rc == 0 && most * (uint64_t)j.n >= UINT32_MAX)
        rc = ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0,
                       "%llu documents on one of %d ranks: the limit is 2^32 over the number of "
                       "ranks",
                       (unsigned long long)most, j.n);
    if ((rc = ibid_mpi_agree(rc, err)) < 0) goto done;
    if (mo->pairs_path && (rc = read_pairs(&j, mo->pairs_path, err)) < 0) goto done;

    if ((P = exchange_ngrams(&j, err)) < 0) {
        rc = P;
        goto done;
    }
    if ((rc = align_local(&j, &res, err)) < 0) goto done;

    part = tmpfile();
    if (!part)
        rc = ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot create a temporary file: %s",
                       strerror(errno));
    else
        rc = write_part(&j, res, wo, part, err);
    if ((rc = ibid_mpi_agree(rc, err)) < 0) goto done;
    uint64_t n_docs = 0;
    own = j.n_own;
    MPI_Allreduce(&own, &n_docs, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (j.rank == 0)
        rc = merge_parts(&j, part, out, wo, n_docs, err);
    else
        ibid_mpi_serve_part(part, &j.tr);
    if ((rc = ibid_mpi_agree(rc, err)) < 0) goto done;
    make_report(&j, res, P, rep);
done:
    if (part) fclose(part);
    ibid_result_free(res);
    ibid_corpus_free(j.c);
    free(j.skip.v);
    free(j.skip.unit);
    free(j.d_unit);
    free(j.d_line);
    ibid_share_free(&j.sh);
    free(j.group_beg);
    free(j.occ);
    free(j.pair_ids);
    return rc;
}
