#ifndef CCODECS_STATUS_H
#define CCODECS_STATUS_H

/* Filling a cc_status: what every file of the shim reports failures with. A file of its own so
 * that the format files (png.c, jpeg.c, tiff.c) need nothing from the dispatch in common.c. */

#include "ccodecs.h"

/* Fill `status`; returns -1 so that callers can `return cc_fail(...)`. */
int cc_fail(cc_status *status, int code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* cc_fail for a failed system call: strerror(err) as the message, and err as sys_errno. */
int cc_fail_errno(cc_status *status, int code, int err);

/* Success: no code, no format, no message. */
void cc_ok(cc_status *status);

#endif
