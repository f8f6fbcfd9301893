/*
 * sentence.c: split UTF-8 text into sentences.
 *
 * One pass over the code points; nothing is allocated but the result array. A sentence opens at
 * the first character that is not white space and closes at a boundary, so it never holds the
 * white space around it, and every other character lies in exactly one sentence. White space is
 * Unicode's White_Space plus the zero-width space U+200B and the byte order mark U+FEFF.
 *
 * Boundaries, decided at the first character after a terminator or after white space, looking
 * ahead a few bytes at most:
 *
 * 1. Terminators. "Hard" ones end a sentence wherever they stand: CJK 。！？｡, Arabic ؟ and
 *    Urdu ۔, Devanagari । and ॥. "Latin" ones (. ! ? … ‼ ⁇ ⁈ ⁉) only when white space or the
 *    end of the text follows, so 3.14, 1,000.50, v2.0, U.S.A, example.com and "wait…what" stay
 *    inside. A run of terminators and closing quotes or brackets (ASCII " ' ) ] }, Unicode Pe and
 *    Pf, and Pi after a Latin terminator, as “ closes German „…“ but opens Chinese “…”) belongs
 *    to the sentence it ends: "He left." She said. splits after the quote.
 * 2. After a Latin terminator, a lowercase letter continues the sentence. Otherwise the sentence
 *    ends, unless the terminator is a single '.' after one of these words:
 *      - titles and the like (Mr. Dr. Prof. St. Gen. vs. e.g. i.e. cf. Fig. z.B. bzw. ...) never
 *        end a sentence;
 *      - numbering and months (No. Nr. Jan. ... Dec.) end one unless a digit follows;
 *      - words that often close a sentence (Inc. Ltd. Co. Corp. Jr. Sr. etc. al. usw.) end one
 *        only before an uppercase letter;
 *      - a single letter (J. R. R. Tolkien), a dotted acronym of 1-3 letter parts (U.S., Ph.D.)
 *        and a number of one or two digits (German ordinals: am 3. Oktober) end one only before
 *        a common sentence-opening word (The, It, But, In, Der, Die, ...): "the U.S. Army" stays
 *        whole, "in the U.S. The" splits;
 *      - 1-3 digits and '.' starting a line are a list marker, not a terminator.
 *    Listed words match as written, or capitalized when listed in lowercase (Etc.).
 * 3. A blank line (or U+2029, or a form feed) always ends a sentence.
 * 4. A single line break ends one before a list marker (a bullet, "- ", "* ", "+ ", or 1-3
 *    digits then '.' or ')' then a space); and, when the line before ends without a terminator,
 *    before an uppercase or uncased letter (Lu, Lt, Lo) if that line is shorter than SHORT_LINE
 *    code points (a heading or a menu item) or at least LONG_LINE (a paragraph on one line, as
 *    web pages have; "...Mississippi.Indian Territory" then "In 1830, ..."), where a line in
 *    between is more likely hard-wrapped prose that goes on.
 * 5. Caps, for web text without terminators: a sentence of SOFT_CAP code points or more ends at
 *    the next line break, one of HARD_CAP at the next white space, and one of NOSPACE_CAP (a
 *    script written without spaces) before the next character that is not a combining mark.
 */
#include "sentence.h"

#include <utf8proc.h>

#define SHORT_LINE  50   /* code points: a shorter unterminated line may be a heading */
#define LONG_LINE   160  /* a longer line is a paragraph of its own, not hard-wrapped prose */
#define SOFT_CAP    600  /* code points after which a line break ends a sentence */
#define HARD_CAP    1000 /* ... after which any white space does */
#define NOSPACE_CAP 2000 /* ... after which any character but a combining mark does */
#define MAX_WORD    16   /* bytes in an abbreviation or a sentence-opening word */

enum { WS_NONE, WS_SPACE, WS_LINE, WS_PARA };           /* white space kinds */
enum { T_NONE, T_LATIN, T_HARD };                       /* terminator kinds */
enum { C_OTHER, C_LOWER, C_UPPER, C_UNCASED, C_DIGIT }; /* what a character is, for the rules */
/* What ends the sentence after a Latin terminator: P_NONE, there is none pending. */
enum { P_NONE, P_PLAIN, P_NEVER, P_NUMBER, P_SUFFIX, P_INITIAL };

typedef struct abbr {
    const char *w;
    int kind; /* P_* */
} abbr;

/* Sorted by strcmp (asserted); a '.' inside a word is part of it. */
static const abbr abbrs[] = {
    {"Abb", P_NEVER},  {"Adm", P_NEVER},    {"Apr", P_NUMBER},  {"Aug", P_NUMBER},
    {"Ave", P_SUFFIX}, {"Bd", P_NEVER},     {"Blvd", P_SUFFIX}, {"Bros", P_SUFFIX},
    {"Capt", P_NEVER}, {"Ch", P_NEVER},     {"Cmdr", P_NEVER},  {"Co", P_SUFFIX},
    {"Col", P_NEVER},  {"Corp", P_SUFFIX},  {"Dec", P_NUMBER},  {"Dr", P_NEVER},
    {"Eq", P_NEVER},   {"Esq", P_SUFFIX},   {"Feb", P_NUMBER},  {"Fig", P_NEVER},
    {"Figs", P_NEVER}, {"Fr", P_NEVER},     {"Gen", P_NEVER},   {"Gov", P_NEVER},
    {"Hon", P_NEVER},  {"Hr", P_NEVER},     {"Inc", P_SUFFIX},  {"Jan", P_NUMBER},
    {"Jr", P_SUFFIX},  {"Jul", P_NUMBER},   {"Jun", P_NUMBER},  {"Lt", P_NEVER},
    {"Ltd", P_SUFFIX}, {"Maj", P_NEVER},    {"Mar", P_NUMBER},  {"Messrs", P_NEVER},
    {"Mlle", P_NEVER}, {"Mme", P_NEVER},    {"Mr", P_NEVER},    {"Mrs", P_NEVER},
    {"Ms", P_NEVER},   {"Mt", P_NEVER},     {"No", P_NUMBER},   {"Nos", P_NUMBER},
    {"Nov", P_NUMBER}, {"Nr", P_NUMBER},    {"Oct", P_NUMBER},  {"Pres", P_NEVER},
    {"Prof", P_NEVER}, {"Rd", P_SUFFIX},    {"Rep", P_NEVER},   {"Rev", P_NEVER},
    {"Sen", P_NEVER},  {"Sep", P_NUMBER},   {"Sept", P_NUMBER}, {"Sgt", P_NEVER},
    {"Sr", P_SUFFIX},  {"St", P_NEVER},     {"Vol", P_NEVER},   {"Vols", P_NEVER},
    {"al", P_SUFFIX},  {"approx", P_NEVER}, {"bzw", P_NEVER},   {"ca", P_NEVER},
    {"cf", P_NEVER},   {"d.h", P_NEVER},    {"e.g", P_NEVER},   {"esp", P_NEVER},
    {"etc", P_SUFFIX}, {"evtl", P_NEVER},   {"ggf", P_NEVER},   {"i.e", P_NEVER},
    {"incl", P_NEVER}, {"pp", P_NEVER},     {"resp", P_NEVER},  {"sog", P_NEVER},
    {"usw", P_SUFFIX}, {"vgl", P_NEVER},    {"viz", P_NEVER},   {"vs", P_NEVER},
    {"z.B", P_NEVER},
};

/* Words that often open a sentence, English and German; sorted by strcmp (asserted). */
static const char *const starters[] = {
    "A",    "Aber",    "After", "All",  "Also",  "Am",    "An",    "And",   "As",    "At",
    "Auch", "Auf",     "But",   "Dann", "Das",   "Der",   "Die",   "Dies",  "Diese", "Doch",
    "Each", "Ein",     "Eine",  "Er",   "Es",    "For",   "From",  "He",    "Her",   "His",
    "How",  "However", "I",     "Ich",  "If",    "Im",    "In",    "It",    "Its",   "Man",
    "Mit",  "My",      "Not",   "Now",  "On",    "Our",   "She",   "Sie",   "So",    "Some",
    "That", "The",     "Their", "Then", "There", "These", "They",  "This",  "Those", "Thus",
    "To",   "Und",     "We",    "What", "When",  "Where", "Which", "While", "Who",   "Why",
    "Wir",  "Yet",     "You",
};

#define N_ABBRS    (sizeof abbrs / sizeof abbrs[0])
#define N_STARTERS (sizeof starters / sizeof starters[0])

/* The splitter's state: where it is, the open sentence, and what the rules need to remember. */
typedef struct splitter {
    const uint8_t *s;
    size_t n;           /* bytes in s */
    size_t i;           /* next byte */
    uint32_t cp;        /* code points before byte i */
    int open;           /* a sentence is open in cur */
    ibid_sent cur;      /* the open sentence, ending after its last non-space character so far */
    int pending;        /* P_*: the last non-space characters are a Latin terminator, this kind */
    int in_space;       /* white space since the last non-space character */
    int n_nl;           /* line breaks in that white space; a paragraph break counts two */
    int line_fresh;     /* no non-space character yet on this line */
    uint32_t line_cp;   /* code point offset of the first non-space character of the line */
    uint32_t prev_line; /* code points of the line before, first to last non-space character */
    ibid_sent *v;       /* sentences found */
    size_t n_v, m_v;
} splitter;

static int is_alpha(uint8_t c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int cmp_word(const char *a, const uint8_t *w, size_t len)
{
    int r = strncmp(a, (const char *)w, len);
    return r ? r : (unsigned char)a[len];
}

/* The kind of a listed abbreviation w[0, len), or P_PLAIN. */
static int abbr_kind(const uint8_t *w, size_t len)
{
    size_t lo = 0, hi = N_ABBRS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_word(abbrs[mid].w, w, len);
        if (r == 0) return abbrs[mid].kind;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return P_PLAIN;
}

static int is_starter(const uint8_t *w, size_t len)
{
    size_t lo = 0, hi = N_STARTERS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_word(starters[mid], w, len);
        if (r == 0) return 1;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

#ifndef NDEBUG
static int tables_sorted(void)
{
    for (size_t k = 1; k < N_ABBRS; k++)
        if (strcmp(abbrs[k - 1].w, abbrs[k].w) >= 0) return 0;
    for (size_t k = 1; k < N_STARTERS; k++)
        if (strcmp(starters[k - 1], starters[k]) >= 0) return 0;
    return 1;
}
#endif

/* Decode the code point at byte i into *c; returns its length in bytes, or -1 if invalid. */
static inline int decode(const splitter *sp, size_t i, int32_t *c)
{
    if (sp->s[i] < 0x80) {
        *c = sp->s[i];
        return 1;
    }
    utf8proc_ssize_t k = utf8proc_iterate(sp->s + i, (utf8proc_ssize_t)(sp->n - i), c);
    return k < 0 ? -1 : (int)k;
}

/* The WS_* kind of code point c at byte i (a CR before an LF is a plain space). */
static inline int space_kind(const splitter *sp, size_t i, int32_t c)
{
    if (c > ' ' && c < 0x7F) return WS_NONE;
    switch (c) {
    case ' ':
    case '\t':
    case 0xA0:
    case 0x1680:
    case 0x200B:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
        return WS_SPACE;
    case '\n':
    case 0x0B:
    case 0x85:
    case 0x2028:
        return WS_LINE;
    case '\r':
        return i + 1 < sp->n && sp->s[i + 1] == '\n' ? WS_SPACE : WS_LINE;
    case 0x0C:
    case 0x2029:
        return WS_PARA;
    default:
        return c >= 0x2000 && c <= 0x200A ? WS_SPACE : WS_NONE;
    }
}

static inline int term_kind(int32_t c)
{
    if (c < 0x80) return c == '.' || c == '!' || c == '?' ? T_LATIN : T_NONE;
    switch (c) {
    case 0x2026: /* … */
    case 0x203C: /* ‼ */
    case 0x2047: /* ⁇ */
    case 0x2048: /* ⁈ */
    case 0x2049: /* ⁉ */
        return T_LATIN;
    case 0x3002: /* 。 */
    case 0xFF01: /* ！ */
    case 0xFF1F: /* ？ */
    case 0xFF61: /* ｡ */
    case 0x061F: /* ؟ */
    case 0x06D4: /* ۔ */
    case 0x0964: /* । */
    case 0x0965: /* ॥ */
        return T_HARD;
    default:
        return T_NONE;
    }
}

/* A closing quote or bracket. An initial quote closes after a Latin terminator (German „…“) but
 * opens after a hard one (Chinese “…”), hence `latin`. */
static int is_closer(int32_t c, int latin)
{
    if (c < 0x80) return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}';
    utf8proc_category_t g = utf8proc_category(c);
    return g == UTF8PROC_CATEGORY_PE || g == UTF8PROC_CATEGORY_PF ||
           (latin && g == UTF8PROC_CATEGORY_PI);
}

static int char_case(int32_t c)
{
    if (c < 0x80) {
        if (c >= 'a' && c <= 'z') return C_LOWER;
        if (c >= 'A' && c <= 'Z') return C_UPPER;
        return is_digit((uint8_t)c) ? C_DIGIT : C_OTHER;
    }
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LL:
        return C_LOWER;
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
        return C_UPPER;
    case UTF8PROC_CATEGORY_LO:
        return C_UNCASED;
    case UTF8PROC_CATEGORY_ND:
        return C_DIGIT;
    default:
        return C_OTHER;
    }
}

/* A letter, mark or number: part of a word. */
static int is_wordish(int32_t c)
{
    if (c < 0x80) return is_alpha((uint8_t)c) || is_digit((uint8_t)c);
    utf8proc_category_t g = utf8proc_category(c);
    return g >= UTF8PROC_CATEGORY_LU && g <= UTF8PROC_CATEGORY_NO;
}

/* The code point that ends before byte j > 0 of the (already validated) text. */
static int32_t cp_before(const splitter *sp, size_t j)
{
    size_t k = j - 1;
    while (k > 0 && j - k < 4 && (sp->s[k] & 0xC0) == 0x80) k--;
    int32_t c;
    if (decode(sp, k, &c) < 0) return -1;
    return c;
}

/* Whether the character before byte j (if any) can open a number: white space or an opening
 * quote or bracket, not a part of a number like 1,000 or 2.0. */
static int opens_number(const splitter *sp, size_t j)
{
    if (j == 0) return 1;
    int32_t c = cp_before(sp, j);
    if (c == '"' || c == '\'' || c == '(' || c == '[') return 1;
    if (c < 0x80) return space_kind(sp, j - 1, c) != WS_NONE;
    utf8proc_category_t g = utf8proc_category(c);
    return g == UTF8PROC_CATEGORY_PS || g == UTF8PROC_CATEGORY_PI || g == UTF8PROC_CATEGORY_PF ||
           space_kind(sp, j - 1, c) != WS_NONE;
}

/* The P_* kind of a lone '.' at byte d, code point d_cp, that white space or the end follows. */
static int dot_kind(const splitter *sp, size_t d, uint32_t d_cp)
{
    const uint8_t *s = sp->s;
    size_t j = d;
    while (j > 0 && d - j < 4 && is_digit(s[j - 1])) j--;
    if (j < d) {
        size_t nd = d - j;
        if (nd <= 3 && d_cp - nd == sp->line_cp) return P_NONE; /* "12." opening a line */
        return nd <= 2 && opens_number(sp, j) ? P_INITIAL : P_PLAIN;
    }
    while (j > 0 && d - j <= MAX_WORD && (is_alpha(s[j - 1]) || s[j - 1] == '.')) j--;
    if (d - j > MAX_WORD) return P_PLAIN;
    while (j < d && s[j] == '.') j++;
    if (j == d || (j > 0 && is_wordish(cp_before(sp, j)))) return P_PLAIN;
    size_t len = d - j;
    int kind = abbr_kind(s + j, len);
    if (kind == P_PLAIN && s[j] >= 'A' && s[j] <= 'Z') {
        uint8_t w[MAX_WORD];
        memcpy(w, s + j, len);
        w[0] = (uint8_t)(w[0] + 32);
        kind = abbr_kind(w, len);
    }
    if (kind != P_PLAIN) return kind;
    if (len == 1) return P_INITIAL;
    /* a dotted acronym: parts of 1-3 letters */
    size_t part = 0, n_part = 1;
    for (size_t k = j; k < d; k++) {
        if (s[k] == '.') {
            if (part == 0) return P_PLAIN;
            part = 0;
            n_part++;
        } else if (++part > 3) {
            return P_PLAIN;
        }
    }
    return n_part > 1 ? P_INITIAL : P_PLAIN;
}

/* A sentence-opening word at byte i: ASCII letters, then neither a letter nor a '.'. */
static int starter_at(const splitter *sp, size_t i)
{
    size_t j = i;
    while (j < sp->n && j - i <= MAX_WORD && is_alpha(sp->s[j])) j++;
    if (j == i || j - i > MAX_WORD) return 0;
    if (j < sp->n && (sp->s[j] == '.' || sp->s[j] >= 0x80)) return 0;
    return is_starter(sp->s + i, j - i);
}

/* A list marker at byte i, where code point c of k bytes is. */
static int list_marker(const splitter *sp, size_t i, int32_t c, int k)
{
    switch (c) {
    case 0x00B7: /* · */
    case 0x2022: /* • */
    case 0x2023: /* ‣ */
    case 0x2043: /* ⁃ */
    case 0x25AA: /* ▪ */
    case 0x25CF: /* ● */
    case 0x25E6: /* ◦ */
        return 1;
    default:
        break;
    }
    size_t j = i + (size_t)k;
    if (c == '-' || c == '*' || c == '+' || c == 0x2013 || c == 0x2014)
        return j < sp->n && (sp->s[j] == ' ' || sp->s[j] == '\t');
    if (!is_digit((uint8_t)c)) return 0;
    while (j < sp->n && j - i < 4 && is_digit(sp->s[j])) j++;
    return j - i <= 3 && j + 1 < sp->n && (sp->s[j] == '.' || sp->s[j] == ')') &&
           (sp->s[j + 1] == ' ' || sp->s[j + 1] == '\t');
}

/* Whether a Latin terminator of kind `pending` ends its sentence before code point c at byte i. */
static int pending_ends(const splitter *sp, int pending, int32_t c, size_t i)
{
    int cc = char_case(c);
    switch (pending) {
    case P_PLAIN:
        return cc != C_LOWER;
    case P_NUMBER:
        return cc != C_LOWER && cc != C_DIGIT;
    case P_SUFFIX:
        return cc == C_UPPER;
    case P_INITIAL:
        return starter_at(sp, i);
    default:
        return 0;
    }
}

/* Whether the open sentence ends before code point c (k bytes at byte i), after white space. */
static int ends_after_space(const splitter *sp, int32_t c, size_t i, int k)
{
    if (sp->n_nl >= 2) return 1;
    if (sp->n_nl == 1 && list_marker(sp, i, c, k)) return 1;
    if (sp->pending != P_NONE) return pending_ends(sp, sp->pending, c, i);
    if (sp->n_nl == 0 || (sp->prev_line >= SHORT_LINE && sp->prev_line < LONG_LINE)) return 0;
    int cc = char_case(c);
    return cc == C_UPPER || cc == C_UNCASED;
}

/* Whether the open sentence, with no white space for NOSPACE_CAP code points, ends before c. */
static int too_long(const splitter *sp, int32_t c)
{
    if (sp->cp - sp->cur.cp_beg < NOSPACE_CAP) return 0;
    if (c < 0x80) return 1;
    utf8proc_category_t g = utf8proc_category(c);
    return g != UTF8PROC_CATEGORY_MN && g != UTF8PROC_CATEGORY_MC && g != UTF8PROC_CATEGORY_ME;
}

static void close_sentence(splitter *sp)
{
    assert(sp->open && sp->cur.byte_beg < sp->cur.byte_end && sp->cur.cp_beg < sp->cur.cp_end);
    assert(sp->n_v == 0 || sp->v[sp->n_v - 1].byte_end <= sp->cur.byte_beg);
    IBID_GROW(sp->v, sp->m_v, sp->n_v + 1);
    sp->v[sp->n_v++] = sp->cur;
    sp->open = 0;
    sp->pending = P_NONE;
}

static void on_space(splitter *sp, int ws)
{
    if (!sp->in_space) {
        sp->in_space = 1;
        sp->n_nl = 0;
    }
    if (ws != WS_SPACE) {
        if (!sp->line_fresh) sp->prev_line = sp->cur.cp_end - sp->line_cp;
        sp->line_fresh = 1;
        sp->n_nl += ws == WS_PARA ? 2 : 1;
    }
    if (sp->open) {
        uint32_t len = sp->cur.cp_end - sp->cur.cp_beg;
        if (len >= HARD_CAP || (ws != WS_SPACE && len >= SOFT_CAP)) close_sentence(sp);
    }
}

/* Take the run of terminators and closers at sp->i into the open sentence, and end the sentence
 * or note what would end it. */
static void on_terminators(splitter *sp)
{
    size_t d = sp->i;
    uint32_t d_cp = sp->cp;
    int hard = 0, n_term = 0, k;
    int32_t c;
    while (sp->i < sp->n && (k = decode(sp, sp->i, &c)) > 0) {
        int t = term_kind(c);
        if (t == T_NONE && !is_closer(c, !hard)) break;
        hard |= t == T_HARD;
        n_term += t != T_NONE;
        sp->i += (size_t)k;
        sp->cp++;
    }
    assert(n_term > 0);
    sp->cur.byte_end = (uint32_t)sp->i;
    sp->cur.cp_end = sp->cp;
    if (hard) {
        close_sentence(sp);
        return;
    }
    /* a Latin terminator needs white space after it; invalid UTF-8 is reported by the caller */
    if (sp->i < sp->n && (decode(sp, sp->i, &c) < 0 || space_kind(sp, sp->i, c) == WS_NONE)) return;
    sp->pending = n_term == 1 && sp->s[d] == '.' ? dot_kind(sp, d, d_cp) : P_PLAIN;
}

/* Code point c, k bytes at sp->i, is not white space. */
static void on_char(splitter *sp, int32_t c, int k)
{
    if (sp->open && (sp->in_space ? ends_after_space(sp, c, sp->i, k) : too_long(sp, c)))
        close_sentence(sp);
    if (!sp->open) {
        sp->open = 1;
        sp->cur.byte_beg = (uint32_t)sp->i;
        sp->cur.cp_beg = sp->cp;
    }
    if (sp->line_fresh) {
        sp->line_fresh = 0;
        sp->line_cp = sp->cp;
    }
    sp->in_space = 0;
    sp->pending = P_NONE;
    if (term_kind(c) != T_NONE) {
        on_terminators(sp);
        return;
    }
    sp->i += (size_t)k;
    sp->cp++;
    /* the rest of an ASCII word has nothing to decide: the fast path */
    uint32_t lim = sp->cur.cp_beg + NOSPACE_CAP, cp = sp->cp;
    const uint8_t *s = sp->s;
    size_t i = sp->i, n = sp->n; /* locals: the compiler cannot tell that s does not alias sp */
    while (i < n && cp < lim && s[i] > ' ' && s[i] < 0x7F && term_kind(s[i]) == T_NONE) i++, cp++;
    sp->i = i;
    sp->cp = cp;
    sp->cur.byte_end = (uint32_t)i;
    sp->cur.cp_end = cp;
}

static int utf8_error(ibid_error *err, const splitter *sp)
{
    long line = 1;
    size_t ls = 0;
    for (size_t j = 0; j < sp->i; j++)
        if (sp->s[j] == '\n') line++, ls = j + 1;
    return ibid_fail(err, IBID_EUTF8, NULL, line, (long)(sp->i - ls + 1),
                     "invalid UTF-8 at byte %zu", sp->i);
}

int ibid_sentences(ibid_sent **out, size_t *n_out, const char *text, size_t n_bytes,
                   ibid_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (n_bytes > UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0, "text of %zu bytes", n_bytes);
    assert(tables_sorted());
    splitter sp = {.s = (const uint8_t *)text, .n = n_bytes, .line_fresh = 1};
    while (sp.i < sp.n) {
        int32_t c;
        int k = decode(&sp, sp.i, &c);
        if (k < 0) {
            free(sp.v);
            return utf8_error(err, &sp);
        }
        int ws = space_kind(&sp, sp.i, c);
        if (ws == WS_NONE) {
            on_char(&sp, c, k);
            continue;
        }
        on_space(&sp, ws);
        sp.i += (size_t)k;
        sp.cp++;
    }
    if (sp.open) close_sentence(&sp);
    *out = sp.v;
    *n_out = sp.n_v;
    return 0;
}
