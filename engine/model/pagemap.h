/* pagemap.h — pagemap.h + swap.h: page references, page lock and wait queues, the
 * page cache, the LRU lists and pagevecs (page.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

VmemuPage *vm_page_alloc (VmemuMachine *m, int holder);   /* NULL: out of memory */
/* The page slab: a struct page back to it (no accounting), and the whole
 * slab freed with the machine. */
void vm_page_slab_put (VmemuMachine *m, VmemuPage *p);
void vm_page_slab_free (VmemuMachine *m);
/* The page's iomap_page.uptodate bitmap (two words, bit per block): made
 * on first use; _peek reads all zero when it was never made. */
guint64 *vm_page_iop_bits (VmemuMachine *m, const VmemuPage *p);
const guint64 *vm_page_iop_bits_peek (const VmemuMachine *m, const VmemuPage *p);
void vm_page_iop_clear (VmemuMachine *m, const VmemuPage *p);   /* every bit clear */
void vm_get_page (VmemuMachine *m, VmemuPage *p, int holder);
void vm_put_page (VmemuMachine *m, VmemuPage *p, int holder);
void vm_move_ref (VmemuMachine *m, VmemuPage *p, int from, int to);
gboolean vm_trylock_page (VmemuPage *p);
VmStep vm_lock_page (VmemuMachine *m, VmemuActor *a, VmemuPage *p);
void vm_unlock_page (VmemuMachine *m, VmemuPage *p);
VmStep vm_wait_on_page (VmemuMachine *m, VmemuActor *a, VmemuPage *p);
void vm_wake_page (VmemuMachine *m, VmemuPage *p);
VmemuPage *vm_find_get_page (VmemuMachine *m, VmemuInode *ino, guint64 index, int holder);
gboolean vm_add_to_page_cache_lru (VmemuMachine *m, VmemuActor *a, VmemuPage *p,
                                   VmemuInode *ino, guint64 index);
void vm_delete_from_page_cache (VmemuMachine *m, VmemuPage *p);
void vm_mark_page_accessed (VmemuMachine *m, VmemuPage *p);
void vm_pagevec_add (VmemuMachine *m, guint cpu, int pvec, VmemuPage *p);
void vm_lru_add_drain (VmemuMachine *m, guint cpu, const char *reason);
void vm_lru_add_drain_all (VmemuMachine *m, const char *reason);
void vm_lru_del (VmemuMachine *m, VmemuPage *p);
void vm_lru_add_head (VmemuMachine *m, VmemuPage *p, int lru);
void vm_lru_add_tail (VmemuMachine *m, VmemuPage *p, int lru);
/* Page contents (page.c): a read-only view (NULL: all zero; view is the
 * caller's stack space for an inline run); the store to change them (made
 * on first use); vm_page_content_done after a change folds a store back into
 * the page when it holds one run the page can say inline. */
const VmContent *vm_page_content_peek (VmemuMachine *m, const VmemuPage *p, VmContentView *view);
VmContent *vm_page_content (VmemuMachine *m, VmemuPage *p);
void vm_page_content_done (VmemuMachine *m, VmemuPage *p);
void vm_page_content_fill (VmemuMachine *m, VmemuPage *p, guint off, guint len,
                           const VmContentDesc *d);
void vm_page_content_free (VmemuPage *p);
void vm_page_content_copy (VmemuMachine *m, VmemuPage *dst, const VmemuPage *src);
static inline gboolean
vm_page_has_content (const VmemuPage *p)
{
  return p->cgen != 0;   /* VMEMU_GEN_ZERO */
}
VmemuInode *vm_page_owner (VmemuMachine *m, const VmemuPage *p);
guint64 vm_eof_index (VmemuMachine *m, VmemuInode *ino, guint64 *eof_off);
