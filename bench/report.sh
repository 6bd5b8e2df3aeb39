#!/usr/bin/env bash
# The traffic report at scale: builds a cassette of N flows (default 10,000) from the sample
# cassette's two flows, times `mitmfixture report` on it (Release), and times headless Chromium
# loading the page until its script has rendered the list (--dump-dom returns after load).
# Run under the suite lock: flock /tmp/suite.lock bench/report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
python3 - "$count" "$work/big.json" <<'PY'
import json, sys
count, out = int(sys.argv[1]), sys.argv[2]
sample = json.load(open("recordings/sample.json"))
flows = []
for i in range(count):
    flow = json.loads(json.dumps(sample["flows"][i % len(sample["flows"])]))
    flow["id"] = f"bench-{i}"
    flow["request"]["path"] = flow["request"]["path"].split("?")[0] + f"?n={i}"
    flows.append(flow)
json.dump({"version": sample["version"], "flows": flows}, open(out, "w"), indent=2)
PY
cli=(dotnet src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll)
start=$(date +%s%N)
"${cli[@]}" report "$work/big.json" -o "$work/report.html"
end=$(date +%s%N)
echo "report: $(( (end - start) / 1000000 )) ms wall (process start included), $(stat -c %s "$work/report.html") bytes for $count flows (cassette $(stat -c %s "$work/big.json") bytes)"
for hash in "" "#filter=~u%20n=9999" "#flow=$count"; do
  start=$(date +%s%N)
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$work/profile" --window-size=1280,800 \
    --dump-dom "file://$work/report.html$hash" 2>/dev/null | grep -o 'data-shown="[0-9]*"' | head -1
  end=$(date +%s%N)
  echo "chromium load ${hash:-(list)}: $(( (end - start) / 1000000 )) ms wall (browser start included)"
done
start=$(date +%s%N)
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$work/profile" --dump-dom "about:blank" >/dev/null 2>&1
end=$(date +%s%N)
echo "chromium start and an empty page, for comparison: $(( (end - start) / 1000000 )) ms"
