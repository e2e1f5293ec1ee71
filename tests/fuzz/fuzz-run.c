/* fuzz-run.c — libFuzzer target that loads a scenario AND runs it, so the
 * emulator itself (not only the loader) meets hostile scenarios: tiny
 * memories, odd page/block sizes, ops on every edge of a file.  Anything but
 * a crash, a sanitizer report, a hang or a leak is fine: a stall or a setup
 * error is an answer, data loss is an answer.
 *
 * The run is bounded so one input stays well inside libFuzzer's -timeout and
 * -rss_limit_mb: at most 256 ops (written plus generated), 64 MiB of memory,
 * 4 MiB per file and every file range, 256 KiB per generated op, 10 s of
 * virtual time. */
#include <stdint.h>
#include <string.h>

#include "engine/run/run.h"
#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_MAX_OPS 256
#define FUZZ_MAX_MEMORY (64ull << 20)
#define FUZZ_MAX_FILE (4ull << 20)
#define FUZZ_MAX_GEN_OP (256ull << 10)
#define FUZZ_TIME_LIMIT_NS (10ull * 1000 * 1000 * 1000)

/* The furthest byte an op can touch in a file (or allocate). */
static guint64
op_extent (const VmemuOp *op)
{
  guint64 e = MAX (op->offset_bytes, op->size_bytes);
  e = MAX (e, op->src_bytes);
  e = MAX (e, op->dst_bytes);
  return e + op->length_bytes;   /* each is validated below 2 GiB: no overflow */
}

static gboolean
within_bounds (const VmemuScenario *scn)
{
  const VmemuMachineConfig *mc = &scn->machine;
  guint64 ops = 0;

  if (mc->memory_bytes > FUZZ_MAX_MEMORY || mc->cpus > 8)
    return FALSE;
  if (scn->has_fsx && scn->fsx_length_bytes > FUZZ_MAX_FILE)
    return FALSE;
  for (guint i = 0; i < scn->files->len; i++)
    if (((const VmemuFile *) g_ptr_array_index (scn->files, i))->size_bytes > FUZZ_MAX_FILE)
      return FALSE;
  for (guint i = 0; i < scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, i);
      ops += t->ops->len;
      if (t->has_generate)
        {
          ops += t->generate.count;
          /* Generated ops reach max_op_size each: keep them small enough
           * that 256 of them stay well under a second under ASan. */
          if (t->generate.file_length_bytes > FUZZ_MAX_FILE
              || t->generate.max_op_size_bytes > FUZZ_MAX_GEN_OP)
            return FALSE;
        }
      for (guint k = 0; k < t->ops->len; k++)
        {
          const VmemuOp *op = &g_array_index (t->ops, VmemuOp, k);
          if (op_extent (op) > FUZZ_MAX_FILE || op->count > 1000)
            return FALSE;
        }
    }
  return ops <= FUZZ_MAX_OPS;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) scn =
    vmemu_scenario_load_data ("fuzz.yaml", (const char *) data, size, &error);
  if (scn == NULL)
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      return 0;
    }
  if (!within_bounds (scn))
    return 0;
  g_autoptr (VmemuVariant) variant =
    vmemu_variant_parse (scn->variant ? scn->variant : "baseline", &error);
  if (variant == NULL)
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      return 0;
    }
  VmemuRunOptions ro = { .scenario = scn, .variant = variant,
                         .time_limit_ns = FUZZ_TIME_LIMIT_NS };
  g_autoptr (VmemuRun) run = vmemu_run_one (&ro);
  const VmemuRunResult *r = vmemu_run_machine_result (run);
  if (r == NULL)
    {
      const GError *e = vmemu_run_error (run);
      g_assert (e != NULL && strchr (e->message, '\n') == NULL);
      return 0;
    }
  g_assert (r->losses != NULL);
  return 0;
}
