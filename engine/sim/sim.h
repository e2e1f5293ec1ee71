/* sim.h — the discrete-event core: virtual clock, event queue, PRNG.
 *
 * Virtual time is in nanoseconds.  Events run in (time, seq) order, where seq
 * is the order in which they were scheduled, so two events at the same time
 * always run in the same order.  Scheduling allocates nothing per event once
 * the queue has grown (an array-backed binary heap).
 *
 * Knows nothing of the models.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VmemuSim VmemuSim;

/* An event callback.  `data` and `arg` are what was given to schedule. */
typedef void (*VmemuEventFn) (VmemuSim *sim, gpointer data, guint64 arg);

/* xoshiro256** seeded through splitmix64: the project's own PRNG, so streams are
 * the same on every libc.  Plain struct so models can keep several streams. */
typedef struct {
  guint64 s[4];
} VmemuRng;

void vmemu_rng_init (VmemuRng *rng, guint64 seed);

static inline guint64
vmemu_rng_rotl_ (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* The next 64 bits of the stream.  Inline: set-up draws one per byte of a
 * file's random initial contents (setup_file), which is a fifth of the
 * explorer's time on its built-in template (a 32 KiB random file per case);
 * inline saves the call, the xoshiro step itself stays. */
static inline guint64
vmemu_rng_next (VmemuRng *rng)
{
  guint64 *s = rng->s;
  const guint64 result = vmemu_rng_rotl_ (s[1] * 5, 7) * 9;
  const guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = vmemu_rng_rotl_ (s[3], 45);
  return result;
}
/* Uniform in [0, n), without modulo bias; n == 0 returns 0. */
guint64 vmemu_rng_below (VmemuRng *rng, guint64 n);
/* Uniform in [lo, hi] inclusive. */
guint64 vmemu_rng_range (VmemuRng *rng, guint64 lo, guint64 hi);
/* A stateless 64-bit mix (splitmix64 finaliser), for seeded patterns.
 * Inline: the model calls it once per generated data byte (vm_data_fill), and
 * a call per byte cost more than the mix itself. */
static inline guint64
vmemu_mix64 (guint64 x)
{
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

VmemuSim *vmemu_sim_new (guint64 seed);
void vmemu_sim_free (VmemuSim *sim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuSim, vmemu_sim_free)

guint64 vmemu_sim_now_ns (const VmemuSim *sim);
/* The machine's PRNG stream. */
VmemuRng *vmemu_sim_rng (VmemuSim *sim);

/* Schedule fn at absolute time at_ns (>= now) or now + delay_ns.  Returns the
 * event's sequence number (>= 1).  A time before now (or now + delay_ns past
 * G_MAXUINT64) is a programmer error: g_critical and 0, nothing scheduled.
 * Allocates nothing per event once the queue has reached its high-water mark. */
guint64 vmemu_sim_schedule_at (VmemuSim *sim, guint64 at_ns, VmemuEventFn fn,
                               gpointer data, guint64 arg);
guint64 vmemu_sim_schedule_after (VmemuSim *sim, guint64 delay_ns, VmemuEventFn fn,
                                  gpointer data, guint64 arg);

/* Run the earliest event, advancing the clock to its time.  FALSE, and nothing
 * runs, when the queue is empty or vmemu_sim_stop() has been called since the
 * last vmemu_sim_run() began. */
gboolean vmemu_sim_step (VmemuSim *sim);
/* Run until the queue is empty, vmemu_sim_stop() is called, or the next event
 * is later than limit_ns (G_MAXUINT64 for no limit).  Returns events run.
 * Clears an earlier stop on entry.  The clock is left at the last event run,
 * not moved forward to limit_ns. */
guint64 vmemu_sim_run (VmemuSim *sim, guint64 limit_ns);
/* Make vmemu_sim_run() return after the current event. */
void vmemu_sim_stop (VmemuSim *sim);
gsize vmemu_sim_pending (const VmemuSim *sim);
/* Time of the earliest pending event, G_MAXUINT64 when none. */
guint64 vmemu_sim_next_time_ns (const VmemuSim *sim);
/* Events run so far. */
guint64 vmemu_sim_events_run (const VmemuSim *sim);

G_END_DECLS
