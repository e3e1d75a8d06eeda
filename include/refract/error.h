/* refract/error.h - the one error type: a status code, a place and a one-line message. */
#ifndef REFRACT_ERROR_H
#define REFRACT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: 0 on success, negative on failure (libgit2's convention). */
typedef enum refract_status {
    REFRACT_OK = 0,
    REFRACT_EINVAL = -1,  /* bad input: the place names where */
    REFRACT_ENOMEM = -2,  /* out of memory */
    REFRACT_ELIMIT = -3,  /* a size, depth or count limit was exceeded */
    REFRACT_EIO = -4,     /* a file could not be read or written */
    REFRACT_EKB = -5,     /* the knowledge base did not load */
    REFRACT_ENOTFOUND = -6
} refract_status;

/* Caller-owned, fixed-size: filling it never allocates, so out-of-memory can be reported. */
typedef struct refract_error {
    int code;          /* refract_status */
    char where[160];   /* "kb/depression.kb:41:12" or "$.trials[2].dose" */
    char message[256]; /* one line, no trailing period */
} refract_error;

#ifdef __cplusplus
}
#endif
#endif
