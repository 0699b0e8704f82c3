/* sandbox.h - `--sandbox`: cps-sim in this process, on a loopback port, checking signatures
 * with a pair of random keys made for it. */
#ifndef CPSBATCH_SANDBOX_H
#define CPSBATCH_SANDBOX_H

#include "sim.h"

#define SANDBOX_URL_SIZE 64
#define SANDBOX_KEY_SIZE 40

/* Start it: *out (stop and free with sim_stop, sim_free), its URL and keys. Prints why it
 * could not start. Returns 0, or a negative code. */
int sandbox_start(struct sim **out, char url[SANDBOX_URL_SIZE], char ak[SANDBOX_KEY_SIZE],
                  char sk[SANDBOX_KEY_SIZE]);

#endif
