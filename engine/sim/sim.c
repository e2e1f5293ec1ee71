/* sim.c — virtual clock, (time, seq)-ordered event queue, xoshiro256** PRNG.
 *
 * The queue is a binary min-heap stored in one array of events by value, so
 * scheduling never allocates once the array has grown to the high-water mark
 * of pending events.  Keys are (time, seq) and seq is unique, so the order is
 * total: no tie is ever broken by the heap's shape, which is what makes runs
 * identical across compilers and optimisation levels.
 */
#include "engine/sim/sim.h"

/* ---------------------------------------------------------------- PRNG --- */

/* The splitmix64 increment (the golden-ratio constant); shared with seeding so
 * vmemu_mix64 (x) is exactly one splitmix64 output for state x - GAMMA. */
#define SPLITMIX_GAMMA G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

void
vmemu_rng_init (VmemuRng *rng, guint64 seed)
{
  guint64 x = seed;

  g_return_if_fail (rng != NULL);

  /* splitmix64 spreads any seed (even 0) over the whole state; an all-zero
   * xoshiro state would be stuck at zero forever. */
  for (int i = 0; i < 4; i++)
    {
      x += SPLITMIX_GAMMA;
      rng->s[i] = vmemu_mix64 (x);
    }
}

guint64
vmemu_rng_below (VmemuRng *rng, guint64 n)
{
  unsigned __int128 m;
  guint64 low;

  if (n == 0)
    return 0;
  /* Lemire's multiply-and-reject: the high half of x * n is uniform in
   * [0, n) once the few low halves below 2^64 mod n are rejected. */
  m = (unsigned __int128) vmemu_rng_next (rng) * n;
  low = (guint64) m;
  if (low < n)
    {
      const guint64 threshold = -n % n;  /* 2^64 mod n */
      while (low < threshold)
        {
          m = (unsigned __int128) vmemu_rng_next (rng) * n;
          low = (guint64) m;
        }
    }
  return (guint64) (m >> 64);
}

guint64
vmemu_rng_range (VmemuRng *rng, guint64 lo, guint64 hi)
{
  g_return_val_if_fail (lo <= hi, lo);

  if (lo == 0 && hi == G_MAXUINT64)
    return vmemu_rng_next (rng);       /* hi - lo + 1 would wrap to 0 */
  return lo + vmemu_rng_below (rng, hi - lo + 1);
}

/* --------------------------------------------------------- event queue --- */

/* One pending event, stored by value in the heap array. */
typedef struct {
  guint64 time_ns;      /* when it runs (absolute virtual time) */
  guint64 seq;          /* schedule order: breaks ties FIFO, unique */
  VmemuEventFn fn;      /* what runs */
  gpointer data;        /* first argument given back to fn */
  guint64 arg;          /* second argument given back to fn */
} SimEvent;

/* First capacity of the heap array; doubled whenever it fills. */
#define SIM_HEAP_MIN_CAPACITY 64

struct _VmemuSim {
  guint64 now_ns;       /* virtual clock: time of the running or last event */
  guint64 next_seq;     /* seq for the next schedule call; starts at 1 so 0
                         * can mean "not scheduled" */
  guint64 events_run;   /* events run since creation */
  gboolean is_stopped;  /* vmemu_sim_stop() was called; cleared by run() */
  SimEvent *heap;       /* min-heap on (time_ns, seq), heap[0] earliest */
  gsize n_pending;      /* events in heap[] */
  gsize capacity;       /* slots allocated in heap[] */
  VmemuRng rng;         /* the machine's stream, seeded from the sim seed */
};

static inline gboolean
event_before (const SimEvent *a, const SimEvent *b)
{
  return a->time_ns < b->time_ns
         || (a->time_ns == b->time_ns && a->seq < b->seq);
}

/* Move the hole at `i` up until `ev` fits there, then store it. */
static void
heap_sift_up (SimEvent *heap, gsize i, const SimEvent *ev)
{
  while (i > 0)
    {
      gsize parent = (i - 1) / 2;
      if (!event_before (ev, &heap[parent]))
        break;
      heap[i] = heap[parent];
      i = parent;
    }
  heap[i] = *ev;
}

/* Move the hole at `i` down (towards the smaller child) until `ev` fits. */
static void
heap_sift_down (SimEvent *heap, gsize n, gsize i, const SimEvent *ev)
{
  for (;;)
    {
      gsize child = 2 * i + 1;
      if (child >= n)
        break;
      if (child + 1 < n && event_before (&heap[child + 1], &heap[child]))
        child++;
      if (!event_before (&heap[child], ev))
        break;
      heap[i] = heap[child];
      i = child;
    }
  heap[i] = *ev;
}

static void
heap_pop (VmemuSim *sim, SimEvent *out)
{
  *out = sim->heap[0];
  sim->n_pending--;
  if (sim->n_pending > 0)
    heap_sift_down (sim->heap, sim->n_pending, 0, &sim->heap[sim->n_pending]);
}

VmemuSim *
vmemu_sim_new (guint64 seed)
{
  VmemuSim *sim = g_new0 (VmemuSim, 1);

  sim->next_seq = 1;
  sim->capacity = SIM_HEAP_MIN_CAPACITY;
  sim->heap = g_new (SimEvent, sim->capacity);
  vmemu_rng_init (&sim->rng, seed);
  return sim;
}

void
vmemu_sim_free (VmemuSim *sim)
{
  if (sim == NULL)
    return;
  g_free (sim->heap);
  g_free (sim);
}

guint64
vmemu_sim_now_ns (const VmemuSim *sim)
{
  g_return_val_if_fail (sim != NULL, 0);
  return sim->now_ns;
}

VmemuRng *
vmemu_sim_rng (VmemuSim *sim)
{
  g_return_val_if_fail (sim != NULL, NULL);
  return &sim->rng;
}

guint64
vmemu_sim_schedule_at (VmemuSim *sim, guint64 at_ns, VmemuEventFn fn,
                       gpointer data, guint64 arg)
{
  SimEvent ev;

  g_return_val_if_fail (sim != NULL, 0);
  g_return_val_if_fail (fn != NULL, 0);
  /* An event in the past would make time run backwards. */
  g_return_val_if_fail (at_ns >= sim->now_ns, 0);

  if (sim->n_pending == sim->capacity)
    {
      sim->capacity *= 2;
      sim->heap = g_renew (SimEvent, sim->heap, sim->capacity);
    }
  ev = (SimEvent) { at_ns, sim->next_seq++, fn, data, arg };
  heap_sift_up (sim->heap, sim->n_pending++, &ev);
  return ev.seq;
}

guint64
vmemu_sim_schedule_after (VmemuSim *sim, guint64 delay_ns, VmemuEventFn fn,
                          gpointer data, guint64 arg)
{
  g_return_val_if_fail (sim != NULL, 0);
  g_return_val_if_fail (delay_ns <= G_MAXUINT64 - sim->now_ns, 0);
  return vmemu_sim_schedule_at (sim, sim->now_ns + delay_ns, fn, data, arg);
}

gboolean
vmemu_sim_step (VmemuSim *sim)
{
  SimEvent ev;

  g_return_val_if_fail (sim != NULL, FALSE);
  if (sim->n_pending == 0 || sim->is_stopped)
    return FALSE;
  /* Pop before running: the handler may schedule, which may move the array. */
  heap_pop (sim, &ev);
  sim->now_ns = ev.time_ns;
  sim->events_run++;
  ev.fn (sim, ev.data, ev.arg);
  return TRUE;
}

guint64
vmemu_sim_run (VmemuSim *sim, guint64 limit_ns)
{
  guint64 before;

  g_return_val_if_fail (sim != NULL, 0);
  before = sim->events_run;
  sim->is_stopped = FALSE;
  while (sim->n_pending > 0 && sim->heap[0].time_ns <= limit_ns)
    if (!vmemu_sim_step (sim))
      break;                           /* stopped by the last event */
  return sim->events_run - before;
}

void
vmemu_sim_stop (VmemuSim *sim)
{
  g_return_if_fail (sim != NULL);
  sim->is_stopped = TRUE;
}

gsize
vmemu_sim_pending (const VmemuSim *sim)
{
  g_return_val_if_fail (sim != NULL, 0);
  return sim->n_pending;
}

guint64
vmemu_sim_next_time_ns (const VmemuSim *sim)
{
  g_return_val_if_fail (sim != NULL, G_MAXUINT64);
  return sim->n_pending > 0 ? sim->heap[0].time_ns : G_MAXUINT64;
}

guint64
vmemu_sim_events_run (const VmemuSim *sim)
{
  g_return_val_if_fail (sim != NULL, 0);
  return sim->events_run;
}
