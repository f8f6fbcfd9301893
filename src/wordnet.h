/*
 * wordnet.h: WordNet 3.0 synonyms (wordnet.c), read from the plain-text index.POS and POS.exc
 * files of Debian's wordnet-base, for the paraphrase stage's soft word matches.
 *
 * Synset ids: a synset is named by its part of speech and its byte offset in data.POS, packed
 * as pos << 30 | offset (offsets are below 2^30; pos is one of IBID_WN_NOUN..IBID_WN_ADV), so
 * equal offsets of different parts of speech never compare equal.
 */
#ifndef IBID_WORDNET_H
#define IBID_WORDNET_H

#include "ibid_int.h"

/* Parts of speech, as stored in the top 2 bits of a synset id. */
enum { IBID_WN_NOUN = 0, IBID_WN_VERB = 1, IBID_WN_ADJ = 2, IBID_WN_ADV = 3, IBID_WN_N_POS = 4 };
#define IBID_WN_ID(pos, offset) ((uint32_t)(pos) << 30 | (uint32_t)(offset))
#define IBID_WN_POS(id)         ((int)((id) >> 30))
#define IBID_WN_OFFSET(id)      ((id)&0x3fffffffu)

/* Limits; a longer lemma or a line with more senses or base forms is an error (IBID_ETOOBIG). */
#define IBID_WN_MAX_LEMMA  255  /* bytes in a lemma or an exception's word (WordNet 3.0: 71) */
#define IBID_WN_MAX_SENSES 1024 /* synsets of one lemma and part of speech (WordNet 3.0: 59) */
#define IBID_WN_MAX_BASES  16   /* base forms on one exception line (WordNet 3.0: 2) */

typedef struct ibid_wordnet ibid_wordnet;

/*
 * ibid_wordnet_load: read WordNet from `dir` (NULL: /usr/share/wordnet): index.noun, index.verb,
 * index.adj, index.adv and noun.exc, verb.exc, adj.exc, adv.exc; the data.POS files are not
 * needed. Lines starting with a space (the license header) and blank lines are skipped.
 *   out: receives the WordNet (free with ibid_wordnet_free), or NULL on error.
 * Returns 0, IBID_EIO (a file cannot be opened or read; err names it), IBID_EPARSE (a malformed
 * line, or a lemma listed twice in one index; err names the file, line and column) or
 * IBID_ETOOBIG (a limit above, or a file of 1 GiB or more).
 */
int ibid_wordnet_load(ibid_wordnet **out, const char *dir, ibid_error *err);

/*
 * ibid_wordnet_synsets: the synsets of the top `k` senses, in each part of speech, of the word
 * word[0, n) (lower case; a space counts as '_') and of its base forms. The base forms are found
 * as WordNet's morphy does: in each part of speech, the word's entries in the exception list when
 * it has any, otherwise the rules of detachment ("-ies" -> "-y", "-ing" -> "", ...); only forms
 * that WordNet lists count. So "running" gives run (verb) and running (noun, adjective), "geese"
 * gives goose, "better" gives good and well.
 *   ids, max: receive at most `max` synset ids (see above), sorted and unique; when the word has
 *             more, the smallest ones. ids may be NULL when max is 0.
 * Returns how many ids were written: 0 for an unknown word or k <= 0. Thread-safe for any number
 * of readers; allocates only for words with over 256 synsets among those senses.
 */
size_t ibid_wordnet_synsets(const ibid_wordnet *w, const char *word, size_t n, int k, uint32_t *ids,
                            size_t max);

/* 1 when a[0, na) and b[0, nb) share a synset among the top k senses of each (in the sense of
 * ibid_wordnet_synsets, all of their synsets compared), 0 otherwise. Thread-safe. */
int ibid_wordnet_synonyms(const ibid_wordnet *w, const char *a, size_t na, const char *b, size_t nb,
                          int k);

/* Free a WordNet; NULL is accepted. */
void ibid_wordnet_free(ibid_wordnet *w);

/* ---- building blocks, for the tests and the fuzzer ---- */

/* An empty WordNet, filled by ibid_wordnet_add. Free with ibid_wordnet_free. Returns 0. */
int ibid_wordnet_new(ibid_wordnet **out);

/*
 * Add the contents of one file held in buf[0, n): an index.POS file (is_exc 0) or a POS.exc
 * file (is_exc 1) of part of speech `pos`. `name` is used in messages. Lines are cut at '\n'
 * ("\r\n" is accepted). On error, the lines before the bad one stay added. Returns 0 or the
 * errors of ibid_wordnet_load other than IBID_EIO.
 */
int ibid_wordnet_add(ibid_wordnet *w, int pos, int is_exc, const char *buf, size_t n,
                     const char *name, ibid_error *err);

/* One line of index.POS: "lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt
 * synset_offset..." with the offsets in order of sense frequency. */
typedef struct ibid_wn_index_line {
    const char *lemma; /* in the line, not NUL-terminated */
    size_t n_lemma;    /* bytes */
    size_t n_offset;
    uint32_t offset[IBID_WN_MAX_SENSES]; /* byte offsets in data.POS, most frequent sense first */
} ibid_wn_index_line;

/* One line of POS.exc: "inflected_form base_form...". */
typedef struct ibid_wn_exc_line {
    const char *word; /* the inflected form, in the line */
    size_t n_word;    /* bytes */
    size_t n_base;
    const char *base[IBID_WN_MAX_BASES]; /* base forms, in the line */
    size_t n_base_bytes[IBID_WN_MAX_BASES];
} ibid_wn_exc_line;

/*
 * Parse one line s[0, n) (without its '\n'; a trailing '\r' and spaces are ignored) of an index
 * file of part of speech `pos`, or of an exception file. Fields are separated by runs of spaces;
 * a word or lemma holds no byte below 0x21 and no 0x7f. `name` and `line` go into messages, the
 * column being that of the bad field. Returns 1 for a parsed line, 0 for a line to skip (blank,
 * or starting with a space: the license header), or IBID_EPARSE / IBID_ETOOBIG.
 */
int ibid_wordnet_parse_index(ibid_wn_index_line *out, const char *s, size_t n, int pos,
                             const char *name, long line, ibid_error *err);
int ibid_wordnet_parse_exc(ibid_wn_exc_line *out, const char *s, size_t n, const char *name,
                           long line, ibid_error *err);

#endif /* IBID_WORDNET_H */
