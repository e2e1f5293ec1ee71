/* suggest.h — "did you mean": the closest known name to a mistyped one, for
 * every message that refuses a name (scenario keys, variants, commands). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The closest of candidates (NULL-terminated) to word by edit distance
 * (a swapped pair of letters counts once), or NULL when none is close enough
 * to be a plausible typo (more than a third of the word, at most 3 edits). */
const char *vmemu_suggest (const char *word, const char *const *candidates);

G_END_DECLS
