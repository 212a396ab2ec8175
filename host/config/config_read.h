/* config_read.h: private to host/config/ (not installed): a resolved tree
 * into stp_config (config_read.c). */
#ifndef STAMPEDE_HOST_CONFIG_READ_H
#define STAMPEDE_HOST_CONFIG_READ_H

#include "config_messages.h"

#include <cjson/cJSON.h>

/* Reads a tree already resolved against the schema (unknown keys rejected,
 * defaults filled) into cfg: types, ranges, cross-key rules, model file
 * resolution and loading (stp_model_load). May add defaulted keys to root
 * (vol_regime size). On failure fills c->err and returns its status; cfg
 * may hold owned set_json strings either way (stp_config_destroy frees
 * them). */
stp_status stp_cfg_read(stp_cfg_ctx *c, cJSON *root, stp_config *cfg);

#endif
