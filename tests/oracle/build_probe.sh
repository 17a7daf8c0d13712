#!/bin/sh
# Builds tests/oracle/ct_probe (debug tool for compare.py --states) against the headers and the
# trace library of an existing build directory.
#   tests/oracle/build_probe.sh [BUILD_DIR]   (default: build-oracle; run ninja sessim_trace first)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-oracle}
case $build in /*) ;; *) build=$root/$build ;; esac
out=$build/ct_probe
${CXX:-c++} -std=c++20 -O2 -w -I"$root/include" "$root/tests/oracle/ct_probe.cpp" \
  "$build/libsessim_trace.a" -lpcap -lfmt -o "$out"
echo "$out"
