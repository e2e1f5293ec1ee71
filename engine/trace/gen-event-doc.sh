#!/bin/sh
# gen-event-doc.sh — print the event table of docs/trace-schema.md from the
# X-macro list in trace-events.h:  sh engine/trace/gen-event-doc.sh
# (an argument spelt _N is slot N unused: printed empty).
dir=$(dirname "$0")
echo '| # | name | class | a0 | a1 | a2 | a3 |'
echo '|---|---|---|---|---|---|---|'
sed -n 's/^ *X (\([A-Z0-9_]*\), "\([^"]*\)", \([A-Z]*\), \([a-z0-9_]*\), \([a-z0-9_]*\), \([a-z0-9_]*\), \([a-z0-9_]*\)).*/\2|\3|\4|\5|\6|\7/p' \
  "$dir/trace-events.h" |
  sed 's/|_[0-3]\b/|/g' |
  awk -F'|' '{ printf "| %d | `%s` | %s | %s | %s | %s | %s |\n", NR - 1, $1, tolower($2), $3, $4, $5, $6 }'
