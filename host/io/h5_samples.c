/* h5_samples.c: a variant's or a venue's samples/ group of the results
 * file (h5_samples.h). */
#include "h5_samples.h"

int stp_h5_write_samples(hid_t vg, const stp_samples *s, int venue, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    if (stp_h5_make_group(vg, "samples", 0, &g, err)) goto fail;
    if (s && s->k > 0 && s->n_steps > 0 && venue < (s->n_venues > 0 ? s->n_venues : 1)) {
        const hsize_t dims[2] = {(hsize_t)s->k, (hsize_t)s->n_steps};
        const hid_t f32 = H5T_IEEE_F32LE, mf32 = H5T_NATIVE_FLOAT;
        const size_t at = (size_t)venue * (size_t)s->k * (size_t)s->n_steps; /* outcomes.h */
        if (stp_h5_attr_f64(g, ".", "dt_s", (double)s->dt_s, err) ||
            stp_h5_write_dataset(g, "price", f32, mf32, 2, dims, s->price + at, 1, err) ||
            stp_h5_write_dataset(g, "pool_depth", f32, mf32, 2, dims, s->pool_depth + at, 1, err) ||
            stp_h5_write_dataset(g, "sync", f32, mf32, 2, dims, s->sync + at, 1, err) ||
            stp_h5_write_dataset(g, "liquidations", f32, mf32, 2, dims, s->liquidations + at, 1,
                                 err))
            goto fail;
    }
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}
