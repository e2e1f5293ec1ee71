/* bdev.c — the block device: it stores the bytes of every device block (by
 * reference: one content store over the device's byte addresses),
 * queues requests up to its queue depth, completes each after the read or
 * write latency (plus seeded jitter, so completions may overtake each other),
 * fails the I/Os the scenario injects errors into, and forgets everything in
 * flight at a power cut.
 */
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/iomap.h"
#include "engine/model/fsops.h"

#include <string.h>

VmemuBio *
vm_bio_new (VmemuMachine *m, VmBioKind kind, VmemuInode *ino, guint64 pblk, guint64 file_off)
{
  VmemuBio *bio = m->bio_cache;
  GArray *segs;
  VmContent *snap = NULL;   /* a write's snapshot store, emptied */
  if (bio != NULL)
    {
      m->bio_cache = bio->next;
      segs = bio->segs;
      snap = bio->snap;
      g_array_set_size (segs, 0);
      *bio = (VmemuBio) { 0 };
    }
  else
    {
      bio = g_new (VmemuBio, 1);
      *bio = (VmemuBio) { 0 };
      segs = g_array_new (FALSE, FALSE, sizeof (VmBioSeg));
    }
  bio->snap = snap;
  bio->id = ++m->next_bio_id;
  bio->kind = kind;
  bio->inode = ino;
  bio->pblk = pblk;
  bio->file_off = file_off;
  bio->segs = segs;
  return bio;
}

/* A completed bio goes back to the machine's cache with its segment array,
 * so the next one allocates nothing (the cache never changes what the model
 * does: a bio's id comes from next_bio_id, its fields are reset). */
void
vm_bio_release (VmemuMachine *m, VmemuBio *bio)
{
  if (bio->snap != NULL)
    vmemu_content_reset (bio->snap, 0);   /* drops its references now */
  bio->next = m->bio_cache;
  m->bio_cache = bio;
}

/* Frees the machine's cache of released bios (at teardown). */
void
vm_bio_cache_free (VmemuMachine *m)
{
  while (m->bio_cache)
    {
      VmemuBio *b = m->bio_cache;
      m->bio_cache = b->next;
      vm_bio_free (b);
    }
}

void
vm_bio_add (VmemuBio *bio, VmemuPage *p, guint off, guint len)
{
  VmBioSeg s = { .page = p, .off = off, .len = len };
  g_array_append_val (bio->segs, s);
  bio->bytes += len;
}

void
vm_bio_free (VmemuBio *bio)
{
  g_array_unref (bio->segs);
  vmemu_content_free (bio->snap);
  g_free (bio);
}

void
vm_disk_read (VmemuMachine *m, guint64 pblk, guint64 bytes, VmContent *dst, guint64 doff)
{
  vmemu_content_copy (dst, doff, m->disk, pblk << m->blkbits, bytes);
}

void
vm_disk_write (VmemuMachine *m, guint64 pblk, guint64 bytes, const VmContent *src, guint64 soff)
{
  vmemu_content_copy (m->disk, pblk << m->blkbits, src, soff, bytes);
}

static guint64
sector_of (VmemuMachine *m, guint64 pblk)
{
  return pblk * (m->block_size / 512);
}

/* Does an injected error rule match this bio?  Each rule fails `count` I/Os. */
static int
match_inject (VmemuMachine *m, VmemuBio *bio)
{
  gboolean write = bio->kind == VM_BIO_WRITE || bio->kind == VM_BIO_DIO_WRITE;
  guint64 first = bio->file_off >> m->blkbits, last = first + bio->nblocks - 1;
  for (guint i = 0; i < m->injects->len; i++)
    {
      VmInject *r = &g_array_index (m->injects, VmInject, i);
      if (r->count == 0)
        continue;
      gboolean kind_ok = (r->on == VMEMU_INJECT_ON_WRITE && write)
                         || (r->on == VMEMU_INJECT_ON_READ && !write)
                         || (r->on == VMEMU_INJECT_ON_READAHEAD && !write && bio->readahead);
      if (!kind_ok)
        continue;
      if (r->inode && (r->inode != bio->inode || last < r->first_blk || first > r->last_blk))
        continue;
      r->count--;
      vm_trace (m, VMEMU_EV_BIO_ERROR_INJECTED, sector_of (m, bio->pblk),
                bio->nblocks * (m->block_size / 512), write, 0, NULL);
      return -VMEMU_EIO;
    }
  return 0;
}

static void
bio_complete_cb (VmemuSim *sim, gpointer data, guint64 arg)
{
  VmemuMachine *m = data;
  VmemuBio *bio = (VmemuBio *) (guintptr) arg;
  VmemuActor *saved = m->cur;
  m->cur = NULL;
  m->inflight--;
  g_ptr_array_remove_fast (m->bios_inflight, bio);
  if (bio->dropped)
    {
      vm_bio_release (m, bio);
      m->cur = saved;
      return;
    }
  gboolean write = bio->kind == VM_BIO_WRITE || bio->kind == VM_BIO_DIO_WRITE;
  vm_trace (m, VMEMU_EV_BIO_COMPLETE, sector_of (m, bio->pblk),
            bio->nblocks * (m->block_size / 512), write, bio->error, NULL);
  if (write)
    {
      if (bio->error == 0)
        vm_disk_write (m, bio->pblk, (guint64) bio->nblocks << m->blkbits, bio->snap, 0);
      if (bio->kind == VM_BIO_DIO_WRITE)
        vm_dio_end_io (m, bio);
      else
        vm_write_end_io (m, bio);
    }
  else
    {
      /* The device DMA: copy the stored bytes into the page segments. */
      guint64 done = 0;
      for (guint i = 0; i < bio->segs->len && bio->error == 0; i++)
        {
          VmBioSeg *s = &g_array_index (bio->segs, VmBioSeg, i);
          guint64 dev = (bio->pblk << m->blkbits) + done, n;
          /* one run (zeros included) is set as such; anything else copied */
          VmContentDesc d = vmemu_content_at (m->disk, dev, s->len, &n);
          if (n == s->len)
            vm_page_content_fill (m, s->page, s->off, s->len, &d);
          else
            {
              vmemu_content_copy (vm_page_content (m, s->page), s->off, m->disk, dev, s->len);
              vm_page_content_done (m, s->page);
            }
          done += s->len;
        }
      if (bio->kind == VM_BIO_DIO_READ)
        vm_dio_end_io (m, bio);
      else
        vm_read_end_io (m, bio);
    }
  /* Start the next queued request. */
  if (m->queue_head && m->inflight < m->scn->machine.device.queue_depth)
    {
      VmemuBio *next = m->queue_head;
      m->queue_head = next->next;
      if (!m->queue_head)
        m->queue_tail = NULL;
      next->next = NULL;
      vm_submit_bio (m, next);
    }
  vm_bio_release (m, bio);
  m->cur = saved;
}

static void
bio_start (VmemuMachine *m, VmemuBio *bio)
{
  const VmemuMachineConfig *c = &m->scn->machine;
  gboolean write = bio->kind == VM_BIO_WRITE || bio->kind == VM_BIO_DIO_WRITE;
  guint64 lat = write ? c->device.write_latency_ns : c->device.read_latency_ns;
  if (c->device.jitter_ns)
    lat += vmemu_rng_below (&m->rng, c->device.jitter_ns + 1);
  m->inflight++;
  g_ptr_array_add (m->bios_inflight, bio);
  vmemu_sim_schedule_after (m->sim, lat, bio_complete_cb, m, (guint64) (guintptr) bio);
}

/* submit_bio: the data of a write is taken now; the device applies it when
 * the request completes. */
void
vm_submit_bio (VmemuMachine *m, VmemuBio *bio)
{
  gboolean write = bio->kind == VM_BIO_WRITE || bio->kind == VM_BIO_DIO_WRITE;
  if (!bio->accounted)
    {
      guint64 bytes = bio->bytes;
      bio->accounted = TRUE;
      bio->nblocks = bytes / m->block_size;
      if (write)
        {
          if (bio->snap != NULL)
            vmemu_content_reset (bio->snap, bytes);
          else
            bio->snap = vmemu_content_new (bytes);
          guint64 o = 0;
          for (guint i = 0; i < bio->segs->len; i++)
            {
              VmBioSeg *s = &g_array_index (bio->segs, VmBioSeg, i);
              VmContentView view;
              vmemu_content_copy (bio->snap, o, vm_page_content_peek (m, s->page, &view), s->off,
                                  s->len);
              o += s->len;
            }
          m->result.bios_write++;
          m->result.bytes_written += bytes;
        }
      else
        m->result.bios_read++;
      bio->error = match_inject (m, bio);
      vm_trace (m, VMEMU_EV_BIO_QUEUE, sector_of (m, bio->pblk),
                bio->nblocks * (m->block_size / 512), write, bio->id, NULL);
    }
  if (m->inflight >= m->scn->machine.device.queue_depth)
    {
      if (m->queue_tail)
        m->queue_tail->next = bio;
      else
        m->queue_head = bio;
      m->queue_tail = bio;
      return;
    }
  bio_start (m, bio);
}

/* Power cut: requests in flight or queued never reach the media. */
void
vm_bdev_power_cut (VmemuMachine *m)
{
  for (guint i = 0; i < m->bios_inflight->len; i++)
    ((VmemuBio *) g_ptr_array_index (m->bios_inflight, i))->dropped = TRUE;
  while (m->queue_head)
    {
      VmemuBio *b = m->queue_head;
      m->queue_head = b->next;
      vm_bio_free (b);
    }
  m->queue_tail = NULL;
}
