#!/usr/bin/env bash
# Writes the public tables the quality benchmark uses besides Adult, as CSV files outside the repository:
#   airquality.csv  R's datasets::airquality (153 New York days of 1973, 6 numbers, missing values)
#   SLID.csv        carData::SLID (7,425 Ontarians of 1994: wages, education, age, sex, language)
#   Arrests.csv     carData::Arrests (5,226 Toronto arrests for marijuana possession: released or not)
#   txhousing.csv   ggplot2::txhousing (8,602 monthly Texas housing sales by city)
#   economics.csv   ggplot2::economics (574 months of US economic series, 1967-2015, with an ISO date column)
#   rhDNase.csv     survival::rhDNase (767 rows of a 1992 trial of rhDNase in cystic fibrosis: two ISO dates, entry
#                   before end of follow-up, and an IV-antibiotics episode whose start is not after its stop; the
#                   patient id is left out: identifiers are not modelled)
# Usage: export-r-tables.sh [folder]   (default: ../tables beside the repository root)
# Needs Rscript with the carData, ggplot2 and survival packages; on Debian or Ubuntu, run as root, it installs them
# (r-base-core, r-cran-cardata, r-cran-ggplot2, r-cran-survival). Missing values are written as empty fields; no row names.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-$root/../tables}"
packages=(r-base-core r-cran-cardata r-cran-ggplot2 r-cran-survival)
if ! command -v Rscript > /dev/null || ! Rscript -e 'library(carData); library(ggplot2); library(survival)' > /dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" > /dev/null
  else
    echo "Rscript with carData, ggplot2 and survival is needed: install ${packages[*]} (Debian/Ubuntu) or the R packages, then run again." >&2
    exit 2
  fi
fi
mkdir -p "$out"
Rscript --vanilla - "$out" <<'RSCRIPT'
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
suppressPackageStartupMessages({ library(carData); library(ggplot2); library(survival) })
write <- function(table, name) {
  path <- file.path(out, paste0(name, ".csv"))
  temporary <- paste0(path, ".tmp")
  write.csv(as.data.frame(table), temporary, row.names = FALSE, na = "")
  file.rename(temporary, path)
  cat(sprintf("%s: %d rows, %d columns\n", path, nrow(table), ncol(table)))
}
write(datasets::airquality, "airquality")
write(carData::SLID, "SLID")
write(carData::Arrests, "Arrests")
write(ggplot2::txhousing, "txhousing")
write(ggplot2::economics, "economics")
write(survival::rhDNase[, names(survival::rhDNase) != "id"], "rhDNase")
RSCRIPT
