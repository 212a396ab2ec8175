/* config_rules.h: private to host/config/ (not installed): the rules
 * across keys that config_read.c applies as it reads (config_rules.c). */
#ifndef STAMPEDE_HOST_CONFIG_RULES_H
#define STAMPEDE_HOST_CONFIG_RULES_H

#include "config_messages.h"

/* After the scalars: steps (horizon / dt) fit an int, the log price's
 * reach over the horizon keeps float32 prices finite, hf0.median >=
 * hf0.min, passive positions exist where they are needed. STP_OK, or
 * c->err's status. */
stp_status stp_cfg_check_cross(stp_cfg_ctx *c, const stp_config *cfg);

/* Last: run.populations, the search's and the scenario mode's needs of the
 * rest (stp_config_check_qmc's rule, in the config's own message form). */
stp_status stp_cfg_check_modes(stp_cfg_ctx *c, const stp_config *cfg);

#endif
