/*
 * dict.h: bilingual word lists from Debian's FreeDict dictionaries (dict.c), for matching
 * translated passages word by word.
 *
 * Ownership: a dictionary owns every string it hands out; they live until ibid_dict_free.
 * Threads: a loaded dictionary is never written again, so any number of threads may look words
 * up at once.
 */
#ifndef IBID_DICT_H
#define IBID_DICT_H

#include "ibid_int.h"
#include "lang.h"

typedef struct ibid_dict ibid_dict;

/*
 * Load the dictionary from `from` to `to` (ISO 639-3 codes as in the file names: "deu", "eng")
 * from `dir` (NULL: /usr/share/dictd), that is dir/freedict-<from>-<to>.{index,dict.dz}, and
 * when the reverse dictionary <to>-<from> exists, add its entries inverted (its translations
 * become headwords; for Arabic, a leading article ال is dropped from them). Headwords and
 * translations are stored NFKC + case-folded, with Arabic diacritics (harakat, tatweel) removed.
 * On success *out is the dictionary, freed with ibid_dict_free; on error *out is NULL and `err`
 * names the file and line: IBID_EIO (a file cannot be opened or read) or IBID_EPARSE (a bad
 * index line, bad base64, an entry past the end of the data, corrupt or truncated gzip).
 */
int ibid_dict_load(ibid_dict **out, const char *dir, const char *from, const char *to,
                   ibid_error *err);

/*
 * The translations of `word` (n bytes, normalized as above): *out points to them, owned by `d`;
 * returns how many, 0 (and *out NULL) when the word is unknown. Most useful first: the
 * translations both dictionaries give, then the other direct ones, then the other inverted
 * ones, each in dictionary order, without repeats. Thread-safe.
 */
size_t ibid_dict_lookup(const ibid_dict *d, const char *word, size_t n, const char *const **out);

/*
 * Index the headwords of one word by their stems (stemmer st, of the dictionary's source
 * language), for ibid_dict_lookup_stem. Not thread-safe: call it once, after loading and before
 * any lookup.
 */
void ibid_dict_index_stems(ibid_dict *d, ibid_stemmer *st);

/*
 * The translations of the headword whose stem is stem[0, n) (the shortest one when several
 * share it: "künftig", not "künftige", for "kunftig"), as ibid_dict_lookup; 0 when none or when
 * the stems were not indexed. Inflected forms and clitics that a direct lookup misses
 * ("والخبز" -> "خبز") are found this way. Thread-safe.
 */
size_t ibid_dict_lookup_stem(const ibid_dict *d, const char *stem, size_t n,
                             const char *const **out);

/* The number of headwords: words with at least one translation. */
size_t ibid_dict_size(const ibid_dict *d);

/* Free `d` and every string it handed out; NULL is fine. */
void ibid_dict_free(ibid_dict *d);

/* ---- internals, for the tests and the fuzzer ---- */

/* Longest headword or translation kept, in words; longer ones are examples or sentences. */
#define IBID_DICT_MAX_WORDS 8

/* One .index line: a headword and where its entry lies in the uncompressed data. */
typedef struct ibid_dict_ref {
    const char *head; /* not NUL-terminated */
    size_t n_head;    /* bytes */
    size_t byte_off;  /* the entry is data[byte_off, byte_off + n_bytes) */
    size_t n_bytes;
} ibid_dict_ref;

/* Parse the index line s[0, n) (no line feed) of an index called `name`, line `line`, whose
 * data holds n_data bytes. Returns 0, or IBID_EPARSE naming name, line and column (too few
 * fields, bad base64, a number too large, an entry past the end of the data). */
int ibid_dict_index_line(const char *s, size_t n, size_t n_data, const char *name, long line,
                         ibid_dict_ref *ref, ibid_error *err);

/* The clean strings of one entry, not yet normalized: headwords, then translations. */
typedef struct ibid_dict_entry {
    size_t n_head;       /* str[0, n_head) are headwords, str[n_head, n_str) translations */
    size_t n_str, m_str; /* strings */
    uint32_t *str;       /* byte offsets into buf of NUL-terminated strings */
    size_t n_buf, m_buf; /* bytes */
    char *buf;
    size_t n_tmp, m_tmp; /* bytes of scratch */
    char *tmp;
} ibid_dict_entry;

/* Parse the entry text s[0, n) into e (its arrays reused from call to call). Never fails:
 * parts it cannot read are dropped. Every string is non-empty, at most IBID_DICT_MAX_WORDS
 * words separated by single spaces, without control characters. */
void ibid_dict_entry_parse(ibid_dict_entry *e, const char *s, size_t n);
void ibid_dict_entry_free(ibid_dict_entry *e);

/* A dictionary already in memory: what ibid_dict_load reads from one pair of files. */
typedef struct ibid_dict_text {
    const char *name;  /* the index's path, for messages */
    const char *index; /* .index text */
    size_t n_index;    /* bytes */
    const char *data;  /* uncompressed .dict text */
    size_t n_data;     /* bytes */
    int inverted;      /* 1: translations become headwords and headwords translations */
    int strip_article; /* 1: drop a leading ال from the new headwords (inverted Arabic glosses) */
} ibid_dict_text;

/* Build a dictionary from t[0, n_t), in that order of usefulness; the ibid_dict_load errors
 * but IBID_EIO. The texts are not kept. */
int ibid_dict_build(ibid_dict **out, const ibid_dict_text *t, size_t n_t, ibid_error *err);

#endif /* IBID_DICT_H */
