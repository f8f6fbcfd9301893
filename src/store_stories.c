/*
 * store_stories.c: saving the stories of a store in its tables (ibid_store_save_stories), so
 * that the store of record holds documents, index, passages and stories, and a sqlite3 user can
 * ask which story a document is in and who its first witness is.
 *
 * Stories are a property of the whole corpus, not of one batch: a new document can join two
 * stories into one, and whether a span is boilerplate depends on how many documents share it.
 * So they are not kept up to date by every add; they are computed afresh over the whole store
 * (ibid_store_load, then the union-find of cluster.c and the witness order of provenance.c) and
 * replace the saved ones in one transaction. That transaction is taken (BEGIN IMMEDIATE) before
 * the store is read, so the saved stories are exactly those of the documents and passages stored
 * at that moment: an add waits for the save, and readers keep reading the previous stories (WAL)
 * until it commits. story_saves records the last batch the stories cover; documents added later
 * are in no saved story until the next save. Replacing a document (ibid add --replace) deletes
 * the saved stories it was in (store_add.c), since they no longer describe the store.
 *
 * Written: one row per story (stories), one per member document with its place in witness order
 * and the shares of its text reused and own (story_docs), and on each passage its story and
 * boilerplate flag. docs/store.md describes the tables.
 */
#include "store.h"
#include "stories.h"

static double share(uint32_t part, uint32_t whole)
{
    return whole ? (double)part / whole : 0;
}

/* The "date" of document d as given, when it parsed, else NULL (as ibid stories prints it). */
static const char *date_of(const ibid_stories *st, uint32_t d)
{
    return st->date_text[d] && st->wit[d].date != IBID_NO_DATE ? st->date_text[d] : NULL;
}

static void bind_text_or_null(sqlite3_stmt *q, int k, const char *v)
{
    if (v)
        sqlite3_bind_text(q, k, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, k);
}

enum { INS_STORY, INS_MEMBER, SET_PASSAGE, INS_SAVE, N_Q };

static const char *const q_sql[N_Q] = {
    "INSERT INTO stories(story, n_docs, n_passages, first_doc, date_first, date_last, title) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "INSERT INTO story_docs(story, doc, rank, reused, own, reused_here) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    "UPDATE passages SET story = ?1, boilerplate = ?2 WHERE doc1 = ?3 AND doc2 = ?4 AND "
    "begin1 = ?5 AND end1 = ?6 AND begin2 = ?7 AND end2 = ?8",
    "INSERT INTO story_saves(batch, n_stories, n_boilerplate) "
    "VALUES ((SELECT max(batch) FROM batches), ?1, ?2)",
};

static int step_reset(ibid_store *s, sqlite3_stmt *q, ibid_error *err)
{
    int step = sqlite3_step(q);
    sqlite3_reset(q);
    return step == SQLITE_DONE ? 0 : ibid_store_sqlerr(s, err, "cannot save the stories");
}

/* Write the stories `st` of the whole store (c, r loaded from it; doc[i] the rowid of document i
 * of c) over the saved ones. Inside the caller's transaction. */
static int write_stories(ibid_store *s, const ibid_stories *st, const ibid_corpus *c,
                         const ibid_result *r, const int64_t *doc, ibid_error *err)
{
    sqlite3_stmt *q[N_Q] = {0};
    char tb[512];
    int rc = 0;
    if ((rc = ibid_store_exec(s,
                              "DELETE FROM story_docs; DELETE FROM stories; UPDATE passages SET "
                              "story = NULL, boilerplate = 0 WHERE story IS NOT NULL OR "
                              "boilerplate <> 0",
                              err)) < 0)
        return rc;
    for (int k = 0; k < N_Q; k++)
        if (sqlite3_prepare_v2(s->db, q_sql[k], -1, &q[k], NULL) != SQLITE_OK) {
            rc = ibid_store_sqlerr(s, err, "cannot prepare a statement");
            goto done;
        }
    for (size_t k = 0; k < st->n_story; k++) {
        const ibid_story *y = &st->story[k];
        assert(y->n_docs >= 2);
        sqlite3_bind_int64(q[INS_STORY], 1, (int64_t)k + 1);
        sqlite3_bind_int64(q[INS_STORY], 2, (int64_t)y->n_docs);
        sqlite3_bind_int64(q[INS_STORY], 3, (int64_t)y->n_passages);
        sqlite3_bind_int64(q[INS_STORY], 4, doc[y->docs[0]]);
        bind_text_or_null(q[INS_STORY], 5, y->n_dated ? date_of(st, y->docs[0]) : NULL);
        bind_text_or_null(q[INS_STORY], 6,
                          y->n_dated ? date_of(st, y->docs[y->n_dated - 1]) : NULL);
        bind_text_or_null(q[INS_STORY], 7, ibid_story_title(st, c, y->docs[0], tb, sizeof tb));
        if ((rc = step_reset(s, q[INS_STORY], err)) < 0) goto done;
        for (size_t i = 0; i < y->n_docs; i++) {
            uint32_t d = y->docs[i];
            const ibid_witness *w = &st->wit[d];
            double reused = share(w->cp_reused, w->n_cp);
            sqlite3_bind_int64(q[INS_MEMBER], 1, (int64_t)k + 1);
            sqlite3_bind_int64(q[INS_MEMBER], 2, doc[d]);
            sqlite3_bind_int64(q[INS_MEMBER], 3, (int64_t)i);
            sqlite3_bind_double(q[INS_MEMBER], 4, reused);
            sqlite3_bind_double(q[INS_MEMBER], 5, 1 - reused);
            sqlite3_bind_double(q[INS_MEMBER], 6, share(ibid_story_reused(st, r, y, d), w->n_cp));
            if ((rc = step_reset(s, q[INS_MEMBER], err)) < 0) goto done;
        }
    }
    for (size_t k = 0; k < r->n_passages; k++) {
        const ibid_passage *p = &r->passages[k];
        const ibid_passage_info *pi = &st->pinfo[k];
        if (pi->story < 0 && !pi->boilerplate) continue;
        if (pi->story >= 0)
            sqlite3_bind_int64(q[SET_PASSAGE], 1, (int64_t)pi->story + 1);
        else
            sqlite3_bind_null(q[SET_PASSAGE], 1);
        sqlite3_bind_int(q[SET_PASSAGE], 2, pi->boilerplate != 0);
        sqlite3_bind_int64(q[SET_PASSAGE], 3, doc[p->doc1]);
        sqlite3_bind_int64(q[SET_PASSAGE], 4, doc[p->doc2]);
        sqlite3_bind_int64(q[SET_PASSAGE], 5, p->cp_beg1);
        sqlite3_bind_int64(q[SET_PASSAGE], 6, p->cp_end1);
        sqlite3_bind_int64(q[SET_PASSAGE], 7, p->cp_beg2);
        sqlite3_bind_int64(q[SET_PASSAGE], 8, p->cp_end2);
        if ((rc = step_reset(s, q[SET_PASSAGE], err)) < 0) goto done;
    }
    sqlite3_bind_int64(q[INS_SAVE], 1, (int64_t)st->n_story);
    sqlite3_bind_int64(q[INS_SAVE], 2, (int64_t)st->n_boilerplate);
    rc = step_reset(s, q[INS_SAVE], err);
done:
    for (int k = 0; k < N_Q; k++) sqlite3_finalize(q[k]);
    return rc;
}

int ibid_store_save_stories(ibid_store *s, const ibid_stories_opts *o, ibid_corpus **out_corpus,
                            ibid_result **out_result, ibid_stories **out_stories, ibid_error *err)
{
    assert(s);
    ibid_corpus *c = NULL;
    ibid_result *r = NULL;
    ibid_stories *st = NULL;
    int64_t *doc = NULL;
    size_t n_doc = 0;
    int rc;
    if (out_corpus) *out_corpus = NULL;
    if (out_result) *out_result = NULL;
    if (out_stories) *out_stories = NULL;
    if (!s->writable)
        return ibid_fail(err, IBID_EINVAL, s->path, 0, 0, "the store is open read only");
    if ((rc = ibid_store_exec(s, "BEGIN IMMEDIATE", err)) < 0) return rc;
    if ((rc = ibid_store_load_txn(&c, &r, s, NULL, 0, 0, 0, err)) < 0) goto done;
    /* the load reads the documents in rowid order: document i of c is doc[i] */
    if ((rc = ibid_store_all_docs(s, &doc, &n_doc, err)) < 0) goto done;
    assert(n_doc == ibid_corpus_size(c));
    if ((rc = ibid_stories_new(&st, c, r, o, err)) < 0) goto done;
    rc = write_stories(s, st, c, r, doc, err);
done:
    if (rc == 0)
        rc = ibid_store_exec(s, "COMMIT", err);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    free(doc);
    if (rc == 0 && out_corpus) *out_corpus = c, c = NULL;
    if (rc == 0 && out_result) *out_result = r, r = NULL;
    if (rc == 0 && out_stories) *out_stories = st, st = NULL;
    ibid_stories_free(st);
    ibid_result_free(r);
    ibid_corpus_free(c);
    return rc;
}
