/* file.c - whole-file reads into an arena, with a size ceiling checked before reading. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int rf_file_read(char **out, size_t *out_len, rf_arena *a, const char *path, size_t max_bytes,
                 refract_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return rf_error_set(err, REFRACT_EIO, path, "cannot open: %s", strerror(errno));
    size_t cap = 64 * 1024, len = 0;
    char *buf = rf_arena_alloc(a, cap + 1);
    int rc = REFRACT_OK;
    for (;;) {
        if (buf == NULL) {
            rc = rf_error_set(err, REFRACT_ENOMEM, path, "out of memory reading file");
            break;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                rc = rf_error_set(err, REFRACT_EIO, path, "read error: %s", strerror(errno));
            break;
        }
        if (len > max_bytes) {
            rc = rf_error_set(err, REFRACT_ELIMIT, path, "file larger than the limit of %zu bytes",
                              max_bytes);
            break;
        }
        if (len == cap) {
            size_t ncap = cap * 2;
            buf = rf_arena_grow(a, buf, cap + 1, ncap + 1);
            cap = ncap;
        }
    }
    if (!is_stdin)
        fclose(f);
    if (rc != REFRACT_OK)
        return rc;
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return REFRACT_OK;
}
