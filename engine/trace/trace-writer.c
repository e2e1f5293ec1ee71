/* trace-writer.c — the API side of the trace and its writer thread: every
 * call copies its record into a batch and returns; one thread per trace
 * applies the batches to SQLite (trace.c) in call order. */
#define G_LOG_DOMAIN "vmemu-trace"
#include "engine/trace/trace-private.h"

/* ---- the writer thread ---- */

static void
apply_rec (VmemuTrace *tr, const Rec *r)
{
  switch (r->kind)
    {
    case REC_EVENT:
      apply_event (tr, &r->u.ev);
      break;
    case REC_VERIFY:
      apply_verify (tr, &r->u.verify);
      break;
    case REC_META:
      apply_meta (tr, r->u.meta.key, r->u.meta.value);
      break;
    case REC_TASK:
      apply_task (tr, r->u.task.id, r->u.task.name, r->u.task.cpu, r->u.task.kind);
      break;
    case REC_INODE:
      apply_inode (tr, r->u.inode.ino, r->u.inode.path);
      break;
    case REC_BEGIN_RUN:
      apply_begin_run (tr, r->u.begin.name, r->u.begin.sha);
      break;
    case REC_INTERRUPT:
      apply_interrupt (tr, r->u.flag);
      break;
    }
}

/* Applies a batch's records (unless the trace is being discarded) and
 * empties it. */
static void
batch_apply (VmemuTrace *tr, Batch *b)
{
  for (guint i = 0; i < b->n && !g_atomic_int_get (&tr->abandon); i++)
    apply_rec (tr, &b->recs[i]);
  b->n = 0;
  b->last = FALSE;
  g_string_chunk_clear (b->text);
}

/* Writes batches in the order they were filled until the last one. */
static gpointer
trace_writer_main (gpointer data)
{
  VmemuTrace *tr = data;

  for (;;)
    {
      Batch *b = g_async_queue_pop (tr->full);
      gboolean last = b->last;
      batch_apply (tr, b);
      g_async_queue_push (tr->empty, b);
      if (last)
        return NULL;
    }
}

static Batch *
batch_new (void)
{
  /* Not zeroed: 0.5 MiB of records a small trace never touches. */
  Batch *b = g_new (Batch, 1);

  b->n = 0;
  b->last = FALSE;
  b->text = g_string_chunk_new (16384);
  return b;
}

static void
batch_free (gpointer p)
{
  Batch *b = p;

  g_string_chunk_free (b->text);
  g_free (b);
}

/* After the schema.  The thread starts when the first batch is full: a trace
 * that fits in one (a scenario, a test, an explained case) is written by the
 * caller at close and never makes the process multi-threaded, which would
 * cost every later malloc and SQLite mutex of the process its atomic
 * operations (glibc's single-thread fast paths: measured 1.5 ms of CPU on
 * opening and closing a small trace). */
void
trace_writer_start (VmemuTrace *tr)
{
  tr->cur = batch_new ();
}

/* From here on SQLite belongs to the writer thread. */
static void
trace_writer_spawn (VmemuTrace *tr)
{
  tr->full = g_async_queue_new ();
  tr->empty = g_async_queue_new_full (batch_free);
  for (int i = 1; i < BATCHES; i++)
    g_async_queue_push (tr->empty, batch_new ());
  tr->writer = g_thread_new ("vmemu-trace", trace_writer_main, tr);
}

/* Hands over what is filled and waits until all of it is written (by the
 * caller when no thread was started); SQLite and the run state are the
 * caller's again. */
void
trace_writer_stop (VmemuTrace *tr)
{
  if (tr->cur == NULL)
    return;
  if (tr->writer == NULL)
    {
      batch_apply (tr, tr->cur);
      g_clear_pointer (&tr->cur, batch_free);
      return;
    }
  tr->cur->last = TRUE;
  g_async_queue_push (tr->full, g_steal_pointer (&tr->cur));
  g_thread_join (g_steal_pointer (&tr->writer));
  g_clear_pointer (&tr->full, g_async_queue_unref);
  g_clear_pointer (&tr->empty, g_async_queue_unref);
}

/* The next free record of the batch being filled; a full batch goes to the
 * writer first (waiting for an empty one when BATCHES are in flight). */
static Rec *
trace_next_rec (VmemuTrace *tr, RecKind kind)
{
  if (tr->cur->n == BATCH_RECS)
    {
      if (tr->writer == NULL)
        trace_writer_spawn (tr);
      g_async_queue_push (tr->full, tr->cur);
      tr->cur = g_async_queue_pop (tr->empty);
    }
  Rec *r = &tr->cur->recs[tr->cur->n++];
  r->kind = kind;
  return r;
}

/* A copy of s in the batch (NULL stays NULL); repeated texts (event details)
 * are stored once per batch. */
static const char *
batch_text (VmemuTrace *tr, const char *s, gboolean repeated)
{
  if (s == NULL)
    return NULL;
  return repeated ? g_string_chunk_insert_const (tr->cur->text, s)
                  : g_string_chunk_insert (tr->cur->text, s);
}

static gboolean
trace_accepts (VmemuTrace *tr)
{
  return tr != NULL && tr->cur != NULL && !g_atomic_int_get (&tr->failed);
}

/* ---- emission (the API: copies into the batch, never waits on SQLite) ---- */

void
vmemu_trace_event (VmemuTrace *tr, const VmemuTraceEvent *ev)
{
  if (tr == NULL)
    return;
  g_return_if_fail (ev != NULL);
  g_return_if_fail ((int) ev->id >= 0 && ev->id < VMEMU_EV__COUNT);
  if (!trace_accepts (tr))
    return;
  tr->n_events++;
  sums_event (&tr->sums, ev);
  Rec *r = trace_next_rec (tr, REC_EVENT);
  r->u.ev = *ev;
  r->u.ev.detail = batch_text (tr, ev->detail, TRUE);
}

void
vmemu_trace_verify (VmemuTrace *tr, const VmemuTraceVerify *v)
{
  if (tr == NULL)
    return;
  g_return_if_fail (v != NULL);
  if (!trace_accepts (tr))
    return;
  sums_verify (&tr->sums, v);
  Rec *r = trace_next_rec (tr, REC_VERIFY);
  r->u.verify = *v;
  r->u.verify.kind = batch_text (tr, v->kind, TRUE);
  r->u.verify.path = batch_text (tr, v->path, TRUE);
  r->u.verify.expected_hex = batch_text (tr, v->expected_hex, FALSE);
  r->u.verify.found_hex = batch_text (tr, v->found_hex, FALSE);
}

void
vmemu_trace_meta (VmemuTrace *tr, const char *key, const char *value)
{
  if (tr == NULL)
    return;
  g_return_if_fail (key != NULL);
  if (!trace_accepts (tr))
    return;
  Rec *r = trace_next_rec (tr, REC_META);
  r->u.meta.key = batch_text (tr, key, FALSE);
  r->u.meta.value = batch_text (tr, value, FALSE);
}

void
vmemu_trace_task (VmemuTrace *tr, gint32 id, const char *name, gint32 cpu,
                  const char *kind)
{
  if (!trace_accepts (tr))
    return;
  sums_task (&tr->sums, id, name, cpu, kind);
  Rec *r = trace_next_rec (tr, REC_TASK);
  r->u.task.id = id;
  r->u.task.cpu = cpu;
  r->u.task.name = batch_text (tr, name, FALSE);
  r->u.task.kind = batch_text (tr, kind, TRUE);
}

void
vmemu_trace_inode (VmemuTrace *tr, guint64 ino, const char *path)
{
  if (!trace_accepts (tr))
    return;
  sums_inode (&tr->sums, ino, path);
  Rec *r = trace_next_rec (tr, REC_INODE);
  r->u.inode.ino = ino;
  r->u.inode.path = batch_text (tr, path, FALSE);
}

gint64
vmemu_trace_begin_run (VmemuTrace *tr, const char *name)
{
  if (tr == NULL)
    return 0;
  gint64 next = ++tr->api_run_id;
  g_autofree char *sha = sums_fingerprint (&tr->sums);
  sums_clear (&tr->sums);
  sums_init (&tr->sums);
  if (trace_accepts (tr))
    {
      Rec *r = trace_next_rec (tr, REC_BEGIN_RUN);
      r->u.begin.name = batch_text (tr, name, FALSE);
      r->u.begin.sha = batch_text (tr, sha, FALSE);
    }
  return next;
}

void
vmemu_trace_set_interrupt (VmemuTrace *tr, const volatile gint *flag)
{
  if (tr == NULL || tr->db == NULL)
    return;
  if (tr->cur == NULL)
    {
      apply_interrupt (tr, flag);
      return;
    }
  /* The writer thread installs it: a connection is used by one thread. */
  trace_next_rec (tr, REC_INTERRUPT)->u.flag = flag;
}

guint64
vmemu_trace_n_events (const VmemuTrace *tr)
{
  return tr == NULL ? 0 : tr->n_events;
}
