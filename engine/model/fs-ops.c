/* fs-ops.c — one machine's ops tables: the filesystem's, with the
 * replacement functions of its variant laid over them in order. */
#include "engine/model/fs-ops.h"

/* A replacement (non-NULL) entry wins. */
#define OVERRIDE(field) \
  do { if (r->field != NULL) out->field = r->field; } while (0)

static void
lay_over (VmFsOps *out, const VmFsOps *r)
{
  OVERRIDE (a_ops.readpage);
  OVERRIDE (a_ops.readahead);
  OVERRIDE (a_ops.writepage);
  OVERRIDE (a_ops.writepages.writepage);
  OVERRIDE (a_ops.writepages.submit);
  OVERRIDE (a_ops.set_page_dirty);
  OVERRIDE (a_ops.releasepage);
  OVERRIDE (a_ops.invalidatepage);
  OVERRIDE (a_ops.is_partially_uptodate);
  OVERRIDE (a_ops.migratepage);
  OVERRIDE (a_ops.split_page_private);
  OVERRIDE (vm_ops.fault);
  OVERRIDE (vm_ops.map_pages);
  OVERRIDE (vm_ops.page_mkwrite);
  OVERRIDE (i_op.itruncate_extents);
  OVERRIDE (iomap_ops.iomap_begin);
  OVERRIDE (iomap_ops.map_blocks);
  OVERRIDE (iomap.page_create);
  OVERRIDE (iomap.page_mkwrite_actor);
  OVERRIDE (iomap.writepage_map_iop);
  OVERRIDE (iomap.write_begin);
  OVERRIDE (iomap.write_end);
}

void
vm_fs_ops_build (VmFsOps *out, const VmFsOps *base, const VmemuVariant *variant)
{
  *out = *base;
  for (guint i = 0; variant != NULL && i < variant->n_ops; i++)
    lay_over (out, variant->ops[i]);
}
