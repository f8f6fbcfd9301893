/*
 * store_add.c: adding documents to a store incrementally (ibid_store_add).
 *
 * The input is cut into batches by position (documents [0, B), [B, 2B), ...). Each batch is
 * computed under the write lock of its first transaction, taken with BEGIN IMMEDIATE:
 *   1. delete what a dead add staged (below), and look up every id: a stored id is left alone,
 *      or with `replace` its old version is scheduled for deletion and kept out of the
 *      candidates;
 *   2. tokenize and sketch the new documents (store_index.c);
 *   3. from then on a writer thread, on the store's connection, stores the batch (write_docs)
 *      while this thread reads on a second, read-only handle, which sees the store without it:
 *   4. find the candidates: stored documents and other new documents of the batch sharing
 *      enough sampled n-grams (with the sentence layer, every stored document and every other
 *      new one, since reworded text shares no n-grams);
 *   5. build an in-memory corpus of the new documents in a candidate pair and of the stored
 *      candidates, and run ibid_align on exactly the candidate pairs (with the tokens of step
 *      2), so no pair of stored documents is aligned again;
 *   6. wait for the writer, insert the passages and commit.
 * The writer commits the batch's texts and index run first (texts and gram_blocks, which no
 * reader sees until the batch's docs and gram_runs rows exist) and checkpoints them into the
 * database while this thread aligns; the second transaction, committed in step 6, inserts the
 * rows that make the batch visible, whole. A process killed at any moment loses at most the
 * batch in flight: SQLite rolls back its open transaction, and step 1 of the next add deletes
 * what it staged. So each document is stored with all its passages or not at all, and because
 * batches are cut by input position and a completed batch becomes a no-op, running the same add
 * again recomputes exactly the batches that did not commit, against the same stored documents,
 * and ends with the store an uninterrupted run would have made. One add runs at a time on a
 * store (lock_adds), which is what lets step 1 tell a dead add's staged rows from a live one's.
 * Passages are stored with the later of their two documents.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void ibid_store_add_opts_init(ibid_store_add_opts *o)
{
    memset(o, 0, sizeof *o);
    o->batch_docs = 1000;
}

typedef struct {
    const ibid_corpus *c;
    const ibid_store *s;
    const size_t *idx; /* input index of each new document */
    ibid_toks *toks;
    uint64_t **sk;
    size_t *n_sk;
    int *rc;
    ibid_error *errs;
} sketch_job;

static void sketch_one(void *ud, size_t i, int tid)
{
    (void)tid;
    sketch_job *j = ud;
    size_t n;
    const char *text = ibid_corpus_text(j->c, j->idx[i], &n);
    ibid_toks *t = &j->toks[i];
    j->rc[i] = ibid_tokenize_hashes(t, text, n, j->s->opts.norm, &j->errs[i]);
    if (j->rc[i] == 0)
        j->n_sk[i] = ibid_store_sketch(t->tok, t->n_tok, j->s->opts.ngram,
                                       (size_t)j->s->full_tokens, &j->sk[i]);
}

/* Bind the string field `name` of the JSON object `meta` (or NULL) to parameter k. */
static void bind_meta(sqlite3_stmt *st, int k, json_t *meta, const char *name)
{
    json_t *v = meta ? json_object_get(meta, name) : NULL;
    if (json_is_string(v))
        sqlite3_bind_text(st, k, json_string_value(v), (int)json_string_length(v),
                          SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, k);
}

/* The statements of an add, prepared once: t->st[K] runs stmt_sql[K]. */
enum {
    FIND,
    INS_BATCH,
    SET_BATCH,
    INS_TEXT,
    INS_DOC,
    INS_PASS,
    OLD_TEXT,
    DEL_PASS,
    UNSTORY_PASS,
    DEL_STORY_ROW,
    DEL_STORY,
    FORGET_SAVE,
    DEL_TEXT,
    DEL_DOC,
    N_STMTS
};

typedef struct {
    sqlite3_stmt *st[N_STMTS];
} stmts;

static const char *const stmt_sql[N_STMTS] = {
    "SELECT doc FROM docs WHERE id = ?1",
    "INSERT INTO batches(batch, n_docs, n_passages) VALUES (?1, ?2, 0)",
    "UPDATE batches SET n_passages = ?1 WHERE batch = ?2",
    "INSERT INTO texts(text) VALUES (?1)",
    "INSERT INTO docs(doc, id, n_bytes, source, date, url, title, meta, batch) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    "INSERT INTO passages(doc1, doc2, begin1, end1, begin2, end2, byte_begin1, byte_end1, "
    "byte_begin2, byte_end2, tok_begin1, tok_end1, tok_begin2, tok_end2, matches, columns, "
    "score, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
    "?16, ?17, ?18)",
    "SELECT text FROM texts WHERE doc = ?1",
    "DELETE FROM passages WHERE doc1 = ?1 OR doc2 = ?1",
    "UPDATE passages SET story = NULL WHERE story IN (SELECT story FROM story_docs WHERE doc = ?1)",
    "DELETE FROM stories WHERE story IN (SELECT story FROM story_docs WHERE doc = ?1)",
    "DELETE FROM story_docs WHERE story IN (SELECT story FROM story_docs WHERE doc = ?1)",
    /* the next ibid_store_update_stories recomputes them all (store_stories.c) */
    "DELETE FROM config WHERE key = 'stories_doc' AND ?1 IS NOT NULL",
    "DELETE FROM texts WHERE doc = ?1",
    "DELETE FROM docs WHERE doc = ?1",
};

/* Step a statement that returns no row, then reset it. */
static int run(ibid_store *s, sqlite3_stmt *st, const char *what, ibid_error *err)
{
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : ibid_store_sqlerr(s, err, what);
}

/* Delete stored document `doc` with its passages, index entries and story memberships. */
static int delete_doc(ibid_store *s, stmts *t, int64_t doc, ibid_error *err)
{
    int rc = 0;
    uint64_t *sk = NULL;
    size_t n_sk = 0;
    sqlite3_bind_int64(t->st[OLD_TEXT], 1, doc);
    if (sqlite3_step(t->st[OLD_TEXT]) != SQLITE_ROW) {
        sqlite3_reset(t->st[OLD_TEXT]);
        return ibid_store_sqlerr(s, err, "cannot read a replaced document");
    }
    const char *text = (const char *)sqlite3_column_text(t->st[OLD_TEXT], 0);
    size_t n = (size_t)sqlite3_column_bytes(t->st[OLD_TEXT], 0);
    rc = ibid_store_sketch_text(s, text ? text : "", n, &sk, &n_sk, err);
    sqlite3_reset(t->st[OLD_TEXT]);
    if (rc == 0) rc = ibid_store_index_remove(s, doc, sk, n_sk, err);
    free(sk);
    if (rc < 0) return rc;
    sqlite3_bind_int64(t->st[DEL_PASS], 1, doc);
    if ((rc = run(s, t->st[DEL_PASS], "cannot delete passages", err)) < 0) return rc;
    /* a saved story that held the document no longer describes the store: it goes, whole */
    for (int k = UNSTORY_PASS; k <= FORGET_SAVE; k++) {
        sqlite3_bind_int64(t->st[k], 1, doc);
        if ((rc = run(s, t->st[k], "cannot delete a saved story", err)) < 0) return rc;
    }
    for (int k = DEL_TEXT; k <= DEL_DOC; k++) {
        sqlite3_bind_int64(t->st[k], 1, doc);
        if ((rc = run(s, t->st[k], "cannot delete a replaced document", err)) < 0) return rc;
    }
    return 0;
}

/* Insert the text of document i of `c`; its rowid, which its docs row will take, in *doc. */
static int insert_text(ibid_store *s, stmts *t, const ibid_corpus *c, size_t i, int64_t *doc,
                       ibid_error *err)
{
    size_t n;
    const char *text = ibid_corpus_text(c, i, &n);
    sqlite3_bind_text(t->st[INS_TEXT], 1, text, (int)n, SQLITE_STATIC);
    int rc = run(s, t->st[INS_TEXT], "cannot store a document", err);
    *doc = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* Insert document i of `c` as batch `batch`, with rowid `doc` (its text's). */
static int insert_doc(ibid_store *s, stmts *t, const ibid_corpus *c, size_t i, int64_t batch,
                      int64_t doc, ibid_error *err)
{
    size_t n;
    const char *id = ibid_corpus_id(c, i);
    (void)ibid_corpus_text(c, i, &n);
    const char *meta = ibid_corpus_meta(c, i);
    json_t *m = meta ? json_loads(meta, 0, NULL) : NULL;
    sqlite3_stmt *st = t->st[INS_DOC];
    sqlite3_bind_int64(st, 1, doc);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)n);
    bind_meta(st, 4, m, "source");
    bind_meta(st, 5, m, "date");
    bind_meta(st, 6, m, "url");
    bind_meta(st, 7, m, "title");
    if (meta)
        sqlite3_bind_text(st, 8, meta, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, batch);
    int rc = run(s, st, "cannot store a document", err);
    json_decref(m);
    return rc;
}

static int insert_passage(ibid_store *s, stmts *t, const ibid_passage *p, int64_t doc1,
                          int64_t doc2, ibid_error *err)
{
    sqlite3_stmt *st = t->st[INS_PASS];
    const uint32_t f[] = {p->cp_beg1,   p->cp_end1,   p->cp_beg2,   p->cp_end2,  p->byte_beg1,
                          p->byte_end1, p->byte_beg2, p->byte_end2, p->tok_beg1, p->tok_end1,
                          p->tok_beg2,  p->tok_end2,  p->matches,   p->columns};
    sqlite3_bind_int64(st, 1, doc1);
    sqlite3_bind_int64(st, 2, doc2);
    for (int k = 0; k < 14; k++) sqlite3_bind_int64(st, 3 + k, f[k]);
    sqlite3_bind_int64(st, 17, p->score);
    sqlite3_bind_text(st, 18, ibid_kind_name(p->kind), -1, SQLITE_STATIC);
    return run(s, st, "cannot store a passage", err);
}

/* What a batch writes before its passages, in two transactions. The first stores the new
 * documents' texts (table texts) and their sampled n-grams (a run of the index's blocks), which
 * no reader sees: a text is read through its docs row, a run through its gram_runs row, and
 * neither exists yet. It commits, and the WAL is checkpointed into the database (copying the
 * batch's pages, about 14 KB a news-sized document, and two fsyncs: 0.6 s for 10,000 documents),
 * while the batch is still being aligned. The second transaction, left open for the passages,
 * deletes the replaced documents, then inserts the batch's row, the new documents' docs rows and
 * the run's gram_runs row, which make them visible when it commits. A process that dies in
 * between leaves texts and blocks that nothing refers to; the next add deletes them
 * (ibid_store_discard_staged) before it stages its own. The thread needs nothing from the
 * alignment, and the store's connection is not used by anyone else meanwhile. */
typedef struct {
    ibid_store *s;
    stmts *t;
    const ibid_corpus *c;
    const size_t *idx;
    size_t n_new;
    const int64_t *old;
    size_t n_old;
    const ibid_rec *grams;
    size_t n_grams;
    int64_t *rowid;
    int64_t batch;
    int staged; /* the first transaction committed */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int reads_over; /* the batch's reads of the store (index lookups, stored texts) are over */
    int rc;
    ibid_error err;
    double secs; /* its own time */
} doc_writer;

static void *write_docs(void *ud)
{
    doc_writer *w = ud;
    ibid_store *s = w->s;
    stmts *t = w->t;
    int rc = 0, run_staged = 0;
    size_t n_staged = 0;
    double t0 = now();
    for (size_t i = 0; i < w->n_new && rc == 0; i++)
        rc = insert_text(s, t, w->c, w->idx[i], &w->rowid[i], &w->err);
    if (rc == 0)
        rc = run_staged =
            ibid_store_index_stage(s, w->grams, w->n_grams, w->rowid, w->batch, &n_staged, &w->err);
    if (rc >= 0 && (rc = ibid_store_exec(s, "COMMIT", &w->err)) == 0) {
        w->staged = 1;
        /* test hook: die between the two transactions (tests/store/crash_add.sh) */
        if (getenv("IBID_TEST_ADD_DIE_STAGED")) raise(SIGKILL);
        /* the commit checkpointed what it could (SQLite's autocheckpoint, PASSIVE: it copies
         * no page that a reader's older snapshot may still read, and never waits). If this
         * batch's own reads (index lookups, stored texts), begun before the commit, held pages
         * back, wait for them to end and try again. Not FULL, which waits for every reader and so
         * would stall the add behind any long one (another process's query); what is left is copied
         * by a later commit. */
        int n_log = 0, n_ckpt = 0;
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &n_log, &n_ckpt);
        if (n_ckpt < n_log) {
            pthread_mutex_lock(&w->mu);
            while (!w->reads_over) pthread_cond_wait(&w->cv, &w->mu);
            pthread_mutex_unlock(&w->mu);
            sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &n_log, &n_ckpt);
        }
        /* Every page is in the database file: empty the WAL now, on this thread, if no reader
         * still needs it (never waiting: busy at once otherwise). Else the second transaction
         * appends to a WAL of the whole batch's size, which the close deletes at the very end
         * of the add (measured: 57 ms to unlink 124 MB). */
        if (n_ckpt == n_log) {
            sqlite3_busy_timeout(s->db, 0);
            sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
            sqlite3_busy_timeout(s->db, IBID_STORE_BUSY_MS);
        }
        rc = ibid_store_exec(s, "BEGIN IMMEDIATE", &w->err);
    }
    for (size_t k = 0; k < w->n_old && rc == 0; k++) rc = delete_doc(s, t, w->old[k], &w->err);
    if (rc == 0) {
        sqlite3_bind_int64(t->st[INS_BATCH], 1, w->batch);
        sqlite3_bind_int64(t->st[INS_BATCH], 2, (int64_t)w->n_new);
        rc = run(s, t->st[INS_BATCH], "cannot record the batch", &w->err);
    }
    for (size_t i = 0; i < w->n_new && rc == 0; i++)
        rc = insert_doc(s, t, w->c, w->idx[i], w->batch, w->rowid[i], &w->err);
    if (rc == 0)
        rc = run_staged
                 ? ibid_store_index_publish(s, w->batch, n_staged, &w->err)
                 : ibid_store_index_add(s, w->grams, w->n_grams, w->rowid, w->batch, &w->err);
    w->rc = rc;
    w->secs = now() - t0;
    return NULL;
}

/* Tell the writer that the batch's reads of the store are over. */
static void reads_over(doc_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->reads_over = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* A second, read-only handle on the store of `s`, for the reads of a batch that run while its
 * writer thread uses the store's connection: the index lookups and the candidates' texts (or,
 * once they are many and there are threads, the per-thread connections these open). It
 * holds no transaction between statements, so each batch reads the store as the batches before
 * it left it. Like every reader it keeps SQLite's 2 MB page cache and reads with pread rather
 * than mmap: a page is read once, and on this machine first touches of mapped file pages and of
 * a large fresh cache cost more than the copies (measured: the 6,020 texts of a 10,000-document
 * batch read in 0.22 s instead of 0.33-0.42; bench/RESULTS.md, "The store, session 8"). */
static int open_reader(ibid_store *s, ibid_store **rd, ibid_error *err)
{
    int rc = ibid_store_open(rd, s->path, IBID_STORE_READ, NULL, err);
    if (rc < 0) return rc;
    ibid_store_set_runtime(*rd, &s->opts);
    (*rd)->parallel_lookups = s->parallel_lookups;
    (*rd)->parallel_fetch = s->parallel_fetch;
    (*rd)->scan_blocks = s->scan_blocks;
    return 0;
}

/* The add lock: an exclusive flock on the file "<store>-lock", held by ibid_store_add from start
 * to end, so that one add at a time runs on a store (another waits for it). A batch is committed
 * in two transactions (write_docs), and what a dead add left between them can only be told from
 * a batch still on its way when no other add runs. The kernel drops the lock when its process
 * dies. SQLite's own locks cannot serve: they are taken per transaction, and an fcntl lock on
 * the database file would be dropped with SQLite's when any descriptor of it is closed. The file
 * is left in place (deleting it would race with the next add's open). Returns the descriptor. */
static int lock_adds(const ibid_store *s, ibid_error *err)
{
    size_t n = strlen(s->path);
    char *path = ibid_xmalloc(n + sizeof "-lock");
    memcpy(path, s->path, n);
    memcpy(path + n, "-lock", sizeof "-lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), rc;
    while (fd >= 0 && (rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR) {
    }
    if (fd < 0 || rc < 0) {
        rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot take the store's add lock: %s",
                       strerror(errno));
        if (fd >= 0) close(fd);
        fd = rc;
    }
    free(path);
    return fd;
}

/* Add input documents [b0, b1) of `c`: computed under the write lock of its first transaction,
 * stored by two (write_docs). */
static int add_batch(ibid_store *s, ibid_store *rd, stmts *t, const ibid_corpus *c, size_t b0,
                     size_t b1, int replace, ibid_store_add_report *rep, ibid_error *err)
{
    int rc = 0;
    size_t n_in = b1 - b0, n_new = 0, n_old = 0, n_sc = 0, n_fc = 0, n_cdocs = 0, n_sub = 0,
           n_toks = 0;
    size_t *idx = ibid_xmalloc(n_in * sizeof *idx);
    int64_t *old = ibid_xmalloc(n_in * sizeof *old);
    uint64_t **sk = NULL;
    size_t *n_sk = NULL;
    int *rcs = NULL;
    ibid_error *errs = NULL;
    ibid_toks *toks = NULL;
    ibid_store_cand *sc = NULL, *fc = NULL;
    int64_t *cdocs = NULL, *rowid = NULL, *sub_rowid = NULL;
    uint32_t *sub_of = NULL; /* a new document's place in the corpus aligned, or UINT32_MAX */
    size_t *new_of = NULL;   /* the new document at each of the first n_sub places */
    uint32_t(*pairs)[2] = NULL;
    ibid_corpus *sub = NULL;
    ibid_pairs *pl = NULL;
    ibid_result *res = NULL;
    ibid_rec *grams = NULL;
    pthread_t writer;
    int writing = 0, w_init = 0;
    doc_writer w = {0};

    double t0 = now(), t_sketch = 0, t_cand = 0, t_read = 0, t_align = 0;
    if ((rc = ibid_store_exec(s, "BEGIN IMMEDIATE", err)) < 0) goto out;
    if ((rc = ibid_store_discard_staged(s, err)) < 0) goto done;
    for (size_t i = b0; i < b1; i++) {
        sqlite3_bind_text(t->st[FIND], 1, ibid_corpus_id(c, i), -1, SQLITE_STATIC);
        int step = sqlite3_step(t->st[FIND]);
        int64_t d = step == SQLITE_ROW ? sqlite3_column_int64(t->st[FIND], 0) : -1;
        sqlite3_reset(t->st[FIND]);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = ibid_store_sqlerr(s, err, "cannot look up an id");
            goto done;
        }
        if (d >= 0 && !replace) {
            rep->n_present++;
            continue;
        }
        if (d >= 0) old[n_old++] = d;
        idx[n_new++] = i;
    }
    if (n_new == 0) goto done;
    if (n_old > 1) qsort(old, n_old, sizeof *old, ibid_store_cmp_i64);

    /* tokens and sketches, in parallel; the tokens are handed to the alignment */
    sk = ibid_xcalloc(n_new, sizeof *sk);
    n_sk = ibid_xcalloc(n_new, sizeof *n_sk);
    rcs = ibid_xcalloc(n_new, sizeof *rcs);
    errs = ibid_xcalloc(n_new, sizeof *errs);
    toks = ibid_xcalloc(n_new, sizeof *toks);
    n_toks = n_new;
    sketch_job sj = {c, s, idx, toks, sk, n_sk, rcs, errs};
    ibid_parallel_for(s->opts.n_threads, n_new, sketch_one, &sj);
    for (size_t i = 0; i < n_new; i++) {
        if (rcs[i] < 0) {
            rc = ibid_fail(err, rcs[i], ibid_corpus_id(c, idx[i]), errs[i].line, errs[i].column,
                           "%s", errs[i].message);
            goto done;
        }
    }

    /* the batch's index entries, in hash order */
    size_t n_grams = 0;
    for (size_t i = 0; i < n_new; i++) n_grams += n_sk[i];
    grams = ibid_xmalloc((n_grams ? n_grams : 1) * sizeof *grams);
    n_grams = 0;
    for (size_t i = 0; i < n_new; i++)
        for (size_t k = 0; k < n_sk[i]; k++)
            grams[n_grams++] = (ibid_rec){sk[i][k], (uint32_t)i, 0};
    ibid_rec_sort(grams, n_grams, s->opts.n_threads);

    t_sketch = now();
    /* from here on another thread writes the documents and their index entries on the store's
     * connection, while this one finds the candidates and reads them on `rd`, which sees the
     * store as it was before the batch (the uncommitted writes are the writer's alone) */
    rowid = ibid_xmalloc(n_new * sizeof *rowid);
    int64_t batch;
    sqlite3_stmt *next = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(batch), 0) + 1 FROM batches", -1, &next,
                           NULL) != SQLITE_OK ||
        sqlite3_step(next) != SQLITE_ROW) {
        sqlite3_finalize(next);
        rc = ibid_store_sqlerr(s, err, "cannot number the batch");
        goto done;
    }
    batch = sqlite3_column_int64(next, 0);
    sqlite3_finalize(next);
    w = (doc_writer){.s = s,
                     .t = t,
                     .c = c,
                     .idx = idx,
                     .n_new = n_new,
                     .old = old,
                     .n_old = n_old,
                     .grams = grams,
                     .n_grams = n_grams,
                     .rowid = rowid,
                     .batch = batch};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    w_init = 1;
    if (pthread_create(&writer, NULL, write_docs, &w) == 0) {
        writing = 1;
    } else {
        w.reads_over = 1; /* alone, it has nothing to wait for */
        write_docs(&w);
    }

    /* candidates */
    if (s->opts.mode & IBID_MODE_REWORDED) {
        int64_t *all = NULL;
        size_t n_all = 0;
        if ((rc = ibid_store_all_docs(rd, &all, &n_all, err)) < 0) goto done;
        sc = ibid_xmalloc((n_new * n_all + 1) * sizeof *sc);
        for (size_t a = 0; a < n_new; a++)
            for (size_t k = 0; k < n_all; k++)
                if (!n_old || !bsearch(&all[k], old, n_old, sizeof *old, ibid_store_cmp_i64))
                    sc[n_sc++] = (ibid_store_cand){(uint32_t)a, all[k]};
        free(all);
        fc = ibid_xmalloc((n_new * n_new + 1) * sizeof *fc);
        for (size_t a = 0; a < n_new; a++)
            for (size_t b = a + 1; b < n_new; b++)
                fc[n_fc++] = (ibid_store_cand){(uint32_t)a, (int64_t)b};
    } else if ((rc = ibid_store_candidates(rd, grams, n_grams, n_new, old, n_old, &sc, &n_sc, &fc,
                                           &n_fc, err)) < 0) {
        goto done;
    }

    t_cand = now();
    /* the corpus: the new documents in a candidate pair, then the stored candidates in rowid
     * order (a new document in no pair is stored and indexed, but has nothing to align) */
    cdocs = ibid_xmalloc((n_sc ? n_sc : 1) * sizeof *cdocs);
    for (size_t k = 0; k < n_sc; k++) cdocs[n_cdocs++] = sc[k].b;
    n_cdocs = ibid_store_sort_unique(cdocs, n_cdocs);
    sub_of = ibid_xmalloc(n_new * sizeof *sub_of);
    for (size_t i = 0; i < n_new; i++) sub_of[i] = UINT32_MAX;
    for (size_t k = 0; k < n_sc; k++) sub_of[sc[k].a] = 0;
    for (size_t k = 0; k < n_fc; k++) sub_of[fc[k].a] = sub_of[fc[k].b] = 0;
    new_of = ibid_xmalloc(n_new * sizeof *new_of);
    for (size_t i = 0; i < n_new; i++) {
        if (sub_of[i] == UINT32_MAX) {
            ibid_toks_free(&toks[i]);
            continue;
        }
        sub_of[i] = (uint32_t)n_sub;
        new_of[n_sub] = i;
        toks[n_sub++] = toks[i]; /* n_sub <= i */
    }
    n_toks = n_sub + n_cdocs;
    toks = ibid_xrealloc(toks, (n_toks + 1) * sizeof *toks); /* theirs: by the alignment */
    memset(toks + n_sub, 0, (n_cdocs + 1) * sizeof *toks);
    ibid_corpus_new(&sub);
    for (size_t k = 0; k < n_sub; k++) {
        /* the text is the input corpus's, which outlives sub: neither copied nor checked again */
        size_t n, i = idx[new_of[k]];
        const char *text = ibid_corpus_text(c, i, &n), *id = ibid_corpus_id(c, i);
        const char *meta = ibid_corpus_meta(c, i);
        char *id2 = ibid_xstrndup(id, strlen(id)),
             *meta2 = meta ? ibid_xstrndup(meta, strlen(meta)) : NULL;
        if ((rc = ibid_corpus_add_owned(sub, id2, strlen(id2), text, n, meta2, err)) < 0) {
            free(id2);
            free(meta2);
            goto done;
        }
    }
    if ((rc = ibid_store_fetch_many(rd, cdocs, n_cdocs, sub, err)) < 0) goto done;
    if (writing) reads_over(&w);
    pairs = ibid_xmalloc((n_sc + n_fc ? n_sc + n_fc : 1) * sizeof *pairs);
    for (size_t k = 0; k < n_sc; k++) {
        const int64_t *p = bsearch(&sc[k].b, cdocs, n_cdocs, sizeof *cdocs, ibid_store_cmp_i64);
        assert(p);
        pairs[k][0] = sub_of[sc[k].a];
        pairs[k][1] = (uint32_t)(n_sub + (size_t)(p - cdocs));
    }
    for (size_t k = 0; k < n_fc; k++) {
        pairs[n_sc + k][0] = sub_of[fc[k].a];
        pairs[n_sc + k][1] = sub_of[fc[k].b];
    }
    if ((rc = ibid_pairs_new(&pl, sub, (const uint32_t(*)[2])pairs, n_sc + n_fc, err)) < 0)
        goto done;

    /* align (the writer goes on meanwhile) */
    t_read = now();
    rc = ibid_align_tokens(&res, sub, pl, toks, n_sub, &s->opts, err);
    if (writing) pthread_join(writer, NULL);
    writing = 0;
    t_align = now();
    if (rc < 0) goto done;
    if (w.rc < 0) {
        *err = w.err;
        rc = w.rc;
        goto done;
    }

    /* the passages, their documents by rowid */
    sub_rowid = ibid_xmalloc((n_sub + n_cdocs + 1) * sizeof *sub_rowid);
    for (size_t k = 0; k < n_sub; k++) sub_rowid[k] = rowid[new_of[k]];
    for (size_t k = 0; k < n_cdocs; k++) sub_rowid[n_sub + k] = cdocs[k];
    for (size_t k = 0; k < res->n_passages; k++) {
        const ibid_passage *p = &res->passages[k];
        if ((rc = insert_passage(s, t, p, sub_rowid[p->doc1], sub_rowid[p->doc2], err)) < 0)
            goto done;
    }
    sqlite3_bind_int64(t->st[SET_BATCH], 1, (int64_t)res->n_passages);
    sqlite3_bind_int64(t->st[SET_BATCH], 2, w.batch);
    if ((rc = run(s, t->st[SET_BATCH], "cannot record the batch", err)) < 0) goto done;
    rep->n_added += n_new;
    rep->n_replaced += n_old;
    rep->n_pairs += ibid_pairs_size(pl);
    rep->n_passages += res->n_passages;
    rep->n_batches++;
done:
    if (writing) {
        reads_over(&w); /* if they failed */
        pthread_join(writer, NULL);
    }
    if (w_init) {
        pthread_mutex_destroy(&w.mu);
        pthread_cond_destroy(&w.cv);
    }
    if (rc == 0)
        rc = ibid_store_exec(s, "COMMIT", err);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc < 0 && w.staged) { /* its texts and blocks go (if this fails, the next add's do) */
        ibid_error ignored;
        if (ibid_store_exec(s, "BEGIN IMMEDIATE", &ignored) == 0)
            sqlite3_exec(s->db, ibid_store_discard_staged(s, &ignored) == 0 ? "COMMIT" : "ROLLBACK",
                         NULL, NULL, NULL);
    }
    if (t_align > 0) { /* a batch that went through every step */
        rep->secs_sketch += t_sketch - t0;
        rep->secs_candidates += t_cand - t_sketch;
        rep->secs_read += t_read - t_cand;
        rep->secs_align += t_align - t_read;
        rep->secs_commit += now() - t_align;
        rep->secs_writer += w.secs;
    }
out:
    for (size_t i = 0; sk && i < n_new; i++) free(sk[i]);
    for (size_t i = 0; toks && i < n_toks; i++) ibid_toks_free(&toks[i]);
    free(toks);
    free(sk);
    free(n_sk);
    free(rcs);
    free(errs);
    free(sc);
    free(fc);
    free(cdocs);
    free(rowid);
    free(sub_rowid);
    free(sub_of);
    free(new_of);
    free(pairs);
    free(grams);
    free(idx);
    free(old);
    ibid_result_free(res);
    ibid_pairs_free(pl);
    ibid_corpus_free(sub);
    return rc;
}

int ibid_store_add(ibid_store *s, const ibid_corpus *c, const ibid_store_add_opts *o,
                   ibid_store_add_report *rep, ibid_error *err)
{
    assert(s && c);
    ibid_store_add_opts def;
    ibid_store_add_report dummy;
    stmts t = {0};
    ibid_store *rd = NULL;
    int rc = 0, lock = -1;
    if (!o) ibid_store_add_opts_init(&def), o = &def;
    if (!rep) rep = &dummy;
    memset(rep, 0, sizeof *rep);
    if (!s->writable)
        return ibid_fail(err, IBID_EINVAL, s->path, 0, 0, "the store is open read only");
    if (o->batch_docs == 0)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "batch_docs must be at least 1");
    for (size_t i = 0; i < N_STMTS; i++)
        if (sqlite3_prepare_v2(s->db, stmt_sql[i], -1, &t.st[i], NULL) != SQLITE_OK) {
            rc = ibid_store_sqlerr(s, err, "cannot prepare a statement");
            goto done;
        }
    if ((lock = lock_adds(s, err)) < 0) {
        rc = lock;
        goto done;
    }
    if ((rc = open_reader(s, &rd, err)) < 0) goto done;
    /* the writer's connection only writes here (rd reads): with a small page cache SQLite
     * spills the batch's pages to the WAL while it inserts them, on the writer thread, instead
     * of all at the commit (measured: a 10,000-document batch 0.3-0.5 s faster; 8 MB holds the
     * id index's pages that a batch's inserts come back to) */
    if ((rc = ibid_store_exec(s, "PRAGMA cache_size = -8192", err)) < 0) goto done;
    size_t n = ibid_corpus_size(c);
    for (size_t b0 = 0; b0 < n; b0 += o->batch_docs) {
        size_t b1 = n - b0 > o->batch_docs ? b0 + o->batch_docs : n;
        if ((rc = add_batch(s, rd, &t, c, b0, b1, o->replace, rep, err)) < 0) goto done;
        if (o->progress) o->progress(o->progress_ud, b1, n);
    }
done:
    for (size_t i = 0; i < N_STMTS; i++) sqlite3_finalize(t.st[i]);
    ibid_store_close(rd);
    sqlite3_exec(s->db, "PRAGMA cache_size = " IBID_STORE_WRITER_CACHE, NULL, NULL, NULL);
    if (lock >= 0) close(lock);
    return rc;
}
