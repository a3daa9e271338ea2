/* The AVX2+FMA kernel table and the one dispatch point that chooses between it and the reference. */
#include <stdlib.h>
#include <string.h>

#include "lrlab/kernels.h"

const lr_kernels lr_kernels_avx2 = {
    .impl = "avx2",
#define LR_AVX2_ENTRY(name, type, ref, avx2, ids) .name = avx2,
    LR_KERNEL_LIST(LR_AVX2_ENTRY)
#undef LR_AVX2_ENTRY
};

int lr_impl_parse(const char *name, lr_impl *impl)
{
    if (strcmp(name, "auto") == 0)
        *impl = LR_IMPL_AUTO;
    else if (strcmp(name, "reference") == 0)
        *impl = LR_IMPL_REFERENCE;
    else if (strcmp(name, "avx2") == 0)
        *impl = LR_IMPL_AVX2;
    else
        return -1;
    return 0;
}

int lr_cpu_has_avx2_fma(void)
{
    /* __builtin_cpu_supports checks CPUID and, for AVX, that the OS saves the YMM registers. */
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

const lr_kernels *lr_kernels_select(lr_impl want, const char **err)
{
    *err = NULL;
    if (want == LR_IMPL_AUTO) {
        const char *env = getenv("LRLAB_IMPL");
        if (env && *env && strcmp(env, "auto") != 0) {
            if (lr_impl_parse(env, &want) != 0) {
                *err = "LRLAB_IMPL must be auto, reference or avx2";
                return NULL;
            }
        }
    }
    if (want == LR_IMPL_REFERENCE)
        return &lr_kernels_reference;
    if (want == LR_IMPL_AVX2 && !lr_cpu_has_avx2_fma()) {
        *err = "the AVX2 implementation was requested but this CPU lacks AVX2 or FMA";
        return NULL;
    }
    if (want == LR_IMPL_AVX2 || lr_cpu_has_avx2_fma())
        return &lr_kernels_avx2;
    return &lr_kernels_reference;
}
