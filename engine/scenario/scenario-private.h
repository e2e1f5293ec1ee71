/* scenario-private.h — shared by the loader's files; nothing outside
 * engine/scenario/ includes it.
 *
 * Loading is two passes: scenario-yaml.c turns libyaml events into a small
 * tree of SNodes that remembers every node's position, and scenario-load.c /
 * scenario-ops.c walk that tree against the contract.  The tree exists so the
 * second pass can point at the exact node that is wrong, look keys up in any
 * order and report duplicates, which libyaml's document API does not do.
 */
#pragma once

#include "engine/scenario/scenario.h"

/* Deeper nesting is refused: the contract never needs more than 6 levels, and
 * a bound keeps hostile input from costing unbounded stack or memory. */
#define SCENARIO_MAX_DEPTH 64

/* Scenario files are small; a bound keeps a mistaken path (a disk image, a
 * trace database) from being slurped into memory. */
#define SCENARIO_MAX_FILE_BYTES (16u * 1024 * 1024)
/* The longest error message (bytes, after escaping): longer ones keep their
 * head and tail (scenario_fail). */
#define SCENARIO_MESSAGE_MAX 512

typedef enum { SNODE_SCALAR, SNODE_MAP, SNODE_SEQ } SNodeKind;

typedef struct _SNode SNode;
struct _SNode {
  SNodeKind kind;
  guint32 line;             /* 1-based, as shown to users */
  guint32 column;           /* 1-based, in characters */
  char *text;               /* scalars: the value, NUL-terminated (holds no NUL) */
  gsize len;                /* scalars: length in bytes */
  gboolean plain;           /* scalars: written without quotes or | > */
  GPtrArray *items;         /* maps: key, value, key, value...; seqs: items */
  struct _SBlock *arena;    /* the root only: the blocks every node of the tree
                             * lives in (scenario-yaml.c), freed with it */
};

void snode_free (SNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SNode, snode_free)

/* TRUE for a plain "", "~", "null" or "Null": YAML's null. */
gboolean snode_is_null (const SNode *node);
/* "a mapping", "a sequence", "null" or the quoted scalar, for messages.
 * Returns a new string. */
char *snode_describe (const SNode *node);
/* Number of key/value pairs of a map. */
guint snode_map_size (const SNode *map);
const SNode *snode_map_key (const SNode *map, guint i);
const SNode *snode_map_value (const SNode *map, guint i);
/* The value under key, or NULL. */
const SNode *snode_map_get (const SNode *map, const char *key);

/* Parses data (already known to be valid UTF-8) into a tree.  *root is NULL
 * when the stream holds no document.  Errors carry "NAME:LINE:COLUMN: ". */
gboolean scenario_yaml_parse (const char *name, const char *data, gsize len,
                              SNode **root, GError **error);

/* Checks data is UTF-8 without NUL bytes; the error points at the bad byte. */
gboolean scenario_check_utf8 (const char *name, const char *data, gsize len,
                              GError **error);

/* Sets "NAME:LINE:COLUMN: message" in VMEMU_SCENARIO_ERROR and returns FALSE. */
gboolean scenario_fail (GError **error, VmemuScenarioError code, const char *name,
                        guint line, guint column, const char *fmt, ...)
  G_GNUC_PRINTF (6, 7);

/* The closest of candidates (NULL-terminated) to word by edit distance, or
 * NULL when none is close enough to be a plausible typo. */
const char *scenario_suggest (const char *word, const char *const *candidates);

/* Parsers behind vmemu_parse_size()/vmemu_parse_duration() that also say why
 * text was refused (a static string), for messages. */
gboolean scenario_parse_size (const char *text, guint64 *bytes, const char **why);
gboolean scenario_parse_duration (const char *text, guint64 *ns, const char **why);
/* An unsigned decimal integer without unit. */
gboolean scenario_parse_uint (const char *text, guint64 *value, const char **why);

/* Walks the tree into scn (already holding defaults).  Errors carry
 * "NAME:LINE:COLUMN: ". */
gboolean scenario_load_tree (VmemuScenario *scn, const char *name, const SNode *root,
                             GError **error);

/* --- scenario-ops.c: the `ops:` list of one task --------------------------- */

/* Per-load state the op parser needs besides the scenario. */
typedef struct {
  const char *name;          /* stands for the path in messages */
  VmemuScenario *scn;
  GError **error;
  GHashTable *pipes;         /* pipe name -> GINT_TO_POINTER(1): spliced somewhere */
  GPtrArray *pipe_uses;      /* const SNode*: close_pipe names, checked at the end */
  /* Lookups by name, so that a scenario with 200k names loads in linear
   * time: value = index + 1 (files, symbols) or the VmemuTask (tasks). */
  GHashTable *file_index;
  GHashTable *task_names;
  GHashTable *symbol_index;
} ScenarioLoad;

/* scn->symbols index of name, added when new (a hashed
 * vmemu_scenario_intern_symbol for the loader). */
gint scenario_load_intern (ScenarioLoad *ld, const char *name);

gboolean scenario_load_ops (ScenarioLoad *ld, VmemuTask *task, const SNode *ops);
/* After every task: each close_pipe names a pipe some splice fills. */
gboolean scenario_check_pipes (ScenarioLoad *ld);

/* Typed getters shared by load and ops: each fails with a message naming the
 * node when the value has the wrong type or is out of [min, max]. */
gboolean sget_string (ScenarioLoad *ld, const SNode *v, const char **out);
gboolean sget_bool (ScenarioLoad *ld, const SNode *v, gboolean *out);
gboolean sget_uint (ScenarioLoad *ld, const SNode *v, guint64 min, guint64 max,
                    guint64 *out);
gboolean sget_size (ScenarioLoad *ld, const SNode *v, guint64 min, guint64 max,
                    guint64 *out);
/* A size that must fit on machine.device; what names it in messages. */
gboolean sget_size_dev (ScenarioLoad *ld, const SNode *v, const char *what, guint64 *out);
gboolean sget_duration (ScenarioLoad *ld, const SNode *v, guint64 max, guint64 *out);
/* Index of the string value in names (NULL-terminated); what names the kind
 * of value in messages ("a file state"). */
gboolean sget_enum (ScenarioLoad *ld, const SNode *v, const char *what,
                    const char *const *names, gint *out);
/* Fails unless v is a mapping whose keys are all in allowed (NULL-terminated);
 * where names the mapping in messages ("machine.device"). */
gboolean scheck_map (ScenarioLoad *ld, const SNode *v, const char *where,
                     const char *const *allowed);
/* Fails at node with INVALID. */
gboolean sfail (ScenarioLoad *ld, const SNode *at, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);
/* Index of a file path in scn->files, or -1. */
gint scenario_find_file_index (const VmemuScenario *scn, const char *path);
/* Looks up a file named by v; fails with a suggestion when absent. */
gboolean sget_file (ScenarioLoad *ld, const SNode *v, gint *index);

/* --- scenario-activity.c: `expect_activity:` ------------------------------ */
gboolean scenario_load_expect_activity (ScenarioLoad *ld, const SNode *v);
void scenario_write_expect_activity (const VmemuScenario *scn, GString *out);
gboolean scenario_expect_activity_equal (const GArray *a, const GArray *b);

/* Upper bound on any duration, so `at` + delays never overflow the clock:
 * about 292 years is G_MAXUINT64 ns; one year is plenty. */
#define SCENARIO_MAX_DURATION_NS (365ull * 24 * 3600 * 1000000000ull)

/* --- scenario-write.c helpers, also used by tests through the public API --- */

/* "4KiB" where exact, else the decimal number.  Returns a new string. */
char *scenario_format_size (guint64 bytes);
/* "5ms" where exact, else the number with "ns".  Returns a new string. */
char *scenario_format_duration (guint64 ns);
