#!/usr/bin/env bash
# Peak RSS of the proxy per buffered-body case (issue 19, item 2): 200 MiB uploads (chunked and
# Content-Length), a 200 MiB response read, three 200 MiB responses the clients never read, and one
# 100 MiB WebSocket message (one frame, then 1 MiB fragments). Then the uploads again with the flows
# recorded (dump -w), which needs each body as one array and writes it base64 into the cassette.
# Needs: python3, the .NET SDK, ~2 GiB free memory. Run under the shared lock:
#   flock /tmp/suite.lock bench/memory.sh [path/to/MitmFixture.Cli.dll]
# MEMORY_CASES="chunked,WebSocket" runs only the cases whose names contain one of the words.
set -euo pipefail
cd "$(dirname "$0")/.."
out="bench/out"
mkdir -p "$out"
cli="${1:-}"
if [ -z "$cli" ]; then
  dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
  cli=src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll
fi
echo "== buffered and forwarded"
python3 bench/memory.py dotnet "$cli" dump --listen '127.0.0.1:{port}' --set confdir="$out/ca"
echo "== buffered, forwarded and recorded (dump -w)"
MEMORY_CASES="${MEMORY_CASES:-upload}" python3 bench/memory.py dotnet "$cli" dump --listen '127.0.0.1:{port}' --set confdir="$out/ca" -w "$out/memory-recorded.json"
rm -f "$out/memory-recorded.json"
