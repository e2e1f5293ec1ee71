/* v5-10 — the iomap changes of 5.9/5.10 that touch the modelled paths:
 * 4595a298d556 (create fill), 14284fedf59f (__iomap_write_begin marks the
 * blocks it read uptodate), e6e7ca92623a (clear PG_error before a write) and
 * 5.9's iomap_dio_rw invalidating only for writes. */
#include "engine/variant/variant-def.h"

VMEMU_VARIANT_DEFINE (v5_10) = {
  .name = "v5-10",
  .commit = "4595a298d556 14284fedf59f e6e7ca92623a",
  .summary = "the iomap 5.10 batch: create fill, write_begin marks read blocks, clears PG_error",
  .base = "baseline",
  .set = VMEMU_SW_BIT (IOP_CREATE_FILL) | VMEMU_SW_BIT (WRITE_BEGIN_UPTODATE)
         | VMEMU_SW_BIT (WRITE_BEGIN_CLEAR_ERROR) | VMEMU_SW_BIT (DIO_INVALIDATE_WRITES_ONLY),
};
