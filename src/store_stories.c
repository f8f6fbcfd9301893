/*
 * store_stories.c: saving the stories of a store in its tables, so that the store of record
 * holds documents, index, passages and stories, and a sqlite3 user can ask which story a
 * document is in and who its first witness is. Two ways, with the same result:
 *
 *   ibid_store_save_stories: all of them, over the whole store (ibid_store_load, then the
 *   union-find of cluster.c and the witness order of provenance.c), replacing the saved ones.
 *
 *   ibid_store_update_stories: only those the documents and passages added since the last save
 *   can change, so that a newsroom adding every hour pays for what it added, not for the store.
 *
 * Why the update gives the full save's tables. A story is a component of passages linked inside
 * one document by overlapping spans (cluster.c, rules 1 and 3), once boilerplate is set aside
 * (rules 2 and 2b). Adding documents adds passages, all of them touching a new document or an
 * old one a new document shares text with: the touched documents. What can change:
 *
 *   - the spread rule (2) of a passage looks only at the passages that overlap it in its own two
 *     documents: only passages of touched documents can change. Spreads only grow as passages
 *     are added, so a passage flagged by it stays flagged.
 *   - the template rule (2b) also counts, for each word two sides share, the documents of the
 *     whole store that hold it (df), against rare = rare_df + spread, rare_df = documents / 1000
 *     (at least 2). Adding documents raises df of their words, and now and then rare_df, so a
 *     passage far from the new documents can change flag. The last save left, for each passage
 *     the rule looked at (table story_rare), what decides it: a template stays one while the
 *     need-th smallest df of its shared words (kdf; df only grows) exceeds its rare; a passage
 *     that is not one stays so while `need` of its stored shared rare words stay rare. Word
 *     document frequencies are kept in story_words, updated from the new documents' words.
 *     Passages those two tests cannot clear are recomputed with the texts.
 *   - links: between overlapping spans of one document, so a recomputed passage can only join
 *     the stories of the passages it overlaps.
 *
 * So the update starts from the passages of the touched documents and those the template tests
 * flag (the seeds), and closes over overlap: every passage that is not boilerplate and overlaps a
 * passage of the region brings its whole saved story in. The region's stories are recomputed,
 * with every other passage of their documents as fixed context (their flags as saved: they
 * count in spreads and in the shares reused, but link nothing); stories outside the region keep
 * their passages, flags, links and so their rows; the shares of a document change only when one
 * of its passages does, and every document of the region has all its passages loaded, so its
 * shares are rewritten in all its stories. A story is numbered by its lowest passage rowid, which
 * depends on nothing else, so unchanged stories keep their numbers. A replaced document (ibid add
 * --replace) makes the next update a full save: its old words are in story_words and its old
 * passages in other documents' spreads. So do changed stories options.
 *
 * Both run in one transaction taken (BEGIN IMMEDIATE) before the store is read, so the saved
 * stories are exactly those of the documents and passages stored at that moment: an add waits
 * for the save, and readers keep reading the previous stories (WAL) until it commits.
 * story_saves records the last batch the stories cover; documents added later are in no saved
 * story until the next save. docs/store.md describes the tables.
 */
#include "store.h"
#include "stories.h"

#include <xxhash.h>

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

/* ---- a map from 64-bit keys (rowids, word hashes) to 32-bit values: open addressing, linear
 * probing, load at most 1/2; k[] holds key + 1 so that 0 marks an empty slot ---- */
typedef struct {
    size_t n, m; /* used slots, slots (a power of two) */
    uint64_t *k;
    uint32_t *v;
} map64;

static size_t map_slot(const map64 *h, uint64_t key)
{
    size_t i = (size_t)XXH3_64bits(&key, sizeof key) & (h->m - 1);
    while (h->k[i] && h->k[i] != key + 1) i = (i + 1) & (h->m - 1);
    return i;
}

static uint32_t *map_get(const map64 *h, uint64_t key)
{
    if (!h->m) return NULL;
    size_t i = map_slot(h, key);
    return h->k[i] ? &h->v[i] : NULL;
}

/* The value of `key`, added as `v0` when absent. */
static uint32_t *map_put(map64 *h, uint64_t key, uint32_t v0)
{
    if (2 * (h->n + 1) > h->m) {
        map64 g = {0, h->m ? 2 * h->m : 64, NULL, NULL};
        g.k = ibid_xcalloc(g.m, sizeof *g.k);
        g.v = ibid_xmalloc(g.m * sizeof *g.v);
        for (size_t i = 0; i < h->m; i++) {
            if (!h->k[i]) continue;
            size_t j = map_slot(&g, h->k[i] - 1);
            g.k[j] = h->k[i], g.v[j] = h->v[i], g.n++;
        }
        free(h->k);
        free(h->v);
        *h = g;
    }
    size_t i = map_slot(h, key);
    if (!h->k[i]) h->k[i] = key + 1, h->v[i] = v0, h->n++;
    return &h->v[i];
}

static void map_free(map64 *h)
{
    free(h->k);
    free(h->v);
}

/* ---- statements ---- */

enum {
    INS_STORY,
    INS_MEMBER,
    SET_PASSAGE,
    SET_SHARES,
    DEL_STORY,
    DEL_MEMBERS,
    DEL_RARE,
    INS_RARE,
    INS_WORD,
    ADD_WORD,
    GET_WORD,
    BY_DOC1,
    BY_DOC2,
    BY_STORY,
    BY_ROWID,
    NEWER,
    SET_SPREAD,
    SET_WORDS,
    SET_CONFIG,
    N_Q
};

#define PASSAGE_COLS                                                                           \
    "SELECT p.passage, doc1, doc2, begin1, end1, begin2, end2, byte_begin1, byte_end1, "       \
    "byte_begin2, byte_end2, tok_begin1, tok_end1, tok_begin2, tok_end2, matches, columns, "   \
    "score, kind, story, boilerplate, r.passage IS NOT NULL, r.spread, r.kdf FROM passages p " \
    "LEFT JOIN story_rare r ON r.passage = p.passage "

static const char *const q_sql[N_Q] = {
    "INSERT INTO stories(story, n_docs, n_passages, first_doc, date_first, date_last, title) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "INSERT INTO story_docs(story, doc, rank, reused, own, reused_here) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    "UPDATE passages SET story = ?1, boilerplate = ?2 WHERE passage = ?3",
    "UPDATE story_docs SET reused = ?1, own = ?2 WHERE doc = ?3",
    "DELETE FROM stories WHERE story = ?1",
    "DELETE FROM story_docs WHERE story = ?1",
    "DELETE FROM story_rare WHERE passage = ?1",
    "INSERT INTO story_rare(passage, spread, need, kdf, words, figures) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    "INSERT INTO story_words(hash, n) VALUES (?1, ?2)",
    "INSERT INTO temp.story_new_words(hash, n) VALUES (?1, ?2)",
    "SELECT n FROM story_words WHERE hash = ?1",
    PASSAGE_COLS "WHERE doc1 = ?1",
    PASSAGE_COLS "WHERE doc2 = ?1",
    PASSAGE_COLS "WHERE story = ?1",
    PASSAGE_COLS "WHERE p.passage = ?1",
    PASSAGE_COLS "WHERE p.passage > ?1",
    "UPDATE story_rare SET spread = ?1 WHERE passage = ?2",
    "UPDATE story_rare SET words = ?1, figures = ?3 WHERE passage = ?2",
    "INSERT OR REPLACE INTO config(key, value) VALUES (?1, ?2)",
};

/* The working tables story_words (document frequencies of words) and story_rare (what the
 * template rule found for each passage it looked at) are in the schema (version 3, store.c);
 * this is the update's temporary one. */
static const char tables_sql[] =
    /* the update's word counts of the new documents, added to story_words in one statement:
     * an upsert per word would open a statement journal per word (3/4 of the time of an update
     * on a 1.5 GB store went to allocating and freeing it) */
    "CREATE TEMP TABLE IF NOT EXISTS story_new_words(hash INTEGER PRIMARY KEY, n INTEGER NOT "
    "NULL);"
    "DELETE FROM temp.story_new_words";

typedef struct {
    ibid_store *s;
    sqlite3_stmt *q[N_Q];
} stmts;

static int prepare(stmts *t, ibid_store *s, ibid_error *err)
{
    t->s = s;
    for (int k = 0; k < N_Q; k++)
        if (sqlite3_prepare_v2(s->db, q_sql[k], -1, &t->q[k], NULL) != SQLITE_OK)
            return ibid_store_sqlerr(s, err, "cannot prepare a statement");
    return 0;
}

static void finalize(stmts *t)
{
    for (int k = 0; k < N_Q; k++) sqlite3_finalize(t->q[k]);
}

static int step_reset(stmts *t, int k, ibid_error *err)
{
    int step = sqlite3_step(t->q[k]);
    sqlite3_reset(t->q[k]);
    return step == SQLITE_DONE ? 0 : ibid_store_sqlerr(t->s, err, "cannot save the stories");
}

static int query_i64(ibid_store *s, const char *sql, int64_t *out, ibid_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot read the store");
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return step == SQLITE_ROW ? 0 : ibid_store_sqlerr(s, err, "cannot read the store");
}

/* ---- what the last save left in config: where it stopped, and with which options ---- */

typedef struct {
    int64_t passage; /* the last passage rowid it covered */
    int64_t doc;     /* the last document rowid it covered (story_words counts up to it) */
    int64_t n_docs;  /* documents then */
    int64_t rare_df; /* the template rule's rare_df then */
    char opts[256];  /* the stories options */
} save_state;

static const char *const state_keys[] = {"stories_passage", "stories_doc", "stories_n_docs",
                                         "stories_rare_df", "stories_opts"};

static void opts_text(const ibid_stories_opts *o, char *buf, size_t m)
{
    snprintf(buf, m, "%.17g %.17g %d %.17g %d %.17g", o->link_overlap, o->merge_share,
             o->boilerplate_docs, o->copy_identity, o->rare_df, o->join_cover);
}

/* 1 when the last save left its state (and it is complete), 0 when not, or IBID_EIO. */
static int read_state(ibid_store *s, save_state *ss, ibid_error *err)
{
    sqlite3_stmt *q;
    int found = 0, step;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT key, value FROM config WHERE key LIKE 'stories\\_%' "
                           "ESCAPE '\\'",
                           -1, &q, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot read the options");
    memset(ss, 0, sizeof *ss);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(q, 0);
        for (int k = 0; key && k < 5; k++) {
            if (strcmp(key, state_keys[k]) != 0) continue;
            found |= 1 << k;
            int64_t v = sqlite3_column_int64(q, 1);
            if (k == 0) ss->passage = v;
            if (k == 1) ss->doc = v;
            if (k == 2) ss->n_docs = v;
            if (k == 3) ss->rare_df = v;
            if (k == 4) {
                const char *t = (const char *)sqlite3_column_text(q, 1);
                snprintf(ss->opts, sizeof ss->opts, "%s", t ? t : "");
            }
        }
    }
    sqlite3_finalize(q);
    if (step != SQLITE_DONE) return ibid_store_sqlerr(s, err, "cannot read the options");
    return found == 31;
}

static int write_state(stmts *t, const save_state *ss, ibid_error *err)
{
    int rc = 0;
    int64_t v[4] = {ss->passage, ss->doc, ss->n_docs, ss->rare_df};
    for (int k = 0; rc == 0 && k < 5; k++) {
        sqlite3_bind_text(t->q[SET_CONFIG], 1, state_keys[k], -1, SQLITE_STATIC);
        if (k < 4)
            sqlite3_bind_int64(t->q[SET_CONFIG], 2, v[k]);
        else
            sqlite3_bind_text(t->q[SET_CONFIG], 2, ss->opts, -1, SQLITE_TRANSIENT);
        rc = step_reset(t, SET_CONFIG, err);
    }
    return rc;
}

/* ---- one computation: the passages of the result (region or context), and its documents ---- */

typedef struct {
    size_t n;           /* passages: those of the result, in its order */
    int64_t *rowid;     /* passages.passage */
    int64_t *old_story; /* the story saved before (-1: none) */
    uint8_t *old_bp;    /* the boilerplate flag saved before */
    uint8_t *region;    /* 1: recomputed; 0: context, as saved */
    int64_t *doc;       /* per corpus document: its rowid */
    uint8_t *doc_whole; /* per corpus document: 1 when all its passages are in the result */
    int64_t *gone;      /* stories saved before that the region replaces */
    size_t n_gone;
} job;

static void job_free(job *j)
{
    free(j->rowid);
    free(j->old_story);
    free(j->old_bp);
    free(j->region);
    free(j->doc);
    free(j->doc_whole);
    free(j->gone);
}

/* Write the stories of the region (all of them: st->story), each numbered by its lowest passage
 * rowid, its passages' story and flag, its documents' shares, and the template rule's findings;
 * *d_boiler receives the change in boilerplate passages. Inside the caller's transaction. */
static int write_region(stmts *t, const ibid_stories *st, const ibid_corpus *c,
                        const ibid_result *r, const ibid_stories_ctx *ctx, const job *j,
                        int64_t *d_boiler, ibid_error *err)
{
    char tb[512];
    int rc = 0;
    int64_t *story_id = ibid_xmalloc((st->n_story ? st->n_story : 1) * sizeof *story_id);
    *d_boiler = 0;
    for (size_t k = 0; rc == 0 && k < j->n_gone; k++) {
        sqlite3_bind_int64(t->q[DEL_STORY], 1, j->gone[k]);
        sqlite3_bind_int64(t->q[DEL_MEMBERS], 1, j->gone[k]);
        if ((rc = step_reset(t, DEL_STORY, err)) == 0) rc = step_reset(t, DEL_MEMBERS, err);
    }
    for (size_t k = 0; rc == 0 && k < st->n_story; k++) {
        const ibid_story *y = &st->story[k];
        assert(y->n_docs >= 2 && y->n_passages >= 1);
        int64_t id = INT64_MAX;
        for (size_t i = 0; i < y->n_passages; i++) {
            assert(j->region[y->passages[i]]);
            if (j->rowid[y->passages[i]] < id) id = j->rowid[y->passages[i]];
        }
        story_id[k] = id;
        sqlite3_stmt *q = t->q[INS_STORY];
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, (int64_t)y->n_docs);
        sqlite3_bind_int64(q, 3, (int64_t)y->n_passages);
        sqlite3_bind_int64(q, 4, j->doc[y->docs[0]]);
        bind_text_or_null(q, 5, y->n_dated ? date_of(st, y->docs[0]) : NULL);
        bind_text_or_null(q, 6, y->n_dated ? date_of(st, y->docs[y->n_dated - 1]) : NULL);
        bind_text_or_null(q, 7, ibid_story_title(st, c, y->docs[0], tb, sizeof tb));
        if ((rc = step_reset(t, INS_STORY, err)) < 0) break;
        for (size_t i = 0; rc == 0 && i < y->n_docs; i++) {
            uint32_t d = y->docs[i];
            const ibid_witness *w = &st->wit[d];
            double reused = share(w->cp_reused, w->n_cp);
            assert(j->doc_whole[d]);
            q = t->q[INS_MEMBER];
            sqlite3_bind_int64(q, 1, id);
            sqlite3_bind_int64(q, 2, j->doc[d]);
            sqlite3_bind_int64(q, 3, (int64_t)i);
            sqlite3_bind_double(q, 4, reused);
            sqlite3_bind_double(q, 5, 1 - reused);
            sqlite3_bind_double(q, 6, share(ibid_story_reused(st, r, y, d), w->n_cp));
            rc = step_reset(t, INS_MEMBER, err);
        }
    }
    for (size_t i = 0; rc == 0 && i < j->n; i++) {
        if (!j->region[i]) continue;
        const ibid_passage_info *pi = &st->pinfo[i];
        int64_t story = pi->story >= 0 ? story_id[pi->story] : -1;
        int bp = pi->boilerplate != 0;
        *d_boiler += bp - j->old_bp[i];
        if (story != j->old_story[i] || bp != j->old_bp[i]) {
            sqlite3_stmt *q = t->q[SET_PASSAGE];
            if (story >= 0)
                sqlite3_bind_int64(q, 1, story);
            else
                sqlite3_bind_null(q, 1);
            sqlite3_bind_int(q, 2, bp);
            sqlite3_bind_int64(q, 3, j->rowid[i]);
            if ((rc = step_reset(t, SET_PASSAGE, err)) < 0) break;
        }
        sqlite3_bind_int64(t->q[DEL_RARE], 1, j->rowid[i]);
        if ((rc = step_reset(t, DEL_RARE, err)) < 0) break;
        const ibid_template_eval *e = &ctx->eval[i];
        if (!e->evaluated) continue;
        sqlite3_stmt *q = t->q[INS_RARE];
        sqlite3_bind_int64(q, 1, j->rowid[i]);
        sqlite3_bind_int64(q, 2, e->spread);
        sqlite3_bind_int64(q, 3, e->need);
        if (pi->boilerplate && e->kdf != UINT32_MAX)
            sqlite3_bind_int64(q, 4, e->kdf);
        else
            sqlite3_bind_null(q, 4);
        if (!pi->boilerplate) {
            sqlite3_bind_blob(q, 5, ctx->words + e->w_beg,
                              (int)((e->w_end - e->w_beg) * sizeof *ctx->words), SQLITE_STATIC);
            sqlite3_bind_int64(q, 6, e->n_figures);
        } else {
            sqlite3_bind_null(q, 5);
            sqlite3_bind_null(q, 6);
        }
        rc = step_reset(t, INS_RARE, err);
    }
    /* the shares of every document whose passages are all here, in the stories outside the
     * region too (their passages did not change, but this document's other passages may have) */
    for (size_t d = 0; rc == 0 && d < st->n_doc; d++) {
        if (!j->doc_whole[d]) continue;
        const ibid_witness *w = &st->wit[d];
        double reused = share(w->cp_reused, w->n_cp);
        sqlite3_bind_double(t->q[SET_SHARES], 1, reused);
        sqlite3_bind_double(t->q[SET_SHARES], 2, 1 - reused);
        sqlite3_bind_int64(t->q[SET_SHARES], 3, j->doc[d]);
        rc = step_reset(t, SET_SHARES, err);
    }
    free(story_id);
    return rc;
}

static int insert_save(ibid_store *s, int64_t n_boiler, ibid_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO story_saves(batch, n_stories, n_boilerplate) VALUES "
                           "((SELECT max(batch) FROM batches), (SELECT count(*) FROM stories), ?1)",
                           -1, &q, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot save the stories");
    sqlite3_bind_int64(q, 1, n_boiler);
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    return step == SQLITE_DONE ? 0 : ibid_store_sqlerr(s, err, "cannot save the stories");
}

/* ---- the full save ---- */

/* A passage's place: its documents (corpus indices) and spans, and where it is. */
typedef struct {
    uint32_t doc1, doc2, b1, e1, b2, e2;
    int64_t at; /* rowid, or index in the result */
} pkey;

static int by_pkey(const void *pa, const void *pb)
{
    const pkey *a = pa, *b = pb;
    const uint32_t x[6] = {a->doc1, a->doc2, a->b1, a->e1, a->b2, a->e2};
    const uint32_t y[6] = {b->doc1, b->doc2, b->b1, b->e1, b->b2, b->e2};
    for (int k = 0; k < 6; k++)
        if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
    return 0;
}

static long find_doc(const int64_t *doc, size_t n, int64_t x)
{
    const int64_t *p = bsearch(&x, doc, n, sizeof *doc, ibid_store_cmp_i64);
    return p ? (long)(p - doc) : -1;
}

/* rowid[i]: the rowid of passage i of r, loaded from the whole store (doc[] the documents'
 * rowids, ascending, as the load reads them). */
static int passage_rowids(ibid_store *s, const ibid_result *r, const int64_t *doc, size_t n_doc,
                          int64_t *rowid, ibid_error *err)
{
    size_t n = r->n_passages, k = 0;
    pkey *a = ibid_xmalloc((n ? n : 1) * sizeof *a), *b = ibid_xmalloc((n ? n : 1) * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        const ibid_passage *p = &r->passages[i];
        a[i] = (pkey){p->doc1, p->doc2, p->cp_beg1, p->cp_end1, p->cp_beg2, p->cp_end2, (int64_t)i};
    }
    sqlite3_stmt *q;
    int rc = 0, step;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT passage, doc1, doc2, begin1, end1, begin2, end2 FROM passages",
                           -1, &q, NULL) != SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot read passages");
        goto done;
    }
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        long d1 = find_doc(doc, n_doc, sqlite3_column_int64(q, 1));
        long d2 = find_doc(doc, n_doc, sqlite3_column_int64(q, 2));
        if (d1 < 0 || d2 < 0 || k == n) continue;
        b[k++] = (pkey){(uint32_t)d1,
                        (uint32_t)d2,
                        (uint32_t)sqlite3_column_int64(q, 3),
                        (uint32_t)sqlite3_column_int64(q, 4),
                        (uint32_t)sqlite3_column_int64(q, 5),
                        (uint32_t)sqlite3_column_int64(q, 6),
                        sqlite3_column_int64(q, 0)};
    }
    sqlite3_finalize(q);
    if (step != SQLITE_DONE) {
        rc = ibid_store_sqlerr(s, err, "cannot read passages");
        goto done;
    }
    if (k != n) {
        rc = ibid_fail(err, IBID_EIO, s->path, 0, 0, "the passages changed while being read");
        goto done;
    }
    if (n > 1) qsort(a, n, sizeof *a, by_pkey);
    if (n > 1) qsort(b, n, sizeof *b, by_pkey);
    for (size_t i = 0; i < n; i++) {
        if (by_pkey(&a[i], &b[i]) != 0) {
            rc = ibid_fail(err, IBID_EIO, s->path, 0, 0, "two stored passages are the same");
            goto done;
        }
        rowid[a[i].at] = b[i].at;
    }
done:
    free(a);
    free(b);
    return rc;
}

/* The whole store, inside the caller's transaction; the outputs as ibid_store_save_stories. */
static int save_all(ibid_store *s, stmts *t, const ibid_stories_opts *o, ibid_corpus **out_corpus,
                    ibid_result **out_result, ibid_stories **out_stories,
                    ibid_store_stories_report *rep, ibid_error *err)
{
    ibid_corpus *c = NULL;
    ibid_result *r = NULL;
    ibid_stories *st = NULL;
    ibid_stories_ctx ctx = {0};
    job j = {0};
    size_t n_doc = 0;
    int rc;
    if ((rc = ibid_store_load_txn(&c, &r, s, NULL, 0, 0, 0, err)) < 0) goto done;
    /* the load reads the documents in rowid order: document i of c is j.doc[i] */
    if ((rc = ibid_store_all_docs(s, &j.doc, &n_doc, err)) < 0) goto done;
    assert(n_doc == ibid_corpus_size(c));
    if ((rc = ibid_stories_new_ctx(&st, c, r, o, &ctx, err)) < 0) goto done;
    j.n = r->n_passages;
    j.rowid = ibid_xmalloc((j.n ? j.n : 1) * sizeof *j.rowid);
    j.old_story = ibid_xmalloc((j.n ? j.n : 1) * sizeof *j.old_story);
    j.old_bp = ibid_xcalloc(j.n ? j.n : 1, 1);
    j.region = ibid_xmalloc(j.n ? j.n : 1);
    for (size_t i = 0; i < j.n; i++) j.old_story[i] = -1;
    memset(j.region, 1, j.n ? j.n : 1);
    j.doc_whole = ibid_xmalloc(n_doc ? n_doc : 1);
    memset(j.doc_whole, 1, n_doc ? n_doc : 1);
    if ((rc = passage_rowids(s, r, j.doc, n_doc, j.rowid, err)) < 0) goto done;
    if ((rc = ibid_store_exec(s,
                              "DELETE FROM story_docs; DELETE FROM stories; DELETE FROM "
                              "story_rare; DELETE FROM story_words; UPDATE passages SET story = "
                              "NULL, boilerplate = 0 WHERE story IS NOT NULL OR boilerplate <> 0",
                              err)) < 0)
        goto done;
    int64_t d_boiler;
    if ((rc = write_region(t, st, c, r, &ctx, &j, &d_boiler, err)) < 0) goto done;
    for (size_t k = 0; rc == 0 && k < ctx.n_df; k++) {
        sqlite3_bind_int64(t->q[INS_WORD], 1, (int64_t)(ctx.df[k] >> 32));
        sqlite3_bind_int64(t->q[INS_WORD], 2, (int64_t)(ctx.df[k] & 0xFFFFFFFFu));
        rc = step_reset(t, INS_WORD, err);
    }
    if (rc < 0) goto done;
    if ((rc = insert_save(s, d_boiler, err)) < 0) goto done;
    save_state ss = {0, n_doc ? j.doc[n_doc - 1] : 0, (int64_t)n_doc, ctx.rare_df, ""};
    if ((rc = query_i64(s, "SELECT coalesce(max(passage), 0) FROM passages", &ss.passage, err)) < 0)
        goto done;
    opts_text(o, ss.opts, sizeof ss.opts);
    if ((rc = write_state(t, &ss, err)) < 0) goto done;
    if (rep) {
        rep->full = 1;
        rep->n_new_docs = n_doc;
        rep->n_new_passages = rep->n_passages = r->n_passages;
        rep->n_docs = n_doc;
        rep->n_written = st->n_story;
        rep->n_stories = st->n_story;
    }
done:
    job_free(&j);
    free(ctx.eval);
    free(ctx.words);
    free(ctx.df);
    if (rc == 0 && out_corpus) *out_corpus = c, c = NULL;
    if (rc == 0 && out_result) *out_result = r, r = NULL;
    if (rc == 0 && out_stories) *out_stories = st, st = NULL;
    ibid_stories_free(st);
    ibid_result_free(r);
    ibid_corpus_free(c);
    return rc;
}

/* ---- the update ---- */

/* A passage as read, with what was saved on it. */
typedef struct {
    int64_t rowid, doc1, doc2, story;
    uint32_t f[15]; /* begin1 .. score, as ibid_store_load reads them */
    int kind;
    uint8_t bp, region;
    uint8_t wide;   /* flagged by the spread rule, which only grows: boilerplate for good */
    uint8_t tmpl;   /* a template, with its story_rare row: */
    int64_t spread; /* ... its spread then (or a bound: see new_seeds) */
    int64_t kdf;    /* ... and kdf (-1: NULL) */
    uint32_t n_new; /* new passages that overlap it */
} spass;

/* A stored document the update has met: its passages (indices into spass) once loaded. */
typedef struct {
    int64_t rowid;
    uint8_t loaded;
    uint32_t *pass;
    size_t n_pass, m_pass;
} sdoc;

typedef struct {
    ibid_store *s;
    stmts *t;
    spass *p;
    size_t n_p, m_p;
    map64 p_at; /* passage rowid -> index in p */
    sdoc *d;
    size_t n_d, m_d;
    map64 d_at;     /* document rowid -> index in d */
    uint32_t *todo; /* region passages whose documents are still to look at */
    size_t n_todo, m_todo;
    int64_t *gone;
    size_t n_gone, m_gone;
    /* document frequencies: the words the new documents changed, then those read */
    map64 df;
    int df_failed;
} upd;

static int kind_of(const char *k)
{
    if (k && strcmp(k, "reworded") == 0) return IBID_KIND_REWORDED;
    if (k && strcmp(k, "translated") == 0) return IBID_KIND_TRANSLATED;
    return IBID_KIND_VERBATIM;
}

static uint32_t doc_at(upd *u, int64_t rowid)
{
    uint32_t *v = map_put(&u->d_at, (uint64_t)rowid, (uint32_t)u->n_d);
    if (*v == u->n_d) {
        IBID_GROW(u->d, u->m_d, u->n_d + 1);
        u->d[u->n_d++] = (sdoc){rowid, 0, NULL, 0, 0};
    }
    return *v;
}

static void mark_region(upd *u, uint32_t i)
{
    if (u->p[i].region) return;
    u->p[i].region = 1;
    IBID_GROW(u->todo, u->m_todo, u->n_todo + 1);
    u->todo[u->n_todo++] = i;
}

/* Read the passages of statement k (bound), adding those not read yet; when `doc` is not NULL,
 * list each in that document; when `region`, mark each as recomputed. */
static int read_rows(upd *u, int k, sdoc *doc, int region, ibid_error *err)
{
    sqlite3_stmt *q = u->t->q[k];
    assert(k == BY_DOC1 || k == BY_DOC2 || k == BY_STORY || k == BY_ROWID || k == NEWER);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t rowid = sqlite3_column_int64(q, 0);
        uint32_t *v = map_put(&u->p_at, (uint64_t)rowid, (uint32_t)u->n_p);
        if (*v == u->n_p) {
            IBID_GROW(u->p, u->m_p, u->n_p + 1);
            spass *p = &u->p[u->n_p++];
            p->rowid = rowid;
            p->doc1 = sqlite3_column_int64(q, 1);
            p->doc2 = sqlite3_column_int64(q, 2);
            for (int c = 0; c < 15; c++) p->f[c] = (uint32_t)sqlite3_column_int64(q, 3 + c);
            p->kind = kind_of((const char *)sqlite3_column_text(q, 18));
            p->story = sqlite3_column_type(q, 19) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 19);
            p->bp = sqlite3_column_int(q, 20) != 0;
            /* the template rule looks at every passage the spread rule leaves */
            p->wide = p->bp && !sqlite3_column_int(q, 21);
            p->tmpl = p->bp && !p->wide;
            p->spread = sqlite3_column_int64(q, 22);
            p->kdf = sqlite3_column_type(q, 23) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 23);
            p->n_new = 0;
            p->region = 0;
        }
        if (doc) {
            IBID_GROW(doc->pass, doc->m_pass, doc->n_pass + 1);
            doc->pass[doc->n_pass++] = *v;
        }
        if (region) mark_region(u, *v);
    }
    sqlite3_reset(q);
    return step == SQLITE_DONE ? 0 : ibid_store_sqlerr(u->s, err, "cannot read passages");
}

/* Read every passage of document `rowid` (once); *out its index in u->d. */
static int load_doc(upd *u, int64_t rowid, uint32_t *out, ibid_error *err)
{
    uint32_t di = doc_at(u, rowid);
    *out = di;
    if (u->d[di].loaded) return 0;
    u->d[di].loaded = 1;
    int rc = 0;
    for (int k = BY_DOC1; rc == 0 && k <= BY_DOC2; k++) {
        sqlite3_bind_int64(u->t->q[k], 1, rowid);
        rc = read_rows(u, k, &u->d[di], 0, err);
    }
    return rc;
}

/* Bring saved story `story` whole into the region. */
static int take_story(upd *u, int64_t story, ibid_error *err)
{
    sqlite3_bind_int64(u->t->q[BY_STORY], 1, story);
    return read_rows(u, BY_STORY, NULL, 1, err);
}

static void span_in(const spass *p, int64_t doc, uint32_t *beg, uint32_t *end)
{
    int first = p->doc1 == doc;
    *beg = first ? p->f[0] : p->f[2];
    *end = first ? p->f[1] : p->f[3];
}

/* Close the region over overlap: every passage that is not boilerplate and overlaps a region
 * passage in one of its documents brings its saved story (or itself, when it has none). */
static int close_region(upd *u, ibid_error *err)
{
    int rc = 0;
    while (rc == 0 && u->n_todo) {
        uint32_t pi = u->todo[--u->n_todo];
        for (int side = 0; rc == 0 && side < 2; side++) {
            int64_t doc = side ? u->p[pi].doc2 : u->p[pi].doc1;
            uint32_t di;
            if ((rc = load_doc(u, doc, &di, err)) < 0) break;
            uint32_t b0, e0;
            span_in(&u->p[pi], doc, &b0, &e0);
            for (size_t k = 0; rc == 0 && k < u->d[di].n_pass; k++) {
                const spass *q = &u->p[u->d[di].pass[k]];
                if (q->region || q->bp) continue;
                uint32_t b1, e1;
                span_in(q, doc, &b1, &e1);
                if ((b0 > b1 ? b0 : b1) >= (e0 < e1 ? e0 : e1)) continue;
                if (q->story >= 0)
                    rc = take_story(u, q->story, err);
                else
                    mark_region(u, u->d[di].pass[k]);
            }
        }
    }
    return rc;
}

/*
 * The new passages p[first, first + n) are in the region. A passage they overlap in one of its
 * documents may see its spread grow: by at most one per new passage (one more partner). So it
 * is recomputed, unless
 *   - the spread rule flagged it (wide): it stays flagged;
 *   - it is a template that stays one whatever its new spread: its kdf, which only grows,
 *     exceeds rare_df + its spread + the new passages over it, and that bound on its spread
 *     cannot make it wide. Its story_rare row then keeps the bound as its spread, so later
 *     tests stay on the safe side.
 */
static int new_seeds(upd *u, size_t first, size_t n, const ibid_stories_opts *o, int64_t rare_df,
                     ibid_error *err)
{
    uint32_t *over = NULL;
    size_t n_over = 0, m_over = 0;
    int rc = 0;
    for (size_t i = first; rc == 0 && i < first + n; i++) {
        for (int side = 0; rc == 0 && side < 2; side++) {
            int64_t doc = side ? u->p[i].doc2 : u->p[i].doc1;
            uint32_t di, b0, e0, b1, e1;
            if ((rc = load_doc(u, doc, &di, err)) < 0) break;
            span_in(&u->p[i], doc, &b0, &e0);
            for (size_t k = 0; k < u->d[di].n_pass; k++) {
                uint32_t qi = u->d[di].pass[k];
                spass *q = &u->p[qi];
                span_in(q, doc, &b1, &e1);
                if (q->wide || (b0 > b1 ? b0 : b1) >= (e0 < e1 ? e0 : e1)) continue;
                if (!q->tmpl) {
                    mark_region(u, qi);
                    continue;
                }
                if (q->n_new++ == 0) {
                    IBID_GROW(over, m_over, n_over + 1);
                    over[n_over++] = qi;
                }
            }
        }
    }
    for (size_t k = 0; rc == 0 && k < n_over; k++) {
        spass *q = &u->p[over[k]];
        if (q->region) continue;
        int64_t bound = q->spread + q->n_new;
        if ((q->kdf < 0 || q->kdf > rare_df + bound) && bound - 1 <= o->boilerplate_docs) {
            sqlite3_bind_int64(u->t->q[SET_SPREAD], 1, bound);
            sqlite3_bind_int64(u->t->q[SET_SPREAD], 2, q->rowid);
            rc = step_reset(u->t, SET_SPREAD, err);
        } else {
            mark_region(u, over[k]);
        }
    }
    free(over);
    return rc;
}

static uint32_t df_lookup(void *arg, uint32_t hash)
{
    upd *u = arg;
    uint32_t *v = map_get(&u->df, hash);
    if (v) return *v;
    sqlite3_stmt *q = u->t->q[GET_WORD];
    sqlite3_bind_int64(q, 1, hash);
    int step = sqlite3_step(q);
    uint32_t n = 1;
    if (step == SQLITE_ROW)
        n = (uint32_t)sqlite3_column_int64(q, 0);
    else
        u->df_failed = 1; /* every word of a stored document is counted */
    sqlite3_reset(q);
    *map_put(&u->df, hash, n) = n;
    return n;
}

/* Count the words of the documents added since the last save into story_words; the words
 * whose count changed go into u->df with their new counts. */
static int count_new_words(upd *u, int64_t after_doc, size_t *n_new, ibid_error *err)
{
    sqlite3_stmt *q;
    ibid_token *tok = NULL;
    uint32_t *h = NULL;
    size_t m_h = 0;
    map64 add = {0}; /* word -> new documents holding it */
    int rc = 0, step;
    *n_new = 0;
    if (sqlite3_prepare_v2(u->s->db,
                           "SELECT d.doc, t.text FROM docs d JOIN texts t ON t.doc = d.doc "
                           "WHERE d.doc > ?1 ORDER BY d.doc",
                           -1, &q, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(u->s, err, "cannot read documents");
    sqlite3_bind_int64(q, 1, after_doc);
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(q, 1);
        size_t n_text = (size_t)sqlite3_column_bytes(q, 1), n_tok;
        if ((rc = ibid_tokenize(&tok, &n_tok, text ? text : "", n_text, IBID_NORM_DEFAULT, err)) <
            0)
            break;
        IBID_GROW(h, m_h, n_tok + 1);
        for (size_t k = 0; k < n_tok; k++) h[k] = tok[k].hash;
        free(tok);
        tok = NULL;
        if (n_tok > 1) qsort(h, n_tok, sizeof *h, ibid_cmp_u32);
        for (size_t k = 0; k < n_tok; k++)
            if (k == 0 || h[k] != h[k - 1]) ++*map_put(&add, h[k], 0);
        (*n_new)++;
    }
    if (rc == 0 && step != SQLITE_DONE) rc = ibid_store_sqlerr(u->s, err, "cannot read documents");
    sqlite3_finalize(q);
    free(h);
    for (size_t i = 0; rc == 0 && i < add.m; i++) {
        if (!add.k[i]) continue;
        sqlite3_bind_int64(u->t->q[ADD_WORD], 1, (int64_t)(add.k[i] - 1));
        sqlite3_bind_int64(u->t->q[ADD_WORD], 2, add.v[i]);
        rc = step_reset(u->t, ADD_WORD, err);
    }
    map_free(&add);
    if (rc < 0) return rc;
    if ((rc = ibid_store_exec(u->s,
                              "INSERT INTO story_words(hash, n) SELECT hash, n FROM "
                              "temp.story_new_words WHERE 1 ON CONFLICT(hash) DO UPDATE SET n = "
                              "n + excluded.n",
                              err)) < 0)
        return rc;
    if (sqlite3_prepare_v2(u->s->db,
                           "SELECT w.hash, w.n FROM temp.story_new_words t JOIN story_words w "
                           "USING (hash)",
                           -1, &q, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(u->s, err, "cannot count words");
    while ((step = sqlite3_step(q)) == SQLITE_ROW)
        *map_put(&u->df, (uint64_t)sqlite3_column_int64(q, 0), 0) =
            (uint32_t)sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    if (step != SQLITE_DONE) return ibid_store_sqlerr(u->s, err, "cannot count words");
    return ibid_store_exec(u->s, "DELETE FROM temp.story_new_words", err);
}

/* Seeds from the template rule: passages whose flag the new document frequencies (u->df, the
 * changed words) or the new rare_df may change. A passage that stays out of templates but lost
 * some of its rare words keeps only the others in its row, so that the row always lists words
 * rare at the last save (the test above counts a word not changed since as still rare). */
static int template_seeds(upd *u, int64_t rare_old, int64_t rare_new, ibid_error *err)
{
    sqlite3_stmt *q;
    int rc = 0, step;
    /* rows to rewrite: (passage, n words, n figures, words) one after another */
    uint32_t *kept = NULL;
    size_t n_kept = 0, m_kept = 0;
    if (sqlite3_prepare_v2(u->s->db,
                           "SELECT passage, spread, need, kdf, words, figures FROM story_rare", -1,
                           &q, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(u->s, err, "cannot read story_rare");
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t rare = rare_new + sqlite3_column_int64(q, 1), need = sqlite3_column_int64(q, 2);
        int64_t passage = sqlite3_column_int64(q, 0);
        int seed = 0;
        if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
            /* a template: df only grows, so only a larger rare_df can free it */
            seed = rare_new > rare_old && sqlite3_column_int64(q, 3) <= rare;
        } else if (sqlite3_column_type(q, 4) != SQLITE_NULL) {
            const uint32_t *w = sqlite3_column_blob(q, 4);
            size_t n = (size_t)sqlite3_column_bytes(q, 4) / sizeof *w, at = n_kept;
            size_t n_fig = (size_t)sqlite3_column_int64(q, 5), still_fig = 0;
            assert(n_fig <= n);
            IBID_GROW(kept, m_kept, n_kept + n + 3);
            kept[at] = (uint32_t)passage;
            n_kept += 3;
            for (size_t k = 0; k < n; k++) {
                uint32_t hw;
                memcpy(&hw, w + k, sizeof hw);
                const uint32_t *v = map_get(&u->df, hw);
                if (v && *v > rare) continue;
                kept[n_kept++] = hw;
                still_fig += k >= n - n_fig;
            }
            size_t still = n_kept - at - 3;
            kept[at + 1] = (uint32_t)still;
            kept[at + 2] = (uint32_t)still_fig;
            /* cluster.c rule 2b: need rare words; unless a copy (need 1), one not a figure or
             * IBID_FIGURES_NEED figures */
            seed = (int64_t)still < need ||
                   (need > 1 && still == still_fig && still < IBID_FIGURES_NEED);
            if (seed || still == n) n_kept = at;
        }
        if (!seed) continue;
        sqlite3_bind_int64(u->t->q[BY_ROWID], 1, passage);
        rc = read_rows(u, BY_ROWID, NULL, 1, err);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = ibid_store_sqlerr(u->s, err, "cannot read story_rare");
    sqlite3_finalize(q);
    assert(u->n_p < UINT32_MAX);
    for (size_t k = 0; rc == 0 && k < n_kept; k += 3 + kept[k + 1]) {
        sqlite3_stmt *w = u->t->q[SET_WORDS];
        sqlite3_bind_blob(w, 1, kept + k + 3, (int)(kept[k + 1] * sizeof *kept), SQLITE_STATIC);
        sqlite3_bind_int64(w, 2, kept[k]);
        sqlite3_bind_int64(w, 3, kept[k + 2]);
        rc = step_reset(u->t, SET_WORDS, err);
    }
    free(kept);
    return rc;
}

static void upd_free(upd *u)
{
    for (size_t i = 0; i < u->n_d; i++) free(u->d[i].pass);
    free(u->d);
    free(u->p);
    free(u->todo);
    free(u->gone);
    map_free(&u->p_at);
    map_free(&u->d_at);
    map_free(&u->df);
}

/* The update, inside the caller's transaction, from the state `ss` of the last save. */
static int update(ibid_store *s, stmts *t, const ibid_stories_opts *o, save_state *ss,
                  ibid_store_stories_report *rep, ibid_error *err)
{
    upd u = {0};
    u.s = s;
    u.t = t;
    ibid_corpus *c = NULL;
    ibid_result r = {0};
    ibid_stories *st = NULL;
    ibid_stories_ctx ctx = {0};
    job j = {0};
    uint8_t *fixed = NULL, *fixed_bp = NULL;
    int64_t *docs = NULL;
    size_t n_new_docs;
    int rc;

    if ((rc = count_new_words(&u, ss->doc, &n_new_docs, err)) < 0) goto done;
    int64_t n_docs = ss->n_docs + (int64_t)n_new_docs;
    int64_t rare_new = o->rare_df ? o->rare_df : n_docs / 1000;
    if (rare_new < 2) rare_new = 2;
    assert(rare_new >= ss->rare_df);
    if ((rc = template_seeds(&u, ss->rare_df, rare_new, err)) < 0) goto done;
    size_t n_seed_tmpl = u.n_p;

    /* the new passages, and the passages they overlap */
    sqlite3_bind_int64(t->q[NEWER], 1, ss->passage);
    if ((rc = read_rows(&u, NEWER, NULL, 1, err)) < 0) goto done;
    size_t n_new_pass = u.n_p - n_seed_tmpl;
    if ((rc = new_seeds(&u, n_seed_tmpl, n_new_pass, o, rare_new, err)) < 0) goto done;
    size_t n_seeds = 0;
    for (size_t i = 0; i < u.n_p; i++) n_seeds += u.p[i].region;
    if ((rc = close_region(&u, err)) < 0) goto done;

    /* the computation: region and context passages over the documents they name */
    size_t n_docs_c = 0;
    docs = ibid_xmalloc((2 * u.n_p + 1) * sizeof *docs);
    for (size_t i = 0; i < u.n_p; i++)
        docs[n_docs_c++] = u.p[i].doc1, docs[n_docs_c++] = u.p[i].doc2;
    n_docs_c = ibid_store_sort_unique(docs, n_docs_c);
    ibid_corpus_new(&c);
    for (size_t i = 0; i < n_docs_c; i++)
        if ((rc = ibid_store_fetch(s, docs[i], c, err)) < 0) goto done;
    r.n_passages = u.n_p;
    r.passages = ibid_xmalloc((u.n_p ? u.n_p : 1) * sizeof *r.passages);
    j.n = u.n_p;
    j.rowid = ibid_xmalloc((j.n ? j.n : 1) * sizeof *j.rowid);
    j.old_story = ibid_xmalloc((j.n ? j.n : 1) * sizeof *j.old_story);
    j.old_bp = ibid_xmalloc(j.n ? j.n : 1);
    j.region = ibid_xmalloc(j.n ? j.n : 1);
    fixed = ibid_xmalloc(j.n ? j.n : 1);
    fixed_bp = ibid_xmalloc(j.n ? j.n : 1);
    for (size_t i = 0; i < u.n_p; i++) {
        const spass *p = &u.p[i];
        const uint32_t *f = p->f;
        uint32_t a = (uint32_t)find_doc(docs, n_docs_c, p->doc1);
        uint32_t b = (uint32_t)find_doc(docs, n_docs_c, p->doc2);
        r.passages[i] =
            (ibid_passage){a,    b,    f[0], f[1],  f[2],  f[3],  f[4],  f[5],           f[6],
                           f[7], f[8], f[9], f[10], f[11], f[12], f[13], (int32_t)f[14], p->kind};
        j.rowid[i] = p->rowid;
        j.old_story[i] = p->story;
        j.old_bp[i] = p->bp;
        j.region[i] = p->region;
        fixed[i] = !p->region;
        fixed_bp[i] = p->bp;
    }
    j.doc = docs, docs = NULL;
    j.doc_whole = ibid_xcalloc(n_docs_c ? n_docs_c : 1, 1);
    for (size_t i = 0; i < u.n_d; i++)
        if (u.d[i].loaded) j.doc_whole[find_doc(j.doc, n_docs_c, u.d[i].rowid)] = 1;
    for (size_t i = 0; i < u.n_p; i++) {
        if (!u.p[i].region || u.p[i].story < 0) continue;
        IBID_GROW(u.gone, u.m_gone, u.n_gone + 1);
        u.gone[u.n_gone++] = u.p[i].story;
    }
    j.gone = u.gone, j.n_gone = ibid_store_sort_unique(u.gone, u.n_gone), u.gone = NULL;
    /* the closure brought every saved story of the region whole */
    for (size_t i = 0; i < u.n_p; i++)
        assert(u.p[i].region || u.p[i].story < 0 || !j.n_gone ||
               !bsearch(&u.p[i].story, j.gone, j.n_gone, sizeof *j.gone, ibid_store_cmp_i64));

    ctx.fixed = fixed;
    ctx.fixed_bp = fixed_bp;
    ctx.n_doc_total = (size_t)n_docs;
    ctx.df_of = df_lookup;
    ctx.df_arg = &u;
    if ((rc = ibid_stories_new_ctx(&st, c, &r, o, &ctx, err)) < 0) goto done;
    if (u.df_failed) {
        rc = ibid_fail(err, IBID_EIO, s->path, 0, 0,
                       "story_words lacks a word of a stored document: run a full save");
        goto done;
    }
    assert(ctx.rare_df == (uint32_t)rare_new);
    int64_t d_boiler, n_boiler;
    if ((rc = write_region(t, st, c, &r, &ctx, &j, &d_boiler, err)) < 0) goto done;
    if ((rc = query_i64(s,
                        "SELECT coalesce((SELECT n_boilerplate FROM story_saves ORDER BY save "
                        "DESC LIMIT 1), 0)",
                        &n_boiler, err)) < 0)
        goto done;
    if ((rc = insert_save(s, n_boiler + d_boiler, err)) < 0) goto done;
    if ((rc = query_i64(s, "SELECT coalesce(max(passage), 0) FROM passages", &ss->passage, err)) <
        0)
        goto done;
    if ((rc = query_i64(s, "SELECT coalesce(max(doc), 0) FROM docs", &ss->doc, err)) < 0) goto done;
    ss->n_docs = n_docs;
    ss->rare_df = rare_new;
    if ((rc = write_state(t, ss, err)) < 0) goto done;
    if (rep) {
        size_t n_region = 0;
        for (size_t i = 0; i < j.n; i++) n_region += j.region[i];
        rep->full = 0;
        rep->n_new_docs = n_new_docs;
        rep->n_new_passages = n_new_pass;
        rep->n_template_seeds = n_seed_tmpl;
        rep->n_seeds = n_seeds;
        rep->n_passages = n_region;
        rep->n_docs = n_docs_c;
        rep->n_written = st->n_story;
        int64_t n_st;
        if ((rc = query_i64(s, "SELECT count(*) FROM stories", &n_st, err)) < 0) goto done;
        rep->n_stories = (size_t)n_st;
    }
done:
    free(fixed);
    free(fixed_bp);
    free(docs);
    free(r.passages);
    free(ctx.eval);
    free(ctx.words);
    free(ctx.df);
    ibid_stories_free(st);
    ibid_corpus_free(c);
    job_free(&j);
    upd_free(&u);
    return rc;
}

/* ---- the two entry points ---- */

static int begin(ibid_store *s, stmts *t, ibid_error *err)
{
    int rc;
    if (!s->writable)
        return ibid_fail(err, IBID_EINVAL, s->path, 0, 0, "the store is open read only");
    if ((rc = ibid_store_exec(s, "BEGIN IMMEDIATE", err)) < 0) return rc;
    if ((rc = ibid_store_exec(s, tables_sql, err)) < 0) return rc;
    return prepare(t, s, err);
}

static int end(ibid_store *s, stmts *t, int rc, ibid_error *err)
{
    finalize(t);
    if (rc == 0)
        rc = ibid_store_exec(s, "COMMIT", err);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int check_opts(const ibid_stories_opts *o, ibid_error *err)
{
    ibid_stories *st;
    ibid_corpus *c;
    ibid_result r = {0};
    ibid_corpus_new(&c);
    int rc = ibid_stories_new(&st, c, &r, o, err);
    ibid_stories_free(st);
    ibid_corpus_free(c);
    return rc;
}

int ibid_store_save_stories(ibid_store *s, const ibid_stories_opts *o, ibid_corpus **out_corpus,
                            ibid_result **out_result, ibid_stories **out_stories, ibid_error *err)
{
    assert(s);
    ibid_stories_opts def;
    if (!o) ibid_stories_opts_init(&def), o = &def;
    if (out_corpus) *out_corpus = NULL;
    if (out_result) *out_result = NULL;
    if (out_stories) *out_stories = NULL;
    stmts t = {0};
    int rc = begin(s, &t, err);
    if (rc == 0) rc = save_all(s, &t, o, out_corpus, out_result, out_stories, NULL, err);
    return end(s, &t, rc, err);
}

int ibid_store_update_stories(ibid_store *s, const ibid_stories_opts *o,
                              ibid_store_stories_report *rep, ibid_error *err)
{
    assert(s);
    ibid_stories_opts def;
    if (!o) ibid_stories_opts_init(&def), o = &def;
    if (rep) memset(rep, 0, sizeof *rep);
    int rc = check_opts(o, err);
    if (rc < 0) return rc;
    stmts t = {0};
    save_state ss;
    char now[sizeof ss.opts];
    opts_text(o, now, sizeof now);
    if ((rc = begin(s, &t, err)) == 0 && (rc = read_state(s, &ss, err)) >= 0) {
        if (rc == 1 && strcmp(ss.opts, now) == 0)
            rc = update(s, &t, o, &ss, rep, err);
        else
            rc = save_all(s, &t, o, NULL, NULL, NULL, rep, err);
    }
    return end(s, &t, rc, err);
}
