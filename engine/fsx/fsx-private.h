/* fsx-private.h — op-building helpers shared by the importer and the
 * generator.  Nothing outside engine/fsx/ includes this. */
#pragma once

#include "engine/fsx/fsx.h"

/* The op-building helpers (vmemu_emit_*) are engine/generate/generate.h. */
