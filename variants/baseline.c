/* baseline — Linux 5.8 as released.  Every other variant starts here. */
#include "engine/variant/variant-def.h"

VMEMU_VARIANT_DEFINE (baseline) = {
  .name = "baseline",
  .summary = "Linux 5.8 as released: iomap_page_create always zeroes the bitmap",
};
