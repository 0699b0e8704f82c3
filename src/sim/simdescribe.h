/* simdescribe.h - cps-sim's describeInstance and describeInstances.
 *
 * Both answer from simstate under its instance lock; the caller has checked that region is
 * one of the catalog's.
 */
#ifndef CPSBATCH_SIMDESCRIBE_H
#define CPSBATCH_SIMDESCRIBE_H

#include "simcall.h"
#include "simreply.h"

/* An instance is "creating" for k->create_seconds after its order, then "running", or
 * "error" for the share k->p_error of instances (chosen by id). */

/* GET /v1/regions/{region}/instances/{id}: {"instance":{...}}, or 404 when id is not an
 * instance of region. */
void simdescribe_instance(struct simctx *ctx, const struct simcall *call, const char *region,
                          const char *id, const struct sim_faults *k, struct simreply *out);

/* GET /v1/regions/{region}/instances?pageNumber=&pageSize=&filters.N.name=&filters.N.values.M=
 * {"instances":[...],"pageNumber":P,"pageSize":S,"totalCount":N}; 400 for bad paging (pageSize
 * 20..100, default 20, as the API) or an unknown filter. */
void simdescribe_instances(struct simctx *ctx, const struct simcall *call, const char *region,
                           const struct sim_faults *k, struct simreply *out);

#endif
