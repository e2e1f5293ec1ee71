/* mkwrite-create-fill — the other reading of the review: the bitmap is filled
 * only when the page_mkwrite actor is the one creating the iomap_page.
 * Never merged. */
#include "engine/variant/variant-def.h"

VMEMU_VARIANT_DEFINE (mkwrite_create_fill) = {
  .name = "mkwrite-create-fill",
  .summary = "5.8 + fill in the page_mkwrite actor only when it creates the iomap_page",
  .base = "baseline",
  .set = VMEMU_SW_BIT (MKWRITE_CREATE_FILL),
};
