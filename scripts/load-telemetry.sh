#!/usr/bin/env bash
# Load figure for docs/benchmarks-operations.md: what OpenTelemetry costs on the local host (traces and metrics on,
# Prometheus exporter registered), against the same host with the SDK switched off (OTEL_SDK_DISABLED=true), measured
# in the same run on GET /api/v1/agents/{id} (key auth, store read); and GET /api/v1/health/ready (five dependency
# checks, a report reused for two seconds). Loopback only; stops by itself. Needs wrk (installed from Debian if missing).
# Usage: scripts/load-telemetry.sh [duration-seconds=10] [connections=16]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-16}
threads=1

source scripts/load/common.sh

start_local_host 7081
start_local_host 7082 OTEL_SDK_DISABLED=true
for port in 7081 7082; do
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
done

target() { # port -> "key agent-url"
  local key agent
  key=$(tenant_key "$1")
  agent=$(curl -sf -X POST "http://127.0.0.1:$1/api/v1/agents" -H "Authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"name":"load target","system_prompt":"You help."}' | sed -E 's/^\{"id":"([^"]+)".*/\1/')
  echo "$key http://127.0.0.1:$1/api/v1/agents/$agent"
}

run() { # name key url
  wrk -t$threads -c"$connections" -d2s -H "Authorization: Bearer $2" "$3" >/dev/null   # warm-up
  local out; out=$(wrk -t$threads -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $2" "$3")
  printf '%-36s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)"
}

echo "wrk: $threads thread, $connections connections, ${duration}s, loopback, $(nproc) cores shared by client and server; load average $(cut -d' ' -f1-3 /proc/loadavg)"
read -r key_on url_on <<<"$(target 7081)"
read -r key_off url_off <<<"$(target 7082)"
run "GET agent, telemetry on" "$key_on" "$url_on"
run "GET agent, OTEL_SDK_DISABLED" "$key_off" "$url_off"
run "GET agent, telemetry on (again)" "$key_on" "$url_on"
run "GET health/ready, telemetry on" "$key_on" "http://127.0.0.1:7081/api/v1/health/ready"
