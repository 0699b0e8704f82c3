/* Must not compile: cps_ledger may not include cmd_run.h (src/CMakeLists.txt, the allowed edges). */
#include "cmd_run.h"
