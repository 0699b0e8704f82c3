/* Must not compile: cps_job may not include engine.h (src/CMakeLists.txt, the allowed edges). */
#include "engine.h"
