/* config_schema.h: private to host/config/ (not installed). The catalogue
 * of the config of DESIGN §5a, as data: the keys with their defaults (JSON
 * text), the spellings of every enum, and the type, bounds and destination
 * of every scalar. config_schema.c holds it; config_parse.c resolves a tree
 * against the JSON text, config_read.c reads the tree with the tables. */
#ifndef STAMPEDE_HOST_CONFIG_SCHEMA_H
#define STAMPEDE_HOST_CONFIG_SCHEMA_H

#include "stampede/config.h"

#include <stddef.h>

/* The schema and defaults table (JSON text; see its comment). */
extern const char stp_cfg_schema_json[];

/* Enum spellings, in the order of the enums in config.h; NULL-terminated. */
extern const char *const stp_cfg_experiment_kinds[];
extern const char *const stp_cfg_noise_dists[];
extern const char *const stp_cfg_scenario_modes[];
extern const char *const stp_cfg_objectives[];
extern const char *const stp_cfg_shock_kinds[];
extern const char *const stp_cfg_releases[];

/* Scalar keys: dotted path below the object read, type, allowed range, and
 * where the value goes (an offset into the struct being filled). */
typedef enum { F_NUM, F_INT, F_LLONG, F_SEED, F_BOOL, F_RANGE } stp_cfg_field_kind;
typedef struct stp_cfg_bounds {
    double lo, hi;
    int lo_open, hi_open;
    const char *why; /* the bound's reason, shown in its message; NULL: evident */
} stp_cfg_bounds;
typedef struct stp_cfg_field {
    const char *key;
    stp_cfg_field_kind kind;
    stp_cfg_bounds b;
    size_t off;
} stp_cfg_field;
typedef struct stp_cfg_fields {
    const stp_cfg_field *f;
    size_t n;
} stp_cfg_fields;

/* The scalars of the config (offsets into stp_config), of one protocols[]
 * item (stp_protocol_spec), population.families[] item (stp_family_spec),
 * scenario.shocks[] item (stp_shock_spec) and tiered_liquidation.bands[]
 * item (stp_band_spec). */
extern const stp_cfg_fields stp_cfg_config_fields;
extern const stp_cfg_fields stp_cfg_protocol_fields;
extern const stp_cfg_fields stp_cfg_family_fields;
extern const stp_cfg_fields stp_cfg_shock_fields;
extern const stp_cfg_fields stp_cfg_band_fields;

/* Bounds of values the readers check outside the tables: a shock's
 * rate_per_path and count, an output level, a sweep value. */
extern const stp_cfg_bounds stp_cfg_shock_rate_bounds;
extern const stp_cfg_bounds stp_cfg_shock_count_bounds;
extern const stp_cfg_bounds stp_cfg_level_bounds;
extern const stp_cfg_bounds stp_cfg_any_bounds;

#endif
