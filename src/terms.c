/*
 * terms.c: each document as a list of sentences, each sentence a bag of weighted stems.
 *
 * The sentence layer (reword.c) compares sentences by what they say rather than by the exact
 * words: a document is split into sentences (sentence.c), its words are normalized like the
 * tokenizer's and reduced to their Snowball stems in the document's language (lang.c, stem.c),
 * and each sentence becomes the set of its stems with their counts. A stem is kept as a 32-bit
 * hash. With a dictionary to a pivot language (dict.c), the words of a document in another
 * language are replaced by the stems of their translations, so that both sides of a translated
 * pair speak the same terms; numbers stay as they are (and "1870er", "1870s" are 1870). A word
 * the dictionary lacks is looked up through its stem, and a German or Dutch compound as two
 * parts the dictionary knows, the longest known last part first, with an optional linking
 * element between them ("Indianer" + "territorium", "Arbeit" + s + "zimmer"). A word keeps all
 * its terms for trimming passages (tok_alt), since which translation the other side uses is
 * not known beforehand.
 *
 * The weights are computed once per run over the whole corpus: tf * isf, where isf(t) =
 * log(S / sf(t)), S the number of sentences in the corpus and sf(t) the number that hold t
 * (the inverse sentence frequency of Sanchez-Perez et al., PAN 2014). A stem in more than
 * STOP_SHARE of the sentences of a corpus of at least STOP_MIN_SENT sentences is a stop word and
 * weighs nothing. Each sentence vector is then scaled to unit length.
 *
 * Pairs of documents that share no word n-gram (a translation, a thorough rewrite) are found
 * from their telling terms: a document's RELATED_TERMS terms of highest isf times the number of
 * its sentences holding them (among the terms found in at least two sentences of the corpus, so
 * that they can be shared). Two documents are related when RELATED_MIN of the telling terms of
 * either are found in the other.
 */
#include "terms.h"

#include <math.h>
#include <stdio.h>
#include <utf8proc.h>
#include <xxhash.h>

#define STOP_SHARE       0.05
#define STOP_MIN_SENT    2000
#define MAX_WORD         256  /* bytes of a normalized word kept for stemming */
#define SYN_WEIGHT       0.5f /* of a word's synset term, against 1 for its stem */
#define SYN_SEED         0x9E3779B9u
#define WORD_BITS        18 /* a thread remembers the stem and synset of 2^18 words */
#define WORD_CACHE       (1u << WORD_BITS)
#define PREFETCH         8  /* tokens ahead: their cache slots are fetched while this one works */
#define MAX_TRANSLATIONS 4  /* of a word, each at 1 / their number */
#define RELATED_TERMS    48 /* a document's telling terms, for finding related documents */
#define RELATED_MIN      6  /* of them found in the other document make two documents related */
#define COMPOUND_MOD     3  /* bytes of the first part of a compound split, at least */
#define COMPOUND_HEAD    4  /* and of its last part */

/* ---- sentence frequencies ---- */

/* Sentence frequencies: an open-addressing table from term id to count (ids are hashes), then
 * to the term's isf; a slot's id and count share a cache line. */
typedef struct {
    struct sf_slot {
        uint32_t id;
        union {
            uint32_t sf; /* while counting; 0: empty slot */
            float isf;   /* after: log(S / sf), 0 for a stop word */
        } u;
    } * slot;
    size_t mask;
} sf_table;

static inline size_t sf_home(const sf_table *h, uint32_t id)
{
    return (id * 0x9E3779B1u) & h->mask;
}

static size_t sf_find(const sf_table *h, uint32_t id)
{
    size_t k = sf_home(h, id);
    while (h->slot[k].u.sf && h->slot[k].id != id) k = (k + 1) & h->mask;
    return k;
}

/* Count term id n times more, growing the table when it is half full. */
static void sf_add(sf_table *h, size_t *n_used, uint32_t id, uint32_t n)
{
    if (2 * (*n_used + 1) > h->mask + 1) {
        sf_table g = {ibid_xcalloc(2 * (h->mask + 1), sizeof *g.slot), 2 * h->mask + 1};
        for (size_t k = 0; k <= h->mask; k++)
            if (h->slot[k].u.sf) g.slot[sf_find(&g, h->slot[k].id)] = h->slot[k];
        free(h->slot);
        *h = g;
    }
    struct sf_slot *e = &h->slot[sf_find(h, id)];
    if (!e->u.sf) e->id = id, ++*n_used;
    e->u.sf += n;
}

/* ---- per-thread resources: a language identifier and stemmers, made on first use ---- */

#define MAX_STEMMERS 16

struct ibid_terms_ctx {
    ibid_langid *lid;
    int lid_failed;
    struct {
        char lang[8];
        ibid_stemmer *s;
    } stem[MAX_STEMMERS];
    int n_stem;
    char *word;         /* MAX_WORD * 4 + 8 bytes */
    int32_t *cp;        /* MAX_WORD * 4 + 8 code points: a word being composed */
    ibid_arena *store;  /* the arrays of the documents this context built and weighed */
    ibid_term *scratch; /* a document's terms while they are collected, before compacting */
    size_t m_scratch;
    uint64_t *recs; /* a document's postings while they are sorted (2 m_recs: with scratch) */
    size_t m_recs;
    uint64_t *keys; /* a document's terms as sort keys, while they are compacted */
    size_t m_keys;
    sf_table sf; /* in how many sentences of the documents built here each term is */
    size_t n_sf; /* terms in sf */
    struct word_info {
        uint64_t h;         /* the word's key mixed with its stemmer's, bit 2 set (0: empty),
                               and in bits 0-1 the flags below */
        uint32_t stem, syn; /* the term of its stem; of its first synset (see has_syn) */
    } * words;              /* WORD_CACHE words, direct-mapped: 16 bytes each */
};

ibid_terms_ctx *ibid_terms_ctx_new(void)
{
    ibid_terms_ctx *c = ibid_xcalloc(1, sizeof *c);
    c->word = ibid_xmalloc(MAX_WORD * 4 + 8);
    c->cp = ibid_xmalloc((MAX_WORD * 4 + 8) * sizeof *c->cp);
    c->words = ibid_xcalloc_huge(WORD_CACHE * sizeof *c->words);
    c->store = ibid_arena_new();
    c->sf = (sf_table){ibid_xcalloc(1u << 14, sizeof *c->sf.slot), (1u << 14) - 1};
    return c;
}

void ibid_terms_ctx_free(ibid_terms_ctx *c)
{
    if (!c) return;
    ibid_langid_free(c->lid);
    for (int i = 0; i < c->n_stem; i++) ibid_stemmer_free(c->stem[i].s);
    free(c->word);
    free(c->cp);
    free(c->words);
    ibid_arena_free(c->store);
    free(c->scratch);
    free(c->recs);
    free(c->keys);
    free(c->sf.slot);
    free(c);
}

static const char *detect(ibid_terms_ctx *c, const char *text, size_t n)
{
    if (!c->lid && !c->lid_failed && ibid_langid_new(&c->lid, NULL, NULL) < 0) c->lid_failed = 1;
    return c->lid ? ibid_langid_detect(c->lid, text, n) : "";
}

/* The stemmer of a language, or NULL (no stemming) when Snowball has none. */
static ibid_stemmer *stemmer(ibid_terms_ctx *c, const char *lang)
{
    for (int i = 0; i < c->n_stem; i++)
        if (strcmp(c->stem[i].lang, lang) == 0) return c->stem[i].s;
    ibid_stemmer *s = *lang ? ibid_stemmer_new(lang) : NULL;
    if (c->n_stem < MAX_STEMMERS) {
        snprintf(c->stem[c->n_stem].lang, sizeof c->stem[0].lang, "%s", lang);
        c->stem[c->n_stem++].s = s;
    }
    return s;
}

/* ---- one document ---- */

/* The normalized form of one token into c->word, its length: decomposed as the tokenizer hashes
 * it, then composed again (NFKC), the form of the dictionaries and the one Snowball's stemmers
 * expect ("für", not "fu" + U+0308 + "r"). */
static size_t norm_word(ibid_terms_ctx *c, const char *t, size_t n, unsigned flags, int *digits)
{
    size_t k = 0, i = 0;
    int composed = 1;
    *digits = 1;
    while (i < n && k < MAX_WORD) {
        unsigned char ch = (unsigned char)t[i];
        if (ch < 0x80) { /* ASCII: NFKC leaves it, case folding lowers A-Z */
            if (ch < '0' || ch > '9') *digits = 0;
            c->word[k++] =
                (char)((flags & IBID_NORM_CASEFOLD) && ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            i++;
            continue;
        }
        int32_t cp, buf[32];
        utf8proc_ssize_t r =
            utf8proc_iterate((const uint8_t *)t + i, (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0) break; /* the text was tokenized: it is valid */
        i += (size_t)r;
        if (ibid_cp_class(cp) == IBID_CP_IGNORE) continue;
        if (cp < '0' || cp > '9') *digits = 0;
        int m = ibid_norm_cp(cp, flags, buf, 32);
        if (m > 32) m = 32;
        for (int j = 0; j < m; j++)
            k += (size_t)utf8proc_encode_char(buf[j], (uint8_t *)c->word + k);
        composed = 0;
    }
    if (!composed) { /* ASCII needs no composing */
        size_t n_cp = 0;
        for (size_t b = 0; b < k; n_cp++) /* valid: written above */
            b += (size_t)utf8proc_iterate((const uint8_t *)c->word + b, (utf8proc_ssize_t)(k - b),
                                          &c->cp[n_cp]);
        utf8proc_ssize_t m =
            utf8proc_normalize_utf32(c->cp, (utf8proc_ssize_t)n_cp, UTF8PROC_COMPOSE);
        assert(m >= 0 && (size_t)m <= n_cp);
        k = 0;
        for (utf8proc_ssize_t j = 0; j < m; j++)
            k += (size_t)utf8proc_encode_char(c->cp[j], (uint8_t *)c->word + k);
    }
    c->word[k] = 0;
    return k;
}

static uint32_t term_id(const char *s, size_t n)
{
    return (uint32_t)XXH3_64bits(s, n);
}

/* ---- translation ---- */

/* Endings that turn a Snowball stem back into a dictionary headword, tried in order. */
static const char *const *lemma_endings(const char *lang)
{
    static const char *const de[] = {"", "e", "en", "n", "er", NULL};
    static const char *const es[] = {"", "o", "a", "ar", "er", "ir", "e", "os", NULL};
    static const char *const fr[] = {"", "e", "er", "ir", "re", NULL};
    static const char *const other[] = {"", NULL};
    return strcmp(lang, "de") == 0   ? de
           : strcmp(lang, "es") == 0 ? es
           : strcmp(lang, "fr") == 0 ? fr
                                     : other;
}

/* The translations of base[0, nb) + an ending of lemma_endings, other than w[0, len) itself. */
static size_t lookup_lemma(const ibid_dict *dict, const char *lang, const char *base, size_t nb,
                           const char *w, size_t len, const char *const **tr)
{
    char buf[MAX_WORD + 8];
    size_t n;
    if (nb > MAX_WORD) return 0;
    memcpy(buf, base, nb);
    for (const char *const *e = lemma_endings(lang); *e; e++) {
        size_t le = strlen(*e);
        memcpy(buf + nb, *e, le);
        if (nb + le != len || memcmp(buf, w, len) != 0)
            if ((n = ibid_dict_lookup(dict, buf, nb + le, tr))) return n;
    }
    return 0;
}

/*
 * The translations of word w[0, len): as it is, else through its stem in the document's language
 * (inflected forms, clitics): the headword with the same stem ("künftige" -> "kunftig" <-
 * "künftig"; "والخبز" -> "خبز"), in German also without a final t, the past tense's ("drängten"
 * -> "drangt" -> "drang" <- "drängen"), else the stem with common endings ("Jahren" -> "jahr").
 */
static size_t translate_word(const ibid_dict *dict, ibid_stemmer *src, const char *lang,
                             const char *w, size_t len, const char *const **tr)
{
    size_t n = ibid_dict_lookup(dict, w, len, tr);
    if (n || !src || len > MAX_WORD) return n;
    size_t ls;
    const char *stem = ibid_stem(src, w, len, &ls);
    if ((n = ibid_dict_lookup_stem(dict, stem, ls, tr))) return n;
    if (strcmp(lang, "de") == 0 && ls > 3 && stem[ls - 1] == 't' &&
        (n = ibid_dict_lookup_stem(dict, stem, ls - 1, tr)))
        return n;
    return lookup_lemma(dict, lang, stem, ls, w, len, tr);
}

/* Linking elements between the parts of a compound ("Arbeit-s-amt", "Sonne-n-schein"), tried
 * after none; NULL for a language whose compounds are not split. */
static const char *const *linking_elements(const char *lang)
{
    static const char *const de[] = {"s", "es", "n", "en", "e", "er", NULL};
    static const char *const nl[] = {"s", "en", "e", NULL};
    return strcmp(lang, "de") == 0 ? de : strcmp(lang, "nl") == 0 ? nl : NULL;
}

/* The length of the first part of a compound whose last part starts at w[h]: w[0, h) or, before
 * a linking element, w[0, h - its length), when the dictionary has it; else 0. */
static size_t first_part(const ibid_dict *dict, const char *const *links, const char *w, size_t h)
{
    const char *const *tr;
    if (ibid_dict_lookup(dict, w, h, &tr)) return h;
    for (const char *const *l = links; *l; l++) {
        size_t ll = strlen(*l);
        if (h >= COMPOUND_MOD + ll && memcmp(w + h - ll, *l, ll) == 0 &&
            ibid_dict_lookup(dict, w, h - ll, &tr))
            return h - ll;
    }
    return 0;
}

int ibid_terms_split(const ibid_dict *dict, ibid_stemmer *src, const char *lang, const char *w,
                     size_t n, size_t *mod_len, size_t *head_beg)
{
    const char *const *links = linking_elements(lang);
    if (!links || n < COMPOUND_MOD + COMPOUND_HEAD) return 0;
    const char *const *tr;
    for (size_t h = COMPOUND_MOD; h + COMPOUND_HEAD <= n; h++) { /* the longest head first */
        if (((unsigned char)w[h] & 0xC0) == 0x80) continue;      /* inside a character */
        if (!translate_word(dict, src, lang, w + h, n - h, &tr)) continue;
        size_t mod = first_part(dict, links, w, h);
        if (!mod && translate_word(dict, src, lang, w, h, &tr)) mod = h; /* through its stem */
        if (!mod) continue;
        *mod_len = mod, *head_beg = h;
        return 1;
    }
    return 0;
}

/* Consonants of Arabic letters, for names: the skeleton of "بغداد" is that of "Baghdad". */
static const char *arabic_latin(int32_t cp)
{
    static const char *const map[] = {
        [0x628 - 0x621] = "b", [0x62A - 0x621] = "t",  [0x62B - 0x621] = "th",
        [0x62C - 0x621] = "j", [0x62D - 0x621] = "h",  [0x62E - 0x621] = "kh",
        [0x62F - 0x621] = "d", [0x630 - 0x621] = "dh", [0x631 - 0x621] = "r",
        [0x632 - 0x621] = "z", [0x633 - 0x621] = "s",  [0x634 - 0x621] = "sh",
        [0x635 - 0x621] = "s", [0x636 - 0x621] = "d",  [0x637 - 0x621] = "t",
        [0x638 - 0x621] = "z", [0x63A - 0x621] = "gh", [0x641 - 0x621] = "f",
        [0x642 - 0x621] = "q", [0x643 - 0x621] = "k",  [0x644 - 0x621] = "l",
        [0x645 - 0x621] = "m", [0x646 - 0x621] = "n",  [0x647 - 0x621] = "h",
    };
    if (cp < 0x621 || cp > 0x64A) return NULL;
    return map[cp - 0x621];
}

/*
 * The consonant skeleton of a name, for matching it across languages and scripts: letters
 * without their diacritics, Arabic letters as Latin consonants, then without vowels, h, w and
 * y, and without doubled letters ("Bagdad", "Baghdad" and "بغداد" are all "bgdd"; "Basora"
 * and "Basra" "bsr"). Returns its length, 0 when it has fewer than 2 letters.
 */
size_t ibid_terms_skeleton(const char *w, size_t n, char *out, size_t m)
{
    size_t k = 0, i = 0;
    char prev = 0; /* the letter before, vowels included */
    while (i < n && k + 3 < m) {
        int32_t cp;
        utf8proc_ssize_t r =
            utf8proc_iterate((const uint8_t *)w + i, (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0) break;
        i += (size_t)r;
        const char *lat = arabic_latin(cp);
        char tmp[2] = {0};
        if (!lat) {
            int32_t base[8];
            utf8proc_ssize_t nb = utf8proc_decompose_char(
                cp, base, 8, UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD, NULL);
            if (nb < 1 || base[0] >= 0x80) { /* alef and the like: a vowel here */
                prev = 0;
                continue;
            }
            tmp[0] = (char)base[0];
            lat = tmp;
        }
        for (; *lat && k + 1 < m; lat++) {
            char ch = *lat, was = prev;
            if (ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
            prev = ch;
            if (ch < 'a' || ch > 'z' || strchr("aeiouhwy", ch)) continue;
            if (ch == was) continue; /* a doubled letter ("mm") is one */
            out[k++] = ch;
        }
    }
    return k >= 2 ? k : 0;
}

/* The stem term and first synset of the word at t (n bytes, key from the tokenizer), through
 * the thread's cache: a corpus repeats its words, and normalizing, stemming and WordNet lookups
 * (several base forms in four parts of speech) cost far more than a look in the cache. */
#define WORD_DIGITS  1u /* word_info.h: the word is a number, all digits */
#define WORD_HAS_SYN 2u /* word_info.h: syn is set */

/* The cache key of a word: its tokenizer key with its stemmer's (salt), bit 2 set, bits 0-1
 * clear for the flags. */
static inline uint64_t word_key(uint64_t key, uint64_t salt)
{
    return ((key ^ salt) | 4) & ~(uint64_t)3;
}

static inline struct word_info *word_slot(const ibid_terms_ctx *c, uint64_t h)
{
    return &c->words[((h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ull) >> (64 - WORD_BITS)];
}

static const struct word_info *word_info(ibid_terms_ctx *c, ibid_stemmer *st,
                                         const ibid_wordnet *wn, uint64_t h, const char *t,
                                         size_t n, unsigned flags)
{
    struct word_info *w = word_slot(c, h);
    if ((w->h & ~(uint64_t)3) == h) return w;
    int digits;
    size_t len = norm_word(c, t, n, flags, &digits), ls = len;
    const char *stem = st && !digits ? ibid_stem(st, c->word, len, &ls) : c->word;
    w->stem = term_id(stem, ls);
    w->syn = 0;
    int has_syn = wn && !digits && ibid_wordnet_synsets(wn, c->word, len, 1, &w->syn, 1) > 0;
    w->h = h | (digits ? WORD_DIGITS : 0) | (has_syn ? WORD_HAS_SYN : 0);
    return w;
}

/* Add term t (count w) to the current sentence's list. */
static void add_term(ibid_terms_ctx *c, ibid_terms *d, uint32_t t, float w, uint32_t flags)
{
    IBID_GROW(c->scratch, c->m_scratch, d->n_term + 1);
    c->scratch[d->n_term++] = (ibid_term){t, w, 0, flags & (TERM_NAME | TERM_ALT), w};
}

/* Does a token start with an upper-case letter? */
static int capitalized(const char *t, size_t n)
{
    int32_t cp;
    if (utf8proc_iterate((const uint8_t *)t, (utf8proc_ssize_t)n, &cp) <= 0) return 0;
    return utf8proc_get_property(cp)->category == UTF8PROC_CATEGORY_LU;
}

/* Sort the terms of each sentence (in d->term) by id and sum duplicates: weights become
 * counts. A sentence's terms are sorted as 64-bit keys (id, index), insertion sort for the
 * usual few dozen, then gathered from the keys' order; keys is scratch for n_term of them. */
static void compact(ibid_terms *d, uint64_t *keys, ibid_term *out)
{
    size_t n = 0;
    for (uint32_t s = 0; s < d->n_sent; s++) {
        size_t b = d->term_beg[s], e = d->term_beg[s + 1], m = e - b;
        uint64_t *k = keys + b;
        for (size_t i = 0; i < m; i++) k[i] = (uint64_t)d->term[b + i].id << 32 | i;
        if (m > 64) {
            ibid_u64_sort_hi(k, keys + e, m); /* the room after this sentence's keys: free */
        } else {
            for (size_t i = 1; i < m; i++) {
                uint64_t x = k[i];
                size_t j = i;
                while (j > 0 && k[j - 1] > x) k[j] = k[j - 1], j--;
                k[j] = x;
            }
        }
        d->term_beg[s] = (uint32_t)n;
        for (size_t i = 0; i < m;) {
            const ibid_term *t = &d->term[b + (uint32_t)k[i]];
            float w = t->w;
            uint32_t name = IBID_TERM_NAME(t), alt = IBID_TERM_ALT(t);
            size_t j = i + 1;
            for (; j < m && k[j] >> 32 == k[i] >> 32; j++) {
                const ibid_term *u = &d->term[b + (uint32_t)k[j]];
                name |= IBID_TERM_NAME(u), alt &= IBID_TERM_ALT(u), w += u->w;
            }
            out[n++] = (ibid_term){t->id, w, 0, s << 2 | alt << 1 | name, w};
            i = j;
        }
    }
    d->term_beg[d->n_sent] = (uint32_t)n;
    d->n_term = n;
}

/* Record term id as one of token k's (tok_term, then tok_alt), for trimming passages. */
static void tok_note(ibid_terms *d, size_t k, uint32_t id)
{
    if (d->tok_term[k] == 0) {
        d->tok_term[k] = id;
        return;
    }
    uint32_t *alt = d->tok_alt + k * IBID_TOK_ALT;
    for (int i = 0; i < IBID_TOK_ALT; i++) {
        if (alt[i] == id) return;
        if (alt[i] == 0) {
            alt[i] = id;
            return;
        }
    }
}

/* Add the stems (in the pivot language, stemmer st) of translations tr[0, n_tr) of token k,
 * sharing one occurrence: up to MAX_TRANSLATIONS, single words before phrases ("component
 * parts" is a term no English sentence has). */
static void add_translations(ibid_terms_ctx *c, ibid_terms *d, ibid_stemmer *st, size_t k,
                             const char *const *tr, size_t n_tr, uint32_t name)
{
    const char *pick[MAX_TRANSLATIONS];
    size_t n = 0;
    for (int phrase = 0; phrase < 2; phrase++)
        for (size_t i = 0; i < n_tr && n < MAX_TRANSLATIONS; i++)
            if ((strchr(tr[i], ' ') != NULL) == phrase) pick[n++] = tr[i];
    for (size_t i = 0; i < n; i++) {
        size_t ls, lt = strlen(pick[i]);
        const char *stem = st ? ibid_stem(st, pick[i], lt, &ls) : pick[i];
        if (!st) ls = lt;
        add_term(c, d, term_id(stem, ls), 1.0f / (float)n, (name & 1) | (n > 1 ? TERM_ALT : 0));
        tok_note(d, k, term_id(stem, ls));
    }
}

/* Languages that capitalize every noun: there a capital letter does not make a name. */
static int nouns_capitalized(const char *lang)
{
    return strcmp(lang, "de") == 0 || strcmp(lang, "lb") == 0;
}

/*
 * The terms of token k (t[0, tl)) of a document with a pivot language: a name's consonant
 * skeleton, and when `translate`, the stems of its translations (or of the translations of the
 * two parts of a compound). Returns 1 when the token's terms are added, 0 when it keeps its own
 * stem (a word no dictionary knows, or a name in a document in the pivot language).
 */
static int translate_token(ibid_terms_ctx *c, ibid_terms *d, size_t k, const char *t, size_t tl,
                           unsigned flags, const ibid_dict *dict, ibid_stemmer *st,
                           ibid_stemmer *src, int translate, uint32_t name)
{
    int digits;
    size_t len = norm_word(c, t, tl, flags, &digits);
    const char *const *tr = NULL, *const *tr2 = NULL;
    size_t n_tr = 0, n_tr2 = 0, mod_len, head_beg;
    if (translate) {
        n_tr = translate_word(dict, src, d->lang, c->word, len, &tr);
        if (!n_tr && ibid_terms_split(dict, src, d->lang, c->word, len, &mod_len, &head_beg)) {
            n_tr = translate_word(dict, src, d->lang, c->word + head_beg, len - head_beg, &tr);
            n_tr2 = translate_word(dict, src, d->lang, c->word, mod_len, &tr2);
        }
    }
    if (n_tr && nouns_capitalized(d->lang)) name = 0; /* "Regierung" is a noun, not a name */
    if (name) {                                       /* names match across scripts */
        char sk[64];
        size_t nk = ibid_terms_skeleton(c->word, len, sk, sizeof sk);
        if (nk) {
            add_term(c, d, term_id(sk, nk) ^ 0x5CE1E70u, 1.0f, 1);
            tok_note(d, k, term_id(sk, nk) ^ 0x5CE1E70u);
        }
    }
    if (!n_tr) return 0;
    add_translations(c, d, st, k, tr, n_tr, name);
    if (n_tr2) add_translations(c, d, st, k, tr2, n_tr2, name); /* a compound's first part */
    return 1;
}

const char *ibid_terms_lang(ibid_terms_ctx *c, const char *text, size_t n)
{
    return detect(c, text, n);
}

int ibid_terms_build(ibid_terms *d, ibid_terms_ctx *c, const char *text, size_t n,
                     const ibid_word *tok, size_t n_tok, unsigned flags, const char *lang,
                     const ibid_dict *dict, const char *pivot, const ibid_wordnet *wn,
                     ibid_error *err)
{
    memset(d, 0, sizeof *d);
    int rc;
    size_t n_sent;
    ibid_sent *sent;
    if ((rc = ibid_sentences(&sent, &n_sent, text, n, err)) < 0) return rc;
    d->sent = ibid_arena_alloc(c->store, (n_sent ? n_sent : 1) * sizeof *d->sent);
    if (n_sent) memcpy(d->sent, sent, n_sent * sizeof *sent);
    free(sent);
    d->n_sent = (uint32_t)n_sent;
    snprintf(d->lang, sizeof d->lang, "%s", lang);
    d->text = text;
    int translate = dict && pivot && *d->lang && strcmp(d->lang, pivot) != 0;
    ibid_stemmer *st = stemmer(c, translate ? pivot : d->lang);
    if (translate || strcmp(d->lang, "en") != 0) wn = NULL; /* WordNet is English */
    ibid_stemmer *src_st = translate ? stemmer(c, d->lang) : NULL;
    d->sent_tok = ibid_arena_alloc(c->store, (n_sent + 1) * sizeof *d->sent_tok);
    d->tok_term = ibid_arena_alloc(c->store, (n_tok ? n_tok : 1) * sizeof *d->tok_term);
    if (pivot) { /* a token may have several terms: a name's skeleton, translations */
        size_t m = (n_tok ? n_tok : 1) * IBID_TOK_ALT * sizeof *d->tok_alt;
        d->tok_alt = ibid_arena_alloc(c->store, m);
        memset(d->tok_alt, 0, m);
        memset(d->tok_term, 0, (n_tok ? n_tok : 1) * sizeof *d->tok_term);
    }
    IBID_GROW(c->scratch, c->m_scratch, (wn ? 2 : 1) * n_tok + 1); /* a stem (and a synset) */
    d->term_beg = ibid_arena_alloc(c->store, (n_sent + 1) * sizeof *d->term_beg);
    uint64_t salt = (uint64_t)(uintptr_t)st * 0x9E3779B97F4A7C15ull ^ (wn ? 8 : 0);
    size_t k = 0;
    for (uint32_t s = 0; s < d->n_sent; s++) {
        /* tokens are letters and digits, which every sentence covers: token k starts in s or
         * in a later sentence */
        d->sent_tok[s] = (uint32_t)k;
        d->term_beg[s] = (uint32_t)d->n_term;
        for (; k < n_tok && tok[k].byte_beg < d->sent[s].byte_end; k++) {
            const char *t = text + tok[k].byte_beg;
            size_t tl = tok[k].byte_end - tok[k].byte_beg;
            if (k + PREFETCH < n_tok) /* the cache is larger than a core's own caches */
                __builtin_prefetch(word_slot(c, word_key(tok[k + PREFETCH].key, salt)));
            const struct word_info *wi =
                word_info(c, st, wn, word_key(tok[k].key, salt), t, tl, flags);
            int digits = (wi->h & WORD_DIGITS) != 0;
            uint32_t name = digits || (k > d->sent_tok[s] && capitalized(t, tl));
            if (pivot && !digits && *t >= '0' && *t <= '9') { /* "1870s", "1870er": 1870 */
                size_t nd = 1;
                while (nd < tl && t[nd] >= '0' && t[nd] <= '9') nd++;
                add_term(c, d, term_id(t, nd), 1.0f, 1);
                d->tok_term[k] = c->scratch[d->n_term - 1].id;
                continue;
            }
            if (pivot && !digits && (name || translate) &&
                translate_token(c, d, k, t, tl, flags, dict, st, src_st, translate, name))
                continue;
            add_term(c, d, wi->stem, 1.0f, name);
            if (pivot)
                tok_note(d, k, wi->stem);
            else
                d->tok_term[k] = wi->stem;
            if ((wi->h & WORD_HAS_SYN) && !name)
                add_term(c, d, (wi->syn ^ SYN_SEED) * 0x85EBCA6Bu, SYN_WEIGHT, 0);
        }
    }
    d->sent_tok[d->n_sent] = (uint32_t)n_tok;
    d->term_beg[d->n_sent] = (uint32_t)d->n_term;
    d->term = c->scratch;
    IBID_GROW(c->keys, c->m_keys, 2 * d->n_term + 1);
    size_t m = (d->n_term ? d->n_term : 1) * sizeof *d->term;
    ibid_term *term = ibid_arena_alloc(c->store, m);
    compact(d, c->keys, term); /* no more terms than were collected */
    ibid_arena_shrink(c->store, term, m, (d->n_term ? d->n_term : 1) * sizeof *d->term);
    d->term = term;
    for (size_t t = 0; t < d->n_term; t++) { /* a sentence lists a term once */
        if (t + PREFETCH < d->n_term)        /* the table is larger than a core's caches */
            __builtin_prefetch(&c->sf.slot[sf_home(&c->sf, d->term[t + PREFETCH].id)]);
        sf_add(&c->sf, &c->n_sf, d->term[t].id, 1);
    }
    return 0;
}

/* ---- corpus-wide weights ---- */

/* Term ids are counted in n_part tables, each of the ids of one part, by one thread. */
static inline size_t sf_part(uint32_t id, size_t n_part)
{
    return (size_t)(((uint64_t)(id * 0x85EBCA6Bu) * n_part) >> 32);
}

typedef struct {
    ibid_terms *docs;
    size_t n_doc;
    ibid_terms_ctx **ctx; /* per thread */
    sf_table *h;          /* per part */
    size_t n_part;
    double n_sent;
} weigh_job;

static void weigh_doc(void *ud, size_t i, int tid)
{
    weigh_job *j = ud;
    ibid_terms *d = &j->docs[i];
    ibid_arena *store = j->ctx[tid]->store;
    size_t out = 0;
    d->sent_len = ibid_arena_alloc(store, (d->n_sent ? d->n_sent : 1) * sizeof *d->sent_len);
    for (uint32_t s = 0; s < d->n_sent; s++) {
        size_t b = d->term_beg[s], e = d->term_beg[s + 1];
        d->term_beg[s] = (uint32_t)out;
        double norm = 0;
        size_t first = out;
        for (size_t t = b; t < e; t++) {
            if (t + PREFETCH < d->n_term) { /* set below, after the loop */
                const sf_table *p = &j->h[sf_part(d->term[t + PREFETCH].id, j->n_part)];
                __builtin_prefetch(&p->slot[sf_home(p, d->term[t + PREFETCH].id)]);
            }
            const sf_table *h = &j->h[sf_part(d->term[t].id, j->n_part)];
            double isf = h->slot[sf_find(h, d->term[t].id)].u.isf; /* counted: it is there */
            double w = d->term[t].w * isf;
            if (w <= 0) continue;
            d->term[out++] = (ibid_term){d->term[t].id, (float)w, (float)isf, d->term[t].sent_name,
                                         d->term[t].tf};
            norm += w * w;
        }
        norm = sqrt(norm);
        d->sent_len[s] = 0;
        for (size_t t = first; t < out; t++) {
            d->term[t].w = (float)(d->term[t].w / norm);
            d->sent_len[s] += d->term[t].tf;
        }
    }
    d->term_beg[d->n_sent] = (uint32_t)out;
    d->n_term = out;
    /* the postings, for joining two documents' terms (reword.c): the terms by id, then by
     * index (which is by sentence), sorted in the thread's scratch */
    ibid_terms_ctx *c = j->ctx[tid];
    IBID_GROW(c->recs, c->m_recs, 2 * out + 1);
    for (size_t t = 0; t < out; t++) c->recs[t] = (uint64_t)d->term[t].id << 32 | t;
    ibid_u64_sort_hi(c->recs, c->recs + out, out); /* stable: by index within an id */
    d->post = ibid_arena_alloc(store, (out ? out : 1) * sizeof *d->post);
    d->post_id = ibid_arena_alloc(store, (out ? out : 1) * sizeof *d->post_id);
    for (size_t t = 0; t < out; t++) {
        d->post[t] = (uint32_t)c->recs[t];
        d->post_id[t] = (uint32_t)(c->recs[t] >> 32);
    }
}

/* Sum the sentences holding each term of part p, as the threads counted them, then turn the
 * counts into isf weights. A stop word, or a term in every sentence, weighs -0, whose bits
 * are not 0 and so still mark the slot as taken. */
static void count_part(void *ud, size_t p, int tid)
{
    weigh_job *j = ud;
    (void)tid;
    size_t n_used = 0, m = 1u << 14;
    sf_table h = {ibid_xcalloc(m, sizeof *h.slot), m - 1};
    for (size_t c = 0; c < j->n_part; c++) { /* each thread counted the documents it built */
        const sf_table *t = &j->ctx[c]->sf;
        for (size_t k = 0; k <= t->mask; k++)
            if (t->slot[k].u.sf && sf_part(t->slot[k].id, j->n_part) == p)
                sf_add(&h, &n_used, t->slot[k].id, t->slot[k].u.sf);
    }
    double n_sent = j->n_sent;
    double stop = n_sent >= STOP_MIN_SENT ? STOP_SHARE * n_sent : n_sent;
    for (size_t k = 0; k <= h.mask; k++) {
        uint32_t sf = h.slot[k].u.sf;
        if (!sf) continue;
        double isf = sf <= stop ? log(n_sent / sf) : 0;
        h.slot[k].u.isf = isf > 0 ? (float)isf : -0.0f;
    }
    j->h[p] = h;
}

size_t ibid_terms_weigh(ibid_terms *docs, size_t n_doc, ibid_terms_ctx **ctx, int n_threads)
{
    size_t n_sent = 0;
    for (size_t i = 0; i < n_doc; i++) n_sent += docs[i].n_sent;
    size_t n_part = (size_t)n_threads;
    weigh_job j = {docs,   n_doc,         ctx, ibid_xcalloc(n_part, sizeof(sf_table)),
                   n_part, (double)n_sent};
    ibid_parallel_for(n_threads, n_part, count_part, &j);
    ibid_parallel_for(n_threads, n_doc, weigh_doc, &j);
    for (size_t p = 0; p < n_part; p++) free(j.h[p].slot);
    free(j.h);
    return n_sent;
}

/* ---- document pairs related by their rare terms ---- */

typedef struct {
    float isf;
    uint32_t id;
} rare_term;

static int by_isf(const void *pa, const void *pb)
{
    const rare_term *a = pa, *b = pb;
    if (a->isf != b->isf) return a->isf > b->isf ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int by_id_isf(const void *pa, const void *pb)
{
    const rare_term *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Document d's RELATED_TERMS most telling terms: by the number of its sentences that hold
 * them times their isf, among terms found in more than one sentence of the corpus. */
static size_t rarest(const ibid_terms *d, double max_isf, rare_term *out)
{
    size_t n = d->n_term, m = 0;
    rare_term *v = ibid_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t t = 0; t < n; t++)
        if (d->term[t].isf < max_isf) v[m++] = (rare_term){d->term[t].isf, d->term[t].id};
    qsort(v, m, sizeof *v, by_id_isf);
    size_t u = 0;
    for (size_t t = 0; t < m;) { /* one entry a term: isf times the sentences holding it */
        size_t e = t;
        while (e < m && v[e].id == v[t].id) e++;
        v[u++] = (rare_term){v[t].isf * (float)(e - t), v[t].id};
        t = e;
    }
    qsort(v, u, sizeof *v, by_isf);
    size_t k = u < RELATED_TERMS ? u : RELATED_TERMS;
    memcpy(out, v, k * sizeof *out);
    free(v);
    return k;
}

size_t ibid_terms_related(const ibid_terms *docs, size_t n_doc, double log_sent, int max_df,
                          int n_threads, size_t **beg, uint32_t **rel)
{
    /* (term, document, telling?) for every term of every document, grouped by term */
    size_t m = 0, n = 0;
    for (size_t i = 0; i < n_doc; i++) m += docs[i].n_term + RELATED_TERMS;
    ibid_rec *r = ibid_xmalloc((m ? m : 1) * sizeof *r);
    rare_term top[RELATED_TERMS];
    const double max_isf = log_sent - log(2.0) + 1e-6; /* sf >= 2 */
    for (size_t i = 0; i < n_doc; i++) {
        size_t k = rarest(&docs[i], max_isf, top), n0 = n;
        for (size_t t = 0; t < docs[i].n_term; t++)
            if (docs[i].term[t].isf < max_isf)
                r[n++] = (ibid_rec){(uint64_t)docs[i].term[t].id << 32 | i, 0, 0};
        for (size_t t = 0; t < k; t++) r[n++] = (ibid_rec){(uint64_t)top[t].id << 32 | i, 1, 0};
        (void)n0;
    }
    ibid_rec_sort(r, n, n_threads);
    /* a document's telling term found in another document counts for the pair */
    size_t n_p = 0, m_p = 0;
    ibid_rec *p = NULL;
    for (size_t x = 0; x < n;) {
        size_t e = x + 1;
        while (e < n && r[e].key >> 32 == r[x].key >> 32) e++;
        size_t n_docs = 0;
        for (size_t a = x; a < e; a++) n_docs += a == x || r[a].key != r[a - 1].key;
        if (n_docs <= (size_t)max_df)
            for (size_t a = x; a < e; a++) {
                if (!r[a].x) continue; /* a telling term of document r[a] */
                for (size_t b = x; b < e; b++) {
                    uint32_t da = (uint32_t)r[a].key, db = (uint32_t)r[b].key;
                    if (r[b].x || da == db || (b > x && r[b].key == r[b - 1].key)) continue;
                    IBID_GROW(p, m_p, n_p + 1);
                    p[n_p++] =
                        (ibid_rec){(uint64_t)(da < db ? da : db) << 32 | (da < db ? db : da), 0, 0};
                }
            }
        x = e;
    }
    free(r);
    ibid_rec_sort(p, n_p, n_threads);
    *beg = ibid_xcalloc(n_doc + 1, sizeof **beg);
    *rel = ibid_xmalloc((n_p ? n_p : 1) * sizeof **rel);
    size_t n_rel = 0;
    for (size_t x = 0; x < n_p;) {
        size_t e = x + 1;
        while (e < n_p && p[e].key == p[x].key) e++;
        if (e - x >= RELATED_MIN) {
            (*beg)[(p[x].key >> 32) + 1]++;
            (*rel)[n_rel++] = (uint32_t)p[x].key;
        }
        x = e;
    }
    free(p);
    for (size_t d = 0; d < n_doc; d++) (*beg)[d + 1] += (*beg)[d];
    return n_rel;
}
