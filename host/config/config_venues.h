/* config_venues.h: private to host/config/ (not installed). The keys of
 * DESIGN §10 (assets, market.correlation, venues, a protocol's venue,
 * cascade.venues, a shock's venue and asset) read into stp_config
 * (config_venues.c), and every venue's own config built at load
 * (config_venue.c). */
#ifndef STAMPEDE_HOST_CONFIG_VENUES_H
#define STAMPEDE_HOST_CONFIG_VENUES_H

#include "config_messages.h"

#include <cjson/cJSON.h>

/* Reads the §10 keys of a resolved tree whose protocols and shocks are
 * already read: names, the sections a `set` may change, the correlation
 * (checked by stp_correlation_factor), each protocol's venue and the
 * shares within each venue (the only share rule when "venues" is given:
 * config_read.c skips the global one then), cascade.venues, each shock's
 * scope. Without any of the keys it fills today's values: n_assets 0,
 * n_venues 0, identity correlation, cascade.venues 1, protocols' venue 0,
 * shocks' venue and asset -1. STP_OK, or c->err's status. */
stp_status stp_cfg_read_venues(stp_cfg_ctx *c, const cJSON *root, stp_config *cfg);

/* population.cross_venue_share and population.features_from of the
 * object `population` into cfg (0 and "home" when absent); present where
 * not `allowed` (a config without venues), refused naming the key. A
 * venue's own config reads them from its tree (config_venue.c). */
stp_status stp_cfg_read_cross(stp_cfg_ctx *c, const cJSON *population, stp_config *cfg,
                              int allowed);

/* oracle.source of venue v's tree (`source`, NULL when absent) into
 * venue->oracle_from: a venue of the base on venue v's own asset (its
 * own name is its own pool). */
stp_status stp_cfg_read_oracle_source(stp_cfg_ctx *c, const cJSON *source, const stp_config *base,
                                      int v, stp_config *venue);

/* Every venue's config of a loaded config (stp_config_venue) built and
 * destroyed, so `validate` refuses an overlay that does not fit: the
 * message names venues[v].set.KEY or assets[a].set.KEY when the key at
 * fault is one of theirs. STP_OK when n_venues is 0. */
stp_status stp_cfg_check_venues(const stp_config *cfg, stp_error *err);

#endif
