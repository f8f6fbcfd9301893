/*
 * out_jsonl.c: write passages as JSON Lines (jansson) or TSV.
 *
 * One line per passage pair, in the order of the result (sorted by ids and offsets). Offsets
 * are code points, end exclusive; identity has four significant digits. TSV escapes the
 * characters that would break its lines and columns (\t \n \r \\) in ids and texts.
 */
#include "ibid_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>

static int put_tsv_field(FILE *fp, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\\': esc = "\\\\"; break;
        default: break;
        }
        if (esc ? fputs(esc, fp) < 0 : putc(s[i], fp) == EOF) return -1;
    }
    return 0;
}

static int write_tsv(FILE *fp, const ibid_corpus *c, const ibid_passage *p, int with_text)
{
    const ibid_doc *d1 = ibid_corpus_doc(c, p->doc1), *d2 = ibid_corpus_doc(c, p->doc2);
    if (put_tsv_field(fp, d1->id, strlen(d1->id)) < 0 || putc('\t', fp) == EOF) return -1;
    if (put_tsv_field(fp, d2->id, strlen(d2->id)) < 0) return -1;
    if (fprintf(fp, "\t%u\t%u\t%u\t%u\t%u\t%d\t%.4g", p->cp_beg1, p->cp_end1, p->cp_beg2,
                p->cp_end2, p->matches, p->score, ibid_passage_identity(p)) < 0)
        return -1;
    if (with_text) {
        if (putc('\t', fp) == EOF ||
            put_tsv_field(fp, d1->text + p->byte_beg1, p->byte_end1 - p->byte_beg1) < 0 ||
            putc('\t', fp) == EOF ||
            put_tsv_field(fp, d2->text + p->byte_beg2, p->byte_end2 - p->byte_beg2) < 0)
            return -1;
    }
    return putc('\n', fp) == EOF ? -1 : 0;
}

static int write_json(FILE *fp, const ibid_corpus *c, const ibid_passage *p, int with_text)
{
    const ibid_doc *d1 = ibid_corpus_doc(c, p->doc1), *d2 = ibid_corpus_doc(c, p->doc2);
    json_t *o = json_object();
    json_object_set_new(o, "id1", json_string(d1->id));
    json_object_set_new(o, "id2", json_string(d2->id));
    json_object_set_new(o, "begin1", json_integer(p->cp_beg1));
    json_object_set_new(o, "end1", json_integer(p->cp_end1));
    json_object_set_new(o, "begin2", json_integer(p->cp_beg2));
    json_object_set_new(o, "end2", json_integer(p->cp_end2));
    json_object_set_new(o, "matches", json_integer(p->matches));
    json_object_set_new(o, "score", json_integer(p->score));
    json_object_set_new(o, "identity", json_real(ibid_passage_identity(p)));
    if (with_text) {
        json_object_set_new(
            o, "text1", json_stringn_nocheck(d1->text + p->byte_beg1, p->byte_end1 - p->byte_beg1));
        json_object_set_new(
            o, "text2", json_stringn_nocheck(d2->text + p->byte_beg2, p->byte_end2 - p->byte_beg2));
    }
    int rc = json_dumpf(o, fp, JSON_COMPACT | JSON_REAL_PRECISION(4)) == 0 && putc('\n', fp) != EOF;
    json_decref(o);
    return rc ? 0 : -1;
}

int ibid_result_write(FILE *fp, const ibid_corpus *c, const ibid_result *r,
                      const ibid_write_opts *o, ibid_error *err)
{
    if (o->format == IBID_FORMAT_TSV &&
        fprintf(fp, "id1\tid2\tbegin1\tend1\tbegin2\tend2\tmatches\tscore\tidentity%s\n",
                o->with_text ? "\ttext1\ttext2" : "") < 0)
        goto fail;
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        int w = o->format == IBID_FORMAT_TSV ? write_tsv(fp, c, p, o->with_text)
                                             : write_json(fp, c, p, o->with_text);
        if (w < 0) goto fail;
    }
    if (fflush(fp) != 0) goto fail;
    return 0;
fail:
    return ibid_fail(err, IBID_EIO, NULL, 0, 0, "write failed: %s", strerror(errno));
}
