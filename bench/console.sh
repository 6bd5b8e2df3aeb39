#!/usr/bin/env bash
# What the interactive console costs: proxy throughput with the full-screen console running (every
# flow kept in memory, the screen redrawn as flows arrive) against the same proxy as `dump`, and
# against mitmproxy's own console and mitmdump, measured in one run so the ratios compare. Also the
# console's memory per kept flow. The consoles run in tmux terminals (120x40).
# Needs: wrk, nginx, tmux, mitmproxy + mitmdump (Debian: apt-get install wrk nginx-light tmux mitmproxy).
# Usage: bench/console.sh [duration-seconds, default 5] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-5}"
connections="${2:-16}"
out="bench/out"
mkdir -p "$out/nginx-console/logs"
for tool in wrk nginx tmux mitmproxy mitmdump dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nginx-light tmux mitmproxy)"; exit 1; }
done

UP=19181; DUMP=19282; CON=19383; MPC=19484; MD=19585
socket="mitmfixture-bench-$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  tmux -L "$socket" kill-server 2>/dev/null || true
  nginx -p "$PWD/$out/nginx-console" -c nginx.conf -s stop 2>/dev/null || true
}
trap cleanup EXIT

cat > "$out/nginx-console/nginx.conf" <<CONF
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$UP; keepalive_requests 1000000; location / { return 200 "hello, world\n"; } }
}
CONF
nginx -p "$PWD/$out/nginx-console" -c nginx.conf

dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
cli="$PWD/src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll"
dotnet "$cli" dump --listen 127.0.0.1:$DUMP --set confdir="$out/ca" >/dev/null 2>&1 & pids+=($!)
mitmdump --listen-host 127.0.0.1 -p $MD --set confdir="$out/mitmproxy" >/dev/null 2>&1 & pids+=($!)
tmux -L "$socket" new-session -d -s mf -x 120 -y 40 "dotnet '$cli' console --listen 127.0.0.1:$CON --set confdir='$out/ca'"
tmux -L "$socket" new-session -d -s mp -x 120 -y 40 "mitmproxy --listen-host 127.0.0.1 -p $MPC --set confdir='$out/mitmproxy'"
for port in $DUMP $CON $MPC $MD; do
  for _ in $(seq 150); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

cat > "$out/console-absolute.lua" <<LUA
wrk.path = "http://127.0.0.1:$UP/"
wrk.headers["Host"] = "127.0.0.1:$UP"
LUA

declare -A rps
run() { # name port
  wrk -t2 -c"$connections" -d1s -s "$out/console-absolute.lua" "http://127.0.0.1:$2/" >/dev/null 2>&1 || true  # warm-up
  local report
  report=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$out/console-absolute.lua" "http://127.0.0.1:$2/")
  rps[$1]=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  printf '%-26s %12s req/s   p50 %s\n' "$1" "${rps[$1]}" "$(awk '$1=="50%" {print $2}' <<<"$report")"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
console_pid() { pgrep -f "MitmFixture.Cli.dll console --listen 127.0.0.1:$CON" | head -1; }

echo "== plain HTTP through each, $connections connections, ${duration}s each"
run mitmfixture-dump $DUMP
before=$(rss_kb "$(console_pid)")
run mitmfixture-console $CON
sleep 1
after=$(rss_kb "$(console_pid)")
flows=$(tmux -L "$socket" capture-pane -p -t mf | grep -o '\[[0-9]*/[0-9]*\]' | head -1 | tr -d '[]' | cut -d/ -f2)
run mitmdump $MD
run mitmproxy-console $MPC

echo "== ratios"
echo "mitmfixture console / mitmfixture dump   $(ratio "${rps[mitmfixture-console]}" "${rps[mitmfixture-dump]}")"
echo "mitmfixture console / mitmproxy console  $(ratio "${rps[mitmfixture-console]}" "${rps[mitmproxy-console]}")"
echo "mitmproxy console / mitmdump             $(ratio "${rps[mitmproxy-console]}" "${rps[mitmdump]}")"
echo "console memory: $flows flows kept, $(( (after - before) / 1024 )) MiB more resident, $(awk -v d="$(( after - before ))" -v n="$flows" 'BEGIN { printf "%.2f", d / n }') KiB per flow"
