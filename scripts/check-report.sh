#!/usr/bin/env bash
# K01-K12: checks the HTML report: every figure of report.md is embedded in report.html (so it reads
# offline), and headless Chromium loads the page with every image decoded (naturalWidth > 0); it
# also takes a screenshot to look at. Usage: scripts/check-report.sh [docs/report.html [shot.png]]
# (the screenshot goes to results/report-screenshot.png by default).
set -euo pipefail
html=${1:-docs/report.html}
shot=${2:-results/report-screenshot.png}
md=$(dirname "$html")/report.md
[ -f "$html" ] || { echo "check-report: $html is missing (make report writes it)" >&2; exit 1; }
[ -f "$md" ] || { echo "check-report: $md is missing" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "check-report: chromium is missing (apt-get install chromium)" >&2; exit 1; }

# 1. Self-contained: as many embedded (data:) images as report.md has figures, and no image that
#    points at a file.
want=$(grep -c '^!\[' "$md" || true)
embedded=$(grep -o '<img [^>]*src="data:image/[a-z+]*;base64,' "$html" | wc -l || true)
external=$(grep -o '<img [^>]*src="[^d"][^"]*"' "$html" | wc -l || true)
echo "check-report: report.md has $want figures; report.html embeds $embedded, links $external"
if [ "$want" -eq 0 ] || [ "$embedded" -ne "$want" ] || [ "$external" -ne 0 ]; then
    echo "check-report: FAIL: the page is not self-contained" >&2
    exit 1
fi

# 2. Loaded in Chromium: a copy of the page with a probe that, once everything has loaded, lists
#    the images that did not decode.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
probe='<script>window.addEventListener("load", function () {
  var imgs = document.images, bad = [];
  for (var i = 0; i < imgs.length; i++)
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push(imgs[i].alt || ("image " + i));
  var p = document.createElement("pre");
  p.id = "report-check";
  p.textContent = "REPORT-" + "CHECK images=" + imgs.length + " broken=" + bad.length +
                  (bad.length ? " [" + bad.join(" | ") + "]" : "");
  document.body.appendChild(p);
});</script>'
awk -v probe="$probe" '/<\/body>/ { print probe } { print }' "$html" > "$tmp/page.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$tmp/profile" --virtual-time-budget=10000)
"$browser" "${flags[@]}" --dump-dom "file://$tmp/page.html" > "$tmp/dom.html" 2> "$tmp/chromium.log" || true
result=$(grep -o 'REPORT-CHECK[^<]*' "$tmp/dom.html" || true)
if [ -z "$result" ]; then
    echo "check-report: FAIL: Chromium did not run the page's probe; its log:" >&2
    tail -n 20 "$tmp/chromium.log" >&2
    exit 1
fi
echo "check-report: Chromium: $result"
case $result in
*"images=$want broken=0"*) ;;
*) echo "check-report: FAIL: expected $want images, all decoded" >&2; exit 1 ;;
esac

# 3. A screenshot of the top of the page, to look at.
"$browser" "${flags[@]}" --hide-scrollbars --window-size=1400,2600 --screenshot="$tmp/shot.png" \
    "file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")" > /dev/null 2>> "$tmp/chromium.log" || true
if [ -s "$tmp/shot.png" ]; then
    mkdir -p "$(dirname "$shot")"
    cp "$tmp/shot.png" "$shot"
    echo "check-report: screenshot in $shot"
else
    echo "check-report: FAIL: no screenshot; Chromium's log:" >&2
    tail -n 20 "$tmp/chromium.log" >&2
    exit 1
fi
echo "check-report: OK"
