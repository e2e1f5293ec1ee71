/* variant-def.h — what one file in variants/ declares.
 *
 * A modelled patch is one C file in variants/ (or a file named by
 * `make VARIANTS_EXTRA=path/to/fix.c`).  It defines one constant
 * VmemuVariantDef with VMEMU_VARIANT_DEFINE (SYMBOL), where SYMBOL is the file
 * name with '-' turned into '_' (variants/mkwrite-fill.c: mkwrite_fill).  The
 * build collects every such symbol into a constant table sorted by file name
 * (engine/variant/gen-variant-list.sh); nothing registers at run time.
 *
 * A definition names its base (another variant, usually "baseline"; NULL for
 * baseline itself) and what it changes on top of it: switches to turn on or
 * off, and replacement functions (struct VmemuVariantOps, defined by the model
 * in engine/model/fs-ops.h: a variant file that replaces functions includes
 * that header; one that only flips switches needs nothing but this one).
 */
#pragma once

#include <glib.h>

#include "engine/variant/variant.h"

G_BEGIN_DECLS

/* Replacement ops: defined by the model (engine/model/fs-ops.h). */
struct VmemuVariantOps;

typedef struct {
  const char *name;        /* must be the file's name without .c */
  const char *commit;      /* the kernel commit it models ("4595a298d556"), or NULL */
  const char *summary;     /* one line */
  const char *base;        /* the variant it starts from; NULL only for baseline */
  guint64 set;             /* switches turned on: VMEMU_SW_BIT (IOP_CREATE_FILL) | ... */
  guint64 clear;           /* switches turned off */
  const struct VmemuVariantOps *ops;   /* replacement functions, or NULL */
} VmemuVariantDef;

#define VMEMU_SW_BIT(x) (G_GUINT64_CONSTANT (1) << VMEMU_SW_##x)

/* The one definition of a variant file. */
#define VMEMU_VARIANT_DEFINE(sym) const VmemuVariantDef vmemu_variant_def_##sym

/* The table the build generates: every variant file's definition, sorted by
 * file name. */
typedef struct {
  const char *file_name;   /* the file's name without .c */
  const VmemuVariantDef *def;
} VmemuVariantEntry;

extern const VmemuVariantEntry vmemu_variant_table[];
extern const guint vmemu_variant_table_len;

G_END_DECLS
