/* Must not compile: cps_load may not include ledger.h (src/CMakeLists.txt, the allowed edges). */
#include "ledger.h"
