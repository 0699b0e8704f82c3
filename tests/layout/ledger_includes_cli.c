/* Must not compile: cps_ledger may not include cmd_run.h (src/CMakeLists.txt, allowed edges). */
#include "cmd_run.h"
