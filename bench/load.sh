#!/usr/bin/env bash
# Load and soak: 1,000 concurrent keep-alive connections through MitmFixture for long enough to
# carry about a million requests, reporting errors and the proxy's memory at start and end.
# Needs: wrk, nginx (apt-get install wrk nginx-light), the .NET SDK.
# Usage: bench/load.sh [seconds, default 75] [connections, default 1000]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-75}"
connections="${2:-1000}"
out="bench/out/load"
mkdir -p "$out/logs"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
UP=19181; MF=19383
cat > "$out/nginx.conf" <<CONF
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
worker_rlimit_nofile 65536;
events { worker_connections 8192; }
http { access_log off; server { listen 127.0.0.1:$UP; keepalive_requests 100000000; location / { return 200 "hello, world\n"; } } }
CONF
nginx -p "$PWD/$out" -c nginx.conf
dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
dotnet src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll dump -q --listen 127.0.0.1:$MF --set confdir="$out/ca" 2>"$out/proxy.err" &
pid=$!
trap 'kill $pid 2>/dev/null; nginx -p "$PWD/$out" -c nginx.conf -s stop 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$MF) 2>/dev/null && break; sleep 0.1; done
printf 'wrk.path = "http://127.0.0.1:%s/"\nwrk.headers["Host"] = "127.0.0.1:%s"\n' $UP $UP > "$out/absolute.lua"
mem() { awk -v k="$1" '$1==k":" {printf "%.0f MB", $2/1024}' "/proc/$pid/status"; }

wrk -t2 -c100 -d3s -s "$out/absolute.lua" "http://127.0.0.1:$MF/" >/dev/null   # warm-up
echo "proxy resident memory at start: $(mem VmRSS)"
report=$(wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s -s "$out/absolute.lua" "http://127.0.0.1:$MF/")
echo "$report"
echo "proxy resident memory at end: $(mem VmRSS) (peak $(mem VmHWM))"
requests=$(awk '/requests in/ {print $1}' <<<"$report")
errors=$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10} /Non-2xx/ {print $NF}' <<<"$report" | paste -sd+ | bc 2>/dev/null || echo 0)
echo "requests: $requests, errors: ${errors:-0}, proxy errors logged: $(wc -l <"$out/proxy.err")"
