#ifndef CCPU_H
#define CCPU_H

/// 1 when the CPU has AVX-512F and the kernel saves its registers (the compiler runtime checks
/// XGETBV), else 0. In C because Swift has no cpuid; asked once per process (Engine's CPUPath).
int zsn2n_cpu_has_avx512f(void);

/// A spin-wait hint (x86 PAUSE): a core polling a flag yields its pipeline to its hyperthread
/// sibling and leaves the spin loop without a memory-order flush. Swift has no such intrinsic.
static inline void zsn2n_cpu_relax(void) { __builtin_ia32_pause(); }

#endif
