#!/usr/bin/env bash
# Proxy throughput, CPU per request and latency, measured in one run so the ratios are comparable
# (issue 20): direct to nginx, through nginx as a keep-alive proxy (the yardstick), through
# MitmFixture, and through mitmproxy's mitmdump; plain HTTP (forward proxy, absolute-form requests)
# and HTTPS with interception (reverse mode: TLS terminated and re-originated; nginx likewise as a
# TLS-terminating proxy). The origin (1 KiB body) runs in its own nginx, so the proxy nginx's CPU
# is its own. Each case runs once per round, rounds interleaved, and the medians are reported.
# CPU per request = the proxy process's utime+stime (/proc/PID/stat, all its threads, and its
# workers for nginx) over the run, divided by the requests wrk counted.
# Needs: wrk, nginx, mitmdump (Debian: apt-get install wrk nginx-light mitmproxy), the .NET SDK.
# Usage: bench/proxy.sh [duration-seconds, default 10] [connections, default 16] [rounds, default 3]
# MF_BASELINE=path/to/MitmFixture.Cli.dll adds a second MitmFixture (e.g. main's build) to every round.
# The plain rounds also run "dotnet-floor" (bench/MitmFixture.Bench/FloorProxy.cs): the least a .NET
# forwarder can do per request on this runtime, so the gap to nginx splits into .NET's share and ours.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
connections="${2:-16}"
rounds="${3:-3}"
out="bench/out"
mkdir -p "$out"
for tool in wrk nginx mitmdump dotnet openssl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nginx-light mitmproxy openssl)"; exit 1; }
done

FL=18484; UP=18181; UPS=18443; NGX=18282; NGXS=18543; MF=18383; MFS=18643; MD=18485; MDS=18743; MB=18385; MBS=18645
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in origin proxy; do nginx -p "$PWD/$out/$d" -c nginx.conf -s stop 2>/dev/null || true; done
}
trap cleanup EXIT

# 1. nginx: the origin (1 KiB, HTTP and HTTPS) and, in a second instance, the yardstick proxy.
mkdir -p "$out/origin/logs" "$out/proxy/logs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$out/origin/key.pem" -out "$out/origin/cert.pem" 2>/dev/null
cp "$out/origin/key.pem" "$out/origin/cert.pem" "$out/proxy/"
head -c 1024 /dev/zero | tr '\0' 'x' > "$out/origin/body.txt"
common='worker_processes 1; error_log logs/error.log warn; pid logs/nginx.pid; events { worker_connections 4096; }'
cat > "$out/origin/nginx.conf" <<CONF
$common
http {
  access_log off; default_type text/plain;
  server { listen 127.0.0.1:$UP; keepalive_requests 1000000; location / { root .; try_files /body.txt =404; } }
  server { listen 127.0.0.1:$UPS ssl; ssl_certificate cert.pem; ssl_certificate_key key.pem; keepalive_requests 1000000;
           location / { root .; try_files /body.txt =404; } }
}
CONF
cat > "$out/proxy/nginx.conf" <<CONF
$common
http {
  access_log off;
  upstream origin { server 127.0.0.1:$UP; keepalive 64; }
  upstream origins { server 127.0.0.1:$UPS; keepalive 64; }
  server { listen 127.0.0.1:$NGX; keepalive_requests 1000000;
           location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:$NGXS ssl; ssl_certificate cert.pem; ssl_certificate_key key.pem; keepalive_requests 1000000;
           ssl_session_cache shared:SSL:1m;
           location / { proxy_pass https://origins; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_ssl_session_reuse on; } }
}
CONF
nginx -p "$PWD/$out/origin" -c nginx.conf
nginx -p "$PWD/$out/proxy" -c nginx.conf
nginx_proxy_pid=$(cat "$out/proxy/logs/nginx.pid")

# 2. MitmFixture (Release build), printing every flow like mitmdump does, to /dev/null.
dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
cli="src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll"
declare -A pid_of
start_mf() { # name cli port tls-port
  dotnet "$2" dump --listen 127.0.0.1:$3 --set confdir="$out/ca-$1" >/dev/null 2>"$out/$1.err" & pids+=($!); pid_of[$1]=$!
  dotnet "$2" dump --listen 127.0.0.1:$4 --mode reverse:https://127.0.0.1:$UPS --ssl-insecure --set confdir="$out/ca-$1-tls" >/dev/null 2>"$out/$1-tls.err" & pids+=($!); pid_of[$1-tls]=$!
}
start_mf mitmfixture "$cli" $MF $MFS
dotnet build -c Release -v q bench/MitmFixture.Bench >/dev/null
DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 \
  dotnet bench/MitmFixture.Bench/bin/Release/net10.0/MitmFixture.Bench.dll floor $FL $UP >/dev/null 2>"$out/floor.err" & pids+=($!); pid_of[dotnet-floor]=$!
[ -n "${MF_BASELINE:-}" ] && start_mf baseline "$MF_BASELINE" $MB $MBS

# 3. mitmdump, likewise.
mitmdump --listen-host 127.0.0.1 -p $MD --set confdir="$out/mitmproxy" >/dev/null 2>&1 & pids+=($!); pid_of[mitmdump]=$!
mitmdump --listen-host 127.0.0.1 -p $MDS --mode reverse:https://127.0.0.1:$UPS -k --set confdir="$out/mitmproxy" >/dev/null 2>&1 & pids+=($!); pid_of[mitmdump-tls]=$!
pid_of[nginx-proxy]=$nginx_proxy_pid; pid_of[nginx-proxy-tls]=$nginx_proxy_pid

for port in $FL $MF $MFS $MD $MDS ${MF_BASELINE:+$MB $MBS}; do
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

# wrk speaks origin-form only; this script makes it send a forward proxy's absolute-form requests.
cat > "$out/absolute.lua" <<LUA
wrk.path = "http://127.0.0.1:$UP/"
wrk.headers["Host"] = "127.0.0.1:$UP"
LUA

ticks() { # CPU clock ticks of a process and its children (nginx's worker)
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

declare -A rps p50 cpu
run() { # name url [script] [connections]
  local name="$1" url="$2" script="${3:-}" c="${4:-$connections}" args=()
  [ -n "$script" ] && args=(-s "$script")
  local threads=2
  [ "$c" -lt 2 ] && threads=1
  local warm="$warmup"
  # .NET's tiered JIT (with PGO) needs about 25 s of this load to settle (bench/RESULTS.md, "Fewer copies per request").
  [ "$round" = 1 ] && [[ "$name" == mitmfixture* || "$name" == baseline* || "$name" == dotnet-floor ]] && warm=20s
  wrk -t$threads -c"$c" -d"$warm" "${args[@]}" "$url" >/dev/null 2>&1 || true   # warm-up (JIT, connections)
  local report before after pid="${pid_of[$name]:-}"
  [ -n "$pid" ] && before=$(ticks "$pid")
  report=$(wrk -t$threads -c"$c" -d"${duration}s" --latency "${args[@]}" "$url")
  [ -n "$pid" ] && after=$(ticks "$pid")
  local r requests micros="-"
  r=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  requests=$(awk '/requests in/ {print $1}' <<<"$report")
  [ -n "$pid" ] && micros=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  local q
  q=$(awk '$1=="50%" {v=$2; if (v ~ /us$/) v=v+0; else if (v ~ /ms$/) v=v*1000; else if (v ~ /s$/) v=v*1e6; print v}' <<<"$report")
  rps[$name]+="$r "; p50[$name]+="$q "; cpu[$name]+="$micros "
  printf '  %-22s %10s req/s   p50 %8s us   CPU/request %s us\n' "$name" "$r" "$q" "$micros"
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | grep -v '^-$' | sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "-"; else print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

mf_cases=(mitmfixture ${MF_BASELINE:+baseline})
declare -A port=([mitmfixture]=$MF [baseline]=$MB) tls_port=([mitmfixture]=$MFS [baseline]=$MBS)
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }
declare -A added_p50
for round in $(seq "$rounds"); do
  warmup=1s
  [ "$round" = 1 ] && warmup=3s   # the tiered JIT settles in the first round
  echo "== round $round: plain HTTP, $connections connections, ${duration}s each"
  run direct "http://127.0.0.1:$UP/"
  run nginx-proxy "http://127.0.0.1:$NGX/"
  run dotnet-floor "http://127.0.0.1:$FL/"
  for m in "${mf_cases[@]}"; do run "$m" "http://127.0.0.1:${port[$m]}/" "$out/absolute.lua"; done
  run mitmdump "http://127.0.0.1:$MD/" "$out/absolute.lua"
  echo "== round $round: HTTPS intercepted (TLS both sides), $connections connections"
  run direct-tls "https://127.0.0.1:$UPS/"
  run nginx-proxy-tls "https://127.0.0.1:$NGXS/"
  for m in "${mf_cases[@]}"; do run "$m-tls" "https://127.0.0.1:${tls_port[$m]}/"; done
  run mitmdump-tls "https://127.0.0.1:$MDS/"
  echo "== round $round: one connection (latency)"
  run direct-1 "http://127.0.0.1:$UP/" "" 1
  run nginx-proxy-1 "http://127.0.0.1:$NGX/" "" 1
  for m in "${mf_cases[@]}"; do run "$m-1" "http://127.0.0.1:${port[$m]}/" "$out/absolute.lua" 1; done
  run mitmdump-1 "http://127.0.0.1:$MD/" "$out/absolute.lua" 1
  # Added latency against direct in the same round: the machine's load moves both together.
  direct_now=$(awk '{print $NF}' <<<"${p50[direct-1]}")
  for name in nginx-proxy "${mf_cases[@]}" mitmdump; do
    added_p50[$name]+="$(added "$(awk '{print $NF}' <<<"${p50[$name-1]}")" "$direct_now") "
  done
done

echo "== medians of $rounds rounds"
for name in "${!rps[@]}"; do
  printf '%-22s %10s req/s   p50 %8s us   CPU/request %s us\n' "$name" "$(median "${rps[$name]}")" "$(median "${p50[$name]}")" "$(median "${cpu[$name]}")"
done | sort
m() { median "${rps[$1]}"; }
c() { median "${cpu[$1]}"; }
echo "== ratios (of medians)"
for mf in "${mf_cases[@]}"; do
  echo "$mf / nginx-proxy              $(ratio "$(m "$mf")" "$(m nginx-proxy)")   (target >= 0.9)"
  echo "$mf CPU / nginx CPU            $(ratio "$(c "$mf")" "$(c nginx-proxy)")   (target <= 1.2)"
  echo "$mf CPU / dotnet-floor CPU     $(ratio "$(c "$mf")" "$(c dotnet-floor)")"
  echo "$mf / mitmdump                 $(ratio "$(m "$mf")" "$(m mitmdump)")"
  echo "$mf-tls / mitmdump-tls         $(ratio "$(m "$mf-tls")" "$(m mitmdump-tls)")   (target >= 20)"
  echo "$mf-tls / nginx-proxy-tls      $(ratio "$(m "$mf-tls")" "$(m nginx-proxy-tls)")   (target >= 0.8)"
  echo "$mf-tls CPU / nginx-tls CPU    $(ratio "$(c "$mf-tls")" "$(c nginx-proxy-tls)")   (target <= 1.5)"
  echo "$mf added p50 at 1 connection  $(median "${added_p50[$mf]}") us (per round: ${added_p50[$mf]})  (target <= 60)"
done
echo "dotnet-floor CPU / nginx CPU     $(ratio "$(c dotnet-floor)" "$(c nginx-proxy)")"
for name in nginx-proxy mitmdump; do
  echo "$name added p50 at 1 connection  $(median "${added_p50[$name]}") us (per round: ${added_p50[$name]})"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
