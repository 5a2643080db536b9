#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cc_fail(cc_status *status, int code, const char *format, ...) {
    status->code = code;
    status->sys_errno = 0;
    va_list args;
    va_start(args, format);
    vsnprintf(status->message, sizeof status->message, format, args);
    va_end(args);
    return -1;
}

int cc_fail_errno(cc_status *status, int code, int err) {
    cc_fail(status, code, "%s", strerror(err));
    status->sys_errno = err;
    return -1;
}

void cc_ok(cc_status *status) {
    status->code = CC_OK;
    status->sys_errno = 0;
    status->format = 0;
    status->message[0] = 0;
}
