#!/usr/bin/env bash
# Peak RSS of the proxy per buffered-body case (issue 19, item 2): 200 MiB uploads (chunked and
# Content-Length), a 200 MiB response read, and three 200 MiB responses the clients never read.
# Needs: python3, the .NET SDK, ~2 GiB free memory. Run under the shared lock:
#   flock /tmp/suite.lock bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out="bench/out"
mkdir -p "$out"
dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
python3 bench/memory.py dotnet src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll dump --listen '127.0.0.1:{port}' --set confdir="$out/ca"
