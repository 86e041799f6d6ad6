#!/usr/bin/env bash
# Training on a table larger than the training matrix could hold: makes a table of ROWS Adult-like rows (default 20
# million, about 2.2 GB of CSV) with the library itself, trains one epoch on it with the rows in a temporary file mapped
# into memory, and sets its peak memory and its epoch against epochs on Adult's 26,048 rows (same tool, same threads).
# Usage: large-table.sh [folder] [rows]   (folder default: ../large beside the repository root; it needs about 4 GB free)
# Reads Adult from ../shared/data/. Prints the figures and writes them to folder/large-table.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-$root/../large}"
rows="${2:-20000000}"
adult="$root/../shared/data/adult_train.csv"
threads="${THREADS:-2}"
[ -f "$adult" ] || { echo "Adult is not at $adult." >&2; exit 2; }
command -v /usr/bin/time > /dev/null || { echo "GNU time (/usr/bin/time) is needed for the peak memory: apt-get install time." >&2; exit 2; }
mkdir -p "$out"
dotnet build -c Release "$root/src/Microsoft.ML.Gan.Cli" > /dev/null
mlgan=(dotnet "$root/src/Microsoft.ML.Gan.Cli/bin/Release/net10.0/mlgan.dll")

# The model that makes the table: one epoch, no filter (the filter keeps one candidate in seven: slower to make rows).
if [ ! -f "$out/maker.zip" ]; then
  "${mlgan[@]}" train "$adult" --model "$out/maker.zip" --epochs 1 --set DensityRatioFilter=false --set Seed=1 > /dev/null
fi
if [ ! -f "$out/adult-$rows.csv" ]; then
  "${mlgan[@]}" generate "$out/maker.zip" --rows "$rows" --seed 5 --out "$out/adult-$rows.csv"
fi

# Seconds of each epoch and the row count, from a model's manifest.
epochs() { unzip -p "$1" manifest.json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["TrainingRows"], " ".join("%.2f" % h["Seconds"] for h in d["History"]))'; }
peak() { grep "Maximum resident set size" "$1" | awk '{printf "%.2f", $6 / 1048576}'; }

/usr/bin/time -v "${mlgan[@]}" train "$out/adult-$rows.csv" --model "$out/large.zip" --epochs 1 --set TrainingRowStorage=TemporaryFile \
  --set TrainingThreads="$threads" > "$out/large.log" 2> "$out/large.time"
/usr/bin/time -v "${mlgan[@]}" train "$adult" --model "$out/adult.zip" --epochs 3 --set TrainingThreads="$threads" > "$out/adult.log" 2> "$out/adult.time"

read -r large_rows large_epoch <<< "$(epochs "$out/large.zip")"
small="$(epochs "$out/adult.zip")"
adult_rows="${small%% *}"
adult_epochs="${small#* }"
adult_median=$(echo "$adult_epochs" | tr ' ' '\n' | sort -n | sed -n 2p)
{
  echo "table: $large_rows rows (Adult-like, made by the library); Adult: $adult_rows rows; $threads training threads"
  echo "peak memory: $(peak "$out/large.time") GiB training on the large table (rows in a mapped temporary file), $(peak "$out/adult.time") GiB on Adult"
  echo "epoch: $large_epoch s on the large table; Adult's epochs $adult_epochs s (median $adult_median s)"
  echo "ratio: $(python3 -c "print('%.0f' % ($large_epoch / $adult_median))") (rows: $(python3 -c "print('%.0f' % ($large_rows / $adult_rows))"))"
} | tee "$out/large-table.txt"
