#include "sandbox.h"

#include <stdio.h>

#include "err.h"
#include "token.h"

int sandbox_start(struct sim **out, char url[SANDBOX_URL_SIZE], char ak[SANDBOX_KEY_SIZE],
                  char sk[SANDBOX_KEY_SIZE])
{
    struct sim_config cfg;
    char msg[256] = "";
    sim_config_default(&cfg);
    if (token_random(ak) || token_random(sk))
        return ERR_IO;
    cfg.access_key = ak;
    cfg.secret_key = sk;
    cfg.faults.verify_signatures = true;
    struct sim *s = NULL;
    int rc = sim_new(&cfg, &s, msg, sizeof(msg));
    if (!rc && (rc = sim_start(s, "127.0.0.1", 0, msg, sizeof(msg))) != 0)
        sim_free(s);
    if (rc) {
        fprintf(stderr, "cpsbatch: cannot start the sandbox: %s\n", msg);
        return rc;
    }
    snprintf(url, SANDBOX_URL_SIZE, "http://127.0.0.1:%u", sim_port(s));
    *out = s;
    return 0;
}
