/*
 * store_query.c: which stored documents a text reuses (ibid_store_query), without storing it.
 *
 * The text is sketched like a new document (store_index.c); one index lookup per sampled n-gram
 * gives the stored documents that share it, and those sharing at least IBID_STORE_CAND_MIN
 * sampled n-grams (not counting n-grams in more than max_df documents) are candidates; with the
 * sentence layer every stored document is. The text and the candidates form a small corpus that
 * ibid_align aligns on the (query, candidate) pairs only, with the store's options. The passages
 * are then turned so that the query is always doc1, as a reader asks "what did this text take,
 * and from where". All reads happen in one read transaction, so a query sees one committed state
 * of a store that a writer may be adding to.
 */
#include "store.h"

static void swap_sides(ibid_passage *p)
{
    ibid_passage q = *p;
    p->doc1 = q.doc2, p->doc2 = q.doc1;
    p->cp_beg1 = q.cp_beg2, p->cp_end1 = q.cp_end2, p->cp_beg2 = q.cp_beg1, p->cp_end2 = q.cp_end1;
    p->byte_beg1 = q.byte_beg2, p->byte_end1 = q.byte_end2;
    p->byte_beg2 = q.byte_beg1, p->byte_end2 = q.byte_end1;
    p->tok_beg1 = q.tok_beg2, p->tok_end1 = q.tok_end2;
    p->tok_beg2 = q.tok_beg1, p->tok_end2 = q.tok_end1;
}

int ibid_store_query(ibid_corpus **out_corpus, ibid_result **out_result, ibid_store *s,
                     const char *id, const char *text, size_t n_bytes, ibid_error *err)
{
    assert(out_corpus && out_result && s && id && (text || n_bytes == 0));
    int rc;
    uint64_t *sk = NULL;
    size_t n_sk = 0, n_sc = 0, n_fc = 0;
    ibid_store_cand *sc = NULL, *fc = NULL;
    ibid_corpus *c = NULL;
    ibid_pairs *pl = NULL;
    ibid_result *res = NULL;
    uint32_t(*pairs)[2] = NULL;
    uint32_t *rank = NULL;
    *out_corpus = NULL;
    *out_result = NULL;

    ibid_corpus_new(&c);
    if ((rc = ibid_corpus_add(c, id, strlen(id), text, n_bytes, NULL, err)) < 0) {
        if (!err->source[0]) snprintf(err->source, sizeof err->source, "%s", id);
        goto done;
    }
    if ((rc = ibid_store_sketch_text(s, text, n_bytes, &sk, &n_sk, err)) < 0) goto done;
    if ((rc = ibid_store_exec(s, "BEGIN", err)) < 0) goto done;
    if (s->opts.mode & IBID_MODE_REWORDED) {
        int64_t *all = NULL;
        size_t n_all = 0;
        if ((rc = ibid_store_all_docs(s, &all, &n_all, err)) < 0) goto read_done;
        sc = ibid_xmalloc((n_all ? n_all : 1) * sizeof *sc);
        for (size_t k = 0; k < n_all; k++) sc[n_sc++] = (ibid_store_cand){0, all[k]};
        free(all);
    } else {
        ibid_rec *rec = ibid_xmalloc((n_sk ? n_sk : 1) * sizeof *rec);
        for (size_t k = 0; k < n_sk; k++) rec[k] = (ibid_rec){sk[k], 0, 0}; /* sorted */
        rc = ibid_store_candidates(s, rec, n_sk, 1, NULL, 0, &sc, &n_sc, &fc, &n_fc, err);
        free(rec);
        if (rc < 0) goto read_done;
    }
    for (size_t k = 0; k < n_sc; k++) {
        /* a stored document with the query's own id is renamed apart in the corpus: ids there
         * must differ, and finding a text in the store under its own name is an answer too */
        if ((rc = ibid_store_fetch(s, sc[k].b, c, err)) == IBID_EDUPID) {
            ibid_corpus_free(c);
            ibid_corpus_new(&c);
            char *renamed = ibid_xmalloc(strlen(id) + 16);
            snprintf(renamed, strlen(id) + 16, "%s (query)", id);
            rc = ibid_corpus_add(c, renamed, strlen(renamed), text, n_bytes, NULL, err);
            free(renamed);
            for (size_t j = 0; rc == 0 && j <= k; j++) rc = ibid_store_fetch(s, sc[j].b, c, err);
        }
        if (rc < 0) goto read_done;
    }
read_done:
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc < 0) goto done;
    pairs = ibid_xmalloc((n_sc ? n_sc : 1) * sizeof *pairs);
    for (size_t k = 0; k < n_sc; k++) pairs[k][0] = 0, pairs[k][1] = (uint32_t)(k + 1);
    if ((rc = ibid_pairs_new(&pl, c, (const uint32_t(*)[2])pairs, n_sc, err)) < 0) goto done;
    if ((rc = ibid_align(&res, c, pl, &s->opts, err)) < 0) goto done;
    for (size_t k = 0; k < res->n_passages; k++)
        if (res->passages[k].doc1 != 0) swap_sides(&res->passages[k]);
    /* sort by (id2, cp_beg1, ...): the query ranks first, the others in id order */
    rank = ibid_store_id_ranks(c);
    for (size_t i = 1; i < ibid_corpus_size(c); i++)
        if (rank[i] < rank[0]) rank[i]++;
    rank[0] = 0;
    ibid_passages_sort(res->passages, res->n_passages, rank);
    rc = 0;
done:
    free(sk);
    free(sc);
    free(fc);
    free(pairs);
    free(rank);
    ibid_pairs_free(pl);
    if (rc < 0) {
        ibid_corpus_free(c);
        ibid_result_free(res);
        return rc;
    }
    *out_corpus = c;
    *out_result = res;
    return 0;
}
