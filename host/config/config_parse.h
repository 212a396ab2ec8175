/* config_parse.h: private to host/config/ (not installed): JSON text to
 * one validated stp_config (config_parse.c). */
#ifndef STAMPEDE_HOST_CONFIG_PARSE_H
#define STAMPEDE_HOST_CONFIG_PARSE_H

#include "stampede/config.h"

/* stp_config_parse without the points' check (stp_config_check_points): the
 * text, the n_sets overrides, the schema, every key and rule, each
 * variant and sweep value validated on its own copy. origin is the file,
 * the base of model paths (may be NULL); shown names it in messages
 * (NULL: origin). On success *out owns the config; on failure *out is
 * untouched and err holds the message (not yet made one line:
 * stp_cfg_one_line). */
stp_status stp_cfg_parse(stp_config **out, const char *json, const char *origin, const char *shown,
                         const char *const *sets, int n_sets, stp_error *err);

/* One config of its own, as the run builds it from a base (a venue's):
 * no overrides, and its variants and sweep left unchecked (they are the
 * base's, checked on the base). Otherwise as stp_cfg_parse. */
stp_status stp_cfg_parse_one(stp_config **out, const char *json, const char *origin,
                             const char *shown, stp_error *err);

#endif
