/* libFuzzer target: the results reader (stampede summary) on arbitrary file
 * contents. HDF5 itself may crash or hang on a hostile file, so the reader
 * verifies every file in a child process first (h5_seal.h); whatever the
 * bytes, the reader must answer STP_OK or STP_EIO with one line, in bounded
 * time, and never crash itself. A file it accepts must summarise: its
 * variants and statistics are what the seal vouched for. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stampede/h5out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    stp_summary s;
    stp_error err = {STP_OK, ""};
    stp_status st;
    FILE *f;
    snprintf(path, sizeof path, "/tmp/stp_fuzz_results_%d.h5", (int)getpid());
    f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    st = stp_h5_read_summary(path, &s, &err);
    if (st == STP_OK) {
        if (s.n_variants < 1 || !s.variants)
            abort(); /* accepted, so it must hold what a results file holds */
        stp_summary_free(&s);
    } else if (st != STP_EIO || strchr(err.msg, '\n') || !err.msg[0]) {
        abort(); /* a damaged file is one line and exit 3, nothing else */
    }
    unlink(path);
    return 0;
}
