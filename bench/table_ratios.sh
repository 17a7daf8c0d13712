#!/usr/bin/env bash
# bench/table_ratios.sh — runs sessim_table_bench with interleaved repetitions and prints, per
# operation and table size, session_table against the std::unordered_map baseline measured in
# the same run: ns/op (min and median over the repetitions) and the speed-up umap/table.
#
#   bash bench/table_ratios.sh [REPS] [extra Google Benchmark flags...]
# Environment: BUILD_DIR (default build/bench). Needs bash and awk.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${BUILD_DIR:-$here/../build/bench}
bin=$BUILD_DIR/bench/sessim_table_bench
[[ -x $bin ]] || { echo "table_ratios: $bin not found (cmake --preset bench && cmake --build --preset bench)" >&2; exit 1; }
reps=${1:-5}
shift || true

out=$(mktemp)
trap 'rm -f "$out" "$out.err"' EXIT
"$bin" --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true \
  --benchmark_out="$out" --benchmark_out_format=json "$@" >/dev/null 2>"$out.err" ||
  { cat "$out.err" >&2; exit 1; }
grep -v '^Running' "$out.err" || true  # date, CPU, load average

# Google Benchmark's JSON puts one field per line; collect items_per_second per iteration run.
awk '
  function ns(ips) { return ips > 0 ? 1e9 / ips : 0 }
  function val(line) { sub(/^[^:]*: */, "", line); sub(/,? *$/, "", line); gsub(/"/, "", line); return line }
  /"benchmarks": \[/ { inb = 1; next }
  !inb { next }
  /^ *\{ *$/ { name = ""; type = ""; ips = 0; next }
  /"run_name":/ { name = val($0); sub(/\/manual_time$/, "", name) }
  /"run_type":/ { type = val($0) }
  /"items_per_second":/ { ips = val($0) + 0 }
  /^ *\},? *$/ {
    if (type != "iteration" || name == "") next
    n[name]++; t[name, n[name]] = ns(ips)
    if (!(name in seen)) { seen[name] = 1; order[++cnt] = name }
  }
  function sortv(name,   i, j, x, k) {
    k = n[name]
    for (i = 1; i <= k; ++i) s[i] = t[name, i]
    for (i = 2; i <= k; ++i) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; --j) s[j + 1] = s[j]; s[j + 1] = x }
    mn[name] = s[1]; md[name] = (k % 2) ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2
  }
  END {
    # Registration order: table/* and device/* rows, each table row beside its umap baseline.
    m = 0
    for (i = 1; i <= cnt; ++i) sortv(order[i])
    printf "%-26s %11s %11s %11s %11s  %s\n", "benchmark", "ns/op min", "ns/op med", "umap min", "umap med", "umap/table (min, med)"
    for (i = 1; i <= cnt; ++i) sorted[i] = order[i]
    for (i = 2; i <= cnt; ++i) { x = sorted[i]; for (j = i - 1; j >= 1 && key(sorted[j]) > key(x); --j) sorted[j + 1] = sorted[j]; sorted[j + 1] = x }
    for (i = 1; i <= cnt; ++i) {
      name = sorted[i]
      if (name !~ /^(table|device)\//) continue
      base = name; sub(/^table\//, "umap/", base)
      if (name ~ /^table\// && (base in seen))
        printf "%-26s %11.1f %11.1f %11.1f %11.1f  %5.2f, %5.2f\n", name, mn[name], md[name], mn[base], md[base],
               mn[base] / mn[name], md[base] / md[name]
      else
        printf "%-26s %11.1f %11.1f\n", name, mn[name], md[name]
    }
    printf "\n%d repetitions, interleaved. ns/op from items/s: CPU time, manual (timed-phase) time for insert\nand expire; device/*: ns per packet.\n", n[order[1]]
  }
  function key(name,   parts, k) {
    k = split(name, parts, "/")
    return sprintf("%s/%s/%012d/%012d", parts[1] == "device" ? "z" : "a", parts[2], parts[3] + 0, parts[4] + 0)
  }' "$out"
