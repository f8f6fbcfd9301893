/*
 * tokenize.c: split UTF-8 text into tokens, keeping where each one is.
 *
 * One pass over the bytes: ASCII goes through a table, everything else through utf8proc
 * (norm.c). A token's hash is computed as its normalized code points stream by, so nothing is
 * copied. The engine keeps only the 32-bit hashes (4 bytes a token) and, every 64 tokens, a
 * checkpoint with the byte and code point offset of that token: since a token's extent depends
 * only on the characters from its first one on, the tokenizer can restart at a checkpoint and
 * find the exact offsets of any token again by scanning at most 63 tokens (ibid_toks_span).
 *
 * With IBID_NORM_MARKUP, markup is skipped like white space: a tag is '<' then a letter, '/',
 * '!' or '?', up to the next '>' within MAX_TAG bytes and with no '<' between; an entity is
 * '&' then a name or a '#' number, then ';'. Anything else is text, so "a < b" stays as it is.
 */
#include "ibid_int.h"

#include <utf8proc.h>

/* A token hash: a multiply-rotate over code points, finished with the murmur3 mixer. */
#define H_SEED 0x243F6A8885A308D3ull
#define H_MUL  0x9E3779B97F4A7C15ull

static inline uint64_t h_add(uint64_t h, uint32_t cp)
{
    h ^= cp;
    h *= H_MUL;
    return (h << 23) | (h >> 41);
}

static inline uint32_t h_fin(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

#define MAX_TAG    1024 /* bytes in a tag, '<' to '>' */
#define MAX_ENTITY 33   /* bytes in an entity, '&' to ';' */

static int is_alpha(uint8_t c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* The length in bytes of the tag or entity at s[0] (an '<' or a '&'), or 0 if there is none. */
static size_t markup_len(const uint8_t *s, size_t n)
{
    if (n > 1 && s[0] == '<' && (is_alpha(s[1]) || s[1] == '/' || s[1] == '!' || s[1] == '?')) {
        size_t lim = n < MAX_TAG ? n : MAX_TAG;
        for (size_t i = 1; i < lim; i++) {
            if (s[i] == '>') return i + 1;
            if (s[i] == '<') return 0;
        }
        return 0;
    }
    if (n > 2 && s[0] == '&') {
        size_t lim = n < MAX_ENTITY ? n : MAX_ENTITY, i = 1;
        if (s[1] == '#') {
            i = 2;
            if (i < lim && (s[i] | 0x20) == 'x') {
                i++;
                while (i < lim &&
                       (is_digit(s[i]) || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
                    i++;
            } else {
                while (i < lim && is_digit(s[i])) i++;
            }
            if (i == 2 || (i == 3 && (s[2] | 0x20) == 'x')) return 0;
        } else {
            if (!is_alpha(s[1])) return 0;
            while (i < lim && (is_alpha(s[i]) || is_digit(s[i]))) i++;
        }
        return i < lim && s[i] == ';' ? i + 1 : 0;
    }
    return 0;
}

/* The scanner's position: byte and code point offsets. */
typedef struct {
    const uint8_t *s;
    size_t n;    /* bytes in s */
    size_t i;    /* next byte */
    uint32_t cp; /* code points before byte i */
    unsigned flags;
    uint64_t key; /* the last token's 64-bit hash, before the final mix */
} scanner;

/* keep[c] for an ASCII byte c: 0 for a separator, else the (folded) character to hash. */
static void ascii_tables(unsigned flags, uint8_t *keep)
{
    for (int c = 0; c < 128; c++) {
        int w = ibid_cp_class(c) == IBID_CP_WORD;
        keep[c] =
            w ? (uint8_t)((flags & IBID_NORM_CASEFOLD) && c >= 'A' && c <= 'Z' ? c + 32 : c) : 0;
    }
}

/* Step over m bytes of markup, counting its code points; a tag may hold any text. */
static int skip_markup(scanner *s, size_t m)
{
    size_t end = s->i + m;
    while (s->i < end) {
        if (s->s[s->i] < 0x80) {
            s->i++;
        } else {
            int32_t cp;
            utf8proc_ssize_t r = utf8proc_iterate(s->s + s->i, (utf8proc_ssize_t)(end - s->i), &cp);
            if (r < 0) return -1;
            s->i += (size_t)r;
        }
        s->cp++;
    }
    return 0;
}

/*
 * Scan the next token. Returns 1 with *tok filled, 0 at the end of the text, or IBID_EUTF8 with
 * s->i at the bad byte.
 */
static int next_token(scanner *s, const uint8_t *keep, ibid_token *tok)
{
    int in_tok = 0;
    uint64_t h = H_SEED;
    int32_t nbuf[32];
    size_t tok_byte_end = 0;
    uint32_t tok_cp_end = 0;
    while (s->i < s->n) {
        int32_t cp;
        size_t k;
        int cls;
        uint8_t c = s->s[s->i];
        if (c < 0x80 && c != '<' && c != '&') {
            /* A run of ASCII word characters or of ASCII separators: what the general steps
             * below do for each of them, in a tight loop on local copies (a byte read through
             * s->s may alias s->i, which would be stored and reloaded every byte). */
            const uint8_t *p = s->s;
            size_t i = s->i, n = s->n;
            if (keep[c]) {
                if (!in_tok) {
                    in_tok = 1;
                    tok->byte_beg = (uint32_t)i;
                    tok->cp_beg = s->cp;
                }
                do {
                    h = h_add(h, keep[c]);
                    i++;
                } while (i < n && (c = p[i]) < 0x80 && keep[c]);
                s->cp += (uint32_t)(i - s->i);
                s->i = i;
                tok_byte_end = i;
                tok_cp_end = s->cp;
                continue;
            }
            if (in_tok) break;
            do i++;
            while (i < n && (c = p[i]) < 0x80 && !keep[c] && c != '<' && c != '&');
            s->cp += (uint32_t)(i - s->i);
            s->i = i;
            continue;
        }
        if ((c == '<' || c == '&') && (s->flags & IBID_NORM_MARKUP)) {
            size_t m = markup_len(s->s + s->i, s->n - s->i);
            if (m) {
                if (in_tok) break;
                if (skip_markup(s, m) < 0) return IBID_EUTF8;
                continue;
            }
        }
        if (c < 0x80) {
            cp = c;
            k = 1;
            cls = keep[c] ? IBID_CP_WORD : IBID_CP_SEP;
        } else {
            utf8proc_ssize_t r =
                utf8proc_iterate(s->s + s->i, (utf8proc_ssize_t)(s->n - s->i), &cp);
            if (r < 0) return IBID_EUTF8;
            k = (size_t)r;
            cls = ibid_cp_class(cp);
        }
        if (cls == IBID_CP_SEP || (cls == IBID_CP_SINGLE && in_tok)) {
            if (in_tok) break; /* a SINGLE character is left for the next call */
            s->i += k;
            s->cp++;
            continue;
        }
        if (cls == IBID_CP_IGNORE) {
            s->i += k;
            s->cp++;
            continue;
        }
        if (!in_tok) {
            in_tok = 1;
            tok->byte_beg = (uint32_t)s->i;
            tok->cp_beg = s->cp;
        }
        if (c < 0x80) {
            h = h_add(h, keep[c]);
        } else {
            int m = ibid_norm_cp(cp, s->flags, nbuf, 32);
            if (m > 32) m = 32; /* no code point decomposes to more than 18 */
            for (int j = 0; j < m; j++) h = h_add(h, (uint32_t)nbuf[j]);
        }
        s->i += k;
        s->cp++;
        tok_byte_end = s->i;
        tok_cp_end = s->cp;
        if (cls == IBID_CP_SINGLE) break;
    }
    if (!in_tok) return 0;
    tok->byte_end = (uint32_t)tok_byte_end;
    tok->cp_end = tok_cp_end;
    tok->hash = h_fin(h);
    s->key = h;
    return 1;
}

static void init_scanner(scanner *s, const char *text, size_t n, unsigned flags, uint8_t *keep)
{
    s->s = (const uint8_t *)text;
    s->n = n;
    s->i = 0;
    s->cp = 0;
    s->flags = flags;
    s->key = 0;
    ascii_tables(flags, keep);
}

static int utf8_error(ibid_error *err, const scanner *s)
{
    long line = 1;
    size_t ls = 0;
    for (size_t j = 0; j < s->i; j++)
        if (s->s[j] == '\n') line++, ls = j + 1;
    return ibid_fail(err, IBID_EUTF8, NULL, line, (long)(s->i - ls + 1),
                     "invalid UTF-8 at byte %zu", s->i);
}

/* Append token `tok` (number t->n_tok) to `t`: its hash, and a checkpoint every 64 tokens. */
static void push_hash(ibid_toks *t, const ibid_token *tok)
{
    if ((t->n_tok & ((1u << IBID_CKPT_SHIFT) - 1)) == 0) {
        IBID_GROW(t->ckpt, t->m_ckpt, t->n_ckpt + 1);
        t->ckpt[t->n_ckpt++] = (ibid_ckpt){tok->byte_beg, tok->cp_beg};
    }
    IBID_GROW(t->tok, t->m_tok, t->n_tok + 1);
    t->tok[t->n_tok++] = tok->hash;
}

int ibid_tokenize_hashes(ibid_toks *t, const char *text, size_t n_bytes, unsigned flags,
                         ibid_error *err)
{
    return ibid_tokenize_words(t, NULL, NULL, text, n_bytes, flags, err);
}

int ibid_tokenize_words(ibid_toks *t, ibid_word **words, size_t *m_words, const char *text,
                        size_t n_bytes, unsigned flags, ibid_error *err)
{
    if (n_bytes >= UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0, "text of %zu bytes", n_bytes);
    scanner s;
    uint8_t keep[128];
    init_scanner(&s, text, n_bytes, flags, keep);
    ibid_token tok;
    size_t n0 = t->n_tok;
    const uint8_t *p = s.s;
    size_t n = s.n;
    int r = 0, markup = (flags & IBID_NORM_MARKUP) != 0;
    while (s.i < n) {
        /*
         * The common cases inline, as next_token takes them: a token of ASCII word characters
         * that an ASCII byte or the end of the text closes, and a run of ASCII separators. A
         * token that runs into a non-ASCII character (which may continue it), and anything
         * else, is left to next_token from the token's start.
         */
        size_t i = s.i;
        uint8_t c = p[i];
        if (c < 0x80 && keep[c]) {
            uint64_t h = H_SEED;
            do {
                h = h_add(h, keep[c]);
                i++;
            } while (i < n && (c = p[i]) < 0x80 && keep[c]);
            if (i == n || c < 0x80) {
                tok.byte_beg = (uint32_t)s.i;
                tok.cp_beg = s.cp;
                tok.byte_end = (uint32_t)i;
                tok.cp_end = s.cp + (uint32_t)(i - s.i);
                tok.hash = h_fin(h);
                s.cp = tok.cp_end;
                s.i = i;
                s.key = h;
                goto push;
            }
        } else if (c < 0x80 && !((c == '<' || c == '&') && markup)) {
            do i++;
            while (i < n && (c = p[i]) < 0x80 && !keep[c] && !((c == '<' || c == '&') && markup));
            s.cp += (uint32_t)(i - s.i);
            s.i = i;
            continue;
        }
        if ((r = next_token(&s, keep, &tok)) != 1) break;
    push:
        if (words) {
            IBID_GROW(*words, *m_words, t->n_tok - n0 + 1);
            (*words)[t->n_tok - n0] = (ibid_word){s.key, tok.byte_beg, tok.byte_end};
        }
        push_hash(t, &tok);
    }
    return r < 0 ? utf8_error(err, &s) : 0;
}

/* Find token `k` of a text tokenized into `t` by rescanning from its checkpoint. */
static void find_token(const ibid_toks *t, const char *text, size_t n, unsigned flags, uint32_t k,
                       const uint8_t *keep, ibid_token *tok)
{
    assert(k < t->n_tok);
    const ibid_ckpt *c = &t->ckpt[k >> IBID_CKPT_SHIFT];
    scanner s = {(const uint8_t *)text, n, c->byte_off, c->cp_off, flags, 0};
    uint32_t j = k & ~((1u << IBID_CKPT_SHIFT) - 1);
    for (;; j++) {
        int r = next_token(&s, keep, tok);
        assert(r == 1); /* the text was tokenized before: it is valid and holds token k */
        (void)r;
        if (j == k) break;
    }
    assert(tok->hash == t->tok[k]);
}

void ibid_toks_span(const ibid_toks *t, const char *text, size_t n_bytes, unsigned flags,
                    uint32_t tok_beg, uint32_t tok_end, ibid_token *first, ibid_token *last)
{
    assert(tok_beg < tok_end && tok_end <= t->n_tok);
    uint8_t keep[128];
    ascii_tables(flags, keep);
    find_token(t, text, n_bytes, flags, tok_beg, keep, first);
    find_token(t, text, n_bytes, flags, tok_end - 1, keep, last);
}

void ibid_toks_free(ibid_toks *t)
{
    if (!t) return;
    free(t->tok);
    free(t->ckpt);
    memset(t, 0, sizeof *t);
}

int ibid_tokenize(ibid_token **out, size_t *n_out, const char *text, size_t n_bytes, unsigned flags,
                  ibid_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (n_bytes >= UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0, "text of %zu bytes", n_bytes);
    scanner s;
    uint8_t keep[128];
    init_scanner(&s, text, n_bytes, flags, keep);
    ibid_token *v = NULL, tok;
    size_t n = 0, m = 0;
    int r;
    while ((r = next_token(&s, keep, &tok)) == 1) {
        IBID_GROW(v, m, n + 1);
        v[n++] = tok;
    }
    if (r < 0) {
        free(v);
        return utf8_error(err, &s);
    }
    *out = v;
    *n_out = n;
    return 0;
}
