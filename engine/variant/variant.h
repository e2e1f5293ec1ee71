/* variant.h — kernel behaviour variants: switches and replacement functions.
 *
 * A variant is never a copy of the model.  It is one file in variants/
 * (engine/variant/variant-def.h) naming a base variant and what it changes:
 * switches, asked about by the model with vmemu_variant_has(), and replacement
 * functions for the model's ops tables (engine/model/fs-ops.h).  A variant
 * spec names a variant and then switches or variants to add, or switches to
 * remove: "baseline+write_begin_uptodate", "patched-iop_create_fill",
 * "baseline+my-fix" (my-fix's own changes, without its base's).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VMEMU_VARIANT_ERROR (vmemu_variant_error_quark ())
GQuark vmemu_variant_error_quark (void);
typedef enum { VMEMU_VARIANT_ERROR_UNKNOWN } VmemuVariantError;

typedef enum {
  /* 4595a298d556: iomap_page_create fills the bitmap of an uptodate page */
  VMEMU_SW_IOP_CREATE_FILL,
  /* Chinner's reading: iomap_page_mkwrite_actor fills the bitmap of an
   * uptodate page every time it runs */
  VMEMU_SW_MKWRITE_FILL,
  /* the other reading: fill only when the mkwrite actor created the iop */
  VMEMU_SW_MKWRITE_CREATE_FILL,
  /* 14284fedf59f (5.10): __iomap_write_begin marks the blocks it read uptodate */
  VMEMU_SW_WRITE_BEGIN_UPTODATE,
  /* e6e7ca92623a (5.10): clear PG_error before beginning a write */
  VMEMU_SW_WRITE_BEGIN_CLEAR_ERROR,
  /* 98fee973806a (5.14): writepage_map creates a missing iop (filled if uptodate) */
  VMEMU_SW_WRITEPAGE_CREATE_IOP,
  /* 9d70bb7eb395 (5.14): the mkwrite actor no longer creates an iop */
  VMEMU_SW_MKWRITE_NO_IOP,
  /* THP series (Oct 2020): a partial invalidate of a large folio releases the iop */
  VMEMU_SW_PARTIAL_INVALIDATE_RELEASE,
  /* 5.9: iomap_dio_rw flushes and invalidates only for writes */
  VMEMU_SW_DIO_INVALIDATE_WRITES_ONLY,
  VMEMU_SW__COUNT
} VmemuSwitch;

struct VmemuVariantOps;   /* engine/model/fs-ops.h */

typedef struct {
  char *spec;                         /* as given, e.g. "baseline+write_begin_uptodate" */
  gboolean on[VMEMU_SW__COUNT];
  /* Replacement ops in the order they apply (a base's before its child's). */
  const struct VmemuVariantOps *ops[16];
  const char *ops_from[16];           /* the variant each came from (static strings) */
  guint n_ops;
} VmemuVariant;

/* Parse a spec.  Unknown names fail with a message listing the known ones. */
VmemuVariant *vmemu_variant_parse (const char *spec, GError **error);
void vmemu_variant_free (VmemuVariant *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuVariant, vmemu_variant_free)

static inline gboolean
vmemu_variant_has (const VmemuVariant *v, VmemuSwitch sw)
{
  return v->on[sw];
}

/* Tables for `vmemu variants`. */
guint vmemu_variant_n_named (void);
const char *vmemu_variant_named_name (guint i);
const char *vmemu_variant_named_summary (guint i);
/* The kernel commit(s) it models, space separated, or NULL. */
const char *vmemu_variant_named_commit (guint i);
const char *vmemu_switch_name (VmemuSwitch sw);
const char *vmemu_switch_summary (VmemuSwitch sw);
/* "iop_create_fill,write_begin_uptodate" or "none" (g_free). */
char *vmemu_variant_switches_string (const VmemuVariant *v);
/* "patched,my-fix": the variants whose replacement ops apply, or "none". */
char *vmemu_variant_ops_string (const VmemuVariant *v);

G_END_DECLS
