#!/usr/bin/env bash
# Runs the quality benchmark on several tables and seeds, a few processes at a time (one libtorch thread each, so
# they do not spin against each other), writes each run's figures and report to OUT, then prints the mean ± sd.
# Usage: quality-runs.sh OUT [--tables "adult SLID Arrests txhousing airquality"] [--seeds "1 2 3"] [--jobs 2]
#                            [--tables-dir DIR] [--save-models] [-- any quality option, e.g. --epochs 100 --set Pac=5]
# Tables other than Adult are read from DIR (default ../tables beside the repository root; written by
# export-r-tables.sh); Adult from ../shared/data as the benchmark finds it. --save-models keeps each trained model as
# OUT/TABLE-SEED.zip (for later runs with --model). Each table's efficacy label:
#   adult income (binary), SLID wages (numeric), Arrests released (binary), txhousing median (numeric),
#   airquality Ozone (numeric), economics unemploy (numeric; its date column is read as a DateTime), rhDNase fev
#   (numeric; two date columns, and the rules its rows keep: run it with -- --rule "entry.dt<end.dt" --rule "ivstart<=ivstop"),
#   Boston medv (numeric), Chile vote (four answers and missing), mpg hwy (numeric), midwest percbelowpoverty
#   (numeric), Florida BUSH (numeric), Salaries salary (numeric), birthwt low (0/1 read as text: binary), lung status
#   (1 censored, 2 dead, read as text: binary), flchain age (numeric; death read as text, though its label would be given
#   away: the cause of death is empty exactly for the living), Mroz lfp (binary), TitanicSurvival survived (binary),
#   pbc status (0 censored, 1 transplant, 2 dead: codes by the column's name; its patient id is generated, not compared),
#   diamonds price (numeric), rotterdam death (0/1 read as text: binary), Aids2 status (binary), nwtco rel (0/1 read as
#   text: binary), colon status (0/1 read as text: binary), mgus2 death (0/1 read as text: binary), MplsStops personSearch
#   (binary, missing in 16 %), GSSvocab vocab (0-10 words right: eleven classes, macro F1), bdf langPOST (numeric), CES11 abortion (binary),
#   gbsg status (0/1 read as text), udca2 status (0/1 read as text), BEPS vote (three parties: macro F1), Wells switch
#   (binary), pbcseq status (0/1/2 read as text), KosteckiDillon headache (binary), WVS poverty (three answers), MathAchieve
#   MathAch (numeric), CPS1985 wage (numeric), HMDA deny (binary), CreditCard card (binary), NMES1988 visits (numeric),
#   Fatalities fatal (numeric), Guns law (binary), USSeatBelts fatalities (numeric), DoctorVisits visits (numeric),
#   HousePrices price (numeric), TeachingRatings eval (numeric), CASchools math (numeric), SwissLabor participation
#   (binary), nafld1 status (0/1 read as text).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:?Usage: quality-runs.sh OUT [--tables ...] [--seeds ...] [--jobs N] [--tables-dir DIR] [-- quality options]}"
shift
tables="adult SLID Arrests txhousing airquality"
seeds="1 2 3"
jobs=2
dir="$root/../tables"
save=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tables) tables="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --tables-dir) dir="$2"; shift 2 ;;
    --save-models) save=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done

declare -A label=([SLID]=wages [Arrests]=released [txhousing]=median [airquality]=Ozone [economics]=unemploy [rhDNase]=fev [Boston]=medv [Chile]=vote [mpg]=hwy [midwest]=percbelowpoverty [Florida]=BUSH [Salaries]=salary [birthwt]=low [lung]=status [flchain]=age [Mroz]=lfp [TitanicSurvival]=survived [pbc]=status [diamonds]=price [rotterdam]=death [Aids2]=status [nwtco]=rel [colon]=status [mgus2]=death [MplsStops]=personSearch [GSSvocab]=vocab [bdf]=langPOST [CES11]=abortion [gbsg]=status [udca2]=status [BEPS]=vote [Wells]=switch [pbcseq]=status [KosteckiDillon]=headache [WVS]=poverty [MathAchieve]=MathAch [CPS1985]=wage [HMDA]=deny [CreditCard]=card [NMES1988]=visits [Fatalities]=fatal [Guns]=law [USSeatBelts]=fatalities [DoctorVisits]=visits [HousePrices]=price [TeachingRatings]=eval [CASchools]=math [SwissLabor]=participation [nafld1]=status)
declare -A kinds=([birthwt]=low:text [lung]=status:text [flchain]=death:text [rotterdam]=death:text [nwtco]=rel:text [colon]=status:text [mgus2]=death:text [gbsg]=status:text [udca2]=status:text [pbcseq]=status:text [nafld1]=status:text)
for t in $tables; do
  if [ "$t" != adult ] && [ -z "${label[$t]:-}" ]; then echo "unknown table $t; known: adult ${!label[*]}" >&2; exit 1; fi
  if [ "$t" != adult ] && [ ! -f "$dir/$t.csv" ]; then echo "$dir/$t.csv is missing: run export-r-tables.sh $dir first" >&2; exit 2; fi
done

mkdir -p "$out"
dotnet build -c Release "$root/tests/Microsoft.ML.Gan.PerformanceTests" > "$out/build.log" || { cat "$out/build.log"; exit 1; }
dll="$(ls "$root"/tests/Microsoft.ML.Gan.PerformanceTests/bin/Release/*/Microsoft.ML.Gan.PerformanceTests.dll | head -1)"

commands=()
for t in $tables; do
  for s in $seeds; do
    table=()
    [ "$t" != adult ] && table=(--table "$dir/$t.csv" --label "${label[$t]}")
    [ -n "${kinds[$t]:-}" ] && table+=(--columns "${kinds[$t]}")
    [ "$save" = 1 ] && table+=(--save-model "$out/$t-$s.zip")
    commands+=("OMP_NUM_THREADS=1 dotnet $(printf '%q ' "$dll" quality "${table[@]}" --seed "$s" --threads 1 --json "$out/$t-$s.json" "${extra[@]}") > $(printf '%q' "$out/$t-$s.txt") 2>&1 || echo \"failed: $t seed $s (see $out/$t-$s.txt)\"")
  done
done
printf '%s\0' "${commands[@]}" | xargs -0 -P "$jobs" -I{} bash -c {}
files=()
for t in $tables; do for s in $seeds; do [ -f "$out/$t-$s.json" ] && files+=("$out/$t-$s.json"); done; done
dotnet "$dll" summary "${files[@]}" | tee "$out/summary.txt"
