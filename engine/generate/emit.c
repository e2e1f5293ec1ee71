/* emit.c — building primitive scenario ops the way fsx issues its calls. */
#include "engine/generate/generate.h"

#include <string.h>

void
vmemu_emit_range (GArray *ops, VmemuOpKind kind, gint file, guint64 offset_bytes,
                guint64 length_bytes)
{
  VmemuOp op = vmemu_op_init (kind);

  op.file = file;
  op.offset_bytes = offset_bytes;
  op.length_bytes = length_bytes;
  g_array_append_val (ops, op);
}

/* The mapping's view of the EOF page tail: fsx's check_eofpage() requires
 * every byte from EOF to the end of the EOF page to read as 0 when the access
 * reaches into that page and EOF is not page aligned. */
static void
emit_eof_tail (GArray *ops, const VmemuMapAccess *a, guint64 map_start, guint64 map_end)
{
  guint64 size = a->eof_check_size;
  guint64 eof_page = size - size % a->page_size_bytes;
  VmemuOp op;

  if (size % a->page_size_bytes == 0 || a->offset_bytes + a->length_bytes <= eof_page
      || map_end <= size || size < map_start)
    return;
  op = vmemu_op_init (VMEMU_OP_MREAD);
  op.map = a->map;
  op.offset_bytes = size - map_start;
  op.length_bytes = map_end - size;
  g_array_append_val (ops, op);
}

void
vmemu_emit_map_access (GArray *ops, const VmemuMapAccess *a)
{
  guint64 ps = a->page_size_bytes;
  guint64 start = a->offset_bytes - a->offset_bytes % ps;
  guint64 end = (a->offset_bytes + a->length_bytes + ps - 1) / ps * ps;
  VmemuOp op = vmemu_op_init (VMEMU_OP_MMAP);

  g_return_if_fail (ps > 0 && a->length_bytes > 0);
  op.file = a->file;
  op.map = a->map;
  op.offset_bytes = start;
  op.length_bytes = end - start;
  g_array_append_val (ops, op);

  if (!a->no_access)
    {
      op = vmemu_op_init (a->is_write ? VMEMU_OP_MWRITE : VMEMU_OP_MREAD);
      op.map = a->map;
      op.offset_bytes = a->offset_bytes - start;
      op.length_bytes = a->length_bytes;
      if (a->is_write)
        {
          op.data = a->data;
          op.fsx_opnum = a->data == VMEMU_DATA_FSX ? a->fsx_opnum : 0;
        }
      g_array_append_val (ops, op);
    }
  if (a->has_msync)
    {
      op = vmemu_op_init (VMEMU_OP_MSYNC);
      op.map = a->map;
      op.sync = a->msync_sync;
      g_array_append_val (ops, op);
    }
  if (a->eof_check_size > 0)
    emit_eof_tail (ops, a, start, end);

  op = vmemu_op_init (VMEMU_OP_MUNMAP);
  op.map = a->map;
  g_array_append_val (ops, op);
}

gint
vmemu_scenario_symbol_lookup (const VmemuScenario *scn, const char *name)
{
  if (scn->symbols == NULL)
    return -1;
  for (guint i = 0; i < scn->symbols->len; i++)
    if (strcmp (g_ptr_array_index (scn->symbols, i), name) == 0)
      return (gint) i;
  return -1;
}
