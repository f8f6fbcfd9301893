/*
 * corpus.c: the documents of one run, with an id index.
 *
 * A corpus owns every id, text and metadata string: copies made by ibid_corpus_add, or buffers
 * handed over by the JSON Lines reader (ibid_corpus_add_owned), whose texts jansson or the
 * reader has validated already and which are therefore neither copied nor checked again. Ids are
 * unique: an open-addressing hash table (XXH3 of the id, linear probing, load <= 1/2) finds
 * duplicates as documents are added and answers ibid_corpus_find. Once built, a corpus is only
 * read, by any number of threads.
 */
#include "ibid_int.h"

#include <sys/mman.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xxhash.h>

struct ibid_corpus {
    size_t n_doc, m_doc;
    ibid_doc *doc;
    size_t n_bytes; /* total text bytes */
    size_t m_slot;  /* hash table size, a power of two; 0 when empty */
    uint32_t *slot; /* doc index + 1, 0 = free */
    size_t n_skip, m_skip;
    ibid_error *skip;   /* documents skipped under skip_bad */
    ibid_slab *own;     /* where ibid_corpus_add copies texts */
    ibid_slab *adopted; /* slabs filled by readers, linked through prev */
};

/* ---- text slabs ----
 *
 * Every text lives in a slab, a mapping of 1 MiB, doubling up to 64 MiB a writer, filled front
 * to back. Its pages are faulted in ahead of the writer 2 MiB at a time with one
 * madvise(MADV_POPULATE_WRITE): a page fault per 4 KiB page cost more than parsing the page on
 * the 2-core virtual machine of the benchmark (273,000 faults, 3 s of 5 s for 1 GB). A writer
 * that moves on to a new slab, or is done, unmaps the untouched tail of the old one, so memory
 * is what the texts use. With IBID_NO_ARENA a slab is one malloc'd text, for ASan. */

#define SLAB_MIN   ((size_t)1 << 20)
#define SLAB_MAX   ((size_t)64 << 20)
#define SLAB_AHEAD ((size_t)2 << 20)
#ifdef IBID_NO_ARENA
enum { SLAB_MAP = 0 };
#else
enum { SLAB_MAP = 1 };
#endif

struct ibid_slab {
    ibid_slab *prev; /* the writer's previous slab, then the corpus's list */
    char *p;
    size_t size;  /* bytes at p */
    size_t used;  /* bytes committed */
    size_t ready; /* bytes faulted in, a multiple of SLAB_AHEAD or size */
    size_t next;  /* size of the writer's next slab */
    int mapped;   /* p is from mmap, else from malloc */
};

static size_t round_up(size_t n, size_t k)
{
    return (n + k - 1) / k * k;
}

static ibid_slab *slab_new(ibid_slab *prev, size_t n)
{
    ibid_slab *s = ibid_xcalloc(1, sizeof *s);
    s->prev = prev;
    s->next = prev ? prev->next : SLAB_MIN;
    if (SLAB_MAP) {
        s->size = round_up(n > s->next ? n : s->next, (size_t)sysconf(_SC_PAGESIZE));
        s->next = s->next < SLAB_MAX ? 2 * s->next : SLAB_MAX;
        void *p = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        s->mapped = p != MAP_FAILED;
        s->p = s->mapped ? p : NULL;
    } else {
        s->size = n;
    }
    if (!s->mapped) s->p = ibid_xmalloc(s->size);
    return s;
}

/* The writer is done with s: give back the pages past the last it used. */
static void slab_trim(ibid_slab *s)
{
    if (!s->mapped) return;
    size_t keep = round_up(s->used, (size_t)sysconf(_SC_PAGESIZE));
    if (keep == s->size) return;
    munmap(s->p + keep, s->size - keep);
    s->size = keep;
    if (s->ready > keep) s->ready = keep;
}

/* Fault in s->p[0, upto) before the writer gets there, and as much again as it has written, up
 * to SLAB_AHEAD: a small input faults in little more than it needs. */
static void slab_populate(ibid_slab *s, size_t upto)
{
#ifdef MADV_POPULATE_WRITE
    if (!s->mapped || upto <= s->ready) return;
    size_t ahead = s->used < SLAB_AHEAD ? s->used : SLAB_AHEAD;
    size_t ready = round_up(upto + ahead, (size_t)sysconf(_SC_PAGESIZE));
    if (ready > s->size) ready = s->size;
    (void)madvise(s->p + s->ready, ready - s->ready, MADV_POPULATE_WRITE); /* else: faults */
    s->ready = ready;
#else
    (void)s, (void)upto;
#endif
}

static void slabs_free(ibid_slab *s)
{
    while (s) {
        ibid_slab *prev = s->prev;
        if (s->mapped && s->size)
            munmap(s->p, s->size);
        else if (!s->mapped)
            free(s->p);
        free(s);
        s = prev;
    }
}

void ibid_slabs_free(ibid_slab *s)
{
    slabs_free(s);
}

ibid_slab *ibid_slabs_reset(ibid_slab *s)
{
    if (!s) return NULL;
    slabs_free(s->prev);
    s->prev = NULL;
    s->used = 0;
    return s;
}

char *ibid_slab_reserve(ibid_slab **sp, size_t n)
{
    assert(sp);
    ibid_slab *s = *sp;
    if (!s || s->size - s->used < n) {
        if (s) slab_trim(s);
        *sp = s = slab_new(s, n);
    }
    slab_populate(s, s->used + n);
    return s->p + s->used;
}

void ibid_slab_commit(ibid_slab *s, size_t n)
{
    assert(s && n <= s->size - s->used);
    s->used += n;
}

void ibid_corpus_adopt(ibid_corpus *c, ibid_slab *s)
{
    if (!s) return;
    slab_trim(s);
    ibid_slab *first = s;
    while (first->prev) first = first->prev;
    first->prev = c->adopted;
    c->adopted = s;
}

/* ---- the corpus ---- */

int ibid_corpus_new(ibid_corpus **out)
{
    *out = ibid_xcalloc(1, sizeof(ibid_corpus));
    return 0;
}

void ibid_corpus_free(ibid_corpus *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n_doc; i++) {
        free(c->doc[i].id);
        free(c->doc[i].meta);
    }
    slabs_free(c->own);
    slabs_free(c->adopted);
    free(c->doc);
    free(c->slot);
    free(c->skip);
    free(c);
}

static uint64_t id_hash(const char *id, size_t n)
{
    return XXH3_64bits(id, n);
}

/* The slot holding `id`, or the free slot where it would go. */
static size_t find_slot(const ibid_corpus *c, const char *id, size_t n)
{
    size_t mask = c->m_slot - 1, k = (size_t)id_hash(id, n) & mask;
    while (c->slot[k]) {
        const ibid_doc *d = &c->doc[c->slot[k] - 1];
        if (strlen(d->id) == n && memcmp(d->id, id, n) == 0) break;
        k = (k + 1) & mask;
    }
    return k;
}

static void rehash(ibid_corpus *c)
{
    size_t m = c->m_slot ? c->m_slot * 2 : 1024;
    free(c->slot);
    c->slot = ibid_xcalloc(m, sizeof(uint32_t));
    c->m_slot = m;
    for (size_t i = 0; i < c->n_doc; i++) {
        size_t k = find_slot(c, c->doc[i].id, strlen(c->doc[i].id));
        c->slot[k] = (uint32_t)i + 1;
    }
}

/* Returns the byte offset of the first invalid UTF-8 sequence, or n when the text is valid. */
static size_t utf8_bad_at(const char *s, size_t n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k < 0) return i;
        i += (size_t)k;
    }
    return n;
}

size_t ibid_utf8_bad_at(const char *s, size_t n)
{
    return utf8_bad_at(s, n);
}

static long line_of(const char *s, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++) line += s[i] == '\n';
    return line;
}

/* The checks of both adds on the id and the corpus, in the order their errors take. */
static int check_id(const ibid_corpus *c, const char *id, size_t id_len, size_t text_len,
                    ibid_error *err)
{
    if (text_len >= UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0,
                         "document '%.*s' is %zu bytes; the limit is 4 GiB", (int)id_len, id,
                         text_len);
    if (c->n_doc >= UINT32_MAX - 1)
        return ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0, "more than 2^32 documents");
    if (id_len == 0 || memchr(id, 0, id_len))
        return ibid_fail(err, IBID_EMISSING, NULL, 0, 0, "empty document id or id with a NUL");
    if (utf8_bad_at(id, id_len) < id_len)
        return ibid_fail(err, IBID_EUTF8, NULL, 0, 0, "document id is not valid UTF-8");
    return 0;
}

/* The free slot for a new id, or IBID_EDUPID. */
static int reserve_slot(ibid_corpus *c, const char *id, size_t id_len, size_t *slot,
                        ibid_error *err)
{
    if ((c->n_doc + 1) * 2 > c->m_slot) rehash(c);
    size_t k = find_slot(c, id, id_len);
    if (c->slot[k])
        return ibid_fail(err, IBID_EDUPID, NULL, 0, 0, "duplicate document id '%.*s'", (int)id_len,
                         id);
    *slot = k;
    return 0;
}

static void append(ibid_corpus *c, size_t slot, char *id, const char *text, size_t text_len,
                   char *meta)
{
    IBID_GROW(c->doc, c->m_doc, c->n_doc + 1);
    ibid_doc *d = &c->doc[c->n_doc];
    d->id = id;
    d->text = text;
    d->n_text = text_len;
    d->meta = meta;
    c->slot[slot] = (uint32_t)++c->n_doc;
    c->n_bytes += text_len;
}

int ibid_corpus_add(ibid_corpus *c, const char *id, size_t id_len, const char *text,
                    size_t text_len, const char *meta_json, ibid_error *err)
{
    int rc;
    size_t slot;
    if ((rc = check_id(c, id, id_len, text_len, err)) < 0) return rc;
    size_t bad = utf8_bad_at(text, text_len);
    if (bad < text_len) {
        /* column: bytes since the start of the line holding the bad sequence */
        size_t ls = bad;
        while (ls > 0 && text[ls - 1] != '\n') ls--;
        return ibid_fail(err, IBID_EUTF8, NULL, line_of(text, bad), (long)(bad - ls + 1),
                         "document '%.*s': invalid UTF-8 at byte %zu of its text", (int)id_len, id,
                         bad);
    }
    if ((rc = reserve_slot(c, id, id_len, &slot, err)) < 0) return rc;
    char *copy = ibid_slab_reserve(&c->own, text_len + 1);
    memcpy(copy, text, text_len);
    copy[text_len] = 0;
    ibid_slab_commit(c->own, text_len + 1);
    append(c, slot, ibid_xstrndup(id, id_len), copy, text_len,
           meta_json ? ibid_xstrndup(meta_json, strlen(meta_json)) : NULL);
    return 0;
}

int ibid_corpus_add_owned(ibid_corpus *c, char *id, size_t id_len, const char *text,
                          size_t text_len, char *meta, ibid_error *err)
{
    assert(id && text && id[id_len] == 0 && text[text_len] == 0);
    assert(utf8_bad_at(text, text_len) == text_len);
    int rc;
    size_t slot;
    if ((rc = check_id(c, id, id_len, text_len, err)) < 0) return rc;
    if ((rc = reserve_slot(c, id, id_len, &slot, err)) < 0) return rc;
    append(c, slot, id, text, text_len, meta);
    return 0;
}

size_t ibid_corpus_size(const ibid_corpus *c)
{
    return c->n_doc;
}

const ibid_doc *ibid_corpus_doc(const ibid_corpus *c, size_t i)
{
    assert(i < c->n_doc);
    return &c->doc[i];
}

const char *ibid_corpus_id(const ibid_corpus *c, size_t i)
{
    return ibid_corpus_doc(c, i)->id;
}

const char *ibid_corpus_text(const ibid_corpus *c, size_t i, size_t *n_bytes)
{
    const ibid_doc *d = ibid_corpus_doc(c, i);
    if (n_bytes) *n_bytes = d->n_text;
    return d->text;
}

const char *ibid_corpus_meta(const ibid_corpus *c, size_t i)
{
    return ibid_corpus_doc(c, i)->meta;
}

size_t ibid_corpus_bytes(const ibid_corpus *c)
{
    return c->n_bytes;
}

long ibid_corpus_find(const ibid_corpus *c, const char *id)
{
    if (!c->m_slot) return -1;
    size_t k = find_slot(c, id, strlen(id));
    return c->slot[k] ? (long)c->slot[k] - 1 : -1;
}

void ibid_corpus_skip(ibid_corpus *c, const ibid_error *e)
{
    IBID_GROW(c->skip, c->m_skip, c->n_skip + 1);
    c->skip[c->n_skip++] = *e;
}

size_t ibid_corpus_n_skipped(const ibid_corpus *c)
{
    return c->n_skip;
}

const ibid_error *ibid_corpus_skipped(const ibid_corpus *c, size_t i)
{
    assert(i < c->n_skip);
    return &c->skip[i];
}
