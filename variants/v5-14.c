/* v5-14 — v5-10 + the 5.14 pair: 98fee973806a (iomap_writepage_map creates a
 * missing iomap_page) and 9d70bb7eb395 (the page_mkwrite actor creates none).
 * docs/patching.md writes the pair as replacement functions instead. */
#include "engine/variant/variant-def.h"

VMEMU_VARIANT_DEFINE (v5_14) = {
  .name = "v5-14",
  .commit = "98fee973806a 9d70bb7eb395",
  .summary = "5.10 + writepage creates a missing iomap_page, mkwrite creates none",
  .base = "v5-10",
  .set = VMEMU_SW_BIT (WRITEPAGE_CREATE_IOP) | VMEMU_SW_BIT (MKWRITE_NO_IOP),
};
