#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <malloc.h>
#include "cplatform.h"

int zsn2n_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

size_t zsn2n_heap_bytes_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
