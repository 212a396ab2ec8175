/* config_set.h: private to host/config/ (not installed): overrides of a
 * config tree by key (config_set.c). */
#ifndef STAMPEDE_HOST_CONFIG_SET_H
#define STAMPEDE_HOST_CONFIG_SET_H

#include "config_messages.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* Sets root's value at key "a.b.c", "a[0].b" or "a.0.b" (value consumed);
 * missing objects are created (an array where the next part is an index).
 * Returns STP_EUSAGE with why[0, cap) set to the reason, or STP_ENOMEM. */
stp_status stp_cfg_set_path(cJSON *root, const char *key, cJSON *value, char *why, size_t cap);

/* The command line's n_sets overrides "KEY=VALUE" (at most STP_MAX_SETS),
 * in order, on root; VALUE is JSON when it parses strictly, else a bare
 * word taken as a string. Messages name the override: "--set '...': ...". */
stp_status stp_cfg_apply_sets(stp_cfg_ctx *c, cJSON *root, const char *const *sets, int n_sets);

#endif
