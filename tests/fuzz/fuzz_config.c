/* libFuzzer target: the config parser on arbitrary bytes. Any input must
 * give STP_OK or a one-line error, never a crash or a leak; an accepted
 * config's resolved JSON must parse again to success. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    stp_config *cfg = NULL, *again = NULL;
    stp_error err = {STP_OK, ""};
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (stp_config_parse(&cfg, text, "fuzz.json", NULL, 0, &err) == STP_OK) {
        if (stp_config_parse(&again, cfg->resolved_json, "fuzz.json", NULL, 0, &err) != STP_OK)
            abort(); /* the resolved config must read back */
        stp_config_destroy(again);
    } else if (strchr(err.msg, '\n')) {
        abort(); /* errors are one line */
    }
    stp_config_destroy(cfg);
    free(text);
    return 0;
}
