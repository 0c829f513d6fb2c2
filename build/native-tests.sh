#!/usr/bin/env bash
# Builds libonnxdyve.so for linux-x64 (build/native-lib.sh), the C test host (native/, CMake), the test models
# (native/test/models: stock ONNX and its `dyve rewrite`), and runs the host on each x64 build the CPU can run.
# Ends with "host: N passed, M failed" per build run; exits non-zero on any failure.
# Usage: build/native-tests.sh [--no-lib-build]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/native/test/common.sh"
work="$root/artifacts/native-tests"

[ "${1:-}" = --no-lib-build ] || "$root/build/native-lib.sh" linux-x64 linux-x64-avx512
ort=$(ort_package)
write_models "$work/models"
cmake -S "$root/native" -B "$work/host-x64" -DORT_PACKAGE="$ort" -DORT_RID=linux-x64 >/dev/null
cmake --build "$work/host-x64" >/dev/null

flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { for flag in "$@"; do [[ " $flags " == *" $flag "* ]] || return 1; done; }
status=0
if has avx2 fma; then
  "$work/host-x64/onnxdyve_host" --library "$root/artifacts/native/linux-x64/libonnxdyve.so" \
    --models "$work/models" --expect-simd Vector256 || status=1
else
  echo "native-tests: this CPU has no AVX2: linux-x64 (x86-64-v3) not run"
fi
if has avx512f avx512bw avx512cd avx512dq avx512vl; then
  "$work/host-x64/onnxdyve_host" --library "$root/artifacts/native/linux-x64-avx512/libonnxdyve.so" \
    --models "$work/models" --expect-simd Vector512 || status=1
else
  echo "native-tests: this CPU has no AVX-512: linux-x64-avx512 not run"
fi
exit $status
