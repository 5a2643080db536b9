#ifndef CPLATFORM_H
#define CPLATFORM_H

/// renameat2(..., RENAME_NOREPLACE): Swift's Glibc module does not export renameat2 (it is behind
/// _GNU_SOURCE). The "never overwrite" promise of the outbox and of the CLI rests on this call: the
/// kernel refuses the rename with EEXIST instead of replacing a file that appeared since we looked.
int zsn2n_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

#include <stddef.h>

/// Bytes the C heap holds for the program: malloc's arenas in use plus its mmapped blocks
/// (mallinfo2), so that `zsn2n bench` can set what the engine really allocated beside its plan.
size_t zsn2n_heap_bytes_in_use(void);

#endif
