/* SwiftPM wants a source file in every C target; libsystemd itself is all this target needs. */
#include "csystemd.h"
