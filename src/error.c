/*
 * error.c: error codes, their names, and the one helper that fills an ibid_error.
 *
 * Errors travel as negative int codes (libgit2's convention) with the details in a caller-owned
 * ibid_error (jansson's json_error_t shape): the library keeps no global error state.
 */
#include "ibid_int.h"

#include <stdio.h>

#ifndef IBID_VERSION
#define IBID_VERSION "0.0.0"
#endif

const char *ibid_version(void)
{
    return IBID_VERSION;
}

const char *ibid_strerror(int code)
{
    switch (code) {
    case IBID_OK:
        return "success";
    case IBID_ENOMEM:
        return "out of memory";
    case IBID_EIO:
        return "input/output error";
    case IBID_EPARSE:
        return "parse error";
    case IBID_EUTF8:
        return "invalid UTF-8";
    case IBID_EDUPID:
        return "duplicate id";
    case IBID_EMISSING:
        return "missing field";
    case IBID_EINVAL:
        return "invalid argument";
    case IBID_ETOOBIG:
        return "input too large";
    case IBID_ENOTFOUND:
        return "not found";
    default:
        return "unknown error";
    }
}

int ibid_fail(ibid_error *err, int code, const char *source, long line, long column,
              const char *fmt, ...)
{
    assert(code < 0);
    if (!err) return code;
    err->code = code;
    err->line = line;
    err->column = column;
    snprintf(err->source, sizeof err->source, "%s", source ? source : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}
