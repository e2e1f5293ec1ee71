/* mkwrite-fill — the fix the reviewer proposed instead of 4595a298d556
 * (Chinner's reading): iomap_page_mkwrite_actor fills the bitmap of an
 * uptodate page every time it runs.  Never merged. */
#include "engine/variant/variant-def.h"

VMEMU_VARIANT_DEFINE (mkwrite_fill) = {
  .name = "mkwrite-fill",
  .summary = "5.8 + the reviewer's alternative: fill in the page_mkwrite actor each time",
  .base = "baseline",
  .set = VMEMU_SW_BIT (MKWRITE_FILL),
};
