/* json-check.h — a small JSON validator for the tests (RFC 8259 grammar, no
 * semantics), so tests need neither python3 nor a JSON library.
 * Header-only: one definition for every test that checks JSON output. */
#pragma once

#include <glib.h>
#include <string.h>

static gboolean json_value (const char **p);

static void
json_ws (const char **p)
{
  while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
    (*p)++;
}

static gboolean
json_string (const char **p)
{
  if (**p != '"')
    return FALSE;
  for ((*p)++; **p != '"'; (*p)++)
    {
      if ((unsigned char) **p < 0x20)
        return FALSE;
      if (**p != '\\')
        continue;
      (*p)++;
      if (**p == 'u')
        {
          for (int i = 1; i <= 4; i++)
            if (!g_ascii_isxdigit ((*p)[i]))
              return FALSE;
          *p += 4;
        }
      else if (strchr ("\"\\/bfnrt", **p) == NULL || **p == '\0')
        return FALSE;
    }
  (*p)++;
  return TRUE;
}

static gboolean
json_number (const char **p)
{
  const char *s = *p;

  if (**p == '-')
    (*p)++;
  if (!g_ascii_isdigit (**p))
    return FALSE;
  if (**p == '0' && g_ascii_isdigit ((*p)[1]))
    return FALSE;
  while (g_ascii_isdigit (**p))
    (*p)++;
  if (**p == '.')
    {
      (*p)++;
      if (!g_ascii_isdigit (**p))
        return FALSE;
      while (g_ascii_isdigit (**p))
        (*p)++;
    }
  if (**p == 'e' || **p == 'E')
    {
      (*p)++;
      if (**p == '+' || **p == '-')
        (*p)++;
      if (!g_ascii_isdigit (**p))
        return FALSE;
      while (g_ascii_isdigit (**p))
        (*p)++;
    }
  return *p > s;
}

/* Object or array: members separated by commas, no trailing comma. */
static gboolean
json_container (const char **p, char close, gboolean object)
{
  (*p)++;
  json_ws (p);
  if (**p == close)
    {
      (*p)++;
      return TRUE;
    }
  for (;;)
    {
      json_ws (p);
      if (object)
        {
          if (!json_string (p))
            return FALSE;
          json_ws (p);
          if (*(*p)++ != ':')
            return FALSE;
        }
      if (!json_value (p))
        return FALSE;
      json_ws (p);
      if (**p == close)
        {
          (*p)++;
          return TRUE;
        }
      if (*(*p)++ != ',')
        return FALSE;
    }
}

static gboolean
json_value (const char **p)
{
  json_ws (p);
  switch (**p)
    {
    case '{': return json_container (p, '}', TRUE);
    case '[': return json_container (p, ']', FALSE);
    case '"': return json_string (p);
    case 't': return strncmp (*p, "true", 4) == 0 ? (*p += 4, TRUE) : FALSE;
    case 'f': return strncmp (*p, "false", 5) == 0 ? (*p += 5, TRUE) : FALSE;
    case 'n': return strncmp (*p, "null", 4) == 0 ? (*p += 4, TRUE) : FALSE;
    default: return json_number (p);
    }
}

G_GNUC_UNUSED static gboolean
json_valid (const char *text)
{
  const char *p = text;

  if (!json_value (&p))
    return FALSE;
  json_ws (&p);
  return *p == '\0';
}

