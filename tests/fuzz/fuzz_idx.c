/* Fuzz target for the IDX reader (C24/C25 data): any bytes, plain or gzip, as an images (3-D) or
 * labels (1-D) file. The reader must reject what is wrong with a message, never crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrlab/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned ndims = 1 + data[0] % 3; /* the first byte picks the expected dimensions */
    char path[] = "/tmp/lrlab-fuzz-idx-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    ssize_t wrote = write(fd, data + 1, size - 1);
    close(fd);
    if (wrote == (ssize_t)(size - 1)) {
        lr_idx idx;
        char err[256];
        if (lr_idx_read(path, ndims, &idx, err, sizeof err) == 0) {
            size_t expect = 1;
            for (unsigned d = 0; d < idx.ndims; d++)
                expect *= idx.dims[d];
            if (expect != idx.size)
                abort(); /* the header and the payload must agree */
            lr_idx_free(&idx);
        } else if (err[0] == '\0') {
            abort(); /* every rejection names its reason */
        }
    }
    unlink(path);
    return 0;
}
