/* Must compile: the control case of tests/layout/check.sh (the engine may see the ledger, the
 * transport and the job), so the refusals there are the include path's doing, nothing else. */
#include "engine.h"
#include "job.h"
#include "ledger.h"
#include "transport.h"
