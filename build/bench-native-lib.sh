#!/usr/bin/env bash
# DyveConv from libonnxdyve.so (SessionOptions.RegisterCustomOpLibrary) against the in-process operators
# (SessionOptions.AppendDyVE), same models and inputs, 1 thread, in one process (native/bench). Not run by CI.
# Usage: build/bench-native-lib.sh [flavour] [rounds] [runs-per-round]
#   flavour: linux-x64-avx512 (default; the width the JIT picks on an AVX-512 CPU) or linux-x64
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-linux-x64-avx512}
"$root/build/native-lib.sh" "$flavour" >/dev/null
echo "commit $(git -C "$root" rev-parse --short HEAD), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
dotnet run -c Release --project "$root/native/bench" -- "$root/artifacts/native/$flavour/libonnxdyve.so" "${2:-15}" "${3:-5}" \
  2> >(grep -v 'dyve_effort appears in graph inputs' >&2)
