#!/usr/bin/env bash
# linux-arm64, verified on an x64 machine: builds libonnxdyve.so for linux-arm64 (NativeAOT, cross-linked), the
# C test host with aarch64-linux-gnu-gcc against the NuGet package's linux-arm64 ONNX Runtime, and runs the
# host under qemu-user: every test model (conv paths, Gemm paths, a small network) through the arm64 kernels,
# which must take the Vector128 (AdvSimd) path, compared with ORT's own arm64 operators.
# Needs (Debian): qemu-user gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross; root or
# unshare rights for a private mount namespace (below). Ends with "host: N passed, M failed".
# Usage: build/arm64-tests.sh [--no-lib-build]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/native/test/common.sh"
work="$root/artifacts/arm64-tests"
sysroot=/usr/aarch64-linux-gnu

for tool in qemu-aarch64 aarch64-linux-gnu-gcc unshare; do
  command -v "$tool" >/dev/null || { echo "arm64-tests: $tool is missing" >&2; exit 1; }
done
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || { echo "arm64-tests: no arm64 C library at $sysroot (libc6-arm64-cross)" >&2; exit 1; }

[ "${1:-}" = --no-lib-build ] || "$root/build/native-lib.sh" linux-arm64
ort=$(ort_package)
[ -d "$work/models" ] && [ "$work/models/cases.txt" -nt "$root/native/test/models/Program.cs" ] || write_models "$work/models"
cmake -S "$root/native" -B "$work/host-arm64" -DORT_PACKAGE="$ort" -DORT_RID=linux-arm64 \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc >/dev/null
cmake --build "$work/host-arm64" >/dev/null

# ONNX Runtime reads the CPU's description from /proc/cpuinfo (cpuinfo library) and crashes on the x64 host's
# text under qemu-user; a private mount namespace shows it an arm64 one (Cortex-A72, as on a Raspberry Pi 4).
export QEMU_LD_PREFIX=$sysroot
exec unshare --mount -- sh -c '
  mount --bind "$1" /proc/cpuinfo || { echo "arm64-tests: cannot bind-mount /proc/cpuinfo" >&2; exit 1; }
  shift
  exec qemu-aarch64 "$@"' sh "$root/native/test/arm64-cpuinfo.txt" \
  "$work/host-arm64/onnxdyve_host" --library "$root/artifacts/native/linux-arm64/libonnxdyve.so" \
  --models "$work/models" --expect-simd Vector128
