#!/usr/bin/env bash
# Builds libonnxdyve.so, the NativeAOT build of the DyVE operators that any ONNX Runtime host loads
# (native/include/onnxdyve.h says how), into artifacts/native/<flavour>/ beside a copy of that header.
#
# Usage: build/native-lib.sh [flavour...]     (default: linux-x64 linux-x64-avx512 linux-arm64)
#   linux-x64         x86-64-v3 (AVX2 + FMA, any x64 server since 2013): the kernels run Vector256
#   linux-x64-avx512  x86-64-v4 (AVX-512 F/BW/CD/DQ/VL): the kernels run Vector512, as the JIT picks on such CPUs
#   linux-arm64       AdvSimd (NEON, always there on arm64): the kernels run Vector128; cross-linked here with
#                     Debian's aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)
#
# Why an instruction-set level per build: NativeAOT compiles Vector256/512.IsHardwareAccelerated to constants
# of the level it targets (x86-64-v2 by default, which would leave the kernels on Vector128), and a library
# built for a level refuses to start on a CPU below it. Pick the build for the CPU the host runs on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
project="$root/src/OnnxDyVE.Native/OnnxDyVE.Native.csproj"
flavours=("$@")
[ ${#flavours[@]} -gt 0 ] || flavours=(linux-x64 linux-x64-avx512 linux-arm64)

for flavour in "${flavours[@]}"; do
  extra=()
  case "$flavour" in
    linux-x64) rid=linux-x64; extra=(-p:IlcInstructionSet=x86-64-v3) ;;
    linux-x64-avx512) rid=linux-x64; extra=(-p:IlcInstructionSet=x86-64-v4) ;;
    linux-arm64)
      rid=linux-arm64
      if [ "$(uname -m)" != aarch64 ]; then
        for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-objcopy; do
          command -v "$tool" >/dev/null || { echo "native-lib: $tool is missing (apt-get install gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)" >&2; exit 1; }
        done
        extra=(-p:CppCompilerAndLinker=aarch64-linux-gnu-gcc -p:ObjCopyName=aarch64-linux-gnu-objcopy)
      fi ;;
    *) echo "native-lib: unknown flavour '$flavour' (linux-x64, linux-x64-avx512, linux-arm64)" >&2; exit 2 ;;
  esac
  out="$root/artifacts/native/$flavour"
  publish=$(mktemp -d)
  # Flavours of one RID share obj/; the native step must not reuse another level's object file.
  rm -rf "$root/src/OnnxDyVE.Native/obj/Release/net10.0/$rid/native"
  echo "native-lib: $flavour"
  dotnet publish "$project" -c Release -r "$rid" -o "$publish" -nologo -v:q "${extra[@]}"
  mkdir -p "$out"
  cp "$publish/libonnxdyve.so" "$out/"
  cp "$root/native/include/onnxdyve.h" "$out/"
  rm -rf "$publish"
  echo "native-lib: $out/libonnxdyve.so"
done
