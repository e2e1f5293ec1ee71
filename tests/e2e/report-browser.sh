#!/bin/bash
# report-browser.sh — the report's timeline as a real browser draws it
# (issue 14): headless Chromium renders index.html to a PNG, and the pixels
# must show the cached-pages line (dashed, drawn over uptodate), the kswapd
# marker on seed-reclaim and the drop_caches marker on seed-drop-caches.
# Skips cleanly without chromium or python3.
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
SCENARIOS=$(cd "$HERE/../../scenarios" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ] || ! command -v python3 >/dev/null 2>&1; then
  echo "1..0 # SKIP chromium or python3 not installed (apt-get install -y chromium)"
  exit 0
fi
n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
nok () { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

shot () {   # shot SCENARIO: report of one scenario, screenshot of its index.html
  local s=$1
  $VMEMU report --baseline baseline --candidate patched "$SCENARIOS/$s.yaml" -o "$T/$s" \
    >/dev/null 2>&1 || return 1
  timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=1200,2600 --screenshot="$T/$s.png" "file://$T/$s/index.html" \
    >"$T/$s.log" 2>&1
  [ -s "$T/$s.png" ]
}

# count RGB pixels within 12 of each colour given as rrggbb
cat > "$T/count.py" <<'PY'
import sys, zlib, struct
def pixels(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w, h, ctype = 8, b'', 0, 0, 0
    while pos < len(data):
        ln, typ = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6)
        elif typ == b'IDAT':
            idat += body
        pos += 12 + ln
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, out, i = bytearray(stride), [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line)); prev = line
    return out, bpp
rows, bpp = pixels(sys.argv[1])
for hexc in sys.argv[2:]:
    want = bytes.fromhex(hexc); n = 0
    for r in rows:
        for x in range(0, len(r), bpp):
            if all(abs(r[x + k] - want[k]) <= 12 for k in range(3)):
                n += 1
    print(n)
PY

if shot seed-reclaim; then ok "chromium renders the seed-reclaim report"
else nok "chromium renders the seed-reclaim report" "$(tail -3 "$T/seed-reclaim.log")"; fi
if shot seed-drop-caches; then ok "chromium renders the seed-drop-caches report"
else nok "chromium renders the seed-drop-caches report" "$(tail -3 "$T/seed-drop-caches.log")"; fi
# f08c00 reclaim marker, 0c8599 drop_caches marker, 5c940d cached line.  The
# legend shows each colour once in both reports: a marker counts when one
# report has clearly more of its colour than the other.
read -r rec_k rec_d rec_c < <(python3 "$T/count.py" "$T/seed-reclaim.png" f08c00 0c8599 5c940d | tr '\n' ' ')
read -r dc_k dc_d dc_c < <(python3 "$T/count.py" "$T/seed-drop-caches.png" f08c00 0c8599 5c940d | tr '\n' ' ')
echo "# pixels: seed-reclaim kswapd $rec_k drop_caches $rec_d cached $rec_c;" \
     "seed-drop-caches kswapd $dc_k drop_caches $dc_d cached $dc_c"
if [ "${rec_k:-0}" -gt $(( ${dc_k:-0} + 100 )) ]; then ok "seed-reclaim: the kswapd marker is drawn"
else nok "seed-reclaim: the kswapd marker is drawn" "reclaim px ${rec_k:-?} vs ${dc_k:-?}"; fi
if [ "${dc_d:-0}" -gt $(( ${rec_d:-0} + 100 )) ]; then ok "seed-drop-caches: the drop_caches marker is drawn"
else nok "seed-drop-caches: the drop_caches marker is drawn" "drop_caches px ${dc_d:-?} vs ${rec_d:-?}"; fi
if [ "${rec_c:-0}" -gt 800 ] && [ "${dc_c:-0}" -gt 800 ]; then ok "the cached-pages line is visible"
else nok "the cached-pages line is visible" "px ${rec_c:-?} ${dc_c:-?}"; fi
echo "1..$n"
