/*
 * out_jsonl.c: write passages as JSON Lines (jansson) or TSV.
 *
 * One line per passage pair, in the order of the result (sorted by ids and offsets). Offsets
 * are code points, end exclusive; identity has four significant digits. TSV escapes the
 * characters that would break its lines and columns (\t \n \r \\) in ids and texts. The text
 * format is for people reading a terminal: one block per passage and a line of totals.
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
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\\':
            esc = "\\\\";
            break;
        default:
            break;
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
    if (fprintf(fp, "\t%u\t%u\t%u\t%u\t%u\t%d\t%.4g\t%s", p->cp_beg1, p->cp_end1, p->cp_beg2,
                p->cp_end2, p->matches, p->score, ibid_passage_identity(p),
                ibid_kind_name(p->kind)) < 0)
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
    json_object_set_new(o, "kind", json_string(ibid_kind_name(p->kind)));
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

/* Print up to `max_cp` code points of s[0, n) on one line, white space folded. */
static int put_preview(FILE *fp, const char *s, size_t n, size_t max_cp)
{
    size_t cp = 0, i = 0;
    int space = 0;
    for (; i < n && cp < max_cp; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = 1;
            continue;
        }
        if (space && cp && putc(' ', fp) == EOF) return -1;
        space = 0;
        if (putc(ch, fp) == EOF) return -1;
        if ((ch & 0xC0) != 0x80) cp++;
        while (i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) /* finish the character */
            if (putc(s[++i], fp) == EOF) return -1;
    }
    return fputs(i < n ? "...\"\n" : "\"\n", fp) < 0 ? -1 : 0;
}

static int write_text(FILE *fp, const ibid_corpus *c, const ibid_passage *p, int with_text)
{
    const ibid_doc *d1 = ibid_corpus_doc(c, p->doc1), *d2 = ibid_corpus_doc(c, p->doc2);
    if (fprintf(fp, "%s [%u, %u) ~ %s [%u, %u)  %u words, identity %.2f%s%s\n", d1->id, p->cp_beg1,
                p->cp_end1, d2->id, p->cp_beg2, p->cp_end2, p->matches, ibid_passage_identity(p),
                p->kind ? ", " : "", p->kind ? ibid_kind_name(p->kind) : "") < 0)
        return -1;
    if (!with_text) return 0;
    if (fputs("    1: \"", fp) < 0 ||
        put_preview(fp, d1->text + p->byte_beg1, p->byte_end1 - p->byte_beg1, 90) < 0 ||
        fputs("    2: \"", fp) < 0 ||
        put_preview(fp, d2->text + p->byte_beg2, p->byte_end2 - p->byte_beg2, 90) < 0)
        return -1;
    return 0;
}

int ibid_write_header(FILE *fp, const ibid_write_opts *o)
{
    if (o->format != IBID_FORMAT_TSV) return 0;
    return fprintf(fp, "id1\tid2\tbegin1\tend1\tbegin2\tend2\tmatches\tscore\tidentity\tkind%s\n",
                   o->with_text ? "\ttext1\ttext2" : "") < 0
               ? -1
               : 0;
}

int ibid_passage_write(FILE *fp, const ibid_corpus *c, const ibid_passage *p,
                       const ibid_write_opts *o)
{
    return o->format == IBID_FORMAT_TSV    ? write_tsv(fp, c, p, o->with_text)
           : o->format == IBID_FORMAT_TEXT ? write_text(fp, c, p, o->with_text)
                                           : write_json(fp, c, p, o->with_text);
}

int ibid_result_write(FILE *fp, const ibid_corpus *c, const ibid_result *r,
                      const ibid_write_opts *o, ibid_error *err)
{
    if (ibid_write_header(fp, o) < 0) goto fail;
    for (size_t i = 0; i < r->n_passages; i++)
        if (ibid_passage_write(fp, c, &r->passages[i], o) < 0) goto fail;
    if (o->format == IBID_FORMAT_TEXT) {
        size_t pairs = 0;
        for (size_t i = 0; i < r->n_passages; i++)
            pairs += i == 0 || r->passages[i].doc1 != r->passages[i - 1].doc1 ||
                     r->passages[i].doc2 != r->passages[i - 1].doc2;
        if (fprintf(fp, "%zu passages shared by %zu pairs of documents, among %zu documents\n",
                    r->n_passages, pairs, ibid_corpus_size(c)) < 0)
            goto fail;
    }
    if (fflush(fp) != 0) goto fail;
    return 0;
fail:
    return ibid_fail(err, IBID_EIO, NULL, 0, 0, "write failed: %s", strerror(errno));
}
