/*
 * lang.h: language identification (lang.c) and Snowball stemming (stem.c), the first two steps
 * of the "reworded reuse" layer: a document's language picks the stemmer for its words.
 *
 * Both are thin wrappers over Debian libraries (libexttextcat, libstemmer) that speak ISO 639
 * codes, so the rest of the engine never sees a library's own names. Neither is thread-safe:
 * each worker owns its handles.
 */
#ifndef IBID_LANG_H
#define IBID_LANG_H

#include "ibid_int.h"

#include <stddef.h>

/* ---- lang.c ---- */
typedef struct ibid_langid ibid_langid;

/*
 * A language identifier over libexttextcat's fingerprints in `dir` (NULL:
 * /usr/share/libexttextcat), listed in dir/fpdb.conf. Only the languages lang.c knows (58
 * fingerprints, every Snowball language among them) take part. Returns 0; IBID_EIO when fpdb.conf
 * or a fingerprint cannot be read; IBID_ENOTFOUND when fpdb.conf lists none of those languages. On
 * success *out is the caller's, to free with ibid_langid_free. One per thread: not thread-safe.
 */
int ibid_langid_new(ibid_langid **out, const char *dir, ibid_error *err);

/*
 * The language of UTF-8 text[0, n) as an ISO 639-1 code ("en", "de", "ar", "zh"...; ISO 639-3
 * when the language has no 639-1 code), or "" when the text is unknown, too short (fewer than
 * IBID_LANGID_MIN_LETTERS letters) or ambiguous (a different language scores within 1% of the
 * best). Only the first IBID_LANGID_MAX_BYTES bytes are looked at, cut at a space. The string
 * is a constant. Deterministic: the same text always gets the same answer.
 */
#define IBID_LANGID_MAX_BYTES   4096
#define IBID_LANGID_MIN_LETTERS 10
const char *ibid_langid_detect(ibid_langid *l, const char *text, size_t n);

/* Free `l` (NULL is fine). */
void ibid_langid_free(ibid_langid *l);

/* ---- stem.c ---- */
typedef struct ibid_stemmer ibid_stemmer;

/*
 * The Snowball stemmer for an ISO 639-1 code ("en", "ar", "nb"...), or NULL when there is none.
 * Free with ibid_stemmer_free. One per thread: not thread-safe.
 */
ibid_stemmer *ibid_stemmer_new(const char *lang);

/*
 * The stem of word[0, n), given normalized (NFKC, case-folded) UTF-8; *n_out is its length in
 * bytes. For Arabic, alef and alef maqsura variants are unified and the clitics و and ب ك ف ل
 * before the article ال removed first; Snowball removes ال itself (see stem.c). The result belongs
 * to `s` and is valid until the next call on s; it is not NUL-terminated.
 */
const char *ibid_stem(ibid_stemmer *s, const char *word, size_t n, size_t *n_out);

/* Free `s` (NULL is fine). */
void ibid_stemmer_free(ibid_stemmer *s);

#endif /* IBID_LANG_H */
