/* Must not compile: cps_util may not include spec.h (src/CMakeLists.txt, the allowed edges). */
#include "spec.h"
