#ifndef CCPU_H
#define CCPU_H

/// 1 when the CPU has AVX-512F and the kernel saves its registers (the compiler runtime checks
/// XGETBV), else 0. In C because Swift has no cpuid; asked once per process (Engine's CPUPath).
int zsn2n_cpu_has_avx512f(void);

#endif
