/*
 * ibid_int.h: declarations shared between the library's source files, never installed.
 *
 * Memory: ibid_xmalloc and friends abort with a message when the system is out of memory, so
 * callers do not check. Sizes that input controls are checked against limits before they reach
 * an allocation. Hot-path scratch comes from a per-thread arena (arena.c).
 */
#ifndef IBID_INT_H
#define IBID_INT_H

#include "ibid.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__GNUC__)
#define IBID_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define IBID_NORETURN     __attribute__((noreturn))
#else
#define IBID_PRINTF(a, b)
#define IBID_NORETURN
#endif

/* ---- alloc.c ---- */
void *ibid_xmalloc(size_t n);
void *ibid_xcalloc(size_t n, size_t size);
void *ibid_xrealloc(void *p, size_t n);
/* A zeroed block of n bytes (n > 0) on whole huge pages where the system has them: for a table
 * read at random (a cache, a hash table), where a TLB miss on every access would cost more than
 * the memory it reads. Freed with free(). */
void *ibid_xcalloc_huge(size_t n);
char *ibid_xstrndup(const char *s, size_t n);
/* Grow an array to hold at least `need` elements of `size` bytes; *m is the capacity. */
void *ibid_grow(void *p, size_t *m, size_t need, size_t size);
/* ibid_grow, with the common case (room enough) inlined: IBID_GROW runs once per token. */
static inline void *ibid_grow_inline(void *p, size_t *m, size_t need, size_t size)
{
    return need <= *m ? p : ibid_grow(p, m, need, size);
}
#define IBID_GROW(p, m, need) ((p) = ibid_grow_inline((p), &(m), (need), sizeof *(p)))

/* ---- error.c ---- */
/* Fill `err` (if not NULL) and return `code`. */
int ibid_fail(ibid_error *err, int code, const char *source, long line, long column,
              const char *fmt, ...) IBID_PRINTF(6, 7);

/* ---- arena.c: a bump allocator for per-pair scratch, reset wholesale ---- */
typedef struct ibid_arena ibid_arena;
ibid_arena *ibid_arena_new(void);
void ibid_arena_free(ibid_arena *a);
void *ibid_arena_alloc(ibid_arena *a, size_t n); /* 16-byte aligned, uninitialized */
void ibid_arena_reset(ibid_arena *a);        /* frees everything allocated since the last reset */
size_t ibid_arena_live(const ibid_arena *a); /* bytes handed out since the last reset */
/* p (old bytes, from ibid_arena_alloc) is used only up to n bytes from now on: counted so, and
 * its tail is given back to the arena when p is the arena's last allocation. */
void ibid_arena_shrink(ibid_arena *a, void *p, size_t old, size_t n);

/* ---- pool.c ---- */
/* Run fn(ud, i, tid) for every i in [0, n) on n_threads threads (tid in [0, n_threads)). Items
 * are taken in order from an atomic counter; each call must write only what item i owns. */
void ibid_parallel_for(int n_threads, size_t n, void (*fn)(void *ud, size_t i, int tid), void *ud);

/* ---- tokenize.c ---- */
/* Code points per checkpoint: the tokenizer can restart at the first token of every block. */
#define IBID_CKPT_SHIFT 6

/* One checkpoint for tokens [k << IBID_CKPT_SHIFT, ...): where the first of them starts. */
typedef struct ibid_ckpt {
    uint32_t byte_off; /* byte offset of token k << IBID_CKPT_SHIFT */
    uint32_t cp_off;   /* its code point offset */
} ibid_ckpt;

/* Token hashes of one document, and checkpoints to find their offsets again. */
typedef struct ibid_toks {
    size_t n_tok, m_tok;
    uint32_t *tok; /* token hashes */
    size_t n_ckpt, m_ckpt;
    ibid_ckpt *ckpt;
} ibid_toks;

/* Tokenize `text` appending hashes (and checkpoints) to `t`. Returns 0 or IBID_EUTF8. */
int ibid_tokenize_hashes(ibid_toks *t, const char *text, size_t n_bytes, unsigned flags,
                         ibid_error *err);
/* A token as the sentence layer needs it: a 64-bit hash of its normalized form (equal forms,
 * equal keys; distinct forms collide with odds of about 2^-64) and where it is. */
typedef struct ibid_word {
    uint64_t key;
    uint32_t byte_beg, byte_end;
} ibid_word;
/* ibid_tokenize_hashes, and also each new token as an ibid_word into the caller's buffer
 * *words (capacity *m_words, grown with ibid_grow: a thread reuses one for every text); words
 * NULL: the hashes alone. */
int ibid_tokenize_words(ibid_toks *t, ibid_word **words, size_t *m_words, const char *text,
                        size_t n_bytes, unsigned flags, ibid_error *err);
/* The span of tokens [tok_beg, tok_end) of a text tokenized into `t`. */
void ibid_toks_span(const ibid_toks *t, const char *text, size_t n_bytes, unsigned flags,
                    uint32_t tok_beg, uint32_t tok_end, ibid_token *first, ibid_token *last);
void ibid_toks_free(ibid_toks *t);

/* ---- norm.c ---- */
/* Append the normalized code points of `cp` to buf (capacity m); returns how many (<= m), or
 * the number needed when more than m. */
int ibid_norm_cp(int32_t cp, unsigned flags, int32_t *buf, int m);
/* Token class of a code point. */
enum { IBID_CP_SEP = 0, IBID_CP_WORD = 1, IBID_CP_SINGLE = 2, IBID_CP_IGNORE = 3 };
int ibid_cp_class(int32_t cp);

/* ---- corpus.c ---- */
typedef struct ibid_doc {
    char *id;
    const char *text; /* in one of the corpus's slabs, NUL-terminated */
    size_t n_text;    /* bytes */
    char *meta;       /* JSON object of other fields, or NULL */
} ibid_doc;

const ibid_doc *ibid_corpus_doc(const ibid_corpus *c, size_t i);
/* Record a skipped document under skip_bad. */
void ibid_corpus_skip(ibid_corpus *c, const ibid_error *e);

/* Text storage: large blocks filled front to back by one writer each, their pages faulted in
 * ahead of it, freed only with the corpus that adopts them (see corpus.c). */
typedef struct ibid_slab ibid_slab;
/* Room for n bytes in *s, valid until the next reserve on *s; nothing is kept until committed.
 * When *s (NULL at first) is too full, *s becomes a new slab chained to the old one. */
char *ibid_slab_reserve(ibid_slab **s, size_t n);
/* Keep the first n bytes of the last reservation. */
void ibid_slab_commit(ibid_slab *s, size_t n);
/* Free slab s and every slab before it (NULL: nothing), for a writer that keeps no text. */
void ibid_slabs_free(ibid_slab *s);
/* Forget every text of slab s and its predecessors but keep s itself, its pages faulted in, for
 * the writer's next texts (a streaming reader's next batch). Returns s. */
ibid_slab *ibid_slabs_reset(ibid_slab *s);
/* Give `c` slab s and every slab before it: they are freed with c. The writer is then done with
 * them. s may be NULL. */
void ibid_corpus_adopt(ibid_corpus *c, ibid_slab *s);

/* ibid_corpus_add without the copies and without checking the text: `id` (id_len bytes) and
 * `meta` (or NULL) are malloc'd and NUL-terminated; `text` (text_len bytes, valid UTF-8, then a
 * NUL) was committed to a slab that `c` adopts before it is freed, or belongs to another corpus
 * that outlives `c` (a text is never freed on its own). On success the corpus owns id and meta;
 * on error (the errors of ibid_corpus_add) they stay the caller's. */
int ibid_corpus_add_owned(ibid_corpus *c, char *id, size_t id_len, const char *text,
                          size_t text_len, char *meta, ibid_error *err);

/* The byte offset of the first invalid UTF-8 sequence of s[0, n), or n when it is valid. */
size_t ibid_utf8_bad_at(const char *s, size_t n);

/* ---- stream.c: byte streams over plain, gzip and zstd files ---- */
typedef struct ibid_stream ibid_stream;
/* Open `path` ("-" is stdin), decompressing by its name's ending (.gz, .zst). */
int ibid_stream_open(ibid_stream **out, const char *path, ibid_error *err);
/* The lines of the plain file `path` whose first byte lies in [beg, end) (a line is its bytes
 * and its '\n'): the share of one MPI rank when ranges tile the file. Not for compressed files,
 * which cannot be entered in the middle. */
int ibid_stream_open_range(ibid_stream **out, const char *path, uint64_t beg, uint64_t end,
                           ibid_error *err);
/* Wrap an open FILE (not closed by ibid_stream_close). */
int ibid_stream_from_fp(ibid_stream **out, FILE *fp, const char *name, ibid_error *err);
/* Read up to n bytes; returns bytes read, 0 at end, or a negative IBID_E* code. */
long ibid_stream_read(ibid_stream *s, void *buf, size_t n, ibid_error *err);
void ibid_stream_close(ibid_stream *s);
const char *ibid_stream_name(const ibid_stream *s);

/* ---- read_jsonl.c ---- */
/* Check read options: 0, or IBID_EINVAL naming the option. */
int ibid_read_opts_check(const ibid_read_opts *o, ibid_error *err);
/* Read JSON Lines from `s` into `c` (o NULL: defaults); the JSONL branch of ibid_corpus_read. */
int ibid_read_jsonl_stream(ibid_corpus *c, ibid_stream *s, const ibid_read_opts *o,
                           ibid_error *err);
/* How the JSON Lines reader cuts up its work. Results never depend on it; tests shrink it so
 * that every block boundary is crossed, and compare with jansson parsing every line whole. */
typedef struct ibid_jsonl_tuning {
    size_t block;       /* bytes read ahead and parsed as one batch; default 32 MiB */
    size_t batch_lines; /* at most this many lines in a batch; default 65536 */
    int jansson_only;   /* 1: jansson parses each line whole, texts included; default 0 */
    int mid_file;       /* 1: the stream starts inside a file (a rank's share, docstream.c), so
                           its line 1 is not the file's and may not start with a byte order
                           mark; default 0 */
} ibid_jsonl_tuning;
void ibid_jsonl_tuning_init(ibid_jsonl_tuning *t);
/* ibid_read_jsonl_stream with tuning `t`. */
int ibid_read_jsonl_tuned(ibid_corpus *c, ibid_stream *s, const ibid_read_opts *o,
                          const ibid_jsonl_tuning *t, ibid_error *err);

/* One line of JSON Lines and, once parsed, its document or its error. */
typedef struct ibid_jsonl_rec {
    const char *s; /* the line without its ending ("\n" or "\r\n"), in the reader's buffer */
    size_t n;      /* its bytes */
    long line_no;  /* 1-based */
    int rc;        /* 0, or the line's error code, the error in *e */
    ibid_error *e; /* malloc'd when rc < 0 */
    char *id;      /* the document: id and meta malloc'd; id NULL for a blank line */
    char *text;    /* n_text bytes and a NUL, valid until the sink returns */
    char *meta;    /* JSON object of the other fields, or NULL */
    size_t n_id;   /* bytes */
    size_t n_text; /* bytes */
} ibid_jsonl_rec;
/* Gets a batch of parsed lines in line order (n >= 1, blank and bad lines included), `name`
 * the stream's. May take id and meta (setting them NULL); everything else is freed after it
 * returns. A negative return stops the read and is returned, *e filled. */
typedef int (*ibid_jsonl_sink)(void *ud, ibid_jsonl_rec *r, size_t n, const char *name,
                               const ibid_read_opts *o, ibid_error *e);
/* Read JSON Lines from `s`, giving each batch to `sink` and then forgetting it: memory is one
 * batch (t NULL: default tuning). Errors of the stream stop the read as in
 * ibid_read_jsonl_stream; errors of a line are the sink's to return or to record. */
int ibid_read_jsonl_each(ibid_stream *s, const ibid_read_opts *o, const ibid_jsonl_tuning *t,
                         ibid_jsonl_sink sink, void *ud, ibid_error *err);

/* ---- read_files.c ---- */
/* Whether a path names JSON Lines by its ending (.jsonl, .jsonl.gz, .jsonl.zst). */
int ibid_is_jsonl_name(const char *path);
/* Call on_file(ud, file, id, st) for every regular file below the folder `dir`, in the order and
 * with the ids of ibid_corpus_read. A negative return stops the walk and is returned. */
int ibid_walk_folder(const char *dir,
                     int (*on_file)(void *ud, const char *path, const char *id,
                                    const struct stat *st, ibid_error *err),
                     void *ud, ibid_error *err);
/* Read the file at `path` whole, as one document text (decompressing .gz and .zst): at most
 * `max` bytes (IBID_ETOOBIG). `size_hint` (or 0) sizes the buffer; *out is malloc'd. */
int ibid_read_whole(char **out, size_t *n, const char *path, size_t max, size_t size_hint,
                    ibid_error *err);

/* ---- pairs.c ---- */
/* A document pair as corpus indices, a < b. */
typedef struct ibid_pair {
    uint32_t a, b;
} ibid_pair;
/* The pairs of a list, sorted by (a, b), without duplicates; the array belongs to `p`. */
const ibid_pair *ibid_pairs_items(const ibid_pairs *p, size_t *n);
/*
 * Parse a pairs TSV held in buf[0, n) without a corpus (ibid_pairs_read is built on it; the
 * fuzzer calls it alone). `name` is used in messages. on_pair gets each pair's two ids (not
 * NUL-terminated) and its 1-based line; a negative return stops the parse and is returned (it
 * fills err itself). Returns 0, IBID_EPARSE (a line with too few columns) or on_pair's error.
 */
int ibid_pairs_parse(const char *buf, size_t n, const char *name,
                     int (*on_pair)(void *ud, const char *id1, size_t n1, const char *id2,
                                    size_t n2, long line),
                     void *ud, ibid_error *err);

/* ---- sort.c ---- */
/* A 16-byte record sorted by (key, x, y): n-gram postings (key = n-gram hash, x = document,
 * y = token position) and seeds (key = doc1 << 32 | doc2, x = position in doc1, y = in doc2). */
typedef struct ibid_rec {
    uint64_t key;
    uint32_t x, y;
} ibid_rec;
/* Sort in place by (key, x, y): an in-place MSD radix sort on key, parallel over the top byte. */
void ibid_rec_sort(ibid_rec *a, size_t n, int n_threads);
/* Sort n 32-bit values ascending, with tmp (room for n) as scratch. */
void ibid_u32_sort(uint32_t *a, uint32_t *tmp, size_t n);
/* Sort n 64-bit values by their high 32 bits, stably (equal high halves keep their order), with
 * tmp (room for n) as scratch. */
void ibid_u64_sort_hi(uint64_t *a, uint64_t *tmp, size_t n);
/* qsort and bsearch orders of uint32_t and uint64_t values, ascending. */
int ibid_cmp_u32(const void *a, const void *b);
int ibid_cmp_u64(const void *a, const void *b);

/* ---- ngram.c ---- */
/* The index of the n-grams that documents share: each n-gram found in 2..max_df documents is a
 * group, numbered in hash order; a group lists its occurrences (document, position) sorted,
 * and each document lists its occurrences (position, group). Occurrences beyond max_tf of one
 * n-gram in one document are left out. Built once, then read by any number of threads. */
typedef struct ibid_occ {
    uint32_t a, b; /* in a group: (document, position); for a document: (position, group) */
} ibid_occ;
typedef struct ibid_index {
    size_t n_group;
    size_t *group_beg; /* group g's occurrences are group_occ[group_beg[g], group_beg[g + 1]) */
    ibid_occ *group_occ;
    size_t n_doc;
    size_t *doc_beg; /* document d's occurrences are doc_occ[doc_beg[d], doc_beg[d + 1]) */
    ibid_occ *doc_occ;
    size_t n_boilerplate; /* distinct n-grams in more than max_df documents */
    int n_pass;           /* hash partitions the build took */
} ibid_index;
void ibid_index_build(ibid_index *ix, const ibid_toks *toks, size_t n_doc,
                      const ibid_align_opts *o);
/* The index for pairs that each hold a document before n_first: the documents from n_first on
 * are indexed only by their n-grams that a document before n_first may have too (a bit table of
 * the first documents' n-grams decides, with no false negative). The groups of the n-grams the
 * first documents have are the same as ibid_index_build's; those of the others can seed no
 * such pair. */
void ibid_index_build_for(ibid_index *ix, const ibid_toks *toks, size_t n_doc, size_t n_first,
                          const ibid_align_opts *o);
void ibid_index_free(ibid_index *ix);
/* The index's second half: given n_group, group_beg and the groups' occurrences occ[0, n_occ)
 * (taken over as group_occ), build each document's (position, group) list. */
void ibid_index_transpose(ibid_index *ix, ibid_occ *occ, size_t n_occ, size_t n_doc);
/* The pieces of ibid_index_build that the MPI driver repeats on each rank: an n-gram's cheap
 * mix (which picks its pass), the pass of a mix among n_pass, an n-gram's 64-bit hash (which
 * identifies it), and the passes that n_post postings take within index_memory. */
uint32_t ibid_ngram_mix(const uint32_t *t, int n);
uint32_t ibid_ngram_pass_of(uint32_t mixed, int n_pass);
uint64_t ibid_ngram_hash(const uint32_t *t, int n);
int ibid_ngram_passes(size_t n_post, size_t index_memory);

/* ---- pipeline.c ---- */
/* ibid_align (verbatim mode, with or without a pair list) over a prebuilt index `ix` of the
 * corpus's documents, aligning only the pairs (a, b) with a < n_walk and b > a: the MPI driver's
 * local step, whose corpus holds its own documents first (the ones it walks) and its partners'
 * after. */
int ibid_align_indexed(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
                       const ibid_index *ix, size_t n_walk, const ibid_align_opts *o,
                       ibid_error *err);
/* ibid_align with some documents tokenized already: toks[i], when its tok is not NULL, is
 * document i's ibid_tokenize_hashes under o->norm, taken over by the call (left empty). Only
 * the verbatim layer reuses them; the sentence layer tokenizes every document itself. Every
 * pair of `only` holds a document before n_first (ibid_index_build_for); n_first = the corpus's
 * size for any pairs. */
int ibid_align_tokens(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
                      ibid_toks *toks, size_t n_first, const ibid_align_opts *o, ibid_error *err);

/* ---- out_jsonl.c ---- */
/* The pieces of ibid_result_write: the header line (TSV only; nothing for JSON Lines) and one
 * passage's line(s). Return 0 or -1 (errno set) on a write error. */
int ibid_write_header(FILE *fp, const ibid_write_opts *o);
int ibid_passage_write(FILE *fp, const ibid_corpus *c, const ibid_passage *p,
                       const ibid_write_opts *o);

/* ---- chain.c ---- */
/* An anchor: an n-gram match a[x, x + n) == b[y, y + n), in tokens. */
typedef struct ibid_anchor {
    uint32_t x, y;
} ibid_anchor;
/* A chain: anchors [beg, end) of the array given to ibid_chain, collinear, sorted by x. */
typedef struct ibid_chain {
    uint32_t beg, end;
    float score;
} ibid_chain;
/* Chain the anchors of one document pair (sorted by (x, y); reordered in place so that each
 * chain's anchors are contiguous). Returns the number of chains written to *out (from `km`). */
size_t ibid_chain_anchors(ibid_arena *km, ibid_anchor *a, size_t n, const ibid_align_opts *o,
                          ibid_chain **out);

/* ---- candidates.c ---- */
/* A candidate pair (a, b), a < b, and its seeds [beg, end) in the hits of document a. */
typedef struct ibid_cand {
    uint32_t a, b;
    size_t beg, end;
} ibid_cand;
/* The candidates of document a: its seeds with every document b > a (b among `partners`, sorted,
 * when partners is not NULL), as hits {key = b << 32 | position in a, x = position in b} sorted,
 * and the pairs with at least min_seeds of them. Both arrays come from `km`. Returns the number
 * of candidates; *n_hits counts the seeds. */
size_t ibid_candidates(ibid_arena *km, const ibid_index *ix, uint32_t a, const uint32_t *partners,
                       size_t n_partners, int min_seeds, ibid_rec **hits, size_t *n_hits,
                       ibid_cand **out);

/* ---- passage.c ---- */
/* Keep the best of overlapping passages of one document pair: sorted by score, a passage that
 * overlaps a kept one on either side is dropped, so that repeats inside a document cannot
 * multiply. Returns the number kept, moved to the front of p[] in (tok_beg1, tok_beg2) order. */
size_t ibid_passages_resolve(ibid_passage *p, size_t n);
/* Merge passages of one document pair that lie within `gap` tokens of each other in both
 * documents, in either order (reordered sentences), into one passage spanning them; then drop
 * those shorter than min_words on either side. Returns the number kept, at the front of p[]. */
size_t ibid_passages_merge(ibid_passage *p, size_t n, uint32_t gap, uint32_t min_words);
/* Sort passages by (id1, id2, cp_beg1, cp_beg2, cp_end1, cp_end2); rank[d] orders ids. */
void ibid_passages_sort(ibid_passage *p, size_t n, const uint32_t *rank);

/* ---- align.c ---- */
/* Align the tokens of two documents along a chain of anchors, extending past both ends.
 * Fills the tok_*, matches, columns and score fields of *p. */
void ibid_align_chain(ibid_arena *km, const uint32_t *ta, uint32_t na, const uint32_t *tb,
                      uint32_t nb, const ibid_anchor *anchors, size_t n_anchors,
                      const ibid_align_opts *o, ibid_passage *p);

/* ---- minhash.c: shingles, signatures, band keys ---- */
/* The hash of one shingle: n token hashes. */
uint32_t ibid_shingle_hash(const uint32_t *tok, int n);
/* The distinct shingles of a token array (word n-grams; a document shorter than n words is one
 * shingle, an empty one none), sorted ascending, in out[] (room for n_tok); tmp is scratch of
 * n_tok. Returns how many. */
size_t ibid_shingles(uint32_t *out, uint32_t *tmp, const uint32_t *tok, size_t n_tok, int ngram);
/* ibid_shingles in two steps. First every shingle, in text order, repeats included, in out[]
 * (room for n_tok): n_tok - ngram + 1 of them, 1 for a shorter non-empty text, 0 for none.
 * A MinHash signature of them equals that of the distinct set (a minimum ignores repeats), so
 * the set is needed only to verify a candidate pair. Returns how many. */
size_t ibid_shingle_hashes(uint32_t *out, const uint32_t *tok, size_t n_tok, int ngram);
/* Then the set: sort a[0, n) ascending and drop repeats, tmp scratch of n; returns how many
 * distinct values a[] now starts with. */
size_t ibid_shingle_set(uint32_t *a, uint32_t *tmp, size_t n);
/* The MinHash signature (n_hash values) of a shingle set, by one-permutation hashing with
 * optimal densification; all UINT32_MAX for an empty set. */
void ibid_minhash_sign(uint32_t *sig, int n_hash, const uint32_t *sh, size_t n, uint64_t seed);
/* The `bands` bucket keys of a signature of bands x rows values. */
void ibid_minhash_bands(uint64_t *keys, const uint32_t *sig, int bands, int rows);
/* Jaccard similarity of two sorted sets, or with `containment` |A & B| / min(|A|, |B|); two
 * empty sets are equal (1), an empty and a non-empty set share nothing (0). */
double ibid_set_similarity(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                           int containment);

/* ---- spill.c: records read back sorted, spilled to disk past a memory budget ---- */
typedef struct ibid_spill ibid_spill;
/* A new bag whose buffer holds `budget` bytes (at least 1024 records); runs go to a temporary
 * file in `dir` (NULL: /tmp), unlinked at once. Merging reads each run through a buffer of
 * budget / (runs + 1) bytes (at least 64 KiB), so memory stays under twice the budget. */
int ibid_spill_new(ibid_spill **out, const char *dir, size_t budget, int n_threads,
                   ibid_error *err);
void ibid_spill_free(ibid_spill *s);
/* Add n records (before ibid_spill_finish); may write a run. 0 or IBID_EIO. */
int ibid_spill_add(ibid_spill *s, const ibid_rec *a, size_t n, ibid_error *err);
/* Done adding: prepare to read back in (key, x, y) order. */
int ibid_spill_finish(ibid_spill *s, ibid_error *err);
/* The next record in order: 1, 0 at the end, or IBID_EIO. */
int ibid_spill_next(ibid_spill *s, ibid_rec *out, ibid_error *err);
size_t ibid_spill_n_runs(const ibid_spill *s);      /* runs written to disk */
uint64_t ibid_spill_n_records(const ibid_spill *s); /* records added */

/* ---- unionfind.c: disjoint sets over 0..n-1 ---- */
typedef struct ibid_uf {
    size_t n, m;
    uint32_t *parent; /* parent[i] == i for a root */
} ibid_uf;
/* Grow to n elements, each new one its own set. */
void ibid_uf_grow(ibid_uf *u, size_t n);
/* The root of i's set (halving the path as it goes). */
uint32_t ibid_uf_find(ibid_uf *u, uint32_t i);
/* Join the sets of a and b; the smaller index becomes the root. Returns 1 if they were apart. */
int ibid_uf_union(ibid_uf *u, uint32_t a, uint32_t b);
void ibid_uf_free(ibid_uf *u);

/* ---- docstream.c: documents one batch at a time, never the whole corpus ---- */
/* One document of a batch; every pointer valid until the batch callback returns. */
typedef struct ibid_sdoc {
    const char *id;     /* NUL-terminated */
    const char *text;   /* n_text bytes of valid UTF-8 and a NUL */
    size_t n_text;      /* bytes */
    const char *meta;   /* JSON object of the other fields, or NULL */
    const char *source; /* the file it came from (a file below a folder for folder inputs) */
    int is_jsonl;       /* source is JSON Lines: the document is line `line_no` of it */
    long line_no;       /* 1-based, 0 for a text file */
    size_t unit;        /* the file it came from: its number among the files read, in order */
} ibid_sdoc;
typedef struct ibid_docstream_cb {
    /* Process a batch of documents, in input order; a negative return stops the read. */
    int (*batch)(void *ud, const ibid_sdoc *docs, size_t n, ibid_error *err);
    /* A bad document skipped under skip_bad (never called otherwise). */
    void (*skip)(void *ud, const ibid_error *e);
    void *ud;
} ibid_docstream_cb;
/* Read the documents of `paths` as ibid_corpus_read would ("-" excluded: IBID_EINVAL), giving
 * them to cb->batch a batch at a time: each JSON Lines batch of the reader, and text files up
 * to 32 MiB or 4096 files at once. Errors as ibid_corpus_read. */
int ibid_docstream_read(const char *const *paths, size_t n_paths, const ibid_read_opts *o,
                        const ibid_docstream_cb *cb, ibid_error *err);

/*
 * Shares of the inputs, for the ranks of an MPI job (docstream.c): each rank reads about 1/N of
 * the bytes. ibid_share_plan lists the files of `paths` in input order (folders walked as
 * ibid_docstream_read walks them; every rank makes the same list from the file sizes), laid end
 * to end: `total` bytes. Rank r of N takes the bytes [ibid_share_beg(total, r, N),
 * ibid_share_beg(total, r + 1, N)) (the last rank everything after its beginning): of a plain
 * JSON Lines file, the lines whose first byte lies there; any other file (compressed, text: they
 * cannot be entered in the middle) whole, when its first byte lies there. ibid_share_read gives
 * that share's documents to cb in input order, with line numbers counted from the start of the
 * part read: the caller adds the lines of lower ranks (ibid_mpi_share_lines) to the documents
 * and errors of unit u_first when first_mid. A path that cannot be opened stops the plan: its
 * error is read, in its place, by the rank owning that place.
 */
typedef struct ibid_share_unit {
    char *path; /* the file (below its folder for a folder input); NULL for UNIT_FAIL */
    char *id;   /* its id as a text document */
    struct stat sb;
    uint64_t off;    /* where it starts among the inputs laid end to end */
    uint64_t size;   /* bytes (compressed for .gz and .zst; 0 when not a regular file) */
    int kind;        /* how it is shared: see docstream.c */
    ibid_error fail; /* UNIT_FAIL: the error */
} ibid_share_unit;
typedef struct ibid_share {
    size_t n_units, m_units;
    ibid_share_unit *units;
    uint64_t total; /* bytes of all units */
    /* set by ibid_share_read: */
    int any;         /* the share holds (a part of) some unit */
    size_t u_first;  /* the first unit read */
    int first_mid;   /* it is a JSON Lines file read from a line after its first */
    size_t u_last;   /* the last unit read */
    int last_split;  /* it is a plain JSON Lines file, read in part or whole */
    long last_lines; /* the lines read of it */
    size_t cur_unit; /* the unit being read (for the skip callback) */
} ibid_share;
int ibid_share_plan(ibid_share *sh, const char *const *paths, size_t n_paths, ibid_error *err);
/* The first byte of rank r's share of `total` bytes among n_ranks (r = n_ranks: total). */
uint64_t ibid_share_beg(uint64_t total, int rank, int n_ranks);
int ibid_share_read(ibid_share *sh, int rank, int n_ranks, const ibid_read_opts *o,
                    const ibid_docstream_cb *cb, ibid_error *err);
void ibid_share_free(ibid_share *sh);
/* Open JSON Lines unit i again as rank r of n read it: its lines numbered as there. */
int ibid_share_open(const ibid_share *sh, size_t i, int rank, int n_ranks, ibid_stream **out,
                    ibid_error *err);

/* ---- mpi_opts.c ---- */
/* The failure test's death (ibid_mpi_opts.test_die_rank): raise test_die_signal, or abort. */
IBID_NORETURN void ibid_mpi_test_die(const ibid_mpi_opts *o);

/* ---- dedup.c: the pieces the MPI driver (mpi_dedup.c) builds a result from ---- */
/* The bands and rows of o (its own, or chosen for its thresholds by ibid_minhash_params). */
void ibid_dedup_lsh(const ibid_dedup_opts *o, int *bands, int *rows);
/* An empty result (no shingle file) for the options; documents are then noted in input order,
 * joined, and settled (survivors chosen) as in ibid_dedup_run. */
ibid_dedup *ibid_dedup_begin(const ibid_dedup_opts *o, const ibid_read_opts *ro);
void ibid_dedup_note(ibid_dedup *d, const ibid_sdoc *doc);
void ibid_dedup_note_skip(ibid_dedup *d, const ibid_error *e);
/* Join the clusters of documents a and b; exact: b has a's normalized text, a the first. */
void ibid_dedup_join(ibid_dedup *d, uint32_t a, uint32_t b, int exact);
void ibid_dedup_settle(ibid_dedup *d);
/* The first document with document i's normalized text (i itself when none before). */
size_t ibid_dedup_exact_of(const ibid_dedup *d, size_t i);
ibid_dedup_stats *ibid_dedup_stats_of(ibid_dedup *d);
/* Each document's similarity to its survivor (taken over), for ibid_dedup_write_clusters,
 * which then reads no shingles. */
void ibid_dedup_set_member_sim(ibid_dedup *d, double *sim);
/* What ibid_dedup_write_kept writes for a JSON Lines source: the lines lines[0, n) (ascending,
 * 1-based, counted from the start of st) copied as they are from st; a line missing is an error
 * naming `path` and the line + line_add. For a text file: {"id", "text"} of the file, which must
 * still be n_bytes long. Used by every rank of an MPI job for its own share. */
int ibid_dedup_copy_lines(ibid_stream *st, const char *path, long line_add, const uint32_t *lines,
                          size_t n, FILE *fp, ibid_error *err);
int ibid_dedup_copy_text(const char *path, const char *id, size_t n_bytes, size_t max_doc, FILE *fp,
                         ibid_error *err);

#endif /* IBID_INT_H */
