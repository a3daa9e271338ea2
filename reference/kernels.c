/* The reference kernel table: every entry of LR_KERNEL_LIST, scalar C. */
#include "lrlab/kernels.h"

const lr_kernels lr_kernels_reference = {
    .impl = "reference",
#define LR_REF_ENTRY(name, type, ref, avx2, ids) .name = ref,
    LR_KERNEL_LIST(LR_REF_ENTRY)
#undef LR_REF_ENTRY
};
