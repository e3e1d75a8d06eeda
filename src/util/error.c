/* error.c - filling the caller's refract_error once, where the problem is known. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int rf_error_set(refract_error *err, int code, const char *where, const char *fmt, ...)
{
    if (err == NULL || err->code != 0)
        return code; /* propagate, never overwrite the first error */
    err->code = code;
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void rf_error_clear(refract_error *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->where[0] = '\0';
    err->message[0] = '\0';
}
