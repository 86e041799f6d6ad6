#!/bin/bash
# On the GPU machine: unpacks pack.sh's archive and runs the train benchmark, mlgan train/generate/evaluate and the
# generate benchmark on CUDA, with TorchSharp's managed code and native shim over that machine's libtorch.
# Usage: run.sh ARCHIVE ADULT_TRAIN_CSV OUT_DIR   (LIBTORCH=dir of libtorch_cuda.so; default: python3's torch/lib;
# DEVICE=cuda by default, EPOCHS=4)
set -u
archive=${1:?usage: run.sh ARCHIVE ADULT_TRAIN_CSV OUT_DIR}; data=$(readlink -f "${2:?}"); out=$(readlink -f "${3:?}")
device=${DEVICE:-cuda}; epochs=${EPOCHS:-4}
mkdir -p "$out"; exec > >(tee -a "$out/log.txt") 2>&1
work=$(mktemp -d); cd "$work" && tar xJf "$archive" || exit 1
for f in bench/*; do [ -f "$f" ] && [ ! -e "cli/${f#bench/}" ] && cp "$f" cli/; done
export DOTNET_ROOT=$work/dotnet PATH=$work/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
libtorch=${LIBTORCH:-$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}
export LD_LIBRARY_PATH=$libtorch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
command -v nvidia-smi > /dev/null && nvidia-smi -L
echo "== libtorch at $libtorch"; python3 check-shim.py "$libtorch" bench/libLibTorchSharp.so shim-undefined.txt
bench="dotnet bench/Microsoft.ML.Gan.PerformanceTests.dll"
echo "== train benchmark, batch 500 (the default)"; $bench train --device "$device" --epochs "$epochs" --threads 8 --data "$data"
echo "== train benchmark, batch 4000"; $bench train --device "$device" --epochs "$epochs" --threads 8 --data "$data" --set BatchSize=4000
echo "== mlgan on $device"
dotnet cli/mlgan.dll train "$data" --model "$out/model.zip" --epochs 10 --set Device="$device" --set FallbackToCpu=false &&
  dotnet cli/mlgan.dll generate "$out/model.zip" --rows 20000 --out "$out/rows.csv" &&
  dotnet cli/mlgan.dll evaluate "$data" "$out/rows.csv"
echo "== generate benchmark"; $bench generate --device "$device" --rows 200000 --transform-rows 5000 --threads 8 --data "$data"
rm -rf "$work"
