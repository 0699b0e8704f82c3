/* Must not compile: cps_sim may not include transport.h (src/CMakeLists.txt, the allowed edges). */
#include "transport.h"
