/* config.c: the public entry of config loading (config.h): a file or
 * JSON text to a validated stp_config whose every experiment point is
 * built as the run builds it. The pipeline is config_parse.c, the points
 * config_points.c; this file reads the file and joins the two. */
#include "config_messages.h"
#include "config_parse.h"
#include "config_venues.h"
#include "json_strict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_SIZE (64u << 20) /* a config is a few KiB; refuse to slurp a disk image */

/* The config (config_parse.c), then its venues' configs and its points:
 * they are built from the resolved text, as run builds them
 * (config_venue.c, config_points.c). */
static stp_status parse_checked(stp_config **out, const char *json, const char *origin,
                                const char *const *sets, int n_sets, stp_error *err)
{
    stp_config *cfg = NULL;
    if (stp_cfg_parse(&cfg, json, origin, NULL, sets, n_sets, err)) return err->status;
    if (stp_cfg_check_venues(cfg, err) || stp_config_check_points(cfg, err)) {
        stp_config_destroy(cfg);
        return err->status;
    }
    *out = cfg;
    return STP_OK;
}

stp_status stp_config_parse(stp_config **out, const char *json, const char *origin,
                            const char *const *sets, int n_sets, stp_error *err)
{
    stp_error local;
    *out = NULL;
    if (!err) err = &local;
    return stp_cfg_one_line(err, parse_checked(out, json, origin, sets, n_sets, err));
}

/* The whole file as a NUL-terminated string of *len bytes (*text owned by
 * the caller). */
static stp_status read_file(const char *path, char **text, size_t *len, stp_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *grown;
    size_t cap = 0, got = 1;
    int read_errno = 0;
    *text = NULL;
    *len = 0;
    if (!f)
        return stp_error_set(err, STP_EIO, "cannot read config '%s': %s", path, strerror(errno));
    while (got > 0 && *len < CONFIG_MAX_SIZE) {
        if (*len + 1 >= cap) {
            if (!(grown = realloc(buf, cap = cap ? 2 * cap : 16384))) break;
            buf = grown;
        }
        got = fread(buf + *len, 1, cap - *len - 1, f);
        *len += got;
    }
    if (ferror(f)) read_errno = errno ? errno : EIO;
    fclose(f);
    if (buf && *len + 1 <= cap && !read_errno && *len < CONFIG_MAX_SIZE) {
        buf[*len] = '\0';
        *text = buf;
        return STP_OK;
    }
    free(buf);
    if (read_errno)
        return stp_error_set(err, STP_EIO, "cannot read config '%s': %s", path,
                             strerror(read_errno));
    return stp_error_set(err, buf ? STP_EUSAGE : STP_ENOMEM, "cannot read config '%s': %s", path,
                         buf ? "larger than 64 MiB" : "out of memory");
}

stp_status stp_config_load(stp_config **out, const char *path, const char *const *sets, int n_sets,
                           stp_error *err)
{
    stp_error local;
    char *text = NULL;
    size_t len, line, col;
    stp_status st;
    *out = NULL;
    if (!err) err = &local;
    if (!path) return stp_error_set(err, STP_EUSAGE, "no config file given");
    if (read_file(path, &text, &len, err)) return stp_cfg_one_line(err, err->status);
    if (strlen(text) != len) { /* cJSON would stop there and miss the rest */
        stp_json_line_col(text, strlen(text), &line, &col);
        st = stp_error_set(err, STP_EUSAGE, "%s:%zu:%zu: malformed JSON: a NUL byte", path, line,
                           col);
    } else {
        st = stp_config_parse(out, text, path, sets, n_sets, err);
    }
    free(text);
    return stp_cfg_one_line(err, st);
}
