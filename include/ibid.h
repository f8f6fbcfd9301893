/*
 * ibid.h: the public interface of libibid, an engine that finds where text came from.
 *
 * The pipeline, one stage per source file under src/:
 *
 *   read (read_jsonl.c, read_files.c) -> normalize, tokenize (norm.c, tokenize.c)
 *   -> hash n-grams, index (ngram.c) -> candidate pairs and seeds (candidates.c)
 *   -> chain (chain.c) -> extend and align (align.c) -> passages (passage.c)
 *   -> write (out_jsonl.c)                                 ibid eval: eval.c
 *   -> stories and provenance (cluster.c, provenance.c) -> list (out_stories.c), one document
 *      marked by source (show.c), the HTML report (html.c)
 *                                                         ibid dedup: dedup.c, minhash.c
 *
 * Conventions, stated once:
 * - A function that can fail returns 0 or a negative IBID_E* code and, when `err` is not NULL,
 *   fills it with the code, the input's name, line and column where known, and a message.
 * - Objects come from ibid_<x>_new(&out, ...) and go back through ibid_<x>_free(x); every free
 *   accepts NULL. Strings and arrays returned by accessors belong to the object they came from.
 * - Offsets are half-open [beg, end). `cp_` offsets count Unicode code points into the text as
 *   given, so Python's text[beg:end] is the passage; `byte_` offsets count UTF-8 bytes; `tok_`
 *   offsets count tokens.
 * - The library never prints, never exits and keeps no global mutable state. A corpus may be read
 *   by many threads at once once it is built; a function that writes to an object needs that
 *   object to itself.
 */
#ifndef IBID_H
#define IBID_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library version, "MAJOR.MINOR.PATCH". */
const char *ibid_version(void);

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------ */

enum {
    IBID_OK = 0,
    IBID_ENOMEM = -1,    /* an allocation failed (most paths abort instead, see ibid_xmalloc) */
    IBID_EIO = -2,       /* a file could not be opened, read or written */
    IBID_EPARSE = -3,    /* malformed input: broken JSON, a bad TSV line, a bad number */
    IBID_EUTF8 = -4,     /* text is not valid UTF-8 */
    IBID_EDUPID = -5,    /* two documents share one id */
    IBID_EMISSING = -6,  /* a required field (id, text) is absent or of the wrong type */
    IBID_EINVAL = -7,    /* an argument or option is out of range */
    IBID_ETOOBIG = -8,   /* an input exceeds a limit (line length, document size) */
    IBID_ENOTFOUND = -9, /* an id or a path names nothing */
};

/* Where and why something failed. `source` is the file name ("-" for standard input) or empty;
 * `line` and `column` are 1-based and 0 when unknown. Shaped like jansson's json_error_t. */
typedef struct ibid_error {
    int code;          /* one of IBID_E* */
    long line;         /* 1-based line in `source`, 0 if not applicable */
    long column;       /* 1-based column (bytes), 0 if not applicable */
    char source[512];  /* input name */
    char message[512]; /* what went wrong, for a person */
} ibid_error;

/* A constant, human-readable name for an IBID_E* code ("invalid UTF-8", ...). */
const char *ibid_strerror(int code);

/* ---------------------------------------------------------------------------------------------
 * Normalization and tokenization (norm.c, tokenize.c)
 * ------------------------------------------------------------------------------------------ */

/* Flags for normalization; the default for ibid align is IBID_NORM_DEFAULT. */
enum {
    IBID_NORM_CASEFOLD = 1 << 0,  /* Unicode case folding */
    IBID_NORM_STRIPMARK = 1 << 1, /* remove combining marks (diacritics) after decomposition */
    IBID_NORM_MARKUP = 1 << 2,    /* HTML/XML tags and character entities separate tokens and
                                   * belong to none ("<b>", "</p>", "&amp;", "&#8217;") */
    IBID_NORM_DEFAULT = IBID_NORM_CASEFOLD,
};

/* One token of a text: a word (a run of letters, digits and combining marks) or, for scripts
 * written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar), one character.
 * Punctuation, symbols and white space separate tokens and belong to none. */
typedef struct ibid_token {
    uint32_t hash;     /* hash of the token's NFKC(-casefolded) form; equal forms, equal hash */
    uint32_t cp_beg;   /* first code point of the token in the text */
    uint32_t cp_end;   /* one past its last code point */
    uint32_t byte_beg; /* the same span in bytes */
    uint32_t byte_end;
} ibid_token;

/*
 * ibid_tokenize: split `text` (`n_bytes` bytes of UTF-8) into tokens.
 *   out, n_out: receive a new array of tokens and its length; the caller frees *out with free().
 *   flags: IBID_NORM_* bits.
 * Returns 0, IBID_EUTF8 (err->column is the byte offset + 1 of the bad sequence, err->line its
 * line) or IBID_ETOOBIG (texts of 4 GiB or more). Thread-safe.
 */
int ibid_tokenize(ibid_token **out, size_t *n_out, const char *text, size_t n_bytes, unsigned flags,
                  ibid_error *err);

/*
 * ibid_normalize: the normalized form of `text` as UTF-8, NUL-terminated: NFKC, then the
 * transformations in `flags`. Tokens with equal normalized forms have equal hashes.
 *   out, n_out: receive the new string (free with free()) and its length in bytes.
 * Returns 0 or IBID_EUTF8. Thread-safe.
 */
int ibid_normalize(char **out, size_t *n_out, const char *text, size_t n_bytes, unsigned flags,
                   ibid_error *err);

/* ---------------------------------------------------------------------------------------------
 * Corpus: the documents, read once, then shared read-only (read_jsonl.c, read_files.c, corpus.c)
 * ------------------------------------------------------------------------------------------ */

typedef struct ibid_corpus ibid_corpus;

/* How to read inputs. Initialize with ibid_read_opts_init(). */
typedef struct ibid_read_opts {
    const char *id_field;   /* JSON field holding the document id; default "id" */
    const char *text_field; /* JSON field holding the text; default "text" */
    int skip_bad;           /* 0: the first bad document is an error; 1: skip and record it */
    size_t max_line;        /* longest JSON Lines line accepted, bytes; default 1 GiB */
    size_t max_doc;         /* largest document text accepted, bytes; default 1 GiB (< 4 GiB) */
    int n_threads;          /* threads parsing JSON Lines, 1 to 1024; default 1. The corpus, the
                               skipped records and the errors are the same for any value */
} ibid_read_opts;

/* Set `o` to the defaults above. The readers return IBID_EINVAL, naming the option, for a value
 * out of range. */
void ibid_read_opts_init(ibid_read_opts *o);

/* A new, empty corpus. Free with ibid_corpus_free(). */
int ibid_corpus_new(ibid_corpus **out);
void ibid_corpus_free(ibid_corpus *c);

/*
 * ibid_corpus_add: add one document; `id`, `text` and `meta_json` are copied. `meta_json` is a
 * JSON object of extra fields or NULL. Returns 0, IBID_EUTF8, IBID_EDUPID or IBID_ETOOBIG.
 */
int ibid_corpus_add(ibid_corpus *c, const char *id, size_t id_len, const char *text,
                    size_t text_len, const char *meta_json, ibid_error *err);

/*
 * ibid_corpus_read: add the documents at `path`:
 *   - a folder: every regular file below it (sorted by name, recursively, hidden files skipped),
 *     read as described below, ids relative to the folder;
 *   - a file ending in .jsonl, .jsonl.gz or .jsonl.zst: JSON Lines, one object a line with an id
 *     and a text field; other fields are kept as metadata;
 *   - "-": JSON Lines on standard input;
 *   - any other file: one document, its id the path as given (.gz and .zst are decompressed).
 * On error nothing of the failing document is added, documents added before stay, and `err`
 * names the file and line. With o->skip_bad, bad documents are skipped and recorded instead
 * (ibid_corpus_n_skipped); I/O errors on the file itself still fail.
 */
int ibid_corpus_read(ibid_corpus *c, const char *path, const ibid_read_opts *o, ibid_error *err);

/* As ibid_corpus_read on JSON Lines from an open stream; `name` is used in messages. */
int ibid_corpus_read_jsonl(ibid_corpus *c, FILE *fp, const char *name, const ibid_read_opts *o,
                           ibid_error *err);

/* Number of documents, and accessors for document `i` (0 <= i < size). */
size_t ibid_corpus_size(const ibid_corpus *c);
const char *ibid_corpus_id(const ibid_corpus *c, size_t i);
const char *ibid_corpus_text(const ibid_corpus *c, size_t i, size_t *n_bytes);
const char *ibid_corpus_meta(const ibid_corpus *c, size_t i); /* JSON object text, or NULL */
size_t ibid_corpus_bytes(const ibid_corpus *c);               /* total text bytes */

/* Index of the document with this id, or -1. */
long ibid_corpus_find(const ibid_corpus *c, const char *id);

/* Documents skipped under skip_bad: how many, and why (the error of each, in input order). */
size_t ibid_corpus_n_skipped(const ibid_corpus *c);
const ibid_error *ibid_corpus_skipped(const ibid_corpus *c, size_t i);

/* ---------------------------------------------------------------------------------------------
 * Pair lists: restrict alignment to given document pairs (pairs.c)
 * ------------------------------------------------------------------------------------------ */

typedef struct ibid_pairs ibid_pairs;

/*
 * ibid_pairs_read: read a TSV list of document pairs. Each line holds two ids; when the first
 * line names its columns (id1/id2, or PAN's susp_id/src_id), those columns are used. Ids must
 * exist in `c` (IBID_ENOTFOUND naming file and line, unless skip_bad). Free with ibid_pairs_free.
 */
int ibid_pairs_read(ibid_pairs **out, const ibid_corpus *c, const char *path, int skip_bad,
                    ibid_error *err);
void ibid_pairs_free(ibid_pairs *p);
/* Distinct pairs listed (a pair and its reverse count once; a document with itself not at all). */
size_t ibid_pairs_size(const ibid_pairs *p);
/* Lines skipped under skip_bad because an id was not in the corpus. */
size_t ibid_pairs_n_skipped(const ibid_pairs *p);

/*
 * ibid_pairs_new: a pair list built in memory from `n` pairs of corpus indices, pairs[i][0] and
 * pairs[i][1], both below the size of `c`. As with ibid_pairs_read, a pair and its reverse
 * count once and a document with itself not at all. On success *out is the list, freed with
 * ibid_pairs_free(); the array is only read. Returns 0, or IBID_EINVAL for an index out of range
 * (*out is then NULL). Thread-safe.
 */
int ibid_pairs_new(ibid_pairs **out, const ibid_corpus *c, const uint32_t (*pairs)[2], size_t n,
                   ibid_error *err);

/* ---------------------------------------------------------------------------------------------
 * Alignment: ibid_align finds every pair of passages that two documents share
 * ------------------------------------------------------------------------------------------ */

/* Progress, reported through ibid_align_opts.progress from the calling thread. */
typedef struct ibid_progress {
    const char *stage;  /* "tokenize", "index", "align", "sort", then "done"; with the sentence
                           layer "languages" first and "weigh" after "tokenize" */
    size_t done, total; /* units of the stage completed, and in all */
} ibid_progress;

/* What ibid_align looks for: reuse copied word for word, or reworded (and translated). */
enum { IBID_MODE_VERBATIM = 1, IBID_MODE_REWORDED = 2, IBID_MODE_ALL = 3 };

/* Alignment parameters. Initialize with ibid_align_opts_init(), which sets the defaults. */
typedef struct ibid_align_opts {
    int ngram;           /* words per seed n-gram; default 4 */
    int max_df;          /* n-grams in more documents than this are boilerplate; default 100 */
    int max_tf;          /* n-grams repeated more often in one document are skipped there; 8 */
    int min_seeds;       /* shared seeds a pair needs to be aligned; default 3 */
    int max_gap;         /* tokens: longest run without a match inside one passage; default 80 */
    int min_words;       /* tokens: shortest passage reported (on each side); default 15 */
    int merge_gap;       /* tokens: passages this close in both documents, in any order, are
                            merged into one (reordered sentences); default 80 */
    int match;           /* alignment score of two equal tokens; default 2 */
    int mismatch;        /* score of two different tokens, <= 0; default -1 */
    int gap_open;        /* cost of opening a gap, >= 0; default 0 */
    int gap_extend;      /* cost of each gap token, >= 0; default 1 */
    int xdrop;           /* stop extending past a chain once the score falls this far; 20 */
    unsigned norm;       /* IBID_NORM_* flags; default IBID_NORM_DEFAULT */
    int n_threads;       /* worker threads, >= 1; default 1 */
    size_t index_memory; /* bytes the n-gram index may hold at once; default 512 MiB */
    /* The sentence layer (reworded and translated reuse), on when mode has IBID_MODE_REWORDED */
    int mode;                /* IBID_MODE_* bits; default IBID_MODE_VERBATIM */
    double sent_sim;         /* least tf-isf cosine of two sentences to seed a passage; 0.33 */
    double sent_dice;        /* least Dice coefficient of their terms; 0.33 */
    int sent_gap;            /* sentences a passage may skip on either side at once; 4 */
    double frag_sim;         /* least cosine of the two fragments of a passage; 0.4 */
    int summary_gap;         /* sentences a summary's source may skip between its parts; 30 */
    const char *translate;   /* pivot language (ISO 639-1, "en") for translated reuse, or NULL */
    const char *dict_dir;    /* FreeDict dictionaries; NULL: /usr/share/dictd */
    int synonyms;            /* 1: English words also match their WordNet synonyms; default 0 */
    const char *wordnet_dir; /* WordNet 3.0 database; NULL: /usr/share/wordnet */
    void (*progress)(void *ud, const ibid_progress *p); /* or NULL */
    void *progress_ud;
} ibid_align_opts;

void ibid_align_opts_init(ibid_align_opts *o);

/* Check option ranges: 0, or IBID_EINVAL with a message naming the option. */
int ibid_align_opts_check(const ibid_align_opts *o, ibid_error *err);

/* One aligned pair of passages. doc1 < doc2 in id order (strcmp of the ids). */
typedef struct ibid_passage {
    uint32_t doc1, doc2;           /* corpus indices */
    uint32_t cp_beg1, cp_end1;     /* the passage in doc1, code points */
    uint32_t cp_beg2, cp_end2;     /* the passage in doc2, code points */
    uint32_t byte_beg1, byte_end1; /* the same spans in bytes */
    uint32_t byte_beg2, byte_end2;
    uint32_t tok_beg1, tok_end1; /* and in tokens */
    uint32_t tok_beg2, tok_end2;
    uint32_t matches; /* aligned pairs of equal tokens (reworded: equal tokens in common) */
    uint32_t columns; /* alignment columns: matches, mismatches and gap tokens (reworded: the
                         longer side's tokens) */
    int32_t score;    /* verbatim: alignment score under the options' scoring; reworded and
                         translated: 100 x the summed similarity of the aligned sentences */
    int kind;         /* IBID_KIND_* */
} ibid_passage;

/* How a passage was found: word for word (with edits), sentence by sentence, or across
 * languages. */
enum { IBID_KIND_VERBATIM = 0, IBID_KIND_REWORDED = 1, IBID_KIND_TRANSLATED = 2 };
const char *ibid_kind_name(int kind); /* "verbatim", "reworded", "translated" */

/* What ibid_align found: passages sorted by (id1, id2, cp_beg1, cp_beg2, cp_end1, cp_end2). */
typedef struct ibid_result {
    size_t n_passages;
    ibid_passage *passages;
    size_t n_tokens;        /* tokens in the corpus */
    size_t n_shared_ngrams; /* distinct n-grams in 2..max_df documents */
    size_t n_boilerplate;   /* distinct n-grams dropped for max_df */
    size_t n_seeds;         /* seed pairs generated */
    size_t n_candidates;    /* document pairs with at least min_seeds seeds */
    size_t n_related;       /* with the sentence layer and no pair list: document pairs related
                               by their rare terms, compared sentence by sentence too */
} ibid_result;

/*
 * ibid_align: find and align every pair of passages shared by two documents of `c`; when
 * `only` is not NULL, only the pairs it lists. The corpus is only read. On success *out is a
 * new result, freed with ibid_result_free(). The output is the same for any n_threads.
 */
int ibid_align(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
               const ibid_align_opts *o, ibid_error *err);
void ibid_result_free(ibid_result *r);

/* identity of a passage: matches / columns, in [0, 1]. */
double ibid_passage_identity(const ibid_passage *p);

/* ---------------------------------------------------------------------------------------------
 * Output (out_jsonl.c)
 * ------------------------------------------------------------------------------------------ */

enum { IBID_FORMAT_JSONL = 0, IBID_FORMAT_TSV = 1, IBID_FORMAT_TEXT = 2 };

typedef struct ibid_write_opts {
    int format;    /* IBID_FORMAT_* */
    int with_text; /* include text1 and text2 */
} ibid_write_opts;

/*
 * ibid_result_write: write the passages of `r` to `fp`, one line each. JSON Lines fields, in
 * order: id1, id2, begin1, end1, begin2, end2 (code points), matches, score, identity, then
 * text1, text2 when with_text. TSV: the same columns with a header line; tabs, newlines and
 * backslashes in texts escaped as \t \n \\. TEXT: a listing for people, each passage as
 * "id1 [begin1, end1) ~ id2 [begin2, end2)" with its figures and the start of both texts, then
 * one line of totals. Returns 0 or IBID_EIO.
 */
int ibid_result_write(FILE *fp, const ibid_corpus *c, const ibid_result *r,
                      const ibid_write_opts *o, ibid_error *err);

/* ---------------------------------------------------------------------------------------------
 * The store: a corpus that grows, in one SQLite database (store.c, store_index.c, store_add.c,
 * store_query.c; the schema is in docs/store.md)
 *
 * A store keeps documents (text and metadata), a sampled index of their word n-grams, the
 * passages aligned between them, and stories. Documents are added in batches: a new document is
 * aligned against the stored documents that share enough sampled n-grams with it, and against the
 * other new documents, never re-aligning a pair of stored documents. A store keeps the matching
 * options it was created with (ngram, max_df, mode, ...), so every later add and query matches
 * the same way.
 *
 * Concurrency: one ibid_store handle is used by one thread at a time. Any number of processes
 * may open the same file: readers (IBID_STORE_READ) see the last committed batch and never wait
 * for a writer (SQLite's WAL mode); writers take turns, one batch at a time.
 * ------------------------------------------------------------------------------------------ */

typedef struct ibid_store ibid_store;

/* How to open a store. */
enum {
    IBID_STORE_READ = 0,   /* read only; the file must exist */
    IBID_STORE_WRITE = 1,  /* read and write; the file must exist */
    IBID_STORE_CREATE = 2, /* with IBID_STORE_WRITE: create the file when it does not exist */
};

/*
 * ibid_store_open: open (or create) the store at `path`.
 *   flags: IBID_STORE_READ, IBID_STORE_WRITE, or IBID_STORE_WRITE | IBID_STORE_CREATE.
 *   opts: alignment options or NULL. A new store records the matching options of `opts` (the
 *     defaults when NULL). An existing store uses the options it recorded; when `opts` is not
 *     NULL, its matching options must equal them (IBID_EINVAL naming the first that differs).
 *     The run-time options (n_threads, index_memory, dict_dir, wordnet_dir, progress) are taken
 *     from `opts` when given, else the defaults (one thread).
 * An older schema is migrated to the current version (docs/store.md) when opened for writing.
 * On success *out is the store, closed with ibid_store_close(). Returns 0, IBID_ENOTFOUND (no
 * such file, without IBID_STORE_CREATE), IBID_EIO (not an ibid store, or SQLite failed; the
 * message says why) or IBID_EINVAL (options differ; a schema newer than this library; a store
 * of an older schema opened read only).
 */
int ibid_store_open(ibid_store **out, const char *path, int flags, const ibid_align_opts *opts,
                    ibid_error *err);
/* Close the store; NULL is accepted. */
void ibid_store_close(ibid_store *s);

/* The options the store aligns with: the recorded matching options and the run-time ones. The
 * struct belongs to the store. */
const ibid_align_opts *ibid_store_opts(const ibid_store *s);

/* Take the run-time options (n_threads, index_memory, dict_dir, wordnet_dir, progress) from
 * `o`, leaving the recorded matching options as they are. Strings must outlive the store. */
void ibid_store_set_runtime(ibid_store *s, const ibid_align_opts *o);

/* The schema version of the store (PRAGMA user_version), and the one this library writes. */
int ibid_store_version(const ibid_store *s);
#define IBID_STORE_VERSION 5

/* Count the stored documents and passages. Returns 0 or IBID_EIO. */
int ibid_store_count(ibid_store *s, size_t *n_docs, size_t *n_passages, ibid_error *err);

/* How ibid_store_add adds. Initialize with ibid_store_add_opts_init(). */
typedef struct ibid_store_add_opts {
    int replace;       /* 0: a document whose id is stored is left alone (counted in n_present);
                          1: it is replaced, its old passages deleted, and aligned again */
    size_t batch_docs; /* documents per transaction, by position in the input; default 1000 */
    void (*progress)(void *ud, size_t done, size_t total); /* documents, after each batch */
    void *progress_ud;
} ibid_store_add_opts;

void ibid_store_add_opts_init(ibid_store_add_opts *o);

/* What ibid_store_add did. */
typedef struct ibid_store_add_report {
    size_t n_added;    /* documents stored (replacements included) */
    size_t n_replaced; /* of them, replacing a stored document of the same id */
    size_t n_present;  /* documents left alone because their id was stored */
    size_t n_pairs;    /* document pairs aligned */
    size_t n_passages; /* passages stored */
    size_t n_batches;  /* transactions committed */
    /* seconds in each step, summed over the batches; the writer's work (deleting replaced
     * documents, inserting the new ones and their index entries) runs on a thread of its own
     * alongside the steps from candidates to align, and secs_align includes waiting for it */
    double secs_sketch;     /* looking up ids, tokenizing and sketching the new documents */
    double secs_candidates; /* looking the sketches up in the index, counting the votes */
    double secs_read;       /* reading the stored candidates' texts, building the corpus */
    double secs_align;      /* ibid_align on the candidate pairs */
    double secs_commit;     /* storing the passages and committing */
    double secs_writer;     /* the writer thread's own time */
} ibid_store_add_report;

/*
 * ibid_store_add: add the documents of `c` to `s` (opened for writing), in input order. The
 * input is cut into batches of o->batch_docs documents by position; each batch is one
 * transaction that stores its new documents, their index entries and every passage they share
 * with stored documents and with each other, so that a process killed at any moment leaves
 * every document either stored with all its passages or absent, and running the same add again
 * finishes the job with the same result. Candidates among stored documents come from the
 * sampled n-gram index (store_index.c); with the sentence layer (mode IBID_MODE_REWORDED), every
 * stored document is a candidate. `rep` (or NULL) receives the counts, also on error (the
 * batches committed before it). Returns 0, IBID_EIO (SQLite failed; committed batches stay),
 * IBID_EINVAL (the store is read only) or an error of ibid_align.
 */
int ibid_store_add(ibid_store *s, const ibid_corpus *c, const ibid_store_add_opts *o,
                   ibid_store_add_report *rep, ibid_error *err);

/*
 * ibid_store_query: which stored documents the text `text` (`n_bytes` bytes of UTF-8, named
 * `id`) reuses, without storing it. On success *out_corpus holds the query as document 0 and the
 * stored documents it was compared with (its candidates; renamed "ID (query)" when a stored
 * document has the id `id`), and *out_result the passages found, each with the query
 * as doc1 (doc1 == 0, its spans the *1 fields), sorted by (id2, cp_beg1, cp_beg2). The caller
 * frees both (ibid_corpus_free, ibid_result_free). Works on a store opened read only. Returns 0,
 * IBID_EUTF8 (naming `id`, line and column), IBID_EIO or an error of ibid_align.
 */
int ibid_store_query(ibid_corpus **out_corpus, ibid_result **out_result, ibid_store *s,
                     const char *id, const char *text, size_t n_bytes, ibid_error *err);

/*
 * ibid_store_load: materialize stored documents and passages as an in-memory corpus and
 * result, so that code written for ibid_align's output runs over the store unchanged.
 *   ids, n_ids: the documents wanted; ids NULL: the whole store.
 *   max_hops: also the documents reachable from them through at most max_hops passages (0: only
 *     those given; negative: every connected document). Ignored when ids is NULL.
 * On success *out_corpus holds the documents in the order they were added, with their metadata
 * JSON (the input's fields other than id and text), and *out_result the stored passages between
 * any two of them, doc1 < doc2 in id order, sorted as ibid_align sorts them; its n_* figures
 * other than n_passages are 0. The caller frees both. Returns 0, IBID_ENOTFOUND (an id not
 * stored, named in the message) or IBID_EIO.
 */
int ibid_store_load(ibid_corpus **out_corpus, ibid_result **out_result, ibid_store *s,
                    const char *const *ids, size_t n_ids, int max_hops, ibid_error *err);

/* ---------------------------------------------------------------------------------------------
 * Stories and provenance (cluster.c, provenance.c), and their views (out_stories.c, show.c,
 * html.c)
 *
 * A story is a set of passages that are one text reused: a union-find over the passages of a
 * result, in which two passages are linked when their spans in one document overlap by at least
 * link_overlap of the longer span. Passages whose span in a document is shared with more than
 * boilerplate_docs other documents while being looser than a copy, and verbatim passages whose
 * two sides share fewer than two rare words (a form filled with other names and figures), are
 * boilerplate: they are flagged and link nothing. A span contained in a much longer one (a
 * shared quote, a flash later grown into a full story) links the two stories only when they
 * already share at least two documents and at least merge_share of the smaller story's
 * documents, and the documents only one of them has are at least join_cover that story's text:
 * the containment check that keeps one quote from chaining two stories.
 *
 * Witnesses are ordered by the "date" field of their metadata (an ISO 8601 date, or its prefix:
 * "1987", "1987-03-02", "1987-03-02T10:05:00Z", "...+01:00"), then by id; documents without a
 * date come after those with one, by id. The earlier document of a passage is its probable
 * source, the first witness of a story its earliest document. Built from a corpus and a result
 * that it does not keep: pass the same two to the views.
 * ------------------------------------------------------------------------------------------ */

typedef struct ibid_stories ibid_stories;

/* How stories are formed. Initialize with ibid_stories_opts_init(). */
typedef struct ibid_stories_opts {
    double link_overlap;  /* two spans in one document link when they overlap by this share of
                             the longer one, in (0, 1]; default 0.5 */
    double merge_share;   /* a contained span merges two stories sharing this share of the
                             smaller one's documents (and at least two), in [0, 1]; 0.5 */
    int boilerplate_docs; /* a span shared with more documents than this (>= 1; default 20) */
    double copy_identity; /* ... is boilerplate unless its passage's identity is at least this
                             (copies are not boilerplate), in [0, 1]; default 0.9 */
    int rare_df;          /* a verbatim passage whose spans share fewer than two rare words
                             (one for a copy) is a template: boilerplate. Rare: found in at
                             most rare_df + k documents, k those sharing the passage's text.
                             0 (default): the corpus's documents / 1000, at least 2 */
    double join_cover;    /* ... and when each document only one of the two stories has is at
                             least this share its story's text, in [0, 1]; default 0.25 */
} ibid_stories_opts;

void ibid_stories_opts_init(ibid_stories_opts *o);

/* One story: its documents in witness order (docs[0] is the first witness) and its passages. */
typedef struct ibid_story {
    size_t n_docs;
    const uint32_t *docs; /* corpus indices, earliest witness first */
    size_t n_passages;
    const uint32_t *passages; /* indices into the result's passages, ascending */
    size_t n_dated;           /* documents with a date: docs[0 .. n_dated) */
} ibid_story;

/* What the stories say about one document. */
typedef struct ibid_witness {
    int64_t date;            /* seconds since 1970-01-01 UTC; IBID_NO_DATE when undated */
    const char *date_text;   /* the "date" field as given, or NULL; owned by the stories */
    const char *title;       /* the "title" field, or NULL; owned by the stories */
    uint32_t rank;           /* position in witness order over the whole corpus */
    uint32_t n_cp;           /* length of the text, code points */
    uint32_t cp_reused;      /* code points shared with earlier witnesses (boilerplate aside) */
    uint32_t cp_later;       /* code points shared with later witnesses only */
    uint32_t cp_boilerplate; /* code points in boilerplate passages and in no other */
} ibid_witness;

#define IBID_NO_DATE INT64_MIN

/* What the stories say about one passage. */
typedef struct ibid_passage_info {
    int32_t story;   /* index of its story, or -1 for boilerplate */
    uint32_t source; /* its probable source: the earlier witness of its two documents */
    int boilerplate; /* 1 when flagged as boilerplate */
} ibid_passage_info;

/*
 * ibid_stories_new: group the passages of `r` (found in `c`) into stories, order witnesses and
 * measure what each document reuses. `o` NULL: the defaults. Stories are numbered by size
 * (documents, then passages) descending, then by their first witness; they depend only on `c`,
 * `r` and `o`. On success *out is new, freed with
 * ibid_stories_free(). Returns 0, IBID_EINVAL (a bad option, or a passage naming a document or
 * an offset outside `c`) naming it. Only reads `c` and `r`; thread-safe on distinct outputs.
 */
int ibid_stories_new(ibid_stories **out, const ibid_corpus *c, const ibid_result *r,
                     const ibid_stories_opts *o, ibid_error *err);
void ibid_stories_free(ibid_stories *s);

/* Number of stories, and story i (0 <= i < size); the story's arrays belong to `s`. */
size_t ibid_stories_size(const ibid_stories *s);
const ibid_story *ibid_stories_get(const ibid_stories *s, size_t i);
/* Document `doc` of the corpus, passage `p` of the result; both belong to `s`. */
const ibid_witness *ibid_stories_witness(const ibid_stories *s, size_t doc);
const ibid_passage_info *ibid_stories_passage(const ibid_stories *s, size_t p);
/* Passages flagged as boilerplate. */
size_t ibid_stories_n_boilerplate(const ibid_stories *s);

/*
 * ibid_stories_write: list the stories. IBID_FORMAT_TEXT: a table for people (story, documents,
 * passages, date span, first witness, title); IBID_FORMAT_JSONL: one object a story with
 * "story" (1-based), "n_docs", "n_passages", "first" (the first witness's id), "date_first",
 * "date_last" (as given, or null), "title", and "witnesses", an array of objects {id, date,
 * reused, own, reused_here} in witness order, where reused and own are the shares of the
 * document's code points reused from earlier witnesses and not, and reused_here the share
 * reused from earlier witnesses through this story's passages; TSV: the table's columns with a
 * header.
 * `c` and `r` must be those the stories were made from. Returns 0, IBID_EINVAL or IBID_EIO.
 */
int ibid_stories_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                       int format, ibid_error *err);

/* How ibid_show_write renders. */
typedef struct ibid_show_opts {
    int color; /* 1: ANSI colours for the spans and their sources; 0: plain text markers */
} ibid_show_opts;

/*
 * ibid_show_write: print document `doc` with its reused spans marked by source. A header gives
 * the id, date, title, stories, the shares reused and own, and the sources: the earlier
 * witnesses it shares passages with, numbered [1], [2]... in witness order; then later
 * witnesses that share its text. In the text, each span is marked with the number of its
 * probable source (the earliest witness of the passages covering it): "[1>" ... "<1]" plainly,
 * or in that source's colour. Boilerplate spans are marked "[B>" ... "<B]". Control characters
 * of the text other than newline and tab are shown as U+FFFD. Returns 0, IBID_EINVAL (doc out
 * of range, or mismatched arguments) or IBID_EIO.
 */
int ibid_show_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                    size_t doc, const ibid_show_opts *o, ibid_error *err);

/*
 * ibid_html_write: one self-contained HTML page (inline CSS and JavaScript, no network; it works
 * from disk): the list of stories, a timeline per story (witnesses by date, with the share each
 * reuses), and a side-by-side view of any two documents that share passages, the passages
 * highlighted and linked (a click on one scrolls the other side to it). Texts of the documents
 * that share a passage are embedded; every string is escaped. `title` is the page title, or
 * NULL for "ibid report". Returns 0, IBID_EINVAL or IBID_EIO.
 */
int ibid_html_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                    const char *title, ibid_error *err);

/*
 * ibid_store_save_stories: group the passages of the whole store `s` (opened for writing) into
 * stories with `o` (NULL: the defaults) and save them in its tables (stories, story_docs, and
 * the story and boilerplate columns of passages; docs/store.md), replacing the stories saved
 * before. One transaction, taken before the store is read, so the saved stories are those of the
 * documents and passages stored at that moment; readers see the old ones until it commits, and
 * a writer waits. Documents added later are in no saved story until the next save.
 * out_corpus, out_result, out_stories: when not NULL, receive the loaded corpus and passages
 * (as ibid_store_load gives them) and their stories, for listing them; the caller frees them.
 * Returns 0, IBID_EINVAL (the store is open read only, or a bad option), IBID_EIO (SQLite
 * failed; the saved stories are left as they were) or an error of ibid_stories_new.
 */
int ibid_store_save_stories(ibid_store *s, const ibid_stories_opts *o, ibid_corpus **out_corpus,
                            ibid_result **out_result, ibid_stories **out_stories, ibid_error *err);

/* What ibid_store_update_stories did. */
typedef struct ibid_store_stories_report {
    int full;                /* 1: recomputed over the whole store (the first save, stories
                                options other than the last save's, or a replaced document) */
    size_t n_new_docs;       /* documents added since the last save (a full save: all) */
    size_t n_new_passages;   /* passages added since the last save (a full save: all) */
    size_t n_template_seeds; /* older passages whose template flag may change: document
                                frequencies or rare_df grew */
    size_t n_seeds;          /* those, the new passages and the passages they overlap */
    size_t n_passages;       /* passages whose stories were recomputed */
    size_t n_docs;           /* documents read to recompute them */
    size_t n_written;        /* stories written */
    size_t n_stories;        /* stories saved in the store now */
} ibid_store_stories_report;

/*
 * ibid_store_update_stories: bring the saved stories of `s` (opened for writing) up to date with
 * the documents added since the last save, recomputing only the stories they can change (see
 * src/store_stories.c): the saved tables are those ibid_store_save_stories would write. When the
 * store has no saved state from this version, or `o` (NULL: the defaults) differs from the
 * options of the last save, or a document was replaced since, it saves them all. One
 * transaction, as ibid_store_save_stories. `rep` (or NULL) receives what was done. Returns 0,
 * IBID_EINVAL (read only, or a bad option), IBID_EIO or an error of ibid_stories_new.
 */
int ibid_store_update_stories(ibid_store *s, const ibid_stories_opts *o,
                              ibid_store_stories_report *rep, ibid_error *err);

/* ---------------------------------------------------------------------------------------------
 * Evaluation: the PAN text-alignment measures (eval.c)
 *
 * A case is a passage of a suspicious document taken from a source document, a detection a pair
 * of passages reported by an aligner; each is a pair of code point ranges (suspicious side,
 * source side) on one document pair. A detection detects a case when both lie on the same pair
 * and overlap on both sides. From Potthast, Stein, Barron-Cedeno and Rosso, "An Evaluation
 * Framework for Plagiarism Detection" (COLING 2010), as used by PAN 2013 text alignment:
 *   precision   = mean over detections r of |(union of s detected by r) & r| / |r|
 *   recall      = mean over cases s of |(union of r detecting s) & s| / |s|
 *   granularity = mean over detected cases of the number of detections detecting them
 *   plagdet     = F1(precision, recall) / log2(1 + granularity)
 * where |.| counts characters on both sides together. The edge cases follow PAN's scripts: with
 * neither cases nor detections, precision = recall = 1; with only one of them, both are 0;
 * granularity is 1 when no case is detected; plagdet is 0 when precision and recall are 0; an
 * empty side [x, x) overlaps a span that holds x strictly inside.
 *
 * Usage: ibid_truth_read(), then ibid_detections_new() on that truth and ibid_detections_read()
 * (any number of files), then ibid_eval(). Objects are not shared between threads while they
 * are being filled; once filled, reading them from many threads is safe.
 * ------------------------------------------------------------------------------------------ */

/* The annotated cases of a corpus and the document pairs they are counted on, each pair in one
 * subset (PAN's "02-no-obfuscation", ...). */
typedef struct ibid_truth ibid_truth;

/* One case, as returned by ibid_truth_get_case(). Strings belong to the truth. */
typedef struct ibid_truth_case {
    const char *subset;   /* the subset of its pair */
    const char *susp_id;  /* the suspicious document (PAN's this_*) */
    const char *src_id;   /* the source document */
    uint32_t cp_beg_susp; /* the passage in susp_id: its first code point */
    uint32_t cp_end_susp; /* one past its last */
    uint32_t cp_beg_src;  /* the passage in src_id: its first code point */
    uint32_t cp_end_src;  /* one past its last */
} ibid_truth_case;

/* The two tables a truth is read from. */
enum {
    IBID_TRUTH_CASES = 0, /* columns subset, susp_id, src_id, this_offset, this_length,
                             source_offset, source_length (code points); others ignored */
    IBID_TRUTH_PAIRS = 1, /* columns subset, susp_id, src_id and optionally n_cases */
};

/* A new, empty truth. Free with ibid_truth_free(). Returns 0. */
int ibid_truth_new(ibid_truth **out);
void ibid_truth_free(ibid_truth *t);

/*
 * ibid_truth_parse_line: add one line of a TSV table (IBID_TRUTH_CASES or IBID_TRUTH_PAIRS).
 * The first non-blank line of a table is its header, naming the columns (in any order; unknown
 * columns are ignored); each later line is one case or one pair. `line` holds `n` bytes, with
 * or without its final "\n" or "\r\n"; it needs no NUL. `source` and `line_no` only name the
 * place in messages. Blank lines are skipped.
 *   Pairs, when given, must come before the cases: then every case must lie on a listed pair of
 *   the same subset. Without pairs, the pairs are those the cases lie on.
 * Returns 0, or on a bad line (missing column, bad or negative number, offset + length beyond
 * 2^32 - 1, a case with no character, a pair listed twice, a case on an unlisted pair or a
 * subset contradicting the pair list) IBID_EPARSE, IBID_EUTF8, IBID_EDUPID, IBID_ENOTFOUND or
 * IBID_ETOOBIG, or IBID_EINVAL for a pairs header after cases, with `err` naming source, line
 * and column; the truth is then unchanged. Touches no file.
 */
int ibid_truth_parse_line(ibid_truth *t, int table, const char *line, size_t n, const char *source,
                          long line_no, ibid_error *err);

/* ibid_truth_parse: ibid_truth_parse_line on every line of `buf` (`n` bytes), numbering lines
 * from 1; the first non-blank line is this table's header even when the table was filled
 * before. Stops at the first error. */
int ibid_truth_parse(ibid_truth *t, int table, const char *buf, size_t n, const char *source,
                     ibid_error *err);

/* ibid_truth_check: 0, or IBID_EDUPID when two cases are equal (naming the line of the later),
 * or IBID_EPARSE when a pair's n_cases differs from its number of cases (naming its line in the
 * pairs table). */
int ibid_truth_check(const ibid_truth *t, ibid_error *err);

/*
 * ibid_truth_read: a new truth from the TSV files `truth_path` (the cases) and `pairs_path` (the
 * pairs, or NULL), checked with ibid_truth_check(). On success *out is the truth, freed with
 * ibid_truth_free(); on error *out is NULL and `err` names the file and line (IBID_EIO when a
 * file cannot be read, IBID_ETOOBIG for a line over 1 MiB).
 */
int ibid_truth_read(ibid_truth **out, const char *truth_path, const char *pairs_path,
                    ibid_error *err);

size_t ibid_truth_n_cases(const ibid_truth *t);
size_t ibid_truth_n_pairs(const ibid_truth *t);
size_t ibid_truth_n_subsets(const ibid_truth *t);
/* Case `i` (0 <= i < n_cases) in input order; its strings live as long as the truth. */
void ibid_truth_get_case(const ibid_truth *t, size_t i, ibid_truth_case *out);
/* Pair `i` (0 <= i < n_pairs) in the order first listed: its subset and documents, strings that
 * live as long as the truth. */
void ibid_truth_get_pair(const ibid_truth *t, size_t i, const char **subset, const char **susp_id,
                         const char **src_id);

/* Detections to score against one truth, matched to its pairs as they are added. */
typedef struct ibid_detections ibid_detections;

/* A new, empty set of detections for `t`, which must outlive it. Free with
 * ibid_detections_free(). Returns 0. */
int ibid_detections_new(ibid_detections **out, const ibid_truth *t);
void ibid_detections_free(ibid_detections *d);

/*
 * ibid_detections_add: add one detection: [cp_beg1, cp_end1) in document id1 and [cp_beg2,
 * cp_end2) in id2 (code points). It counts for the pair (susp_id, src_id) = (id1, id2) and for
 * (id2, id1), whichever the truth lists (both when it lists both). A detection on no listed pair
 * is ignored and counted (n_unlisted in the report); one with no character on either side is
 * ignored and counted (n_empty). Returns 0, or IBID_EINVAL when a begin exceeds its end.
 */
int ibid_detections_add(ibid_detections *d, const char *id1, const char *id2, uint32_t cp_beg1,
                        uint32_t cp_end1, uint32_t cp_beg2, uint32_t cp_end2, ibid_error *err);

/*
 * ibid_detections_parse_line: add the detection of one JSON Lines line (`n` bytes, no NUL
 * needed), an object with the strings "id1", "id2" and the integers "begin1", "end1", "begin2",
 * "end2" as written by ibid_result_write; other fields are ignored. Blank lines are skipped.
 * Returns 0, or IBID_EPARSE (broken JSON: err->column is jansson's column), IBID_EMISSING (a
 * field absent or of the wrong type), IBID_EINVAL (a negative offset, begin > end) or
 * IBID_ETOOBIG (an offset over 2^32 - 1), naming `source` and `line_no`. Touches no file.
 */
int ibid_detections_parse_line(ibid_detections *d, const char *line, size_t n, const char *source,
                               long line_no, ibid_error *err);

/* ibid_detections_read: add the detections of the JSON Lines file at `path` ("-" is standard
 * input). Returns 0, an error of ibid_detections_parse_line, IBID_EIO, or IBID_ETOOBIG for a
 * line over 1 GiB; detections of the lines before an error stay added. */
int ibid_detections_read(ibid_detections *d, const char *path, ibid_error *err);
/* As ibid_detections_read on an open stream, named `name` in messages; `fp` is not closed. */
int ibid_detections_read_fp(ibid_detections *d, FILE *fp, const char *name, ibid_error *err);

/* One row of a report: the measures over the pairs of one subset, or over all of them. */
typedef struct ibid_eval_row {
    const char *subset;  /* subset name, or "overall" for the last row; owned by the report */
    size_t n_pairs;      /* document pairs listed in the subset */
    size_t n_cases;      /* cases on those pairs */
    size_t n_detections; /* distinct detections on those pairs */
    size_t n_detected;   /* cases detected by at least one detection */
    double precision;    /* in [0, 1] */
    double recall;       /* in [0, 1] */
    double granularity;  /* >= 1 */
    double plagdet;      /* in [0, 1] */
} ibid_eval_row;

/* What ibid_eval found. Rows: one per subset in strcmp order of the names, then "overall". */
typedef struct ibid_eval_report {
    size_t n_rows;
    ibid_eval_row *rows;
    size_t n_added;     /* detections given to ibid_detections_add, all told */
    size_t n_unlisted;  /* ... on a pair the truth does not list: ignored */
    size_t n_empty;     /* ... on a listed pair, with no character on either side: ignored */
    size_t n_duplicate; /* ... equal to another on the same pair: counted once, as PAN does */
} ibid_eval_report;

/*
 * ibid_eval: score the detections `d` against the truth `t` they were made for, per subset and
 * overall (a detection in a subset without cases, such as PAN's 01-no-plagiarism, lowers the
 * overall precision). On success *out is a new report, freed with ibid_eval_report_free().
 * Returns 0, an error of ibid_truth_check(t), or IBID_EINVAL when `d` was made for another
 * truth. Only reads `t` and `d`.
 */
int ibid_eval(ibid_eval_report **out, const ibid_truth *t, const ibid_detections *d,
              ibid_error *err);
void ibid_eval_report_free(ibid_eval_report *r);

/* Report formats for ibid_eval_report_write. */
enum {
    IBID_EVAL_TEXT = 0,  /* an aligned table for people, then a line of detection counts */
    IBID_EVAL_JSONL = 1, /* one JSON object per row: subset, n_pairs, n_cases, n_detections,
                            n_detected, precision, recall, granularity, plagdet; the overall
                            row adds n_added, n_unlisted, n_empty, n_duplicate */
};

/* Write `r` to `fp` in `format`. Returns 0, IBID_EINVAL for an unknown format, or IBID_EIO. */
int ibid_eval_report_write(FILE *fp, const ibid_eval_report *r, int format, ibid_error *err);

/* ---------------------------------------------------------------------------------------------
 * Deduplication: exact and near-duplicate documents at corpus scale (dedup.c, minhash.c,
 * spill.c, unionfind.c, docstream.c)
 *
 * ibid_dedup_run streams its inputs once: each document's normalized words (as ibid_tokenize)
 * give an exact hash and a set of word n-gram shingles; a document whose exact hash was seen is
 * an exact duplicate. The others get a MinHash signature cut into bands (LSH); bucket keys are
 * sorted, spilled to disk past the memory budget and merged; documents sharing a bucket are
 * candidates, verified by the exact similarity of their shingle sets (kept in a temporary file)
 * and joined into clusters (union-find). Each
 * cluster keeps one survivor. ibid_dedup_write_kept reads the inputs a second time to copy the
 * survivors.
 * ------------------------------------------------------------------------------------------ */

/* Most MinHash values per document. */
#define IBID_MAX_HASHES 1024

/*
 * ibid_lsh_probability: the chance that two documents of Jaccard similarity s share at least one
 * of `bands` buckets of `rows` MinHash values each: 1 - (1 - s^rows)^bands. Thread-safe.
 */
double ibid_lsh_probability(double s, int bands, int rows);

/*
 * ibid_minhash_params: the bands and rows (bands x rows <= max_hashes) whose S-curve best
 * separates similarities below and above `threshold`: they minimize w_fp x FP + w_fn x FN,
 * where FP is the area under the curve on [0, threshold] (dissimilar pairs that become
 * candidates: verification time) and FN the area above it on [threshold, 1] (similar pairs
 * never compared: lost recall). `fp` and `fn` (may be NULL) receive those areas. Returns 0, or
 * IBID_EINVAL when threshold is not in (0, 1), max_hashes not in [2, IBID_MAX_HASHES] or the
 * weights are negative or both 0. Thread-safe.
 */
int ibid_minhash_params(double threshold, int max_hashes, double w_fp, double w_fn, int *bands,
                        int *rows, double *fp, double *fn);

/* Which document of a cluster survives. */
enum {
    IBID_KEEP_FIRST = 0,   /* the first in input order */
    IBID_KEEP_OLDEST = 1,  /* the least date field (compared as strings: ISO 8601 dates sort);
                              documents without one come after all dated ones; ties: first */
    IBID_KEEP_LONGEST = 2, /* the most bytes of text; ties: first */
};

/* Deduplication parameters. Initialize with ibid_dedup_opts_init(), which sets the defaults. */
typedef struct ibid_dedup_opts {
    double threshold;       /* least similarity of two near duplicates, in (0, 1]; 0.8 */
    int containment;        /* 1: similarity is |A & B| / min(|A|, |B|) (a short text reprinted
                               inside a longer one), 0: Jaccard |A & B| / |A | B|; default 0 */
    int ngram;              /* words per shingle, 1 to 64; default 5 */
    int n_hashes;           /* MinHash values per document, 2 to IBID_MAX_HASHES; default 256 */
    int bands, rows;        /* LSH banding; 0 and 0 (default): ibid_minhash_params(lsh_threshold,
                               n_hashes, 1 - fn_weight, fn_weight); else bands x rows <=
                               n_hashes */
    double fn_weight;       /* in (0, 1): the weight of false negatives against false positives
                               (1 - fn_weight) when choosing the banding; default 0.9, since a
                               false positive costs only a verification */
    double lsh_threshold;   /* what the banding aims at, in (0, 1); 0 (default): threshold, or
                               threshold / 4 with containment (a text contained in one four
                               times its length has Jaccard about 1/4 with it) */
    int keep;               /* IBID_KEEP_*; default IBID_KEEP_FIRST */
    const char *date_field; /* JSON field for IBID_KEEP_OLDEST; default "date" */
    unsigned norm;          /* IBID_NORM_* flags for the words; default IBID_NORM_DEFAULT */
    size_t memory;          /* bytes for bucket keys and candidate pairs before they are
                               spilled to disk; 0 (default): a quarter of the physical memory.
                               Not bounded by it: about 100 bytes and the id of each document,
                               and two batches of text */
    const char *tmp_dir;    /* where temporary files go (deleted at once); NULL: /tmp */
    uint64_t seed;          /* hash seed; default 1 */
    int n_threads;          /* worker threads, 1 to 1024; default 1 */
    void (*progress)(void *ud, const ibid_progress *p); /* or NULL; stages "read" (done =
                               documents, total = 0), "candidates", "verify", "clusters" */
    void *progress_ud;
} ibid_dedup_opts;

void ibid_dedup_opts_init(ibid_dedup_opts *o);

/* Check option ranges: 0, or IBID_EINVAL with a message naming the option. */
int ibid_dedup_opts_check(const ibid_dedup_opts *o, ibid_error *err);

/* What a deduplication found, and what it took. */
typedef struct ibid_dedup_stats {
    size_t n_docs;            /* documents read */
    size_t n_bytes;           /* their text, bytes */
    size_t n_skipped;         /* bad documents skipped under skip_bad (not in n_docs) */
    size_t n_kept;            /* survivors: documents in no cluster, and one per cluster */
    size_t n_exact;           /* removed: same normalized text as their cluster's survivor */
    size_t n_near;            /* removed: near duplicates */
    size_t n_clusters;        /* clusters of two documents or more */
    size_t n_empty;           /* documents without a word (all exact duplicates of each other) */
    uint64_t n_bucket_keys;   /* LSH bucket keys written */
    uint64_t n_candidates;    /* distinct candidate pairs sharing a bucket */
    uint64_t n_compared;      /* of them, verified (pairs already in one cluster are not) */
    uint64_t n_similar;       /* of them, at least the threshold */
    size_t n_runs;            /* sorted runs spilled to disk (0: everything fit in memory) */
    uint64_t n_shingle_bytes; /* the temporary file of shingles: 4 bytes a word n-gram
                                 (repeats included) of every document */
    int bands, rows;          /* the banding used */
} ibid_dedup_stats;

typedef struct ibid_dedup ibid_dedup;

/*
 * ibid_dedup_run: deduplicate the documents of `inputs` (n_inputs paths, read as
 * ibid_corpus_read reads them; "-" is refused with IBID_EINVAL, since ibid_dedup_write_kept
 * reads the inputs again). Document ids need not be unique: documents are numbered from 0 in
 * input order. Text is held one batch at a time (two with n_threads > 1: one read ahead);
 * shingles go to a temporary file, bucket keys and candidate pairs beyond o->memory to sorted
 * runs on disk; what else is kept in memory is about 100 bytes and the id of each document. On
 * success *out is a new ibid_dedup, freed with ibid_dedup_free(). The result is the same for any
 * n_threads and any memory. Errors: those of ibid_corpus_read (naming file and line), IBID_EINVAL
 * for options, IBID_EIO for temporary files.
 */
int ibid_dedup_run(ibid_dedup **out, const char *const *inputs, size_t n_inputs,
                   const ibid_read_opts *ro, const ibid_dedup_opts *o, ibid_error *err);
void ibid_dedup_free(ibid_dedup *d);

/* The figures of a run; they belong to `d`. */
const ibid_dedup_stats *ibid_dedup_get_stats(const ibid_dedup *d);

/* Document `i` (0 <= i < n_docs): its id, whether it survives, and its cluster's survivor (i
 * itself for a survivor). */
const char *ibid_dedup_id(const ibid_dedup *d, size_t i);
int ibid_dedup_is_kept(const ibid_dedup *d, size_t i);
size_t ibid_dedup_survivor(const ibid_dedup *d, size_t i);

/* Documents skipped under skip_bad, with their errors, in input order (i < n_skipped). */
const ibid_error *ibid_dedup_skipped(const ibid_dedup *d, size_t i);

/*
 * ibid_dedup_write_kept: write the survivors to `fp` in input order, reading the inputs again.
 * A JSON Lines document is its input line copied byte for byte (every field as written), then
 * "\n"; a text file document is a line {"id": ID, "text": TEXT}. Returns 0, IBID_EIO (a write
 * failed, or an input changed since ibid_dedup_run read it) or a read error of the inputs.
 */
int ibid_dedup_write_kept(const ibid_dedup *d, FILE *fp, ibid_error *err);

/*
 * ibid_dedup_write_clusters: one JSON object a line per cluster of two documents or more, in
 * the order of their first documents: "kept" (the survivor's id), "size", then "members", every
 * document of the cluster in input order as {"id", "n" (its number in input order), "similarity"
 * (to the survivor, Jaccard or containment as chosen, 4 decimals), "exact" (true: the same
 * normalized text)}. Returns 0 or IBID_EIO.
 */
int ibid_dedup_write_clusters(const ibid_dedup *d, FILE *fp, ibid_error *err);

/* ---------------------------------------------------------------------------------------------
 * Scale-out on MPI: ibid align across the ranks of an mpirun job (mpi_exchange.c, mpi_align.c;
 * mpi_none.c when built without MPI). docs/mpi.md describes the design and multi-node use.
 * ------------------------------------------------------------------------------------------ */

/* The MPI library the build uses ("Open MPI v4.1.4, ..." as MPI reports it, first line), or NULL
 * when ibid was built without MPI. Thread safety: any thread. */
const char *ibid_mpi_library(void);

/*
 * ibid_mpi_init: join the MPI job (MPI_Init); call once, from the main thread, before any other
 * ibid_mpi_* call, and only when the process was started by mpirun (the caller decides, e.g.
 * from the launcher's environment: the library reads none). Errors in MPI calls then abort the
 * whole job (MPI_ERRORS_ARE_FATAL), so a rank that dies takes the others down. Returns 0, or
 * IBID_EINVAL when built without MPI or when MPI_Init fails. ibid_mpi_finalize leaves the job
 * (MPI_Finalize); call it once at the end, from the main thread, after a successful init.
 */
int ibid_mpi_init(int *argc, char ***argv, ibid_error *err);
void ibid_mpi_finalize(void);
/* This process's rank in the job and the number of ranks; 0 and 0 outside a job (before
 * ibid_mpi_init, after ibid_mpi_finalize, or built without MPI). Thread safety: any thread. */
int ibid_mpi_rank(void);
int ibid_mpi_size(void);

/* What one rank did in ibid_mpi_align: plain figures, for -v and the benchmark. */
typedef struct ibid_mpi_rank_stats {
    uint64_t n_docs;          /* documents this rank owns (by the hash of their id) */
    uint64_t n_bytes;         /* their text bytes */
    uint64_t n_fetched;       /* documents of other ranks fetched to align against */
    uint64_t n_fetched_bytes; /* their text bytes */
    uint64_t n_postings;      /* n-gram postings this rank received as their hash's owner */
    uint64_t n_group_occ;     /* occurrences of shared n-grams it received as a document owner */
    uint64_t n_passages;      /* passages it aligned */
    uint64_t bytes_sent;      /* bytes it sent to other ranks (all exchanges, output included) */
    uint64_t bytes_received;  /* bytes it received from other ranks */
    uint64_t max_rss;         /* peak resident memory, bytes (getrusage) */
} ibid_mpi_rank_stats;

/* The report of ibid_mpi_align; free with ibid_mpi_report_free. */
typedef struct ibid_mpi_report {
    int n_ranks;
    ibid_mpi_rank_stats *rank; /* on rank 0: one per rank; elsewhere: this rank's alone */
    size_t n_docs;             /* documents in the corpus (every rank) */
    size_t n_shared_ngrams;    /* distinct n-grams in 2..max_df documents, all ranks */
    size_t n_boilerplate;      /* distinct n-grams dropped for max_df, all ranks */
    size_t n_candidates;       /* document pairs aligned, all ranks */
    size_t n_passages;         /* passages written, all ranks */
    int n_passes;              /* rounds of the n-gram exchange (hash partitions, as P) */
    size_t n_skipped;          /* documents skipped under skip_bad, with why, in skipped[] */
    ibid_error *skipped;       /* (on rank 0, in input order) */
    size_t n_pairs_skipped;    /* lines of pairs_path skipped under skip_bad (unknown ids) */
} ibid_mpi_report;
void ibid_mpi_report_free(ibid_mpi_report *r);

/* Options of ibid_mpi_align beyond those of ibid_align. Initialize with ibid_mpi_opts_init. */
typedef struct ibid_mpi_opts {
    int test_die_rank;      /* for the failure test: this rank calls abort() in the n-gram
                               exchange; -1 (the default): none */
    int test_die_signal;    /* that rank raises this signal instead (0, the default: abort) */
    const char *pairs_path; /* align only the pairs listed there (ibid_pairs_read's format, ids
                               checked as it checks them); NULL (the default): every pair */
} ibid_mpi_opts;
void ibid_mpi_opts_init(ibid_mpi_opts *o);

/*
 * ibid_mpi_align: ibid align across every rank of the job; every rank calls it with the same
 * arguments. Each rank reads its share of the inputs (about 1/N of the bytes: a plain JSON Lines
 * file is cut at line boundaries, a compressed or text file goes whole to one rank) and owns the
 * documents it read; line numbers, duplicate ids and the first error are settled across ranks
 * as one process has them. n-gram postings go to the rank owning their hash range
 * (MPI_Alltoallv, in o->index_memory-sized rounds); each owner finds the shared n-grams and
 * sends them to the ranks owning their documents, which fetch the texts of their candidate
 * partners and align; rank 0 merges the ranks' sorted passages into `out`. The bytes written
 * are those ibid_result_write writes for ibid_align on the whole corpus with the same options
 * (wo->format IBID_FORMAT_JSONL, IBID_FORMAT_TSV or IBID_FORMAT_TEXT; ao->mode
 * IBID_MODE_VERBATIM). `out` is used on rank 0 only (NULL elsewhere). Inputs as for
 * ibid_corpus_read, except "-". On success *rep (if not NULL) is a new report. Errors: those of
 * ibid_corpus_read and ibid_align (a duplicate id names the later file and line, as one process
 * does), IBID_EINVAL for an option this mode does not support, IBID_EIO; every rank returns the
 * same error (that of the lowest rank that failed). Thread safety: the main thread, one call at
 * a time; it uses ao->n_threads threads for its own work.
 */
int ibid_mpi_align(FILE *out, const char *const *inputs, size_t n_inputs, const ibid_read_opts *ro,
                   const ibid_align_opts *ao, const ibid_write_opts *wo, const ibid_mpi_opts *mo,
                   ibid_mpi_report **rep, ibid_error *err);

/*
 * ibid_mpi_dedup: ibid_dedup_run across every rank of the job; every rank calls it with the
 * same arguments. Each rank reads its share of the inputs (about 1/N of the bytes: a plain JSON
 * Lines file is cut at line boundaries, a compressed or text file goes whole to one rank) and
 * signs its documents; exact keys and band keys go to the ranks owning their hash ranges
 * (MPI_Alltoallv), candidate pairs to the rank of their first document, which fetches the
 * other's shingles and verifies; the duplicate edges are joined on rank 0 (mpi_dedup.c). On rank
 * 0, *out is the result, with the clusters and survivors of ibid_dedup_run on the same inputs and
 * options (its counts of compared and similar pairs can be larger: one process skips pairs
 * already joined); write the clusters with ibid_dedup_write_clusters. `kept` (rank 0's; the
 * others pass NULL): where the kept documents go, as ibid_dedup_write_kept writes them, each
 * rank copying its own from its share and rank 0 appending the parts in input order; NULL on
 * rank 0: not written (ibid_dedup_write_kept on rank 0 can still write them, reading every input
 * again). Elsewhere *out is NULL. On success *rep (if not NULL) is a new report (n_postings:
 * band keys received; n_group_occ: pairs verified; n_fetched: shingle sets fetched). Errors as
 * ibid_dedup_run, the same on every rank. Thread safety: the main thread, one call at a time;
 * o->n_threads threads per rank.
 */
int ibid_mpi_dedup(ibid_dedup **out, FILE *kept, const char *const *inputs, size_t n_inputs,
                   const ibid_read_opts *ro, const ibid_dedup_opts *o, const ibid_mpi_opts *mo,
                   ibid_mpi_report **rep, ibid_error *err);

#ifdef __cplusplus
}
#endif

#endif /* IBID_H */
