#!/usr/bin/env bash
# Server replay throughput: wrk through `mitmfixture replay` on a 10,000-flow cassette with no
# upstream at all, against wrk through `mitmfixture dump` (pass-through) to nginx, in one run.
# Also prints the cassette's load time and memory. Needs: wrk, nginx, the .NET SDK.
# Usage: bench/replay.sh [seconds, default 10] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
connections="${2:-32}"
out="bench/out/replay"
mkdir -p "$out/logs"
UP=18181; PASS=18391; REPLAY=18392
dotnet build -c Release -v q src/MitmFixture.Cli bench/MitmFixture.Bench >/dev/null 2>&1 || dotnet build -c Release -v q MitmFixture.sln >/dev/null
dotnet run -c Release --no-build --project bench/MitmFixture.Bench -- cassettes "$PWD/$out/10k.json"

cat > "$out/nginx.conf" <<CONF
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$UP; keepalive_requests 1000000; location / { return 200 "hello, world\n"; } } }
CONF
nginx -p "$PWD/$out" -c nginx.conf
cli="src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll"
dotnet "$cli" dump -q --listen 127.0.0.1:$PASS --set confdir="$out/ca" >/dev/null 2>&1 & p1=$!
dotnet "$cli" replay "$out/10k.json" -q --server-replay-reuse --kill-extra --listen 127.0.0.1:$REPLAY --set confdir="$out/ca" >/dev/null 2>"$out/replay.err" & p2=$!
trap 'kill $p1 $p2 2>/dev/null; nginx -p "$PWD/$out" -c nginx.conf -s stop 2>/dev/null || true' EXIT
for port in $PASS $REPLAY; do
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done
printf 'wrk.path = "http://127.0.0.1:%s/items/5000?page=2"\nwrk.headers["Host"] = "127.0.0.1:%s"\n' $UP $UP > "$out/absolute.lua"

run() {
  wrk -t2 -c"$connections" -d2s -s "$out/absolute.lua" "http://127.0.0.1:$1/" >/dev/null
  wrk -t2 -c"$connections" -d"${duration}s" -s "$out/absolute.lua" "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx:", $NF > "/dev/stderr"}'
}
pass=$(run $PASS)
nginx -p "$PWD/$out" -c nginx.conf -s stop   # replay must not need the server
replay=$(run $REPLAY)
echo "pass-through (dump to nginx): $pass req/s"
echo "server replay (no upstream):  $replay req/s"
awk -v a="$replay" -v b="$pass" 'BEGIN { printf "replay / pass-through: %.2f (target >= 1.0)\n", a / b }'
echo "replay errors logged: $(grep -c unmatched "$out/replay.err" || true)"
