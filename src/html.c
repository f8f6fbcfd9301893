/*
 * html.c: the report, one self-contained HTML page: the stories, a timeline per story, and two
 * documents side by side with their shared passages highlighted and linked.
 *
 * The page needs nothing but itself: CSS and JavaScript are inline, nothing is fetched, so it
 * opens from disk and can be mailed. The list of stories and their timelines are written as
 * HTML, every string escaped (& < > " '). The texts and passages the side-by-side view needs are
 * one JSON object in a <script type="application/json"> element, escaped so that no "</script"
 * or "<!--" can appear in it (<, >, & and U+2028/2029 as \u escapes); the script builds the
 * view with textContent only, never innerHTML of data. Offsets stay code points: the script
 * cuts texts with Array.from, which splits by code point as the library counts. The marking of
 * a text is web/side_by_side.js, compiled in (web/embed_js.cmake) and shared with the page of
 * ibid serve.
 */
#include "stories.h"

/* web/side_by_side.js, compiled in by web/embed_js.cmake */
extern const char ibid_side_by_side_js[];

static void put_html(FILE *fp, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            fputs("&amp;", fp);
            break;
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        case '\'':
            fputs("&#39;", fp);
            break;
        default:
            if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
                fputs("\xEF\xBF\xBD", fp);
            else
                fputc(s[i], fp);
        }
    }
}

static void put_hstr(FILE *fp, const char *s)
{
    put_html(fp, s ? s : "", s ? strlen(s) : 0);
}

/* A JSON string, safe inside a <script> element. */
static void put_json(FILE *fp, const char *s, size_t n)
{
    fputc('"', fp);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fputc('\\', fp), fputc(ch, fp);
        else if (ch == '\n')
            fputs("\\n", fp);
        else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&' || ch == 0x7f)
            fprintf(fp, "\\u%04x", ch);
        else if (ch == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                 ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9))
            fprintf(fp, "\\u%04x", (unsigned char)s[i + 2] == 0xA8 ? 0x2028 : 0x2029), i += 2;
        else
            fputc(ch, fp);
    }
    fputc('"', fp);
}

static void put_jstr(FILE *fp, const char *s)
{
    if (s)
        put_json(fp, s, strlen(s));
    else
        fputs("null", fp);
}

static const char css[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:80em;padding:0 1em;"
    "color:#222}\n"
    "h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em}h3{font-size:1.05em;margin:1.5em 0 "
    ".4em}\n"
    "table{border-collapse:collapse}td,th{padding:.15em .6em;text-align:left;vertical-align:top;"
    "border-bottom:1px solid #eee}\n"
    "td.n{text-align:right}.muted{color:#777}\n"
    ".tl{display:grid;grid-template-columns:11em 16em 1fr 9em;gap:.2em .8em;align-items:center}"
    "\n"
    ".axis{position:relative;height:.8em;border-bottom:1px solid #bbb}.dot{position:absolute;"
    "top:.1em;width:.6em;height:.6em;margin-left:-.3em;border-radius:50%;background:#c33}\n"
    ".bar{display:inline-block;width:5em;height:.6em;background:#ddd;vertical-align:middle}"
    ".bar span{display:block;height:100%;background:#c33}\n"
    "a.cmp{cursor:pointer;color:#15c;text-decoration:underline}\n"
    ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.doc{white-space:pre-wrap;"
    "border:1px solid #ddd;padding:.6em;max-height:40em;overflow:auto;font-size:.92em}\n"
    "mark{background:#fd8;cursor:pointer}mark.k1{background:#bdf}mark.k2{background:#cfc}"
    "mark.bp{background:#e4e4e4}mark.hot{outline:2px solid #c33}\n"
    "select{max-width:38em}\n";

/* The side-by-side view: data is {docs: [[id, date, title, text]], passages: [[a, b, beg_a,
 * end_a, beg_b, end_b, story, kind, boilerplate]]} with a, b indices into docs. The marking
 * itself is ibidMark of web/side_by_side.js (ibid_side_by_side_js), which ibid serve's page
 * uses too; this is the report's wiring. */
static const char js[] =
    "(function(){\n"
    "var D=JSON.parse(document.getElementById('data').textContent);\n"
    "var sa=document.getElementById('da'),sb=document.getElementById('db');\n"
    "D.docs.forEach(function(d,i){[sa,sb].forEach(function(s){var o=document.createElement("
    "'option');o.value=i;o.textContent=d[0]+(d[1]?' ('+d[1]+')':'');s.appendChild(o);});});\n"
    "function fill(el,k,other,oel){var ps=[];\n"
    " D.passages.forEach(function(p,i){var s=null;if(p[0]==k&&p[1]==other)s=[p[2],p[3]];"
    "else if(p[1]==k&&p[0]==other)s=[p[4],p[5]];if(s)ps.push([s[0],s[1],i,(p[8]?'bp ':'')+'k'+"
    "p[7],'passage '+(i+1)+(p[8]?' (boilerplate)':'')+(p[6]>=0?', story '+(p[6]+1):'')]);});\n"
    " ibidMark(el,D.docs[k][3],ps,oel);}\n"
    "function show(){var a=+sa.value,b=+sb.value,ta=document.getElementById('ta'),"
    "tb=document.getElementById('tb');fill(ta,a,b,tb);fill(tb,b,a,ta);}\n"
    "sa.onchange=sb.onchange=show;\n"
    "document.querySelectorAll('a.cmp').forEach(function(l){l.onclick=function(){"
    "sa.value=l.dataset.a;sb.value=l.dataset.b;show();document.getElementById('compare')"
    ".scrollIntoView();return false;};});\n"
    "if(D.docs.length>1){sa.value=D.passages.length?D.passages[0][0]:0;sb.value=D.passages."
    "length?D.passages[0][1]:1;show();}\n"
    "})();\n";

static double pct(uint32_t part, uint32_t whole)
{
    return whole ? 100.0 * part / whole : 0;
}

/* The title of a document for people: its "title", else its first line; in tb[512]. */
static const char *name_of(const ibid_stories *s, const ibid_corpus *c, uint32_t d, char *tb)
{
    return ibid_story_title(s, c, d, tb, 512);
}

static void timeline(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                     const ibid_story *st, const uint32_t *slot)
{
    int64_t t0 = st->n_dated ? s->wit[st->docs[0]].date : 0;
    int64_t t1 = st->n_dated ? s->wit[st->docs[st->n_dated - 1]].date : 0;
    uint32_t first = st->docs[0];
    char tb[512];
    fputs("<div class=\"tl\">\n", fp);
    for (size_t i = 0; i < st->n_docs; i++) {
        uint32_t d = st->docs[i];
        const ibid_witness *w = &s->wit[d];
        uint32_t here = ibid_story_reused(s, r, st, d);
        double x = w->date != IBID_NO_DATE && t1 > t0
                       ? 100.0 * (double)(w->date - t0) / (double)(t1 - t0)
                       : 0;
        fputs("<span>", fp);
        put_hstr(fp, w->date != IBID_NO_DATE ? w->date_text : "undated");
        fputs("</span><span class=\"axis\">", fp);
        if (w->date != IBID_NO_DATE)
            fprintf(fp, "<span class=\"dot\" style=\"left:%.1f%%\"></span>", x);
        fputs("</span><span>", fp);
        if (i == 0) {
            fputs("<b>", fp);
            put_hstr(fp, ibid_corpus_id(c, d));
            fputs("</b> <span class=\"muted\">first witness</span>", fp);
        } else {
            fprintf(fp, "<a class=\"cmp\" href=\"#compare\" data-a=\"%u\" data-b=\"%u\">",
                    slot[first], slot[d]);
            put_hstr(fp, ibid_corpus_id(c, d));
            fputs("</a>", fp);
        }
        fputs(" <span class=\"muted\">", fp);
        put_hstr(fp, name_of(s, c, d, tb));
        fprintf(fp,
                "</span></span><span><span class=\"bar\"><span style=\"width:%.1f%%\"></span>"
                "</span> %.0f%% from earlier witnesses</span>\n",
                pct(here, w->n_cp), pct(here, w->n_cp));
    }
    fputs("</div>\n", fp);
}

int ibid_html_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                    const char *title, ibid_error *err)
{
    int rc = ibid_stories_check_args(s, c, r, err);
    if (rc < 0) return rc;
    if (!title) title = "ibid report";
    char tb[512];
    /* the documents of the view: those in a passage, in corpus order */
    uint32_t *slot = ibid_xmalloc((s->n_doc + 1) * sizeof *slot);
    for (size_t d = 0; d < s->n_doc; d++) slot[d] = UINT32_MAX;
    for (size_t i = 0; i < r->n_passages; i++)
        slot[r->passages[i].doc1] = slot[r->passages[i].doc2] = 0;
    uint32_t n_view = 0;
    for (size_t d = 0; d < s->n_doc; d++)
        if (slot[d] == 0) slot[d] = n_view++;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", fp);
    put_hstr(fp, title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
    put_hstr(fp, title);
    fprintf(fp,
            "</h1>\n<p>%zu documents, %zu passages, %zu stories; %zu boilerplate passages belong "
            "to none. Witnesses are ordered by date (then id); the first witness of a story is "
            "its probable source.</p>\n",
            s->n_doc, s->n_passage, s->n_story, s->n_boilerplate);
    fputs("<h2>Stories</h2>\n<table>\n<tr><th>story</th><th>documents</th><th>passages</th>"
          "<th>first date</th><th>last date</th><th>first witness</th><th>title</th></tr>\n",
          fp);
    for (size_t k = 0; k < s->n_story; k++) {
        const ibid_story *st = &s->story[k];
        uint32_t first = st->docs[0];
        fprintf(fp,
                "<tr><td class=\"n\"><a href=\"#s%zu\">%zu</a></td><td class=\"n\">%zu</td>"
                "<td class=\"n\">%zu</td><td>",
                k + 1, k + 1, st->n_docs, st->n_passages);
        put_hstr(fp, st->n_dated ? s->wit[first].date_text : "");
        fputs("</td><td>", fp);
        put_hstr(fp, st->n_dated ? s->wit[st->docs[st->n_dated - 1]].date_text : "");
        fputs("</td><td>", fp);
        put_hstr(fp, ibid_corpus_id(c, first));
        fputs("</td><td>", fp);
        put_hstr(fp, name_of(s, c, first, tb));
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
    for (size_t k = 0; k < s->n_story; k++) {
        const ibid_story *st = &s->story[k];
        fprintf(fp, "<section id=\"s%zu\">\n<h3>Story %zu: ", k + 1, k + 1);
        put_hstr(fp, name_of(s, c, st->docs[0], tb));
        fprintf(fp,
                "</h3>\n<p class=\"muted\">%zu documents, %zu passages. A click on a "
                "witness compares it with the first.</p>\n",
                st->n_docs, st->n_passages);
        timeline(fp, s, c, r, st, slot);
        fputs("</section>\n", fp);
    }
    fputs("<h2 id=\"compare\">Side by side</h2>\n<p><select id=\"da\"></select> "
          "<select id=\"db\"></select></p>\n<p class=\"muted\">Shared passages are "
          "highlighted (yellow: verbatim, blue: reworded, green: translated, grey: "
          "boilerplate); a click on one shows its counterpart.</p>\n<div class=\"pair\"><div "
          "class=\"doc\" id=\"ta\"></div><div class=\"doc\" id=\"tb\"></div></div>\n",
          fp);
    fputs("<script type=\"application/json\" id=\"data\">{\"docs\":[", fp);
    for (size_t d = 0, n = 0; d < s->n_doc; d++) {
        if (slot[d] == UINT32_MAX) continue;
        size_t n_text;
        const char *text = ibid_corpus_text(c, d, &n_text);
        fputs(n++ ? ",\n[" : "\n[", fp);
        put_jstr(fp, ibid_corpus_id(c, d));
        fputc(',', fp);
        put_jstr(fp, s->wit[d].date != IBID_NO_DATE ? s->wit[d].date_text : NULL);
        fputc(',', fp);
        put_jstr(fp, s->title[d]);
        fputc(',', fp);
        put_json(fp, text, n_text);
        fputc(']', fp);
    }
    fputs("],\n\"passages\":[", fp);
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        fprintf(fp, "%s[%u,%u,%u,%u,%u,%u,%d,%d,%d]", i ? ",\n" : "\n", slot[p->doc1],
                slot[p->doc2], p->cp_beg1, p->cp_end1, p->cp_beg2, p->cp_end2, s->pinfo[i].story,
                p->kind, s->pinfo[i].boilerplate);
    }
    fprintf(fp, "]}</script>\n<script>\n%s%s</script>\n</body>\n</html>\n", ibid_side_by_side_js,
            js);
    free(slot);
    if (ferror(fp)) return ibid_fail(err, IBID_EIO, NULL, 0, 0, "write failed");
    return 0;
}
