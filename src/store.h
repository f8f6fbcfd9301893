/*
 * store.h: what the store's source files share (store.c, store_index.c, store_add.c,
 * store_query.c); never installed. The schema itself is described in docs/store.md.
 */
#ifndef IBID_STORE_H
#define IBID_STORE_H

#include "ibid_int.h"

#include <sqlite3.h>

/* Winnowing window, in n-grams: of every WINNOW consecutive n-grams of a document at least one
 * is sampled into the index, so an identical run of k * WINNOW + n - 1 tokens holds at least k
 * sampled n-grams in common with its source. */
#define IBID_STORE_WINNOW 6
/* The index's blocks (store_index.c): the hash space is cut into IBID_STORE_PARTS parts by the
 * hash's top IBID_STORE_PART_BITS bits (of 63), a block being one run's entries of one part
 * (rowid run << IBID_STORE_PART_BITS | part); a batch's run is merged with every run when the
 * runs other than the largest hold more than 1 / IBID_STORE_MERGE_RATIO of its entries, and
 * with the runs but the largest when there are IBID_STORE_MAX_RUNS already. Changing the part
 * bits changes the store's format. */
#define IBID_STORE_PART_BITS   16
#define IBID_STORE_PARTS       ((uint32_t)1 << IBID_STORE_PART_BITS)
#define IBID_STORE_MERGE_RATIO 4
#define IBID_STORE_MAX_RUNS    8
/* One block by rowid (run << 16 | part), and the blocks of a rowid range. */
#define IBID_STORE_BLOCK_SQL  "SELECT block, data FROM gram_blocks WHERE block = ?1"
#define IBID_STORE_BLOCKS_SQL "SELECT block, data FROM gram_blocks WHERE block BETWEEN ?1 AND ?2"
/* A stored document's id, text and metadata by rowid. */
#define IBID_STORE_FETCH_SQL \
    "SELECT d.id, t.text, d.meta FROM docs d JOIN texts t ON t.doc = d.doc WHERE d.doc = ?1"
/* Sampled n-grams a new document must share with a stored one to be aligned with it: identical
 * runs of 3 * 6 + 4 - 1 = 21 tokens are always found (bench/RESULTS.md measures 2, 3 and 4). */
#define IBID_STORE_CAND_MIN 3
/* A document of at most this many tokens keeps every n-gram in the index, not a sample, so that
 * two short documents are candidates exactly when ibid_align would pair them (3 shared n-grams):
 * most news wires are shorter than a sample can find reliably (bench/RESULTS.md). Recorded in a
 * new store's config as full_tokens; a store without it (made by schema version 1) samples all. */
#define IBID_STORE_FULL_TOKENS 300

/* How long a connection waits for another's lock before SQLITE_BUSY: a minute. */
#define IBID_STORE_BUSY_MS 60000

/* A writer's page cache (PRAGMA cache_size: negative is KiB): 256 MB. */
#define IBID_STORE_WRITER_CACHE "-262144"

struct ibid_store {
    sqlite3 *db;
    char *path;
    int writable;
    int version;             /* PRAGMA user_version */
    ibid_align_opts opts;    /* recorded matching options + run-time ones */
    size_t parallel_lookups; /* batches of at least this many sampled n-grams split their
                                index lookups over the threads (tests lower it) */
    size_t parallel_fetch;   /* ibid_store_fetch_many of at least this many documents reads
                                them on several threads (tests lower it) */
    int scan_blocks;         /* lookups read a run's blocks by scanning it (1), one by
                                one (0), or as store_index.c decides (-1; tests force) */
    int64_t full_tokens;     /* documents of at most this many tokens index every n-gram
                                (config key full_tokens; 0 when absent: version 1) */
    char *translate;         /* storage for opts.translate (or NULL) */
    sqlite3_stmt *st_block;  /* IBID_STORE_BLOCK_SQL */
    sqlite3_stmt *st_blocks; /* IBID_STORE_BLOCKS_SQL */
    sqlite3_stmt *st_fetch;  /* IBID_STORE_FETCH_SQL */
};

/* Fill `err` from SQLite's last error on `s` and return IBID_EIO. `what` names the step. */
int ibid_store_sqlerr(ibid_store *s, ibid_error *err, const char *what);
/* A read-only connection of its own on the store at `path`, in a read transaction (BEGIN), for
 * one thread's share of a batch's reads: a reader's small page cache, no mmap. Returns SQLite's
 * code; *db is set even on failure (close it). */
int ibid_store_open_part(const char *path, sqlite3 **db);
/* Run SQL with no result rows. Returns 0 or IBID_EIO. */
int ibid_store_exec(ibid_store *s, const char *sql, ibid_error *err);
/* qsort/bsearch order of int64_t (rowids); sort v[0, n) and drop repeats, returning the count. */
int ibid_store_cmp_i64(const void *a, const void *b);
size_t ibid_store_sort_unique(int64_t *v, size_t n);
/* Add stored document `doc` (its rowid) to `c`. Returns 0, IBID_ENOTFOUND or IBID_EIO. */
int ibid_store_fetch(ibid_store *s, int64_t doc, ibid_corpus *c, ibid_error *err);
/* Add stored documents docs[0, n) (rowids, best in increasing order) to `c`, in that order: the
 * same as ibid_store_fetch for each, read by up to s->opts.n_threads threads, each on its own
 * read-only connection, once there are at least s->parallel_fetch of them. */
int ibid_store_fetch_many(ibid_store *s, const int64_t *docs, size_t n, ibid_corpus *c,
                          ibid_error *err);
/* Every stored document's rowid, in order; the caller frees *out. Returns 0 or IBID_EIO. */
int ibid_store_all_docs(ibid_store *s, int64_t **out, size_t *n, ibid_error *err);

/* ibid_store_load, inside the caller's transaction when own_txn is 0 (else in its own read
 * transaction). */
int ibid_store_load_txn(ibid_corpus **out_corpus, ibid_result **out_result, ibid_store *s,
                        const char *const *ids, size_t n_ids, int max_hops, int own_txn,
                        ibid_error *err);

/* rank[i]: the place of document i of `c` in id (strcmp) order; the caller frees it. */
uint32_t *ibid_store_id_ranks(const ibid_corpus *c);

/* ---- store_index.c: the sampled n-gram index ---- */
/* The winnowed n-gram hashes of a document's token hashes tok[0, n_tok), or all its n-gram
 * hashes when n_tok <= full_tokens: sorted, distinct, each in [0, 2^63). *out is malloc'd (NULL
 * when none); returns how many. */
size_t ibid_store_sketch(const uint32_t *tok, size_t n_tok, int ngram, size_t full_tokens,
                         uint64_t **out);
/* Tokenize `text` with the store's normalization and sketch it. Returns 0 or IBID_EUTF8. */
int ibid_store_sketch_text(const ibid_store *s, const char *text, size_t n_bytes, uint64_t **out,
                           size_t *n_out, ibid_error *err);

/* Write a batch's sampled n-grams as run `run` (the batch's number), merging runs as the
 * policy above says: grams[0, n_grams) sorted by (hash, x), x a new document's index in the
 * batch and rowid[x] its rowid (increasing with x). Inside the batch's transaction. */
int ibid_store_index_add(ibid_store *s, const ibid_rec *grams, size_t n_grams, const int64_t *rowid,
                         int64_t run, ibid_error *err);
/* The first step of ibid_store_index_add, for a batch committed in two transactions
 * (store_add.c): run `run`'s blocks alone, which no lookup reads until the run is published,
 * unless the run must absorb others (then nothing is written, as that rewrites blocks which
 * lookups read). Returns 1 when staged, with the run's number of entries in *n_staged, 0 when
 * not (call ibid_store_index_add in the second transaction), or an error. */
int ibid_store_index_stage(ibid_store *s, const ibid_rec *grams, size_t n_grams,
                           const int64_t *rowid, int64_t run, size_t *n_staged, ibid_error *err);
/* The second step: make staged run `run` of n_entries entries visible (its gram_runs row). */
int ibid_store_index_publish(ibid_store *s, int64_t run, size_t n_entries, ibid_error *err);
/* Delete what a batch staged but never published, as its process died between the two
 * transactions: the texts past the last stored document and the blocks past the last run.
 * Only under the add lock (store_add.c), when no other batch can be in between. */
int ibid_store_discard_staged(ibid_store *s, ibid_error *err);
/* Remove the entries of stored document `doc`, whose sketch is sk[0, n_sk) (sorted). */
int ibid_store_index_remove(ibid_store *s, int64_t doc, const uint64_t *sk, size_t n_sk,
                            ibid_error *err);
/* The migration from schema version 2: its index tables read into blocks, as one run (in
 * version 3's entries). */
int ibid_store_index_from_v2(ibid_store *s, ibid_error *err);
/* The migration from schema version 4: the blocks' 12-byte entries as 8-byte ones. */
int ibid_store_index_to_v5(ibid_store *s, ibid_error *err);

/* A candidate pair: new document a (its index in the batch) with b, a stored document's rowid
 * (new x stored) or the index of a later new document (new x new). */
typedef struct ibid_store_cand {
    uint32_t a;
    int64_t b;
} ibid_store_cand;

/*
 * Candidates of `n_new` new documents, given their sketches as records (hash, new document, 0)
 * sorted (ibid_rec_sort): stored documents (not among `exclude`, n_exclude rowids sorted) and
 * other new documents sharing at least IBID_STORE_CAND_MIN sampled n-grams with one, not
 * counting n-grams found in more than max_df documents in all. *stored and *fresh are malloc'd,
 * sorted by (a, b). Returns 0 or IBID_EIO.
 */
int ibid_store_candidates(ibid_store *s, const ibid_rec *rec, size_t n_rec, size_t n_new,
                          const int64_t *exclude, size_t n_exclude, ibid_store_cand **stored,
                          size_t *n_stored, ibid_store_cand **fresh, size_t *n_fresh,
                          ibid_error *err);

#endif
