/* libFuzzer target: the model loader on arbitrary file contents. Any input
 * must load or give a one-line error; a loaded model has finite weights and
 * the shape its kind implies. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stampede/models.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    stp_model m;
    stp_error err = {STP_OK, ""};
    FILE *f;
    int k;
    snprintf(path, sizeof path, "/tmp/stp_fuzz_model_%d.json", (int)getpid());
    f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    if (stp_model_load(&m, path, &err) == STP_OK) {
        if (m.n_params != stp_family_n_params(m.kind, m.hidden))
            abort();
        for (k = 0; k < m.n_params; k++)
            if (!isfinite(m.params[k]))
                abort();
    } else if (strchr(err.msg, '\n')) {
        abort();
    }
    return 0;
}
