#!/usr/bin/env bash
# Filter benchmarks: parse time and match throughput over 100,000 flows (issue 4).
# One short in-process job, about a minute on 2 cores. Results: bench/out/BenchmarkDotNet.Artifacts/results.
# Extra arguments go to BenchmarkDotNet, e.g. bench/filters.sh --filter '*Parse*'.
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(--filter '*Filter*')
fi
exec dotnet run -c Release --project bench/MitmFixture.Bench -- "${args[@]}"
