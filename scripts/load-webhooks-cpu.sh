#!/usr/bin/env bash
# CPU per request of the signed webhook intake: the local host's process CPU time (utime + stime from /proc/<pid>/stat)
# over a wrk run, divided by the requests it answered. Unlike req/s, it barely depends on what else the machine runs, so
# two builds can be compared on a shared machine. Same load as scripts/load-webhooks.sh (unique signed deliveries,
# dispatcher paused, wrk 1 thread), after a longer warm-up so the JIT has settled. A second line splits the same CPU by
# thread name (thread-pool workers, the SQLite writer, the append log's threads, GC, JIT...).
# Usage: scripts/load-webhooks-cpu.sh [duration-seconds=10] [connections=16] [runs=1]
#   HOST_BIN=<folder of another LocalHost build> compares a baseline; PERF=<file> also records a whole-machine perf profile
#   of PERF_SECONDS (5) inside the run, from PERF_DELAY (7) seconds after wrk starts (its init formats every delivery first);
#   HOST_ENV="NAME=VALUE ..." sets variables for the host alone (a runtime setting tried this way does not reach the build).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-16}
runs=${3:-1}
warmup=${WARMUP:-5}

source scripts/load/common.sh

# Each thread's CPU ticks (utime + stime), one "name ticks" line per thread; threads are named by the runtime and the stores.
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    echo "$(tr ' ' '_' <"$t/comm" 2>/dev/null) $(sed -E 's/^.*\) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
  done
}

# Bytes the host has allocated since it started (the runtime's System.Runtime meter on /metrics).
allocated() {
  curl -sf "http://127.0.0.1:$1/metrics" | awk '/^dotnet_gc_heap_total_allocated_bytes_total/ { n += $NF } END { printf "%d\n", n }'
}

for run in $(seq 1 "$runs"); do
  port=$((7300 + run))
  start_local_host "$port" AgentFunctions__Triggers__Bus__Consumers=0 AgentFunctions__Triggers__Clock__Enabled=false \
    ${PERF:+DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0} ${HOST_ENV:-}
  pid=${pids[-1]}
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
  key=$(tenant_key "$port")
  agent=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/agents" -H "Authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"name":"hook target","scope":"team","system_prompt":"/answer ok"}' | sed -E 's/^\{"id":"([^"]+)".*/\1/')
  trigger=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/agents/$agent/triggers" -H "Authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"system":"webhook"}')
  trigger_id=$(sed -E 's/^\{"id":"([^"]+)".*/\1/' <<<"$trigger")
  secret=$(sed -E 's/.*"signing_secret":"([^"]+)".*/\1/' <<<"$trigger")
  run_count=$(( duration * 40000 ))
  node scripts/load/sign-deliveries.js "$secret" $(( run_count + warmup * 40000 )) "$data/deliveries-$run.tsv"

  START=$run_count DELIVERIES="$data/deliveries-$run.tsv" HOOK_PATH="/api/v1/hooks/$trigger_id" \
    wrk -t1 -c"$connections" -d"${warmup}s" -s scripts/load/replay.lua "http://127.0.0.1:$port" >/dev/null
  if [ -n "${PERF:-}" ]; then
    (sleep "${PERF_DELAY:-7}"; perf record -a -e cpu-clock -F 999 -g -o "$PERF" -- sleep "${PERF_SECONDS:-5}") >/dev/null 2>&1 & perf_pid=$!
  fi
  threads0=$(thread_ticks "$pid")
  alloc0=$(allocated "$port")
  cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(DELIVERIES="$data/deliveries-$run.tsv" HOOK_PATH="/api/v1/hooks/$trigger_id" \
    wrk -t1 -c"$connections" -d"${duration}s" --latency -s scripts/load/replay.lua "http://127.0.0.1:$port")
  cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  threads1=$(thread_ticks "$pid")
  alloc1=$(allocated "$port")
  if [ -n "${PERF:-}" ]; then wait "$perf_pid" || true; fi
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  awk -v t="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v r="$requests" -v rps="$rps" -v p99="$p99" -v n="${non2xx:-0}" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "host CPU %.2f s for %d requests: %.1f us CPU/request   (%s req/s, p99 %s, non-2xx %s, load %s)\n", t / hz, r, t / hz * 1e6 / r, rps, p99, n, load }'
  # Per thread name, us of CPU per request over the same window: where a change acts, even when the total is noisy.
  { sed 's/^/0 /' <<<"$threads0"; sed 's/^/1 /' <<<"$threads1"; } | awk -v r="$requests" -v hz="$(getconf CLK_TCK)" \
    '$3 != "" { if ($1 == 0) a[$2] += $3; else b[$2] += $3 } END { printf "  per thread (us/request):"; for (k in b) if (b[k] > a[k]) printf "  %s %.1f", k, (b[k] - a[k]) / hz * 1e6 / r; printf "\n" }'
  awk -v a="$((alloc1 - alloc0))" -v r="$requests" 'BEGIN { printf "  allocated %.0f bytes/request\n", a / r }'
  echo "  pool workers at the end: $(grep -l '^.NET TP Worker' /proc/"$pid"/task/*/comm 2>/dev/null | wc -l)"
  # The host's peak resident memory and its garbage collections over its life (warm-up and run).
  echo "  host peak RSS $(awk '/VmHWM/ {printf "%d MB", $2 / 1024}' "/proc/$pid/status"); $(curl -sf "http://127.0.0.1:$port/metrics" \
    | awk '/^dotnet_gc_collections_total/ { n += $NF; match($0, /gen[0-9]/); g[substr($0, RSTART, RLENGTH)] += $NF }
           /^dotnet_gc_pause_time_seconds_total/ { p += $NF }
           END { printf "%d collections (gen0 %d, gen1 %d, gen2 %d), %.0f ms paused in all (%.1f ms each)", n, g["gen0"], g["gen1"], g["gen2"], p * 1000, (n > 0 ? p * 1000 / n : 0) }')"
  kill "$pid" 2>/dev/null || true
  # A stopped host fills SQLite with what it holds before it exits: the next run starts after that, not beside it.
  wait "$pid" 2>/dev/null || true
done
