#!/usr/bin/env bash
# Memory per idle keep-alive connection (issue 19, item 5): the proxy's resident memory with N
# client connections open, silent and then kept alive after one request each.
# Needs: python3, the .NET SDK. Run under the shared lock: flock /tmp/suite.lock bench/idle.sh
# Usage: bench/idle.sh [connections, default 5000]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-5000}"
out="bench/out"
mkdir -p "$out"
[ "$(ulimit -n)" -ge $((count * 2 + 100)) ] || ulimit -n $((count * 2 + 100))

dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll dump --listen "127.0.0.1:$port" --set confdir="$out/ca" >/dev/null 2>"$out/idle.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
python3 bench/idle.py "$pid" "$port" "$count"
