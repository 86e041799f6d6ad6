#!/bin/bash
# Packs the Release builds of the benchmark and of mlgan, with this machine's .NET runtime, into one archive for a
# Linux x64 GPU machine that has libtorch with CUDA (a PyTorch install) but no .NET and no TorchSharp-cuda package.
# libtorch's own libraries are left out: run.sh takes them from that machine. Usage: pack.sh OUT_DIR
set -euo pipefail
out=${1:?usage: pack.sh OUT_DIR}
root=$(cd "$(dirname "$0")/../../.." && pwd)
bench=$root/tests/Microsoft.ML.Gan.PerformanceTests/bin/Release/net10.0
cli=$root/src/Microsoft.ML.Gan.Cli/bin/Release/net10.0
[ -f "$bench/Microsoft.ML.Gan.PerformanceTests.dll" ] && [ -f "$cli/mlgan.dll" ] ||
  { echo "Build first: dotnet build -c Release Microsoft.ML.Gan.sln" >&2; exit 1; }
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dotnet/host" "$stage/dotnet/shared/Microsoft.NETCore.App" "$stage/bench" "$stage/cli" "$out"
cp "$dotnet_root/dotnet" "$stage/dotnet/"; cp -r "$dotnet_root/host/fxr" "$stage/dotnet/host/"
cp -r "$runtime" "$stage/dotnet/shared/Microsoft.NETCore.App/"
for pair in "bench:$bench" "cli:$cli"; do
  dir=$stage/${pair%%:*}; cp -r "${pair#*:}/." "$dir/"
  (cd "$dir" && rm -f libtorch*.so libc10.so libgomp*.so.1 libshm.so libaoti_custom_ops.so libbackend_with_compiler.so \
     libjitbackend_test.so libnnapi_backend.so onnxruntime.dll ./*.dbg ./*.pdb ./*.xml && rm -rf runtimes)
done
# mlgan's files that the benchmark has too travel once; run.sh copies them back.
for f in "$stage"/cli/*; do b=$stage/bench/$(basename "$f"); [ -f "$f" ] && [ -f "$b" ] && cmp -s "$f" "$b" && rm "$f"; done
nm -D --undefined-only "$stage/bench/libLibTorchSharp.so" | awk '$1 == "U" {print $2}' > "$stage/shim-undefined.txt"
cp "$(dirname "$0")/check-shim.py" "$(dirname "$0")/run.sh" "$stage/"
tar cf - -C "$stage" . | xz -T0 -6 > "$out/mlgan-gpu.tar.xz"
ls -l "$out/mlgan-gpu.tar.xz"
