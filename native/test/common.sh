# Shared by build/native-tests.sh and build/arm64-tests.sh (sourced, not run).

# The Microsoft.ML.OnnxRuntime package the solution restores: its header and its per-RID libonnxruntime.so.
ort_package() {
  local version packages
  version=$(sed -n 's/.*Include="Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")
  packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
  local dir="$packages/microsoft.ml.onnxruntime/$version"
  if [ ! -f "$dir/build/native/include/onnxruntime_c_api.h" ]; then
    dotnet restore "$root/src/OnnxDyVE.Runtime/OnnxDyVE.Runtime.csproj" -nologo -v:q >&2
  fi
  [ -f "$dir/build/native/include/onnxruntime_c_api.h" ] || { echo "no ONNX Runtime package at $dir" >&2; return 1; }
  echo "$dir"
}

# Writes the host's models (stock and rewritten, never committed) into $1.
write_models() {
  rm -rf "$1"
  dotnet run -c Release --project "$root/native/test/models" -- "$1"
}
