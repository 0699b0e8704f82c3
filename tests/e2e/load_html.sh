#!/usr/bin/env bash
# `cpsbatch load --report html`: one self-contained page whose SVG charts a real browser draws.
# Headless Chromium (Debian's package `chromium`) renders the report from a file: the DOM must
# hold the three charts and their lines, and the screenshot must show the series' colours.
# Without chromium the page's own checks still run, and the test reports itself skipped
# (exit 77), never passed: the rendering was not checked.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
make_job "$WORK/job.csv" 10
start_sim --verify-signatures --latency-ms 2 --jitter-ms 6 --p503 0.05 --seed 3
rc timeout 120 "$BUILD/cpsbatch" load "$WORK/job.csv" --endpoint "$SIM_URL" --rate 400 \
    --duration 3s --progress never --report html -o "$WORK/report.html" 2>"$WORK/load.err"
check_eq "exit status ($(cat "$WORK/load.err"))" "$RC" 0
page="$WORK/report.html"
check_grep "the page is complete" "</html>" "$page"
# Self-contained: nothing to fetch. The only URL is the SVG namespace (a name, never fetched).
for needle in "<script" "<link" "<img" "<iframe" "src=" "href=" "url(" "@import"; do
    check_eq "no '$needle' in the page" "$(grep -ci -- "$needle" "$page" || true)" 0
done
check "no URL but the SVG namespace and the endpoint" [ -z "$(grep -o 'https\?://[^"< ]*' "$page" |
    grep -v '^http://www.w3.org/2000/svg$' | grep -v "^$SIM_URL$")" ]

CHROMIUM=${CHROMIUM:-chromium} # the browser to render with (another name: to see the skip)
if ! command -v "$CHROMIUM" >/dev/null; then
    skip "chromium is not installed (Debian package 'chromium'): the HTML report was not" \
        "rendered in a browser"
    finish
fi

browse() { # what (--dump-dom or --screenshot=FILE): headless, offline, its own profile
    local profile
    profile=$(mktemp -d "$WORK/chromium.XXXXXX")
    rc timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage \
        --user-data-dir="$profile" --window-size=1200,1400 "$1" "file://$page" 2>>"$WORK/chromium.err"
}
browse --dump-dom >"$WORK/dom.html"
check "chromium dumped the DOM ($(tail -c 300 "$WORK/chromium.err"))" grep -q "</svg>" "$WORK/dom.html"
dom_count() { python3 -c "import re,sys; print(len(re.findall(sys.argv[1], open(sys.argv[2]).read())))" "$1" "$WORK/dom.html"; }
check_eq "three charts in the DOM" "$(dom_count '<svg[ >]')" 3
check_eq "seven lines in the DOM (throughput's target too)" \
    "$(dom_count '<polyline [^>]*points="[0-9]')" 7
check_num "axes drawn" "$(dom_count '<path ')" ">=" 3

browse --screenshot="$WORK/shot.png" >/dev/null
check "chromium took a screenshot" test -s "$WORK/shot.png"
# The screenshot, decoded with the standard library (zlib + PNG filters): not blank, and each
# series colour is on screen.
colours() {
    python3 - "$WORK/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG format %d/%d" % (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride = zlib.decompress(idat), w * bpp
prev, seen = bytearray(stride), {}
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        seen[px] = seen.get(px, 0) + 1
    prev = line
want = {"corrected": "d62728", "service": "1f77b4", "ok": "2ca02c", "p99": "9467bd"}
print("distinct=%d white=%.3f" % (len(seen), seen.get(b"\xff\xff\xff", 0) / (w * h)), end="")
for name, hexa in want.items():
    print(" %s=%d" % (name, seen.get(bytes.fromhex(hexa), 0)), end="")
print()
PY
}
shot=$(colours || true)
echo "screenshot: $shot"
field() { echo "$shot" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
check_num "the screenshot is not blank ($shot)" "$(field distinct)" ">=" 50
check_num "the screenshot is not all white (share of white)" "$(field white)" "<" 0.97
for series in corrected service ok p99; do
    check_num "the $series line is drawn" "$(field $series)" ">=" 100
done
finish
