#!/usr/bin/env bash
# Exact DyveConv vs ONNX Runtime Conv + Relu on every VGG-16 and SqueezeNet v1.0 conv shape, at 1 and 2 threads
# (BenchmarkDotNet, about 30 minutes on 2 cores). Runs a `git archive` snapshot of HEAD, so edits made in the
# working copy during the run cannot reach the build. Keep the machine otherwise idle: every core counts.
# Usage: build/bench-exact-conv.sh [artifacts-folder] [extra BenchmarkDotNet arguments...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts=$(realpath -m "${1:-$root/BenchmarkDotNet.Artifacts/exact-conv}")
shift || true
snapshot=$(mktemp -d)
trap 'rm -rf "$snapshot"' EXIT
git -C "$root" archive HEAD | tar -x -C "$snapshot"
echo "commit $(git -C "$root" rev-parse --short HEAD), snapshot $snapshot, artifacts $artifacts"
cd "$snapshot"
dotnet run -c Release --project src/OnnxDyVE.Benchmarks -- --filter '*Perf_ExactConv*' --artifacts "$artifacts" "$@"
