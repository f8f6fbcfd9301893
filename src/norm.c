/*
 * norm.c: Unicode normalization of code points and their token class (utf8proc).
 *
 * Matching compares normalized tokens: compatibility decomposition (so the "fi" ligature,
 * full-width letters and superscripts match their plain forms), optional case folding and
 * optional removal of combining marks (diacritics), with default-ignorable characters (soft
 * hyphen, zero-width joiners) removed. The tokenizer hashes the decomposed form of each code
 * point; two tokens whose NFKC forms are equal have equal decompositions, hence equal hashes.
 * (Canonical reordering of several combining marks on one letter is not done: such tokens would
 * hash apart if their marks were written in a different order.)
 *
 * Token classes: letters, digits and marks make words; characters of scripts written without
 * spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan) are tokens of their own;
 * format characters (Cf) are ignored inside a word; everything else separates.
 */
#include "ibid_int.h"

#include <utf8proc.h>

static utf8proc_option_t utf8proc_flags(unsigned flags)
{
    int o = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE;
    if (flags & IBID_NORM_CASEFOLD) o |= UTF8PROC_CASEFOLD;
    if (flags & IBID_NORM_STRIPMARK) o |= UTF8PROC_STRIPMARK;
    return (utf8proc_option_t)o;
}

int ibid_norm_cp(int32_t cp, unsigned flags, int32_t *buf, int m)
{
    int last = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char(cp, buf, m, utf8proc_flags(flags), &last);
    assert(k >= 0); /* only invalid code points fail, and the decoder never yields one */
    return (int)k;
}

static int no_space_script(int32_t cp)
{
    return (cp >= 0x0E00 && cp <= 0x0EFF)       /* Thai, Lao */
           || (cp >= 0x0F00 && cp <= 0x0FFF)    /* Tibetan */
           || (cp >= 0x1000 && cp <= 0x109F)    /* Myanmar */
           || (cp >= 0x1780 && cp <= 0x17FF)    /* Khmer */
           || (cp >= 0x2E80 && cp <= 0x2FDF)    /* CJK radicals, Kangxi */
           || (cp >= 0x3005 && cp <= 0x3007)    /* iteration mark, ideographic zero */
           || (cp >= 0x3040 && cp <= 0x30FF)    /* Hiragana, Katakana */
           || (cp >= 0x31F0 && cp <= 0x31FF)    /* Katakana extensions */
           || (cp >= 0x3400 && cp <= 0x4DBF)    /* CJK extension A */
           || (cp >= 0x4E00 && cp <= 0x9FFF)    /* CJK unified ideographs */
           || (cp >= 0xF900 && cp <= 0xFAFF)    /* CJK compatibility ideographs */
           || (cp >= 0xFF66 && cp <= 0xFF9F)    /* half-width Katakana */
           || (cp >= 0x20000 && cp <= 0x3FFFF); /* CJK extensions B.. */
}

int ibid_cp_class(int32_t cp)
{
    if (cp < 0x80) {
        return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= '0' && cp <= '9') ? IBID_CP_WORD
                                                                                      : IBID_CP_SEP;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return no_space_script(cp) ? IBID_CP_SINGLE : IBID_CP_WORD;
    case UTF8PROC_CATEGORY_CF:
        return IBID_CP_IGNORE;
    default:
        return IBID_CP_SEP;
    }
}

int ibid_normalize(char **out, size_t *n_out, const char *text, size_t n_bytes, unsigned flags,
                   ibid_error *err)
{
    utf8proc_uint8_t *dst = NULL;
    int o = UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE;
    if (flags & IBID_NORM_CASEFOLD) o |= UTF8PROC_CASEFOLD;
    if (flags & IBID_NORM_STRIPMARK) o |= UTF8PROC_STRIPMARK;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)n_bytes,
                                      &dst, (utf8proc_option_t)o);
    if (n < 0) {
        if (n == UTF8PROC_ERROR_NOMEM) return ibid_fail(err, IBID_ENOMEM, NULL, 0, 0, "normalize");
        return ibid_fail(err, IBID_EUTF8, NULL, 0, 0, "invalid UTF-8: %s", utf8proc_errmsg(n));
    }
    *out = (char *)dst;
    *n_out = (size_t)n;
    return 0;
}
