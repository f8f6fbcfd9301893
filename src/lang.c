/*
 * lang.c: which language a document is written in, as an ISO 639 code (libexttextcat).
 *
 * libexttextcat is Cavnar and Trenkle's n-gram text categorization ("N-Gram-Based Text
 * Categorization", 1994) with van Noord's TextCat fingerprints: the 400 most frequent character
 * 1-5-grams of the text, ranked, are compared with each language's ranking by the "out of
 * place" distance; every language within 3% of the best is a candidate, and more than five
 * candidates make the answer UNKNOWN. Its names look like "en--utf8" or "zh-CN-utf8"
 * (language-country-encoding); the table below maps them to ISO codes.
 *
 * Choices, measured on the 5,057 PAN 2013 training documents (all English, 6 KB on average;
 * -O2, one core of a shared machine, so times are rough):
 * - Candidates are restricted to the languages of the table (the Snowball languages and the
 *   world's larger ones, 58 fingerprints) instead of the 164 of fpdb.conf: English was then found
 *   for 99.2% of the documents instead of 98.5% (Scots, "sco", no longer takes English text) in
 *   about 40% less time. textcat reads its configuration from a file only, so the kept lines of
 *   dir/fpdb.conf reach it through a pipe (/dev/fd/N).
 * - Only the first IBID_LANGID_MAX_BYTES bytes are classified, cut at a space: whole documents
 *   took twice as long (about 1 ms a document against 0.5) for 4 more English answers; 2 KB gave
 *   the same English count 15% faster, 1 KB 8 fewer. 4 KB leaves room for a header or markup
 *   at the top of a document.
 * - An answer whose runner-up, in another language, scores within 1% of it is ambiguous (""):
 *   that turned 9 of 22 wrong answers (mostly Catalan for English) into "" and lost 5 right ones.
 *   Final: 5,017 "en" (99.2%), 27 "", 13 others (7 ca, 3 de, 2 es, 1 nl), mostly pages of code,
 *   product lists and non-English scripts mis-encoded.
 * - Texts with fewer than IBID_LANGID_MIN_LETTERS letters are too short; textcat itself would
 *   guess from a single byte.
 */
#include "lang.h"

#include <strings.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <textcat.h>
#include <unistd.h>

#define DEFAULT_DIR      "/usr/share/libexttextcat"
#define AMBIGUOUS_PERMIL 10 /* runner-up within 1% of the best score: ambiguous */

/* A textcat category and its ISO 639 code (639-1 when the language has one, else 639-3). In
 * fpdb.conf, "sr" is Serbian in Cyrillic (sr-Cyrl.lm) and "sh" Serbian in Latin (sr-Latn.lm). */
typedef struct lang_name {
    const char *textcat;
    const char *iso;
} lang_name;

#define UTF8_LANG(code)     \
    {                       \
        code "--utf8", code \
    }

static const lang_name LANGS[] = {
    {"zh-CN-utf8", "zh"}, {"zh-TW-utf8", "zh"}, UTF8_LANG("ar"), UTF8_LANG("az"), UTF8_LANG("be"),
    UTF8_LANG("bg"),      UTF8_LANG("bn"),      UTF8_LANG("bs"), UTF8_LANG("ca"), UTF8_LANG("cs"),
    UTF8_LANG("da"),      UTF8_LANG("de"),      UTF8_LANG("el"), UTF8_LANG("en"), UTF8_LANG("es"),
    UTF8_LANG("et"),      UTF8_LANG("eu"),      UTF8_LANG("fa"), UTF8_LANG("fi"), UTF8_LANG("fr"),
    UTF8_LANG("ga"),      UTF8_LANG("he"),      UTF8_LANG("hi"), UTF8_LANG("hr"), UTF8_LANG("hu"),
    UTF8_LANG("hy"),      UTF8_LANG("id"),      UTF8_LANG("is"), UTF8_LANG("it"), UTF8_LANG("ja"),
    UTF8_LANG("ka"),      UTF8_LANG("kk"),      UTF8_LANG("ko"), UTF8_LANG("lt"), UTF8_LANG("lv"),
    UTF8_LANG("mk"),      UTF8_LANG("ms"),      UTF8_LANG("nb"), UTF8_LANG("ne"), UTF8_LANG("nl"),
    UTF8_LANG("nn"),      UTF8_LANG("pl"),      UTF8_LANG("pt"), UTF8_LANG("ro"), UTF8_LANG("ru"),
    {"sh--utf8", "sr"},   UTF8_LANG("sk"),      UTF8_LANG("sl"), UTF8_LANG("sq"), UTF8_LANG("sr"),
    UTF8_LANG("sv"),      UTF8_LANG("ta"),      UTF8_LANG("th"), UTF8_LANG("tr"), UTF8_LANG("uk"),
    UTF8_LANG("ur"),      UTF8_LANG("vi"),      UTF8_LANG("yi"),
};
#define N_LANGS (sizeof LANGS / sizeof LANGS[0])

struct ibid_langid {
    void *tc;           /* textcat handle */
    candidate_t *cands; /* textcat's candidate array (its size is textcat's) */
};

static const char *iso_of(const char *textcat_name)
{
    for (size_t i = 0; i < N_LANGS; i++)
        if (strcmp(LANGS[i].textcat, textcat_name) == 0) return LANGS[i].iso;
    return NULL;
}

/* Append to *conf the "file name" lines of fpdb.conf (open as fp, read from `path`) whose name
 * is in LANGS, checking that each file is readable: libexttextcat, on a missing one, would print
 * to stderr and leak. Returns the bytes appended (0: none), or IBID_EIO. */
static long filter_conf(FILE *fp, const char *path, const char *prefix, char **conf, size_t *m_conf,
                        ibid_error *err)
{
    size_t n_conf = 0, m_line = 0;
    char *line = NULL;
    long rc = 0, line_no = 0;
    while (rc == 0 && getline(&line, &m_line, fp) > 0) {
        char file[256], name[64], lm[512];
        line_no++;
        if (sscanf(line, " %255s %63s", file, name) != 2 || file[0] == '#') continue;
        if (!iso_of(name)) continue;
        snprintf(lm, sizeof lm, "%s%s", prefix, file);
        if (access(lm, R_OK) != 0) {
            rc = ibid_fail(err, IBID_EIO, path, line_no, 0, "cannot read %s: %s", lm,
                           strerror(errno));
            break;
        }
        size_t k = strlen(file) + strlen(name) + 2;
        IBID_GROW(*conf, *m_conf, n_conf + k + 1);
        snprintf(*conf + n_conf, k + 1, "%s %s\n", file, name);
        n_conf += k;
    }
    free(line);
    return rc < 0 ? rc : (long)n_conf;
}

/* textcat_Init reads a file: hand it `conf` through a pipe. The pipe's buffer (64 KiB on Linux,
 * far more than the ~1.5 KB written) takes it all before anyone reads. */
static void *textcat_from_conf(const char *conf, size_t n_conf, const char *prefix)
{
    int fd[2];
    if (pipe(fd) != 0) return NULL;
    void *tc = NULL;
    if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd[1], F_SETFD, FD_CLOEXEC) == 0 &&
        write(fd[1], conf, n_conf) == (ssize_t)n_conf) {
        close(fd[1]);
        fd[1] = -1;
        char path[32];
        snprintf(path, sizeof path, "/dev/fd/%d", fd[0]);
        tc = special_textcat_Init(path, prefix);
    }
    if (fd[1] >= 0) close(fd[1]);
    close(fd[0]);
    return tc;
}

int ibid_langid_new(ibid_langid **out, const char *dir, ibid_error *err)
{
    *out = NULL;
    if (!dir) dir = DEFAULT_DIR;
    size_t n_dir = strlen(dir);
    char *path = ibid_xmalloc(n_dir + sizeof "/fpdb.conf");
    memcpy(path, dir, n_dir);
    memcpy(path + n_dir, "/fpdb.conf", sizeof "/fpdb.conf");
    char *prefix = ibid_xstrndup(path, n_dir + 1); /* dir and '/' */
    char *conf = NULL;
    size_t m_conf = 0;
    int rc = 0;

    FILE *fp = fopen(path, "r");
    if (!fp) {
        rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        goto done;
    }
    long n_conf = filter_conf(fp, path, prefix, &conf, &m_conf, err);
    fclose(fp);
    if (n_conf < 0) {
        rc = (int)n_conf;
        goto done;
    }
    if (n_conf == 0) {
        rc = ibid_fail(err, IBID_ENOTFOUND, path, 0, 0, "no known language in this file");
        goto done;
    }
    void *tc = textcat_from_conf(conf, (size_t)n_conf, prefix);
    if (!tc) {
        rc = ibid_fail(err, IBID_EIO, path, 0, 0, "libexttextcat cannot load the fingerprints");
        goto done;
    }
    ibid_langid *l = ibid_xcalloc(1, sizeof *l);
    l->tc = tc;
    l->cands = textcat_GetClassifyFullOutput(tc);
    *out = l;
done:
    free(conf);
    free(prefix);
    free(path);
    return rc;
}

void ibid_langid_free(ibid_langid *l)
{
    if (!l) return;
    textcat_ReleaseClassifyFullOutput(l->tc, l->cands);
    textcat_Done(l->tc);
    free(l);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* How much of text[0, n) to classify: all of it when short, else at most IBID_LANGID_MAX_BYTES
 * cut after the last space in the second half of them, or at least at a code point boundary. */
static size_t window(const char *text, size_t n)
{
    if (n <= IBID_LANGID_MAX_BYTES) return n;
    size_t k = IBID_LANGID_MAX_BYTES;
    while (k > IBID_LANGID_MAX_BYTES / 2 && !is_space((unsigned char)text[k - 1])) k--;
    if (k > IBID_LANGID_MAX_BYTES / 2) return k;
    k = IBID_LANGID_MAX_BYTES;
    while (k > 0 && ((unsigned char)text[k] & 0xC0) == 0x80) k--;
    return k;
}

/* Whether text[0, n) has at least IBID_LANGID_MIN_LETTERS letters: ASCII letters and every
 * non-ASCII code point (lead bytes), a cheap stand-in for Unicode's letter classes. */
static int enough_letters(const char *text, size_t n)
{
    size_t letters = 0;
    for (size_t i = 0; i < n && letters < IBID_LANGID_MIN_LETTERS; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0xC0 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) letters++;
    }
    return letters >= IBID_LANGID_MIN_LETTERS;
}

/*
 * The fast path for English, the bulk of most corpora: textcat compares n-gram profiles of
 * every candidate language and costs about half a millisecond a document. Among the first
 * FAST_WORDS words, the 24 commonest English function words make up 20-35% of English text
 * (measured on PAN 2013: 97% of its documents at 15% or more) and about 10% at most of other
 * languages written in Latin letters (Dutch, with its "in", "is" and "was", comes closest;
 * other scripts have few ASCII words at all). At FAST_SHARE or more the text is English, else
 * textcat decides.
 */
#define FAST_WORDS 200
#define FAST_SHARE 0.15

static int english_word(const char *w, size_t n)
{
    /* by length: the words of n letters start at by_len[n] */
    static const char *const fw[] = {
        "of",  "to",  "in",  "is",  "it",  "on",   "as",   "be",   "by",   "or",   "at",   "the",
        "and", "for", "was", "are", "not", "that", "with", "this", "have", "from", "were", "which"};
    static const unsigned char by_len[] = {0, 0, 0, 11, 17, 23, 24};
    if (n < 2 || n > 5) return 0;
    char low[5];
    for (size_t i = 0; i < n; i++) low[i] = (char)(w[i] | 0x20); /* w is ASCII letters */
    for (unsigned i = by_len[n]; i < by_len[n + 1]; i++)
        if (memcmp(fw[i], low, n) == 0) return 1;
    return 0;
}

static int looks_english(const char *text, size_t n)
{
    size_t words = 0, hits = 0, i = 0;
    while (i < n && words < FAST_WORDS) {
        while (i < n && !((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z')) i++;
        size_t b = i;
        while (i < n && (text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z') i++;
        if (i == b) break;
        words++;
        hits += english_word(text + b, i - b);
    }
    return words >= 20 && hits >= FAST_SHARE * (double)words;
}

const char *ibid_langid_detect(ibid_langid *l, const char *text, size_t n)
{
    assert(l);
    if (n == 0) return "";
    n = window(text, n);
    if (!enough_letters(text, n)) return "";
    if (looks_english(text, n)) return "en";
    int k = textcat_ClassifyFull(l->tc, text, n, l->cands);
    if (k <= 0) return ""; /* TEXTCAT_RESULT_UNKNOWN, TEXTCAT_RESULT_SHORT */
    const char *best = iso_of(l->cands[0].name);
    assert(best); /* textcat knows only the languages we gave it */
    long long limit = (long long)l->cands[0].score * (1000 + AMBIGUOUS_PERMIL);
    for (int j = 1; j < k; j++) {
        const char *other = iso_of(l->cands[j].name);
        assert(l->cands[j].score >= l->cands[0].score); /* sorted, best first */
        if (strcmp(other, best) != 0 && (long long)l->cands[j].score * 1000 < limit) return "";
    }
    return best;
}
