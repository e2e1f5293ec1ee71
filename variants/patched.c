/* patched — 5.8 + 4595a298d556 "iomap: Set all uptodate bits for an
 * Uptodate page": iomap_page_create fills the bitmap of an uptodate page.
 * docs/patching.md writes the same fix as a replacement iomap_page_create. */
#include "engine/variant/variant-def.h"

VMEMU_VARIANT_DEFINE (patched) = {
  .name = "patched",
  .commit = "4595a298d556",
  .summary = "5.8 + 4595a298d556: iomap_page_create fills the bitmap of an uptodate page",
  .base = "baseline",
  .set = VMEMU_SW_BIT (IOP_CREATE_FILL),
};
