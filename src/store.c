/*
 * store.c: the store of record, one SQLite database: opening and creating it, its schema and
 * the migrations between schema versions, the matching options it keeps, and materializing
 * stored documents and passages as an in-memory corpus and result (ibid_store_load).
 *
 * The file is an ordinary SQLite database in WAL mode (write-ahead logging), so that readers
 * never wait for a writer and a writer never waits for readers, and a process killed in the
 * middle of a transaction leaves the database as it was before it: SQLite's atomic commit
 * (https://www.sqlite.org/atomiccommit.html, https://www.sqlite.org/wal.html). It is marked as
 * ibid's by PRAGMA application_id and versioned by PRAGMA user_version: version 0 is an empty
 * file, and migrations[v] takes a store from version v to v + 1 inside one transaction, so that
 * opening an older store for writing brings it up to date and a crash during a migration leaves
 * the old version. docs/store.md describes the tables for people who query them with sqlite3.
 *
 * The matching options (those that change what is found: ngram, max_df, norm, mode, ...) are
 * recorded in the config table when a store is created and read back at every open, because the
 * sampled index and the stored passages were made with them; run-time options (threads, memory,
 * dictionary folders) are not recorded.
 */
#include "store.h"

#include <stddef.h>
#include <sys/stat.h>

#define APPLICATION_ID 0x69626964 /* "ibid" */

static int index_to_blocks(ibid_store *s, ibid_error *err);

/* migrations[v]: the SQL, then the C function (or NULL), taking a store from version v to v + 1 */
static const struct {
    const char *sql;
    int (*fn)(ibid_store *s, ibid_error *err);
} migrations[] = {
    /* 0 -> 1: the first schema */
    {"CREATE TABLE config(key TEXT PRIMARY KEY, value) WITHOUT ROWID;\n"
     "CREATE TABLE batches(\n"
     "  batch INTEGER PRIMARY KEY,\n"
     "  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),\n"
     "  n_docs INTEGER NOT NULL,\n"
     "  n_passages INTEGER NOT NULL);\n"
     "CREATE TABLE docs(\n"
     "  doc INTEGER PRIMARY KEY,\n"
     "  id TEXT NOT NULL UNIQUE,\n"
     "  text TEXT NOT NULL,\n"
     "  n_bytes INTEGER NOT NULL,\n"
     "  source TEXT, date TEXT, url TEXT, title TEXT,\n"
     "  meta TEXT,\n"
     "  batch INTEGER NOT NULL REFERENCES batches(batch));\n"
     "CREATE INDEX docs_date ON docs(date);\n"
     "CREATE TABLE grams(\n"
     "  hash INTEGER NOT NULL,\n"
     "  doc INTEGER NOT NULL REFERENCES docs(doc),\n"
     "  PRIMARY KEY(hash, doc)) WITHOUT ROWID;\n"
     "CREATE TABLE grams_recent(\n"
     "  hash INTEGER NOT NULL,\n"
     "  doc INTEGER NOT NULL REFERENCES docs(doc),\n"
     "  PRIMARY KEY(hash, doc)) WITHOUT ROWID;\n"
     "CREATE TABLE index_rows(tab TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;\n"
     "INSERT INTO index_rows VALUES ('grams', 0), ('grams_recent', 0);\n"
     "CREATE TABLE passages(\n"
     "  passage INTEGER PRIMARY KEY,\n"
     "  doc1 INTEGER NOT NULL REFERENCES docs(doc),\n"
     "  doc2 INTEGER NOT NULL REFERENCES docs(doc),\n"
     "  begin1 INTEGER NOT NULL, end1 INTEGER NOT NULL,\n"
     "  begin2 INTEGER NOT NULL, end2 INTEGER NOT NULL,\n"
     "  byte_begin1 INTEGER NOT NULL, byte_end1 INTEGER NOT NULL,\n"
     "  byte_begin2 INTEGER NOT NULL, byte_end2 INTEGER NOT NULL,\n"
     "  tok_begin1 INTEGER NOT NULL, tok_end1 INTEGER NOT NULL,\n"
     "  tok_begin2 INTEGER NOT NULL, tok_end2 INTEGER NOT NULL,\n"
     "  matches INTEGER NOT NULL, columns INTEGER NOT NULL, score INTEGER NOT NULL,\n"
     "  kind TEXT NOT NULL);\n"
     "CREATE INDEX passages_doc1 ON passages(doc1, doc2);\n"
     "CREATE INDEX passages_doc2 ON passages(doc2, doc1);\n"
     "CREATE TABLE stories(\n"
     "  story INTEGER NOT NULL,\n"
     "  doc INTEGER NOT NULL REFERENCES docs(doc),\n"
     "  PRIMARY KEY(story, doc)) WITHOUT ROWID;\n"
     "CREATE INDEX stories_doc ON stories(doc);\n"
     "CREATE VIEW passage_ids AS\n"
     "  SELECT p.passage, d1.id AS id1, d2.id AS id2, p.begin1, p.end1, p.begin2, p.end2,\n"
     "         p.matches, p.score, p.kind\n"
     "  FROM passages p JOIN docs d1 ON d1.doc = p.doc1 JOIN docs d2 ON d2.doc = p.doc2;\n",
     NULL},
    /* 1 -> 2: saved stories (ibid stories --save). Version 1's stories table was never filled,
     * so it is replaced rather than altered. */
    {"DROP TABLE stories;\n"
     "CREATE TABLE stories(\n"
     "  story INTEGER PRIMARY KEY,\n"
     "  n_docs INTEGER NOT NULL,\n"
     "  n_passages INTEGER NOT NULL,\n"
     "  first_doc INTEGER NOT NULL REFERENCES docs(doc),\n"
     "  date_first TEXT, date_last TEXT, title TEXT);\n"
     "CREATE TABLE story_docs(\n"
     "  story INTEGER NOT NULL REFERENCES stories(story),\n"
     "  doc INTEGER NOT NULL REFERENCES docs(doc),\n"
     "  rank INTEGER NOT NULL,\n"
     "  reused REAL NOT NULL, own REAL NOT NULL, reused_here REAL NOT NULL,\n"
     "  PRIMARY KEY(story, doc)) WITHOUT ROWID;\n"
     "CREATE INDEX story_docs_doc ON story_docs(doc);\n"
     "CREATE TABLE story_saves(\n"
     "  save INTEGER PRIMARY KEY,\n"
     "  saved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),\n"
     "  batch INTEGER,\n"
     "  n_stories INTEGER NOT NULL, n_boilerplate INTEGER NOT NULL);\n"
     "ALTER TABLE passages ADD COLUMN story INTEGER;\n"
     "ALTER TABLE passages ADD COLUMN boilerplate INTEGER NOT NULL DEFAULT 0;\n"
     "CREATE INDEX passages_story ON passages(story);\n",
     NULL},
    /* 2 -> 3: the n-gram index as packed blocks (store_index.c) instead of one row an entry;
     * index_to_blocks fills them from grams and grams_recent, then drops those. The working
     * tables of the incremental stories save (store_stories.c), empty until a save */
    {"CREATE TABLE gram_blocks(block INTEGER PRIMARY KEY, data BLOB NOT NULL);\n"
     "CREATE TABLE gram_runs(run INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n"
     "CREATE TABLE IF NOT EXISTS story_words(hash INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n"
     "CREATE TABLE IF NOT EXISTS story_rare(passage INTEGER PRIMARY KEY, spread INTEGER NOT NULL,\n"
     "  need INTEGER NOT NULL, kdf INTEGER, words BLOB, figures INTEGER);\n",
     index_to_blocks},
    /* 3 -> 4: the texts in a table of their own, so that a batch commits its texts and index
     * run before its documents, which makes them visible (store_add.c) */
    {"CREATE TABLE texts(doc INTEGER PRIMARY KEY, text TEXT NOT NULL);\n"
     "INSERT INTO texts(doc, text) SELECT doc, text FROM docs;\n"
     "ALTER TABLE docs DROP COLUMN text;\n",
     NULL},
    /* 4 -> 5: index entries of 8 bytes instead of 12 (store_index.c) */
    {"", ibid_store_index_to_v5},
};

static int index_to_blocks(ibid_store *s, ibid_error *err)
{
    int rc = ibid_store_index_from_v2(s, err);
    if (rc == 0)
        rc = ibid_store_exec(s, "DROP TABLE grams; DROP TABLE grams_recent; DROP TABLE index_rows",
                             err);
    return rc;
}

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(N_MIGRATIONS == IBID_STORE_VERSION, "one migration per schema version");

/* The recorded options: name in the config table, type and place in ibid_align_opts. */
enum { OPT_INT, OPT_UNSIGNED, OPT_DOUBLE, OPT_STRING };
static const struct {
    const char *name;
    int type;
    size_t off;
} recorded[] = {
    {"ngram", OPT_INT, offsetof(ibid_align_opts, ngram)},
    {"max_df", OPT_INT, offsetof(ibid_align_opts, max_df)},
    {"max_tf", OPT_INT, offsetof(ibid_align_opts, max_tf)},
    {"min_seeds", OPT_INT, offsetof(ibid_align_opts, min_seeds)},
    {"max_gap", OPT_INT, offsetof(ibid_align_opts, max_gap)},
    {"min_words", OPT_INT, offsetof(ibid_align_opts, min_words)},
    {"merge_gap", OPT_INT, offsetof(ibid_align_opts, merge_gap)},
    {"match", OPT_INT, offsetof(ibid_align_opts, match)},
    {"mismatch", OPT_INT, offsetof(ibid_align_opts, mismatch)},
    {"gap_open", OPT_INT, offsetof(ibid_align_opts, gap_open)},
    {"gap_extend", OPT_INT, offsetof(ibid_align_opts, gap_extend)},
    {"xdrop", OPT_INT, offsetof(ibid_align_opts, xdrop)},
    {"norm", OPT_UNSIGNED, offsetof(ibid_align_opts, norm)},
    {"mode", OPT_INT, offsetof(ibid_align_opts, mode)},
    {"sent_sim", OPT_DOUBLE, offsetof(ibid_align_opts, sent_sim)},
    {"sent_dice", OPT_DOUBLE, offsetof(ibid_align_opts, sent_dice)},
    {"sent_gap", OPT_INT, offsetof(ibid_align_opts, sent_gap)},
    {"frag_sim", OPT_DOUBLE, offsetof(ibid_align_opts, frag_sim)},
    {"summary_gap", OPT_INT, offsetof(ibid_align_opts, summary_gap)},
    {"translate", OPT_STRING, offsetof(ibid_align_opts, translate)},
    {"synonyms", OPT_INT, offsetof(ibid_align_opts, synonyms)},
};

#define N_RECORDED (sizeof recorded / sizeof recorded[0])

int ibid_store_sqlerr(ibid_store *s, ibid_error *err, const char *what)
{
    int ext = sqlite3_extended_errcode(s->db);
    return ibid_fail(err, IBID_EIO, s->path, 0, 0, "%s: %s (SQLite error %d)", what,
                     sqlite3_errmsg(s->db), ext);
}

int ibid_store_exec(ibid_store *s, const char *sql, ibid_error *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "SQL failed");
    return 0;
}

/* The integer result of a one-row query, or IBID_EIO. */
static int query_int(ibid_store *s, const char *sql, int64_t *out, ibid_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = ibid_store_sqlerr(s, err, "cannot read the database");
        goto done;
    }
    *out = sqlite3_column_int64(st, 0);
done:
    sqlite3_finalize(st);
    return rc;
}

static int write_config(ibid_store *s, const ibid_align_opts *o, ibid_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO config(key, value) VALUES (?1, ?2)", -1,
                           &st, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot record the options");
    for (size_t i = 0; i < N_RECORDED; i++) {
        const char *p = (const char *)o + recorded[i].off;
        sqlite3_bind_text(st, 1, recorded[i].name, -1, SQLITE_STATIC);
        switch (recorded[i].type) {
        case OPT_INT:
            sqlite3_bind_int(st, 2, *(const int *)p);
            break;
        case OPT_UNSIGNED:
            sqlite3_bind_int64(st, 2, *(const unsigned *)p);
            break;
        case OPT_DOUBLE:
            sqlite3_bind_double(st, 2, *(const double *)p);
            break;
        default: {
            const char *v = *(const char *const *)p;
            if (v)
                sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, 2);
        }
        }
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = ibid_store_sqlerr(s, err, "cannot record the options");
            break;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Read the recorded options into s->opts (over the defaults). */
static int read_config(ibid_store *s, ibid_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM config", -1, &st, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot read the options");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        if (key && strcmp(key, "full_tokens") == 0) s->full_tokens = sqlite3_column_int64(st, 1);
        for (size_t i = 0; key && i < N_RECORDED; i++) {
            if (strcmp(key, recorded[i].name) != 0) continue;
            char *p = (char *)&s->opts + recorded[i].off;
            switch (recorded[i].type) {
            case OPT_INT:
                *(int *)p = sqlite3_column_int(st, 1);
                break;
            case OPT_UNSIGNED:
                *(unsigned *)p = (unsigned)sqlite3_column_int64(st, 1);
                break;
            case OPT_DOUBLE:
                *(double *)p = sqlite3_column_double(st, 1);
                break;
            default: {
                const char *v = (const char *)sqlite3_column_text(st, 1);
                free(s->translate);
                s->translate = v ? ibid_xstrndup(v, strlen(v)) : NULL;
                *(const char **)p = s->translate;
            }
            }
        }
    }
    if (step != SQLITE_DONE) rc = ibid_store_sqlerr(s, err, "cannot read the options");
    sqlite3_finalize(st);
    if (rc == 0 && ibid_align_opts_check(&s->opts, NULL) < 0)
        rc = ibid_fail(err, IBID_EIO, s->path, 0, 0, "the recorded options are out of range");
    return rc;
}

/* 0 when the matching options of `o` equal the store's, else IBID_EINVAL naming one. */
static int check_opts(ibid_store *s, const ibid_align_opts *o, ibid_error *err)
{
    for (size_t i = 0; i < N_RECORDED; i++) {
        const char *a = (const char *)o + recorded[i].off,
                   *b = (const char *)&s->opts + recorded[i].off;
        int same;
        switch (recorded[i].type) {
        case OPT_INT:
            same = *(const int *)a == *(const int *)b;
            break;
        case OPT_UNSIGNED:
            same = *(const unsigned *)a == *(const unsigned *)b;
            break;
        case OPT_DOUBLE:
            same = *(const double *)a == *(const double *)b;
            break;
        default: {
            const char *x = *(const char *const *)a, *y = *(const char *const *)b;
            same = (!x && !y) || (x && y && strcmp(x, y) == 0);
        }
        }
        if (!same)
            return ibid_fail(err, IBID_EINVAL, s->path, 0, 0,
                             "the store was created with another %s; a store keeps the matching "
                             "options it was created with",
                             recorded[i].name);
    }
    return 0;
}

/* Bring the store from s->version to IBID_STORE_VERSION, creating it from version 0. */
static int migrate(ibid_store *s, const ibid_align_opts *create_opts, ibid_error *err)
{
    int rc;
    int64_t v;
    if ((rc = ibid_store_exec(s, "BEGIN IMMEDIATE", err)) < 0) return rc;
    /* another process may have migrated since we looked */
    if ((rc = query_int(s, "PRAGMA user_version", &v, err)) < 0) goto done;
    if (v == 0) {
        int64_t n_obj;
        if ((rc = query_int(s, "SELECT count(*) FROM sqlite_master", &n_obj, err)) < 0) goto done;
        if (n_obj > 0) {
            rc = ibid_fail(err, IBID_EIO, s->path, 0, 0,
                           "not an ibid store (an SQLite database with other tables)");
            goto done;
        }
    }
    for (; v < N_MIGRATIONS; v++) {
        if ((rc = ibid_store_exec(s, migrations[v].sql, err)) < 0) goto done;
        if (migrations[v].fn && (rc = migrations[v].fn(s, err)) < 0) goto done;
        if (v == 0) {
            ibid_align_opts def;
            ibid_align_opts_init(&def);
            if ((rc = write_config(s, create_opts ? create_opts : &def, err)) < 0) goto done;
            char ft[64];
            snprintf(ft, sizeof ft, "INSERT INTO config VALUES ('full_tokens', %d)",
                     IBID_STORE_FULL_TOKENS);
            if ((rc = ibid_store_exec(s, ft, err)) < 0) goto done;
        }
    }
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             APPLICATION_ID, N_MIGRATIONS);
    if ((rc = ibid_store_exec(s, sql, err)) < 0) goto done;
    rc = ibid_store_exec(s, "COMMIT", err);
    s->version = N_MIGRATIONS;
done:
    if (rc < 0) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int ibid_store_open(ibid_store **out, const char *path, int flags, const ibid_align_opts *opts,
                    ibid_error *err)
{
    assert(out && path);
    assert(flags == IBID_STORE_READ || flags == IBID_STORE_WRITE ||
           flags == (IBID_STORE_WRITE | IBID_STORE_CREATE));
    *out = NULL;
    int rc = 0;
    int64_t v, app;
    struct stat sb;
    if (opts && (rc = ibid_align_opts_check(opts, err)) < 0) return rc;
    if (stat(path, &sb) != 0 && !(flags & IBID_STORE_CREATE))
        return ibid_fail(err, IBID_ENOTFOUND, path, 0, 0,
                         "no such store (create one with ibid add)");
    ibid_store *s = ibid_xcalloc(1, sizeof *s);
    s->path = ibid_xstrndup(path, strlen(path));
    s->writable = (flags & IBID_STORE_WRITE) != 0;
    s->parallel_lookups = 100000;
    s->parallel_fetch = 256;
    s->scan_blocks = -1;
    ibid_align_opts_init(&s->opts);
    int oflags = s->writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    if (flags & IBID_STORE_CREATE) oflags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = s->db ? ibid_store_sqlerr(s, err, "cannot open")
                   : ibid_fail(err, IBID_ENOMEM, path, 0, 0, "cannot open: out of memory");
        goto done;
    }
    sqlite3_busy_timeout(s->db, IBID_STORE_BUSY_MS);
    if (query_int(s, "PRAGMA user_version", &v, err) < 0 ||
        query_int(s, "PRAGMA application_id", &app, err) < 0) {
        rc = ibid_fail(err, IBID_EIO, path, 0, 0, "not an ibid store: %s", sqlite3_errmsg(s->db));
        goto done;
    }
    if (v > 0 && app != APPLICATION_ID) {
        rc = ibid_fail(err, IBID_EIO, path, 0, 0,
                       "not an ibid store (another application's "
                       "SQLite database)");
        goto done;
    }
    if (v > N_MIGRATIONS) {
        rc = ibid_fail(err, IBID_EINVAL, path, 0, 0,
                       "store schema version %d is newer than this ibid's (%d)", (int)v,
                       N_MIGRATIONS);
        goto done;
    }
    s->version = (int)v;
    /* a writer gets a large page cache, as a batch's index lookups touch pages all over the
     * file; a reader keeps SQLite's 2 MB, which it recycles: a query reads a few thousand pages
     * once, and filling a fresh cache costs it more than reading them (measured: bench/RESULTS.md).
     * Memory-mapped reads cost a query 40% more CPU on this machine, where page faults are dear,
     * and a batch's reads too (store_add.c's open_reader), so only the writer maps the file. */
    /* a new store gets 16 KB pages: an index block (about 6 KB at 100,000 documents) and a
     * news-sized text then fit in one page instead of a chain of 4 KB overflow pages (measured:
     * adds 12% faster, queries on a cold cache 30%; bench/RESULTS.md). Set before the first
     * write; an existing store keeps its page size. */
    if (s->writable && v == 0 && (rc = ibid_store_exec(s, "PRAGMA page_size = 16384", err)) < 0)
        goto done;
    if (s->writable) {
        if ((rc = ibid_store_exec(s,
                                  "PRAGMA cache_size = " IBID_STORE_WRITER_CACHE
                                  "; PRAGMA mmap_size = 1099511627776; "
                                  "PRAGMA journal_mode = WAL; "
                                  "PRAGMA synchronous = NORMAL",
                                  err)) < 0)
            goto done;
        if (v < N_MIGRATIONS && (rc = migrate(s, opts, err)) < 0) goto done;
    } else if (v < N_MIGRATIONS) {
        rc = ibid_fail(err, IBID_EINVAL, path, 0, 0,
                       v == 0 ? "not an ibid store (empty)"
                              : "store schema version %d is old; open it once for writing (ibid "
                                "add) to migrate it",
                       (int)v);
        goto done;
    }
    if ((rc = read_config(s, err)) < 0) goto done;
    if (opts && (rc = check_opts(s, opts, err)) < 0) goto done;
    if (opts) ibid_store_set_runtime(s, opts);
    if (sqlite3_prepare_v3(s->db, IBID_STORE_BLOCK_SQL, -1, SQLITE_PREPARE_PERSISTENT, &s->st_block,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db, IBID_STORE_BLOCKS_SQL, -1, SQLITE_PREPARE_PERSISTENT,
                           &s->st_blocks, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db, IBID_STORE_FETCH_SQL, -1, SQLITE_PREPARE_PERSISTENT, &s->st_fetch,
                           NULL) != SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot prepare the queries");
        goto done;
    }
done:
    if (rc < 0) {
        ibid_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void ibid_store_close(ibid_store *s)
{
    if (!s) return;
    sqlite3_finalize(s->st_block);
    sqlite3_finalize(s->st_blocks);
    sqlite3_finalize(s->st_fetch);
    sqlite3_close(s->db);
    free(s->translate);
    free(s->path);
    free(s);
}

void ibid_store_set_runtime(ibid_store *s, const ibid_align_opts *o)
{
    assert(o->n_threads >= 1);
    s->opts.n_threads = o->n_threads;
    s->opts.index_memory = o->index_memory;
    s->opts.dict_dir = o->dict_dir;
    s->opts.wordnet_dir = o->wordnet_dir;
    s->opts.progress = o->progress;
    s->opts.progress_ud = o->progress_ud;
}

const ibid_align_opts *ibid_store_opts(const ibid_store *s)
{
    return &s->opts;
}

int ibid_store_version(const ibid_store *s)
{
    return s->version;
}

int ibid_store_count(ibid_store *s, size_t *n_docs, size_t *n_passages, ibid_error *err)
{
    int rc;
    int64_t a = 0, b = 0;
    if ((rc = query_int(s, "SELECT count(*) FROM docs", &a, err)) < 0) return rc;
    if ((rc = query_int(s, "SELECT count(*) FROM passages", &b, err)) < 0) return rc;
    if (n_docs) *n_docs = (size_t)a;
    if (n_passages) *n_passages = (size_t)b;
    return 0;
}

int ibid_store_open_part(const char *path, sqlite3 **db)
{
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    return rc == SQLITE_OK ? sqlite3_exec(*db, "BEGIN", NULL, NULL, NULL) : rc;
}

/* The error of a stored text that is not UTF-8 (written behind ibid's back), at byte `bad`. */
static int bad_stored_text(ibid_error *err, const char *path, int64_t doc, size_t bad)
{
    return ibid_fail(err, IBID_EUTF8, path, 0, 0,
                     "stored document %lld: invalid UTF-8 at byte %zu of its text", (long long)doc,
                     bad);
}

int ibid_store_fetch(ibid_store *s, int64_t doc, ibid_corpus *c, ibid_error *err)
{
    sqlite3_stmt *st = s->st_fetch;
    int rc = 0, step;
    sqlite3_bind_int64(st, 1, doc);
    if ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        size_t n_id = (size_t)sqlite3_column_bytes(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        size_t n_text = (size_t)sqlite3_column_bytes(st, 1);
        const char *meta = (const char *)sqlite3_column_text(st, 2);
        rc = ibid_corpus_add(c, id ? id : "", n_id, text ? text : "", n_text, meta, err);
        if (rc == IBID_EUTF8) /* name the store and the document */
            rc = bad_stored_text(err, s->path, doc, ibid_utf8_bad_at(text, n_text));
    } else if (step == SQLITE_DONE) {
        rc = ibid_fail(err, IBID_ENOTFOUND, s->path, 0, 0, "no stored document %lld",
                       (long long)doc);
    } else {
        rc = ibid_store_sqlerr(s, err, "cannot read a document");
    }
    sqlite3_reset(st);
    return rc;
}

/* One thread's share of ibid_store_fetch_many: documents [beg, end), their texts copied into
 * the thread's own slabs, ids and metadata malloc'd. */
typedef struct {
    ibid_store *s; /* for its path */
    const int64_t *docs;
    char **id, **meta; /* per document of docs */
    const char **text;
    size_t *n_id, *n_text;
    struct fetch_part {
        size_t beg, end;
        ibid_slab *slab;
        int rc;
        ibid_error err;
    } * part;
    size_t n_part;
} fetch_job;

static int fetch_range(fetch_job *j, struct fetch_part *p, sqlite3 *db, sqlite3_stmt *st)
{
    for (size_t k = p->beg; k < p->end; k++) {
        sqlite3_bind_int64(st, 1, j->docs[k]);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW) {
            sqlite3_reset(st);
            if (step == SQLITE_DONE)
                return ibid_fail(&p->err, IBID_ENOTFOUND, j->s->path, 0, 0,
                                 "no stored document %lld", (long long)j->docs[k]);
            return ibid_fail(&p->err, IBID_EIO, j->s->path, 0, 0,
                             "cannot read a document: %s (SQLite error %d)", sqlite3_errmsg(db),
                             step);
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        size_t n_id = (size_t)sqlite3_column_bytes(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        size_t n_text = (size_t)sqlite3_column_bytes(st, 1);
        const char *meta = (const char *)sqlite3_column_text(st, 2);
        size_t bad = ibid_utf8_bad_at(text ? text : "", n_text);
        if (bad < n_text) {
            sqlite3_reset(st);
            return bad_stored_text(&p->err, j->s->path, j->docs[k], bad);
        }
        char *copy = ibid_slab_reserve(&p->slab, n_text + 1);
        if (n_text) memcpy(copy, text, n_text);
        copy[n_text] = 0;
        ibid_slab_commit(p->slab, n_text + 1);
        j->id[k] = ibid_xstrndup(id ? id : "", n_id);
        j->n_id[k] = n_id;
        j->text[k] = copy;
        j->n_text[k] = n_text;
        j->meta[k] = meta ? ibid_xstrndup(meta, strlen(meta)) : NULL;
        sqlite3_reset(st);
    }
    return 0;
}

/* A part on its own read-only connection and read transaction (as the index lookups). */
static void fetch_own(void *ud, size_t i, int tid)
{
    (void)tid;
    fetch_job *j = ud;
    struct fetch_part *p = &j->part[i];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (ibid_store_open_part(j->s->path, &db) != SQLITE_OK ||
        sqlite3_prepare_v2(db, IBID_STORE_FETCH_SQL, -1, &st, NULL) != SQLITE_OK)
        p->rc = ibid_fail(&p->err, IBID_EIO, j->s->path, 0, 0,
                          "cannot open the store to read documents: %s",
                          db ? sqlite3_errmsg(db) : "no memory");
    else
        p->rc = fetch_range(j, p, db, st);
    sqlite3_finalize(st);
    if (db) sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
}

int ibid_store_fetch_many(ibid_store *s, const int64_t *docs, size_t n, ibid_corpus *c,
                          ibid_error *err)
{
    if (n < s->parallel_fetch || s->opts.n_threads < 2) {
        for (size_t k = 0; k < n; k++) {
            int rc = ibid_store_fetch(s, docs[k], c, err);
            if (rc < 0) return rc;
        }
        return 0;
    }
    fetch_job j = {.s = s, .docs = docs, .n_part = (size_t)s->opts.n_threads};
    j.id = ibid_xcalloc(n, sizeof *j.id);
    j.meta = ibid_xcalloc(n, sizeof *j.meta);
    j.text = ibid_xcalloc(n, sizeof *j.text);
    j.n_id = ibid_xcalloc(n, sizeof *j.n_id);
    j.n_text = ibid_xcalloc(n, sizeof *j.n_text);
    j.part = ibid_xcalloc(j.n_part, sizeof *j.part);
    for (size_t t = 0; t < j.n_part; t++) {
        j.part[t].beg = n / j.n_part * t;
        j.part[t].end = t + 1 == j.n_part ? n : n / j.n_part * (t + 1);
    }
    ibid_parallel_for(s->opts.n_threads, j.n_part, fetch_own, &j);
    int rc = 0;
    for (size_t t = 0; t < j.n_part; t++) {
        if (j.part[t].rc < 0 && rc == 0) {
            rc = j.part[t].rc;
            *err = j.part[t].err;
        }
        ibid_corpus_adopt(c, j.part[t].slab); /* its texts are freed with c */
    }
    for (size_t k = 0; k < n; k++) {
        if (rc == 0 && j.id[k] &&
            (rc = ibid_corpus_add_owned(c, j.id[k], j.n_id[k], j.text[k], j.n_text[k], j.meta[k],
                                        err)) == 0)
            continue;
        free(j.id[k]); /* not taken */
        free(j.meta[k]);
    }
    free(j.id);
    free(j.meta);
    free(j.text);
    free(j.n_id);
    free(j.n_text);
    free(j.part);
    return rc;
}

int ibid_store_all_docs(ibid_store *s, int64_t **out, size_t *n, ibid_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t m = 0;
    int step;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT doc FROM docs ORDER BY doc", -1, &st, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot list the documents");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        IBID_GROW(*out, m, *n + 1);
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return ibid_store_sqlerr(s, err, "cannot list the documents");
    }
    return 0;
}

int ibid_store_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

size_t ibid_store_sort_unique(int64_t *v, size_t n)
{
    if (n > 1) qsort(v, n, sizeof *v, ibid_store_cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i]) v[k++] = v[i];
    return k;
}

/* ---- ibid_store_load ---- */

/* Index of x in the sorted v[0, n), or -1. */
static long find_i64(const int64_t *v, size_t n, int64_t x)
{
    const int64_t *p = bsearch(&x, v, n, sizeof *v, ibid_store_cmp_i64);
    return p ? (long)(p - v) : -1;
}

/* The documents of `ids` and those within max_hops passages of them: sorted rowids. */
static int closure(ibid_store *s, const char *const *ids, size_t n_ids, int max_hops, int64_t **out,
                   size_t *n_out, ibid_error *err)
{
    sqlite3_stmt *by_id = NULL, *nb = NULL;
    int64_t *set = NULL, *front = NULL, *next = NULL;
    size_t n_set = 0, m_set = 0, n_front = 0, n_next = 0, m_next = 0;
    int rc = 0, step;
    if (sqlite3_prepare_v2(s->db, "SELECT doc FROM docs WHERE id = ?1", -1, &by_id, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "SELECT doc2 FROM passages WHERE doc1 = ?1 UNION "
                           "SELECT doc1 FROM passages WHERE doc2 = ?1",
                           -1, &nb, NULL) != SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot prepare a query");
        goto done;
    }
    for (size_t i = 0; i < n_ids; i++) {
        sqlite3_bind_text(by_id, 1, ids[i], -1, SQLITE_STATIC);
        step = sqlite3_step(by_id);
        if (step == SQLITE_ROW) {
            IBID_GROW(set, m_set, n_set + 1);
            set[n_set++] = sqlite3_column_int64(by_id, 0);
        }
        sqlite3_reset(by_id);
        if (step == SQLITE_DONE) {
            rc = ibid_fail(err, IBID_ENOTFOUND, s->path, 0, 0, "no stored document '%.300s'",
                           ids[i]);
            goto done;
        } else if (step != SQLITE_ROW) {
            rc = ibid_store_sqlerr(s, err, "cannot look up a document");
            goto done;
        }
    }
    n_set = ibid_store_sort_unique(set, n_set);
    n_front = n_set;
    front = ibid_xmalloc((n_front ? n_front : 1) * sizeof *front);
    if (n_front) memcpy(front, set, n_front * sizeof *front);
    /* breadth first: each hop follows the passages of the documents the last hop reached */
    for (int hop = 0; (max_hops < 0 || hop < max_hops) && n_front > 0; hop++) {
        n_next = 0;
        for (size_t i = 0; i < n_front; i++) {
            sqlite3_bind_int64(nb, 1, front[i]);
            while ((step = sqlite3_step(nb)) == SQLITE_ROW) {
                int64_t d = sqlite3_column_int64(nb, 0);
                if (find_i64(set, n_set, d) >= 0) continue;
                IBID_GROW(next, m_next, n_next + 1);
                next[n_next++] = d;
            }
            sqlite3_reset(nb);
            if (step != SQLITE_DONE) {
                rc = ibid_store_sqlerr(s, err, "cannot follow passages");
                goto done;
            }
        }
        n_next = ibid_store_sort_unique(next, n_next);
        IBID_GROW(set, m_set, n_set + n_next);
        if (n_next) memcpy(set + n_set, next, n_next * sizeof *next);
        n_set = ibid_store_sort_unique(set, n_set + n_next);
        free(front);
        front = next;
        n_front = n_next;
        next = NULL;
        m_next = n_next = 0;
    }
    *out = set;
    *n_out = n_set;
    set = NULL;
done:
    sqlite3_finalize(by_id);
    sqlite3_finalize(nb);
    free(set);
    free(front);
    free(next);
    return rc;
}

static int kind_of(const char *k)
{
    if (k && strcmp(k, "reworded") == 0) return IBID_KIND_REWORDED;
    if (k && strcmp(k, "translated") == 0) return IBID_KIND_TRANSLATED;
    return IBID_KIND_VERBATIM;
}

typedef struct {
    const char *id;
    uint32_t doc;
} id_doc;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const id_doc *)a)->id, ((const id_doc *)b)->id);
}

uint32_t *ibid_store_id_ranks(const ibid_corpus *c)
{
    size_t n = ibid_corpus_size(c);
    id_doc *v = ibid_xmalloc((n ? n : 1) * sizeof *v);
    uint32_t *rank = ibid_xmalloc((n ? n : 1) * sizeof *rank);
    for (size_t i = 0; i < n; i++) v[i] = (id_doc){ibid_corpus_id(c, i), (uint32_t)i};
    if (n > 1) qsort(v, n, sizeof *v, by_id);
    for (size_t i = 0; i < n; i++) rank[v[i].doc] = (uint32_t)i;
    free(v);
    return rank;
}

/* Read the passages of one statement's rows (the columns of the passages table from doc1 on)
 * whose two documents are in docs[0, n_docs), as passages between corpus indices. */
static int read_passages(ibid_store *s, sqlite3_stmt *st, const int64_t *docs, size_t n_docs,
                         ibid_result *r, size_t *m, ibid_error *err)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long a = find_i64(docs, n_docs, sqlite3_column_int64(st, 0));
        long b = find_i64(docs, n_docs, sqlite3_column_int64(st, 1));
        if (a < 0 || b < 0) continue;
        IBID_GROW(r->passages, *m, r->n_passages + 1);
        ibid_passage *p = &r->passages[r->n_passages++];
        uint32_t f[15];
        for (int k = 0; k < 15; k++) f[k] = (uint32_t)sqlite3_column_int64(st, 2 + k);
        *p = (ibid_passage){
            (uint32_t)a, (uint32_t)b,    f[0],
            f[1],        f[2],           f[3],
            f[4],        f[5],           f[6],
            f[7],        f[8],           f[9],
            f[10],       f[11],          f[12],
            f[13],       (int32_t)f[14], kind_of((const char *)sqlite3_column_text(st, 17))};
    }
    if (step != SQLITE_DONE) return ibid_store_sqlerr(s, err, "cannot read passages");
    return 0;
}

#define PASSAGE_COLUMNS                                                                        \
    "doc1, doc2, begin1, end1, begin2, end2, byte_begin1, byte_end1, byte_begin2, byte_end2, " \
    "tok_begin1, tok_end1, tok_begin2, tok_end2, matches, columns, score, kind"

int ibid_store_load(ibid_corpus **out_corpus, ibid_result **out_result, ibid_store *s,
                    const char *const *ids, size_t n_ids, int max_hops, ibid_error *err)
{
    return ibid_store_load_txn(out_corpus, out_result, s, ids, n_ids, max_hops, 1, err);
}

int ibid_store_load_txn(ibid_corpus **out_corpus, ibid_result **out_result, ibid_store *s,
                        const char *const *ids, size_t n_ids, int max_hops, int own_txn,
                        ibid_error *err)
{
    assert(out_corpus && out_result && s && (ids || n_ids == 0));
    int rc;
    int64_t *docs = NULL;
    size_t n_docs = 0, m_pass = 0;
    sqlite3_stmt *st = NULL;
    ibid_corpus *c = NULL;
    ibid_result *r = ibid_xcalloc(1, sizeof *r);
    uint32_t *rank = NULL;
    *out_corpus = NULL;
    *out_result = NULL;
    /* one read transaction, so that documents and passages are of one moment */
    if (own_txn && (rc = ibid_store_exec(s, "BEGIN", err)) < 0) goto done;
    if (ids)
        rc = closure(s, ids, n_ids, max_hops, &docs, &n_docs, err);
    else
        rc = ibid_store_all_docs(s, &docs, &n_docs, err);
    if (rc < 0) goto done;
    ibid_corpus_new(&c);
    for (size_t i = 0; i < n_docs; i++)
        if ((rc = ibid_store_fetch(s, docs[i], c, err)) < 0) goto done;
    if (!ids) {
        if (sqlite3_prepare_v2(s->db, "SELECT " PASSAGE_COLUMNS " FROM passages", -1, &st, NULL) !=
            SQLITE_OK) {
            rc = ibid_store_sqlerr(s, err, "cannot read passages");
            goto done;
        }
        if ((rc = read_passages(s, st, docs, n_docs, r, &m_pass, err)) < 0) goto done;
    } else {
        if (sqlite3_prepare_v2(s->db, "SELECT " PASSAGE_COLUMNS " FROM passages WHERE doc1 = ?1",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = ibid_store_sqlerr(s, err, "cannot read passages");
            goto done;
        }
        for (size_t i = 0; i < n_docs; i++) {
            sqlite3_bind_int64(st, 1, docs[i]);
            if ((rc = read_passages(s, st, docs, n_docs, r, &m_pass, err)) < 0) goto done;
            sqlite3_reset(st);
        }
    }
    if (!r->passages) IBID_GROW(r->passages, m_pass, 1); /* never NULL, as from ibid_align */
    rank = ibid_store_id_ranks(c);
    if (r->n_passages > 1) ibid_passages_sort(r->passages, r->n_passages, rank);
    rc = 0;
done:
    sqlite3_finalize(st);
    if (own_txn) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    free(rank);
    free(docs);
    if (rc < 0) {
        ibid_corpus_free(c);
        ibid_result_free(r);
        return rc;
    }
    *out_corpus = c;
    *out_result = r;
    return 0;
}
