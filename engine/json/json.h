/* json.h — the one JSON string writer of vmemu (issue 13: the report, the
 * diff, the export and the explorer each had an escaper, and they disagreed
 * on NULL and on '\n').  Strings are bytes, passed through as they are
 * (UTF-8 stays UTF-8); '"' and '\\' are escaped, \b \f \n \r \t use their
 * short forms and every other byte below 0x20 becomes \u00XX. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Append s as a JSON string, quotes included; NULL appends null. */
void vmemu_json_string (GString *out, const char *s);

G_END_DECLS
