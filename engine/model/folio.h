/* folio.h — large folios (folio.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

/* Split the large folio holding p (split_huge_page): each page keeps its
 * flags, the folio's iomap_page state is dropped.  FALSE (-EBUSY) when a
 * member is locked (other than by the caller), under writeback or pinned. */
gboolean vm_split_folio (VmemuMachine *m, VmemuPage *p, gboolean caller_locked);
/* Readahead window rounded out to whole folios when large folios are on. */
void vm_folio_ra_window (VmemuMachine *m, guint64 *start, guint64 *size);
void vm_folio_mark (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 n);
