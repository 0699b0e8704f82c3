#!/usr/bin/env bash
# `cpsbatch load --report html`: one self-contained page whose SVG charts a real browser draws.
# A 3.5 s run at 400/s against cps-sim answering 5% with 503: the last second is half a second.
# Without a browser the page's own checks run (self-contained, the context block), then the
# test reports itself skipped (exit 77), never passed: the rendering was not checked. With
# headless Chromium (Debian's package `chromium`), what a person would check on the page:
#   1. the DOM holds the six charts (by id), each with its series (data-series), each series a
#      line through its points; the per-second charts mark the partial last second (hollow
#      markers) and their time axis ends at the test's end (3.5 s), not past it;
#   2. screenshots at 1280 and 600 px wide: each series' colour is on screen, and the charts
#      fill the width without running past it (the plot areas' background colour reaches
#      beyond 80% of the width and stops inside it);
#   3. printed to PDF: more than one page, every chart's title on a page with its caption
#      (no chart cut across pages; with poppler-utils' pdftotext, else only the pages are
#      counted).
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
make_job "$WORK/job.csv" 10
start_sim --verify-signatures --latency-ms 2 --jitter-ms 6 --p503 0.05 --seed 3
rc timeout 120 "$BUILD/cpsbatch" load "$WORK/job.csv" --endpoint "$SIM_URL" --rate 400 \
    --duration 3.5s --progress never --report html -o "$WORK/report.html" 2>"$WORK/load.err"
check_eq "exit status ($(cat "$WORK/load.err"))" "$RC" 0
page="$WORK/report.html"
check_grep "the page is complete" "</html>" "$page"
# Self-contained: nothing to fetch. The only URL is the SVG namespace (a name, never fetched).
for needle in "<script" "<link" "<img" "<iframe" "src=" "href=" "url(" "@import"; do
    check_eq "no '$needle' in the page" "$(grep -ci -- "$needle" "$page" || true)" 0
done
check "no URL but the SVG namespace and the endpoint" [ -z "$(grep -o 'https\?://[^"< ]*' "$page" |
    grep -v '^http://www.w3.org/2000/svg$' | grep -v "^$SIM_URL$")" ]
# The context block: when, what was typed, against what, from which file, by which build.
check_grep "the date in UTC" '<th>Date \(UTC\)</th><td>20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z<' "$page"
check_grep "the command line" "load $WORK/job.csv --endpoint $SIM_URL --rate 400 --duration 3.5s" "$page" -F
check_grep "the CSV's SHA-256" "$(sha256sum "$WORK/job.csv" | cut -d' ' -f1)" "$page" -F
check_grep "the version" '<th>Version</th><td>cpsbatch [0-9]+\.[0-9]+' "$page"
check_grep "the machine's cores" "<th>Machine</th><td>$(nproc) cores<" "$page"
check_no_grep "no key on the page" "AKE2ETESTKEY|SKE2ETESTSECRET" "$page"

CHROMIUM=${CHROMIUM:-chromium} # the browser to render with (another name: to see the skip)
if ! command -v "$CHROMIUM" >/dev/null; then
    skip "chromium is not installed (Debian package 'chromium'): the HTML report was not" \
        "rendered in a browser"
    finish
fi

browse() { # WIDTH HEIGHT what (--dump-dom, --screenshot=FILE, --print-to-pdf=FILE): headless,
    local profile # offline, its own profile
    profile=$(mktemp -d "$WORK/chromium.XXXXXX")
    rc timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage \
        --hide-scrollbars --force-device-scale-factor=1 --no-pdf-header-footer \
        --user-data-dir="$profile" --window-size="$1,$2" "$3" "file://$page" 2>>"$WORK/chromium.err"
}

# 1. The DOM.
browse 1280 1400 --dump-dom >"$WORK/dom.html"
check "chromium dumped the DOM ($(tail -c 300 "$WORK/chromium.err"))" grep -q "</svg>" "$WORK/dom.html"
python3 - "$WORK/dom.html" >"$WORK/dom.txt" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
for m in re.finditer(r'<svg ([^>]*)>(.*?)</svg>', dom, re.S):
    attrs, body = m.groups()
    cid = re.search(r'id="([^"]+)"', attrs).group(1)
    width = re.search(r'width="([^"]+)"', attrs).group(1)
    print("chart %s width=%s partial=%d" % (cid, width, len(re.findall(r'class="partial"', body))))
    ticks = [float(t) for t in re.findall(r'font-size="11" text-anchor="middle">([0-9.]+)<', body)]
    print("xmax %s %s" % (cid, max(ticks) if ticks else "none"))
    for s in re.finditer(r'<g class="series" data-series="([^"]+)"[^>]*>\s*<polyline [^>]*points="([^"]*)"', body):
        print("series %s %s %d" % (cid, s.group(1), len(s.group(2).split())))
PY
cat "$WORK/dom.txt"
for chart in histogram:corrected,service percentiles:corrected,service \
    throughput:sent,ok,failed,target errors:error-5xx inflight:inflight-max,inflight-mean \
    p99:p99; do
    id=chart-${chart%%:*}
    check_grep "chart $id is in the DOM, 100% wide" "^chart $id width=100% " "$WORK/dom.txt"
    for series in $(echo "${chart#*:}" | tr , ' '); do
        check_num "chart $id draws $series through its points" \
            "$(awk -v c="$id" -v s="$series" '$1 == "series" && $2 == c && $3 == s {print $4}' "$WORK/dom.txt")" ">=" 3
    done
done
for id in chart-throughput chart-errors chart-inflight chart-p99; do
    check_num "$id marks the partial last second" \
        "$(awk -v c="$id" '$1 == "chart" && $2 == c {sub("partial=", "", $4); print $4}' "$WORK/dom.txt")" ">=" 1
    check_num "$id's time axis ends at the test's end" \
        "$(awk -v c="$id" '$1 == "xmax" && $2 == c {print $3}' "$WORK/dom.txt")" "<=" 3.5
done

# 2. Screenshots. Decoded with the standard library (zlib + PNG filters): the share of white,
# how many pixels have each series' colour, and the rightmost pixel of a plot area.
pixels() { # PNG NAME=RRGGBB...
    python3 - "$@" <<'PY'
import struct, sys, zlib
from collections import Counter
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, []
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG format %d/%d" % (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat.append(body)
    pos += 12 + n
raw, stride = zlib.decompress(b"".join(idat)), w * bpp
want = dict((a.split("=")[0], bytes.fromhex(a.split("=")[1])) for a in sys.argv[2:])
plot_bg = bytes.fromhex("fbfbfe")
prev, seen, right = bytearray(stride), Counter(), -1
for y in range(h):
    base = y * (stride + 1)
    f, line = raw[base], bytearray(raw[base + 1:base + 1 + stride])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f in (3, 4):
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
                continue
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    px = [bytes(line[x:x + 3]) for x in range(0, stride, bpp)]
    seen.update(px)
    if plot_bg in seen and px[-1] != plot_bg:
        for x in range(w - 1, right, -1):
            if px[x] == plot_bg:
                right = x
                break
    prev = line
print("width=%d white=%.3f plot_right=%d" % (w, seen[b"\xff\xff\xff"] / (w * h), right), end="")
for name, rgb in want.items():
    print(" %s=%d" % (name, seen[rgb]), end="")
print()
PY
}
colours="corrected=d62728 service=1f77b4 sent=7f7f7f ok=2ca02c failed=ff7f0e p99=9467bd
    inflight-max=8c564b inflight-mean=17becf error-5xx=e6550d"
for size in 1280x4600 600x3600; do
    w=${size%x*}
    browse "$w" "${size#*x}" --screenshot="$WORK/shot-$w.png" >/dev/null
    check "chromium took a screenshot $size" test -s "$WORK/shot-$w.png"
    shot=$(pixels "$WORK/shot-$w.png" $colours || true)
    echo "screenshot $size: $shot"
    field() { echo "$shot" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
    check_eq "the screenshot is $w px wide" "$(field width)" "$w"
    check_num "$w px: the page is not blank (share of white)" "$(field white)" "<" 0.97
    for c in $colours; do
        check_num "$w px: the ${c%%=*} line is drawn (#${c#*=} pixels)" "$(field "${c%%=*}")" ">=" 30
    done
    check_num "$w px: the charts fill the width (plot's right edge)" "$(field plot_right)" ">" $((w * 8 / 10))
    check_num "$w px: the charts end inside the window" "$(field plot_right)" "<" $((w - 8))
done

# 3. Printed.
browse 1280 1400 --print-to-pdf="$WORK/report.pdf" >/dev/null
check "chromium printed a PDF" grep -q "^%PDF" "$WORK/report.pdf"
pages=$(python3 -c "import re,sys; print(len(re.findall(rb'/Type\s*/Page[^s]', open(sys.argv[1],'rb').read())))" "$WORK/report.pdf")
check_num "the PDF has more than one page" "$pages" ">=" 2
if command -v pdftotext >/dev/null; then
    for pair in "Latency distribution:The share of answers" \
        "Latency by percentile:The latency at or below" \
        "Throughput per second:Requests sent per second" \
        "Errors per second by kind:Failed requests per second" \
        "Requests in flight:Requests sent and not yet answered" \
        "p99 latency per second:The 99th percentile"; do
        found=""
        for p in $(seq 1 "$pages"); do
            text=$(pdftotext -f "$p" -l "$p" "$WORK/report.pdf" - 2>/dev/null || true)
            if grep -qF "${pair%%:*}" <<<"$text" && grep -qF "${pair#*:}" <<<"$text"; then
                found=$p
            fi
        done
        check "printed: '${pair%%:*}' and its caption on one page" [ -n "$found" ]
    done
else
    echo "pdftotext (poppler-utils) is not installed: the PDF's text was not checked"
fi
finish
