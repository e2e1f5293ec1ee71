/* suggest.c — "did you mean": the closest known name to a typo. */
#include "engine/suggest/suggest.h"

#include <string.h>

/* Optimal-string-alignment distance: a swapped pair of letters costs one,
 * the commonest typo in keys ("pgae_size"). */
static guint
edit_distance (const char *a, const char *b)
{
  gsize n = strlen (a), m = strlen (b);
  g_autofree guint *d = g_new0 (guint, (n + 1) * (m + 1));
#define D(i, j) d[(i) * (m + 1) + (j)]
  for (gsize i = 0; i <= n; i++)
    D (i, 0) = (guint) i;
  for (gsize j = 0; j <= m; j++)
    D (0, j) = (guint) j;
  for (gsize i = 1; i <= n; i++)
    for (gsize j = 1; j <= m; j++)
      {
        guint cost = a[i - 1] != b[j - 1];
        guint best = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }
  guint r = D (n, m);
#undef D
  return r;
}

const char *
vmemu_suggest (const char *word, const char *const *candidates)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  gsize wlen = strlen (word);

  /* Keys are short: beyond a third of the word (at least 1, at most 3 edits)
   * a suggestion is more confusing than none.  Also long inputs are not
   * worth a quadratic comparison. */
  if (wlen > 64)
    return NULL;
  for (gsize i = 0; candidates[i] != NULL; i++)
    {
      guint d = edit_distance (word, candidates[i]);
      if (d < best_d)
        {
          best_d = d;
          best = candidates[i];
        }
    }
  if (best_d > MAX (1, MIN (3, wlen / 3)) && g_ascii_strcasecmp (word, best ? best : "") != 0)
    return NULL;
  return best;
}
