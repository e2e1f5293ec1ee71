/* trace-events.c — the static event table generated from VMEMU_EVENTS, and
 * the names of page flags, reference holders and iomap extent types. */
#include "engine/trace/trace-events.h"

#include <string.h>

/* As the list spells them: an unused slot N is "_N". */
static const VmemuEventInfo event_list[VMEMU_EV__COUNT] = {
#define VMEMU_EV_INFO(id, name, cls, a0, a1, a2, a3) \
  [VMEMU_EV_##id] = { name, VMEMU_EVC_##cls, { #a0, #a1, #a2, #a3 } },
  VMEMU_EVENTS (VMEMU_EV_INFO)
#undef VMEMU_EV_INFO
};

/* The list with unused slots as "", built once. */
static VmemuEventInfo event_table[VMEMU_EV__COUNT];

static const VmemuEventInfo *
event_table_get (void)
{
  static gsize ready = 0;

  if (g_once_init_enter (&ready))
    {
      for (int id = 0; id < VMEMU_EV__COUNT; id++)
        {
          event_table[id] = event_list[id];
          for (int i = 0; i < 4; i++)
            if (event_table[id].arg_names[i][0] == '_')
              event_table[id].arg_names[i] = "";
        }
      g_once_init_leave (&ready, 1);
    }
  return event_table;
}

const VmemuEventInfo *
vmemu_event_info (VmemuEventId id)
{
  g_return_val_if_fail ((int) id >= 0 && id < VMEMU_EV__COUNT, NULL);
  return &event_table_get ()[id];
}

int
vmemu_event_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, -1);
  for (int i = 0; i < VMEMU_EV__COUNT; i++)
    if (strcmp (event_list[i].name, name) == 0)
      return i;
  return -1;
}

/* Indexed by bit number; the kernel's PG_ names without the prefix. */
static const char *const page_flag_names[VMEMU_PG__NBITS] = {
  "locked", "uptodate", "dirty", "writeback", "private", "referenced",
  "active", "lru", "reclaim", "error", "workingset", "mapped", "head",
  "readahead",
};

const char *
vmemu_page_flag_name (int bit)
{
  if (bit < 0 || bit >= VMEMU_PG__NBITS)
    return "unknown";
  return page_flag_names[bit];
}

char *
vmemu_page_flags_string (guint32 flags)
{
  GString *s = g_string_new (NULL);

  for (int bit = 0; bit < 32; bit++)
    {
      if (!(flags & (1u << bit)))
        continue;
      if (s->len > 0)
        g_string_append_c (s, '|');
      if (bit < VMEMU_PG__NBITS)
        g_string_append (s, page_flag_names[bit]);
      else
        g_string_append_printf (s, "bit%d", bit);
    }
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

static const char *const ref_holder_names[VMEMU_REF__COUNT] = {
  [VMEMU_REF_CACHE] = "cache",
  [VMEMU_REF_IOP] = "iop",
  [VMEMU_REF_PTE] = "pte",
  [VMEMU_REF_PVEC_LRU_ADD] = "pvec_lru_add",
  [VMEMU_REF_PVEC_ACTIVATE] = "pvec_activate",
  [VMEMU_REF_PVEC_ROTATE] = "pvec_rotate",
  [VMEMU_REF_PVEC_DEACTIVATE] = "pvec_deactivate",
  [VMEMU_REF_LOOKUP] = "lookup",
  [VMEMU_REF_READER] = "reader",
  [VMEMU_REF_FAULT] = "fault",
  [VMEMU_REF_ISOLATE] = "isolate",
  [VMEMU_REF_PIPE] = "pipe",
  [VMEMU_REF_PIN] = "pin",
  [VMEMU_REF_IO] = "io",
  [VMEMU_REF_WBBATCH] = "wbbatch",
};

const char *
vmemu_ref_holder_name (VmemuRefHolder h)
{
  if ((int) h < 0 || h >= VMEMU_REF__COUNT)
    return "unknown";
  return ref_holder_names[h];
}

const char *
vmemu_iomap_type_name (int type)
{
  switch (type)
    {
    case VMEMU_IOMAP_HOLE:
      return "HOLE";
    case VMEMU_IOMAP_DELALLOC:
      return "DELALLOC";
    case VMEMU_IOMAP_MAPPED:
      return "MAPPED";
    case VMEMU_IOMAP_UNWRITTEN:
      return "UNWRITTEN";
    default:
      return "UNKNOWN";
    }
}

const char *
vmemu_iop_caller_name (int caller)
{
  /* engine/model/iomap.h: VM_IOP_CALLER_READ, _WRITE_BEGIN, _MKWRITE,
   * _WRITEPAGE, _SETUP */
  static const char *const names[] = { "iomap_readpage", "__iomap_write_begin",
                                       "iomap_page_mkwrite_actor", "iomap_writepage_map",
                                       "setup" };
  if (caller < 0 || caller >= (int) G_N_ELEMENTS (names))
    return "unknown";
  return names[caller];
}

const char *
vmemu_signal_name (int sig)
{
  switch (sig)
    {
    case 7: return "SIGBUS";
    case 11: return "SIGSEGV";
    default: return "signal";
    }
}
