/* scenario-ops.c — one task's `ops:` list: each op's arguments, and the
 * names that must refer to something created earlier (maps, regions, pipes).
 *
 * An op is a one-key mapping, `- read: { file: /data, length: 4096 }`, or a
 * bare name for ops without arguments (`- sync`).  A table says which
 * arguments each op takes and which it needs; the checks that depend on more
 * than one argument follow the table.
 */
#include "engine/scenario/scenario-private.h"

#include <string.h>

typedef enum {
  ARG_FILE, ARG_OFFSET, ARG_LENGTH, ARG_HOLD, ARG_DIRECT, ARG_VALUE, ARG_FSX_OP, ARG_AS,
  ARG_PRIVATE, ARG_MAP, ARG_SYNC, ARG_SIZE, ARG_KEEP_SIZE, ARG_SRC, ARG_DST, ARG_ADVICE,
  ARG_MODE, ARG_PIPE, ARG_FOR, ARG_ERROR, ARG_ON, ARG_COUNT, ARG__COUNT
} OpArg;

static const char *const arg_names[ARG__COUNT + 1] = {
  "file", "offset", "length", "hold", "direct", "value", "fsx_op", "as", "private", "map",
  "sync", "size", "keep_size", "src", "dst", "advice", "mode", "pipe", "for", "error", "on",
  "count", NULL,
};

#define A(x) (1u << ARG_##x)

/* Arguments each op takes, and those it cannot do without. */
typedef struct {
  guint32 allowed;
  guint32 required;
} OpSpec;

#define RANGE (A (FILE) | A (OFFSET) | A (LENGTH))
#define RANGE_REQ (A (FILE) | A (LENGTH))

static const OpSpec op_specs[VMEMU_OP__COUNT] = {
  [VMEMU_OP_READ] = { RANGE | A (HOLD) | A (DIRECT), RANGE_REQ },
  [VMEMU_OP_WRITE] = { RANGE | A (DIRECT) | A (VALUE) | A (FSX_OP), RANGE_REQ },
  [VMEMU_OP_MMAP] = { RANGE | A (AS) | A (PRIVATE), RANGE_REQ | A (AS) },
  [VMEMU_OP_MREAD] = { A (MAP) | A (OFFSET) | A (LENGTH) | A (VALUE), A (MAP) | A (LENGTH) },
  [VMEMU_OP_MWRITE] = { A (MAP) | A (OFFSET) | A (LENGTH) | A (VALUE) | A (FSX_OP),
                        A (MAP) | A (LENGTH) },
  [VMEMU_OP_MSYNC] = { A (MAP) | A (SYNC), A (MAP) },
  [VMEMU_OP_MUNMAP] = { A (MAP), A (MAP) },
  [VMEMU_OP_FSYNC] = { A (FILE), A (FILE) },
  [VMEMU_OP_FDATASYNC] = { A (FILE), A (FILE) },
  [VMEMU_OP_SYNC] = { 0, 0 },
  [VMEMU_OP_SYNC_FILE_RANGE] = { RANGE, A (FILE) },
  [VMEMU_OP_TRUNCATE] = { A (FILE) | A (SIZE), A (FILE) | A (SIZE) },
  [VMEMU_OP_FALLOCATE] = { RANGE | A (KEEP_SIZE), RANGE_REQ },
  [VMEMU_OP_PUNCH_HOLE] = { RANGE, RANGE_REQ },
  [VMEMU_OP_ZERO_RANGE] = { RANGE | A (KEEP_SIZE), RANGE_REQ },
  [VMEMU_OP_COLLAPSE_RANGE] = { RANGE, RANGE_REQ },
  [VMEMU_OP_INSERT_RANGE] = { RANGE, RANGE_REQ },
  [VMEMU_OP_COPY_RANGE] = { A (FILE) | A (SRC) | A (DST) | A (LENGTH),
                            A (FILE) | A (SRC) | A (DST) | A (LENGTH) },
  [VMEMU_OP_FADVISE] = { RANGE | A (ADVICE), A (FILE) | A (ADVICE) },
  [VMEMU_OP_DROP_CACHES] = { A (MODE), 0 },
  [VMEMU_OP_SPLICE] = { RANGE | A (PIPE), RANGE_REQ | A (PIPE) },
  [VMEMU_OP_CLOSE_PIPE] = { A (PIPE), A (PIPE) },
  [VMEMU_OP_ALLOCATE] = { A (SIZE) | A (AS), A (SIZE) | A (AS) },
  [VMEMU_OP_FREE] = { A (SIZE) | A (AS), A (AS) },
  [VMEMU_OP_MIGRATE] = { A (FILE) | A (OFFSET), A (FILE) },
  [VMEMU_OP_SLEEP] = { A (FOR), A (FOR) },
  [VMEMU_OP_INJECT] = { A (ERROR) | A (ON) | A (FILE) | A (OFFSET) | A (COUNT),
                        A (ERROR) | A (ON) },
  [VMEMU_OP_POWER_CUT] = { 0, 0 },
  [VMEMU_OP_VERIFY] = { RANGE, A (FILE) },
  [VMEMU_OP_SPLIT_FOLIO] = { A (FILE) | A (OFFSET), A (FILE) },
};

/* A map or region of one task: what a later op may refer to. */
typedef struct {
  guint64 size_bytes;       /* map length, region size */
  guint32 line;             /* where it was created */
  guint32 gone_line;        /* where it was unmapped/freed, 0 while live */
} TaskSym;

typedef struct {
  ScenarioLoad *ld;
  VmemuTask *task;
  GHashTable *maps;         /* name (borrowed from the tree) -> TaskSym* */
  GHashTable *regions;      /* same, for allocate/free */
  guint64 timeline_ns;      /* the least virtual time the ops so far take */
} TaskLoad;

/* The arguments of one op, as nodes, indexed by OpArg (NULL when absent). */
typedef struct {
  const SNode *name;        /* the op's key, where messages about the op point */
  const SNode *arg[ARG__COUNT];
  const SNode *at, *after, *expect;
} OpNodes;

#define OP_ARGS_MAX (ARG__COUNT + 4)

static gboolean
op_key_unknown (ScenarioLoad *ld, const SNode *key, VmemuOpKind kind, const char *const *allowed)
{
  const char *hint;

  for (int a = 0; a < ARG__COUNT; a++)
    if (strcmp (key->text, arg_names[a]) == 0)
      {
        g_autofree char *list = g_strjoinv (", ", (char **) allowed);
        return sfail (ld, key, "'%s' is not an argument of '%s' (it takes: %s)", key->text,
                      vmemu_op_kind_name (kind), list);
      }
  hint = scenario_suggest (key->text, allowed);
  if (hint != NULL)
    return sfail (ld, key, "unknown key '%s' in '%s'; did you mean '%s'?", key->text,
                  vmemu_op_kind_name (kind), hint);
  g_autofree char *list = g_strjoinv (", ", (char **) allowed);
  return sfail (ld, key, "unknown key '%s' in '%s' (it takes: %s)", key->text,
                vmemu_op_kind_name (kind), list);
}

/* Sorts the argument mapping into n->arg[], refusing keys the op does not take. */
static gboolean
op_collect_args (ScenarioLoad *ld, VmemuOpKind kind, const SNode *args, OpNodes *n)
{
  const char *allowed[OP_ARGS_MAX] = { NULL };
  guint na = 0;

  for (int a = 0; a < ARG__COUNT; a++)
    if (op_specs[kind].allowed & (1u << a))
      allowed[na++] = arg_names[a];
  allowed[na++] = "at";
  allowed[na++] = "after";
  allowed[na++] = "expect";
  if (args == NULL || snode_is_null (args))
    return TRUE;
  if (args->kind != SNODE_MAP)
    {
      g_autofree char *got = snode_describe (args);
      return sfail (ld, args, "expected the arguments of '%s' as a mapping, got %s",
                    vmemu_op_kind_name (kind), got);
    }
  for (guint i = 0; i < snode_map_size (args); i++)
    {
      const SNode *key = snode_map_key (args, i), *val = snode_map_value (args, i);
      int a;
      for (a = 0; a < ARG__COUNT && strcmp (arg_names[a], key->text) != 0; a++)
        ;
      if (strcmp (key->text, "at") == 0)
        n->at = val;
      else if (strcmp (key->text, "after") == 0)
        n->after = val;
      else if (strcmp (key->text, "expect") == 0)
        n->expect = val;
      else if (a < ARG__COUNT && (op_specs[kind].allowed & (1u << a)))
        n->arg[a] = val;
      else
        return op_key_unknown (ld, key, kind, allowed);
    }
  return TRUE;
}

static gboolean
op_check_required (ScenarioLoad *ld, VmemuOpKind kind, const OpNodes *n)
{
  for (int a = 0; a < ARG__COUNT; a++)
    if ((op_specs[kind].required & (1u << a)) && n->arg[a] == NULL)
      return sfail (ld, n->name, "'%s' needs '%s'", vmemu_op_kind_name (kind), arg_names[a]);
  if (n->at != NULL && n->after != NULL)
    return sfail (ld, n->after, "give 'at' or 'after', not both");
  return TRUE;
}

/* The op's name node and argument mapping from one list item. */
static gboolean
op_split_item (ScenarioLoad *ld, const SNode *item, const SNode **name, const SNode **args)
{
  *args = NULL;
  if (item->kind == SNODE_SCALAR && !snode_is_null (item))
    {
      *name = item;
      return TRUE;
    }
  if (item->kind != SNODE_MAP || snode_map_size (item) == 0)
    {
      g_autofree char *got = snode_describe (item);
      return sfail (ld, item, "expected an op like 'read: { file: /data, length: 4096 }', got %s",
                    got);
    }
  *name = snode_map_key (item, 0);
  *args = snode_map_value (item, 0);
  if (snode_map_size (item) > 1)
    {
      const SNode *extra = snode_map_key (item, 1);
      return sfail (ld, extra, "unexpected key '%s' beside op '%s': an op is one key, with "
                    "its arguments inside it, like '%s: { ..., %s: ... }'",
                    extra->text, (*name)->text, (*name)->text, extra->text);
    }
  return TRUE;
}

static gboolean
op_kind_lookup (ScenarioLoad *ld, const SNode *name, VmemuOpKind *kind)
{
  const char *names[VMEMU_OP__COUNT + 1] = { NULL };
  const char *hint;

  if (vmemu_op_kind_from_name (name->text, kind))
    return TRUE;
  for (int k = 0; k < VMEMU_OP__COUNT; k++)
    names[k] = vmemu_op_kind_name ((VmemuOpKind) k);
  hint = scenario_suggest (name->text, names);
  if (hint != NULL)
    return sfail (ld, name, "unknown op '%s'; did you mean '%s'?", name->text, hint);
  return sfail (ld, name, "unknown op '%s'", name->text);
}

/* --- argument values -------------------------------------------------------- */

static gboolean
op_read_sizes (ScenarioLoad *ld, const OpNodes *n, VmemuOp *op)
{
  if (n->arg[ARG_OFFSET] && !sget_size_dev (ld, n->arg[ARG_OFFSET], "offset", &op->offset_bytes))
    return FALSE;
  if (n->arg[ARG_LENGTH] && !sget_size_dev (ld, n->arg[ARG_LENGTH], "length", &op->length_bytes))
    return FALSE;
  if (n->arg[ARG_SRC] && !sget_size_dev (ld, n->arg[ARG_SRC], "src", &op->src_bytes))
    return FALSE;
  if (n->arg[ARG_DST] && !sget_size_dev (ld, n->arg[ARG_DST], "dst", &op->dst_bytes))
    return FALSE;
  /* allocate's size is memory, the others' a file size on the device. */
  if (n->arg[ARG_SIZE] && op->kind == VMEMU_OP_TRUNCATE)
    return sget_size_dev (ld, n->arg[ARG_SIZE], "size", &op->size_bytes);
  if (n->arg[ARG_SIZE] && !sget_size (ld, n->arg[ARG_SIZE], 0, G_MAXUINT64, &op->size_bytes))
    return FALSE;
  return TRUE;
}

/* `expect: { error: EINVAL }` (or `error: success`): the result the op
 * should return; any other result is reported by the run. */
static gboolean
op_read_expect (ScenarioLoad *ld, const OpNodes *n, VmemuOp *op)
{
  static const char *const keys[] = { "error", NULL };
  const SNode *e;
  const char *name;

  if (n->expect == NULL)
    return TRUE;
  if (!scheck_map (ld, n->expect, "expect", keys))
    return FALSE;
  if ((e = snode_map_get (n->expect, "error")) == NULL)
    return sfail (ld, n->expect, "expect needs 'error' (an errno name such as EINVAL, or success)");
  if (!sget_string (ld, e, &name))
    return FALSE;
  if (strcmp (name, "success") == 0 || strcmp (name, "0") == 0)
    return (op->expect_error = 0), TRUE;
  op->expect_error = vmemu_errno_from_name (name);
  if (op->expect_error != 0)
    return TRUE;
  const char *hint = scenario_suggest (name, vmemu_errno_names ());
  if (hint)
    return sfail (ld, e, "unknown errno '%s'; did you mean '%s'?", name, hint);
  g_autofree char *list = g_strjoinv (", ", (char **) vmemu_errno_names ());
  return sfail (ld, e, "unknown errno '%s' (known: success, %s)", name, list);
}

static gboolean
op_read_times (ScenarioLoad *ld, const OpNodes *n, VmemuOp *op)
{
  const guint64 max = SCENARIO_MAX_DURATION_NS;

  if (!op_read_expect (ld, n, op))
    return FALSE;
  if (n->at && !sget_duration (ld, n->at, max, &op->at_ns))
    return FALSE;
  op->has_at = n->at != NULL;
  if (n->after && !sget_duration (ld, n->after, max, &op->after_ns))
    return FALSE;
  if (n->arg[ARG_HOLD] && !sget_duration (ld, n->arg[ARG_HOLD], max, &op->hold_ns))
    return FALSE;
  if (n->arg[ARG_FOR] && !sget_duration (ld, n->arg[ARG_FOR], max, &op->for_ns))
    return FALSE;
  return TRUE;
}

static gboolean
op_read_flags (ScenarioLoad *ld, const OpNodes *n, VmemuOp *op)
{
  if (n->arg[ARG_DIRECT] && !sget_bool (ld, n->arg[ARG_DIRECT], &op->direct))
    return FALSE;
  if (n->arg[ARG_PRIVATE] && !sget_bool (ld, n->arg[ARG_PRIVATE], &op->private_map))
    return FALSE;
  if (n->arg[ARG_SYNC] && !sget_bool (ld, n->arg[ARG_SYNC], &op->sync))
    return FALSE;
  if (n->arg[ARG_KEEP_SIZE] && !sget_bool (ld, n->arg[ARG_KEEP_SIZE], &op->keep_size))
    return FALSE;
  return TRUE;
}

static gboolean
op_read_data (ScenarioLoad *ld, const OpNodes *n, VmemuOp *op)
{
  guint64 v;

  if (n->arg[ARG_VALUE] && n->arg[ARG_FSX_OP])
    return sfail (ld, n->arg[ARG_FSX_OP], "give 'value' or 'fsx_op', not both");
  if (n->arg[ARG_VALUE])
    {
      if (!sget_uint (ld, n->arg[ARG_VALUE], 0, 255, &v))
        return FALSE;
      op->data = VMEMU_DATA_VALUE;
      op->value = (guint8) v;
    }
  if (n->arg[ARG_FSX_OP])
    {
      if (!sget_uint (ld, n->arg[ARG_FSX_OP], 0, G_MAXUINT32, &v))
        return FALSE;
      op->data = VMEMU_DATA_FSX;
      op->fsx_opnum = (guint32) v;
    }
  return TRUE;
}

static gboolean
op_read_choices (ScenarioLoad *ld, const OpNodes *n, VmemuOp *op)
{
  static const char *const advices[] = { "dontneed", "willneed", NULL };
  static const char *const errors[] = { "eio", NULL };
  static const char *const ons[] = { "read", "write", "readahead", NULL };
  guint64 v;
  gint e = 0;

  if (n->arg[ARG_ADVICE] && !sget_enum (ld, n->arg[ARG_ADVICE], "advice", advices, &e))
    return FALSE;
  op->advice = n->arg[ARG_ADVICE] ? (VmemuAdvice) e : op->advice;
  if (n->arg[ARG_ERROR] && !sget_enum (ld, n->arg[ARG_ERROR], "error", errors, &e))
    return FALSE;
  if (n->arg[ARG_ON] && !sget_enum (ld, n->arg[ARG_ON], "I/O kind", ons, &e))
    return FALSE;
  op->inject_on = n->arg[ARG_ON] ? (VmemuInjectOn) e : op->inject_on;
  if (n->arg[ARG_MODE])
    {
      if (!sget_uint (ld, n->arg[ARG_MODE], 1, 3, &v))
        return FALSE;
      op->mode = (guint32) v;
    }
  if (n->arg[ARG_COUNT])
    {
      if (!sget_uint (ld, n->arg[ARG_COUNT], 1, G_MAXUINT32, &v))
        return FALSE;
      op->count = (guint32) v;
    }
  return TRUE;
}

/* A map, region or pipe name: a non-empty string. */
static gboolean
op_symbol (ScenarioLoad *ld, const SNode *v, const char **name)
{
  if (!sget_string (ld, v, name))
    return FALSE;
  if ((*name)[0] == '\0')
    return sfail (ld, v, "a name must not be empty");
  return TRUE;
}

/* --- checks that need more than one argument -------------------------------- */

/* [start, start + len) must not overflow and must fit on the device. */
static gboolean
check_range (ScenarioLoad *ld, const SNode *at, guint64 start, guint64 len)
{
  guint64 dev = ld->scn->machine.device.size_bytes;

  if (start > G_MAXUINT64 - len)
    return sfail (ld, at, "offset + length overflows 64 bits");
  if (start + len > dev)
    {
      g_autofree char *size = scenario_format_size (dev);
      return sfail (ld, at, "range [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") ends beyond "
                    "the device size (%s, machine.device.size)", start, start + len, size);
    }
  if (start + len > VMEMU_FILE_MAX_BYTES)
    return sfail (ld, at, "range [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") ends beyond "
                  "the largest file vmemu emulates (%s)", start, start + len, VMEMU_FILE_MAX_TEXT);
  return TRUE;
}

/* Ops whose length may not be zero: a zero-length range is a no-op in the
 * kernel, and in a scenario almost always a mistake. */
static gboolean
op_needs_length (VmemuOpKind kind)
{
  return (op_specs[kind].required & A (LENGTH)) != 0;
}

static gboolean
op_check_ranges (ScenarioLoad *ld, const OpNodes *n, VmemuOp *op)
{
  const SNode *at = n->arg[ARG_LENGTH] ? n->arg[ARG_LENGTH] : n->name;

  if (op_needs_length (op->kind) && op->length_bytes == 0)
    return sfail (ld, at, "length must be above zero");
  if (op->kind == VMEMU_OP_COPY_RANGE)
    return check_range (ld, n->arg[ARG_SRC], op->src_bytes, op->length_bytes)
           && check_range (ld, n->arg[ARG_DST], op->dst_bytes, op->length_bytes);
  if (op->kind == VMEMU_OP_MREAD || op->kind == VMEMU_OP_MWRITE)
    return TRUE;  /* checked against the mapping */
  if (op->kind == VMEMU_OP_ALLOCATE && op->size_bytes == 0)
    return sfail (ld, n->arg[ARG_SIZE], "size must be above zero");
  if (op->kind == VMEMU_OP_ALLOCATE && op->size_bytes > ld->scn->machine.memory_bytes)
    {
      g_autofree char *mem = scenario_format_size (ld->scn->machine.memory_bytes);
      return sfail (ld, n->arg[ARG_SIZE], "allocate size is beyond the machine's memory (%s)",
                    mem);
    }
  if (op->kind == VMEMU_OP_MMAP && op->offset_bytes % ld->scn->machine.page_size_bytes != 0)
    return sfail (ld, n->arg[ARG_OFFSET], "mmap offset must be a multiple of page_size (%"
                  G_GUINT64_FORMAT ")", ld->scn->machine.page_size_bytes);
  return check_range (ld, at, op->offset_bytes, op->length_bytes);
}

static TaskSym *
tasksym_find (TaskLoad *tl, GHashTable *table, const SNode *v, const char *what,
              const char *maker)
{
  TaskSym *sym = g_hash_table_lookup (table, v->text);

  if (sym == NULL)
    sfail (tl->ld, v, "no %s '%s' in task '%s' (%s earlier in the same task)", what, v->text,
           tl->task->name, maker);
  else if (sym->gone_line != 0)
    sfail (tl->ld, v, "%s '%s' was %s at line %u", what, v->text,
           table == tl->maps ? "unmapped" : "freed", sym->gone_line);
  else
    return sym;
  return NULL;
}

static gboolean
tasksym_create (TaskLoad *tl, GHashTable *table, const SNode *v, const char *what,
                guint64 size)
{
  TaskSym *old = g_hash_table_lookup (table, v->text);
  TaskSym *sym;

  if (old != NULL && old->gone_line == 0)
    return sfail (tl->ld, v, "%s '%s' already exists (line %u)", what, v->text, old->line);
  sym = g_new0 (TaskSym, 1);
  sym->size_bytes = size;
  sym->line = v->line;
  g_hash_table_replace (table, v->text, sym);
  return TRUE;
}

static gboolean
op_maps (TaskLoad *tl, const OpNodes *n, VmemuOp *op)
{
  const SNode *v = op->kind == VMEMU_OP_MMAP ? n->arg[ARG_AS] : n->arg[ARG_MAP];
  const char *name;
  TaskSym *sym;

  if (!op_symbol (tl->ld, v, &name))
    return FALSE;
  op->map = scenario_load_intern (tl->ld, name);
  if (op->kind == VMEMU_OP_MMAP)
    return tasksym_create (tl, tl->maps, v, "map", op->length_bytes);
  sym = tasksym_find (tl, tl->maps, v, "map", "create it with 'mmap: { ..., as: NAME }'");
  if (sym == NULL)
    return FALSE;
  if (op->kind == VMEMU_OP_MUNMAP)
    sym->gone_line = n->name->line;
  if (op->kind != VMEMU_OP_MREAD && op->kind != VMEMU_OP_MWRITE)
    return TRUE;
  /* A range beyond the map is a mistake, unless the op expects the
   * SIGSEGV the kernel delivers for it. */
  if (op->offset_bytes > G_MAXUINT64 - op->length_bytes
      || (op->offset_bytes + op->length_bytes > sym->size_bytes
          && op->expect_error != VMEMU_RESULT_SIGNAL_BASE + VMEMU_SIGSEGV))
    return sfail (tl->ld, n->arg[ARG_LENGTH] ? n->arg[ARG_LENGTH] : n->name,
                  "%s range [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT ") is beyond map '%s'"
                  " (length %" G_GUINT64_FORMAT ")", vmemu_op_kind_name (op->kind),
                  op->offset_bytes, op->length_bytes, name, sym->size_bytes);
  return TRUE;
}

static gboolean
op_regions (TaskLoad *tl, const OpNodes *n, VmemuOp *op)
{
  const SNode *v = n->arg[ARG_AS];
  const char *name;
  TaskSym *sym;

  if (!op_symbol (tl->ld, v, &name))
    return FALSE;
  op->region = scenario_load_intern (tl->ld, name);
  if (op->kind == VMEMU_OP_ALLOCATE)
    return tasksym_create (tl, tl->regions, v, "region", op->size_bytes);
  sym = tasksym_find (tl, tl->regions, v, "region", "allocate it");
  if (sym == NULL)
    return FALSE;
  if (n->arg[ARG_SIZE] != NULL && op->size_bytes != sym->size_bytes)
    return sfail (tl->ld, n->arg[ARG_SIZE], "free frees the whole region: size must be %"
                  G_GUINT64_FORMAT " (as allocated at line %u) or left out", sym->size_bytes,
                  sym->line);
  op->size_bytes = sym->size_bytes;
  sym->gone_line = n->name->line;
  return TRUE;
}

static gboolean
op_pipes (TaskLoad *tl, const OpNodes *n, VmemuOp *op)
{
  const char *name;

  if (!op_symbol (tl->ld, n->arg[ARG_PIPE], &name))
    return FALSE;
  op->pipe = scenario_load_intern (tl->ld, name);
  if (op->kind == VMEMU_OP_SPLICE)
    g_hash_table_add (tl->ld->pipes, (gpointer) n->arg[ARG_PIPE]->text);
  else
    g_ptr_array_add (tl->ld->pipe_uses, (gpointer) n->arg[ARG_PIPE]);
  return TRUE;
}

gboolean
scenario_check_pipes (ScenarioLoad *ld)
{
  for (guint i = 0; i < ld->pipe_uses->len; i++)
    {
      const SNode *v = g_ptr_array_index (ld->pipe_uses, i);
      if (!g_hash_table_contains (ld->pipes, v->text))
        return sfail (ld, v, "pipe '%s' is never filled by a splice op", v->text);
    }
  return TRUE;
}

/* Symbols and the arguments whose meaning depends on others. */
static gboolean
op_resolve (TaskLoad *tl, const OpNodes *n, VmemuOp *op)
{
  if (n->arg[ARG_FILE] && !sget_file (tl->ld, n->arg[ARG_FILE], &op->file))
    return FALSE;
  if (!op_check_ranges (tl->ld, n, op))
    return FALSE;
  if (n->arg[ARG_MAP] || op->kind == VMEMU_OP_MMAP)
    return op_maps (tl, n, op);
  if (op->kind == VMEMU_OP_ALLOCATE || op->kind == VMEMU_OP_FREE)
    return op_regions (tl, n, op);
  if (n->arg[ARG_PIPE])
    return op_pipes (tl, n, op);
  if (op->kind == VMEMU_OP_INJECT)
    {
      if (n->arg[ARG_OFFSET] && !n->arg[ARG_FILE])
        return sfail (tl->ld, n->arg[ARG_OFFSET], "inject: 'offset' needs 'file'");
      op->inject_any_offset = n->arg[ARG_OFFSET] == NULL;
    }
  if (op->kind == VMEMU_OP_VERIFY)
    op->has_range = n->arg[ARG_OFFSET] != NULL || n->arg[ARG_LENGTH] != NULL;
  return TRUE;
}

/* Each `after`, `for` and `hold` is at most a year, but a task adds them up:
 * the sum (a lower bound of the task's virtual time) must stay below the
 * limit, or the 64-bit nanosecond clock would wrap past 2^63. */
static gboolean
op_check_timeline (TaskLoad *tl, const OpNodes *n, const VmemuOp *op)
{
  guint64 page = tl->ld->scn->machine.page_size_bytes;
  guint64 pages = op->hold_ns ? (op->length_bytes + page - 1) / page + 1 : 0;
  guint64 t = op->has_at ? MAX (op->at_ns, tl->timeline_ns) : tl->timeline_ns;
  guint64 add[] = { op->after_ns, op->for_ns,
                    pages && op->hold_ns > G_MAXUINT64 / pages ? G_MAXUINT64 : op->hold_ns * pages };

  for (gsize i = 0; i < G_N_ELEMENTS (add); i++)
    t = add[i] > G_MAXUINT64 - t ? G_MAXUINT64 : t + add[i];
  if (t > VMEMU_TIMELINE_MAX_NS)
    {
      g_autofree char *got = scenario_format_duration (MIN (t, G_MAXUINT64 / 2));
      return sfail (tl->ld, n->name, "task '%s' reaches %s of virtual time here, beyond the "
                    "limit of 100 years (the sum of at/after/for/hold values)", tl->task->name,
                    got);
    }
  tl->timeline_ns = t;
  return TRUE;
}

static gboolean
load_op (TaskLoad *tl, const SNode *item)
{
  ScenarioLoad *ld = tl->ld;
  OpNodes n = { 0 };
  const SNode *args;
  VmemuOpKind kind;
  VmemuOp op;

  if (!op_split_item (ld, item, &n.name, &args) || !op_kind_lookup (ld, n.name, &kind)
      || !op_collect_args (ld, kind, args, &n) || !op_check_required (ld, kind, &n))
    return FALSE;
  op = vmemu_op_init (kind);
  op.line = n.name->line;
  op.column = n.name->column;
  if (!op_read_sizes (ld, &n, &op) || !op_read_times (ld, &n, &op)
      || !op_read_flags (ld, &n, &op) || !op_read_data (ld, &n, &op)
      || !op_read_choices (ld, &n, &op) || !op_resolve (tl, &n, &op))
    return FALSE;
  if (!op_check_timeline (tl, &n, &op))
    return FALSE;
  g_array_append_val (tl->task->ops, op);
  return TRUE;
}

gboolean
scenario_load_ops (ScenarioLoad *ld, VmemuTask *task, const SNode *ops)
{
  g_autoptr(GHashTable) maps = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) regions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  TaskLoad tl = { .ld = ld, .task = task, .maps = maps, .regions = regions };

  if (snode_is_null (ops))
    return TRUE;
  if (ops->kind != SNODE_SEQ)
    {
      g_autofree char *got = snode_describe (ops);
      return sfail (ld, ops, "expected a list of ops, got %s", got);
    }
  for (guint i = 0; i < ops->items->len; i++)
    if (!load_op (&tl, g_ptr_array_index (ops->items, i)))
      return FALSE;
  return TRUE;
}
