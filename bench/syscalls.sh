#!/usr/bin/env bash
# System calls per proxied request (issue 20), counted by the kernel's tracepoints (perf stat), which
# unlike strace do not slow the proxy enough to change what its receives find. For the floor
# (bench/MitmFixture.Bench/FloorProxy.cs), MitmFixture's dump on plain HTTP, and its dump in reverse
# mode with TLS on both sides; wrk with 16 keep-alive connections, 1 KiB from nginx.
# Needs: perf with tracepoints (linux-perf; run as root), wrk, nginx, openssl, the .NET SDK.
# Usage: bench/syscalls.sh [warm-up seconds, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
warm="${1:-20}"
out="bench/out/syscalls"
mkdir -p "$out/origin/logs"
for tool in perf wrk nginx openssl dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install linux-perf wrk nginx-light openssl)"; exit 1; }
done
[ "$(perf list 2>/dev/null | grep -c syscalls:sys_enter_recvfrom)" -gt 0 ] || { echo "perf has no syscall tracepoints here (needs tracefs and root)"; exit 1; }

UP=19181; UPS=19443; FL=19390; MF=19383; MFS=19385
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  nginx -p "$PWD/$out/origin" -c nginx.conf -s stop 2>/dev/null || true
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$out/origin/key.pem" -out "$out/origin/cert.pem" 2>/dev/null
head -c 1024 /dev/zero | tr '\0' 'x' > "$out/origin/body.txt"
cat > "$out/origin/nginx.conf" <<CONF
worker_processes 1; error_log logs/error.log warn; pid logs/nginx.pid; events { worker_connections 4096; }
http { access_log off; default_type text/plain;
  server { listen 127.0.0.1:$UP; keepalive_requests 1000000; location / { root .; try_files /body.txt =404; } }
  server { listen 127.0.0.1:$UPS ssl; ssl_certificate cert.pem; ssl_certificate_key key.pem; keepalive_requests 1000000;
           location / { root .; try_files /body.txt =404; } } }
CONF
nginx -p "$PWD/$out/origin" -c nginx.conf

dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
dotnet build -c Release -v q bench/MitmFixture.Bench >/dev/null
cli=src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll
DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 \
  dotnet bench/MitmFixture.Bench/bin/Release/net10.0/MitmFixture.Bench.dll floor $FL $UP >/dev/null 2>&1 & pids+=($!); floor=$!
dotnet "$cli" dump --listen 127.0.0.1:$MF --set confdir="$out/ca" >/dev/null 2>&1 & pids+=($!); plain=$!
dotnet "$cli" dump --listen 127.0.0.1:$MFS --mode reverse:https://127.0.0.1:$UPS --ssl-insecure --set confdir="$out/ca" >/dev/null 2>&1 & pids+=($!); tls=$!
for port in $FL $MF $MFS; do
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done
cat > "$out/absolute.lua" <<LUA
wrk.path = "http://127.0.0.1:$UP/"
wrk.headers["Host"] = "127.0.0.1:$UP"
LUA

count() { # name pid url [wrk args...]
  local name=$1 pid=$2 url=$3; shift 3
  wrk -t2 -c16 -d"${warm}s" "$@" "$url" >/dev/null
  perf stat -x, -e syscalls:sys_enter_recvfrom -e syscalls:sys_exit_recvfrom --filter 'ret < 0' \
    -e syscalls:sys_enter_sendto -e syscalls:sys_enter_epoll_wait -p "$pid" -o "$out/$name.perf" -- sleep 6 >/dev/null 2>&1 &
  local stat=$!
  sleep 0.3
  local requests
  requests=$(wrk -t2 -c16 -d5s "$@" "$url" | awk '/requests in/ {print $1}')
  wait "$stat"
  awk -F, -v n="$requests" -v name="$name" '
    /sys_enter_recvfrom/ {r=$1} /sys_exit_recvfrom/ {e=$1} /sys_enter_sendto/ {s=$1} /sys_enter_epoll_wait/ {w=$1}
    END {printf "%-22s receives %.2f  of which EAGAIN %.2f  sends %.2f  epoll waits %.2f  per request (%d requests)\n", name, r/n, e/n, s/n, w/n, n}' "$out/$name.perf"
}
count dotnet-floor "$floor" "http://127.0.0.1:$FL/" -H "Host: 127.0.0.1:$UP"
count mitmfixture "$plain" "http://127.0.0.1:$MF/" -s "$out/absolute.lua"
count mitmfixture-tls "$tls" "https://127.0.0.1:$MFS/"
