/*
 * sentence.h: sentence splitting (sentence.c), the first stage of reworded-reuse detection:
 * sentences of one document are later aligned to sentences of another by TF-IDF over stems.
 * Private to the library, like ibid_int.h.
 */
#ifndef IBID_SENTENCE_H
#define IBID_SENTENCE_H

#include "ibid_int.h"

/* One sentence: text[byte_beg, byte_end), which is code points [cp_beg, cp_end). */
typedef struct ibid_sent {
    uint32_t byte_beg, byte_end; /* bytes, end exclusive */
    uint32_t cp_beg, cp_end;     /* code points, end exclusive */
} ibid_sent;

/*
 * ibid_sentences: split UTF-8 text into sentences (the rules are at the top of sentence.c).
 *   out, n_out: receive the sentences, in text order, non-overlapping, each starting and ending
 *               with a character that is not white space; every other character of the text lies
 *               in exactly one of them. *out is malloc'd: free it with free(). With no sentence
 *               (a text of white space only) *out is NULL and *n_out 0.
 *   text, n_bytes: the text; it need not be NUL-terminated.
 *   err: filled on failure when not NULL.
 * Returns 0, IBID_EUTF8 (err->line is the 1-based line of the bad sequence, err->column its byte
 * offset in that line + 1, as ibid_tokenize reports) or IBID_ETOOBIG (texts of 4 GiB or more).
 * On failure *out is NULL and *n_out 0. Thread-safe: no state outside the call.
 */
int ibid_sentences(ibid_sent **out, size_t *n_out, const char *text, size_t n_bytes,
                   ibid_error *err);

#endif /* IBID_SENTENCE_H */
