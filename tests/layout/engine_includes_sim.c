/* Must not compile: cps_engine may not include sim.h (src/CMakeLists.txt, the allowed edges). */
#include "sim.h"
