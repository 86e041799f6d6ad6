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
#   Boston.csv      MASS::Boston (506 Boston suburbs of 1970: 14 numbers, a block of towns sharing one tax rate,
#                   highway access and pupil-teacher ratio)
#   Chile.csv       carData::Chile (2,700 Chileans polled before the 1988 plebiscite: region, community size, vote)
#   mpg.csv         ggplot2::mpg (234 cars of 1999 and 2008: 38 models, each of one make, 2-14 rows a model)
#   midwest.csv     ggplot2::midwest (437 Midwest counties of 2000: a population that is the sum of five groups, and
#                   percentages of it)
#   Florida.csv     carData::Florida (67 Florida counties' votes in the 2000 presidential election: ten candidates and
#                   their total; the county's name, the row names, as a column)
#   Salaries.csv    carData::Salaries (397 US professors' 2008-09 salaries: rank, discipline, years since the PhD and
#                   of service, sex)
#   birthwt.csv     MASS::birthwt (189 births of 1986: the mother's age, weight, race, smoking, history; the birth
#                   weight and low, which is 1 where it is below 2,500 g)
#   lung.csv        survival::lung (228 patients with advanced lung cancer: survival time, censoring status,
#                   performance scores, calories and weight loss, many missing)
#   flchain.csv     survival::flchain (7,874 Olmsted County residents of a serum free light chain study, 1995-2003:
#                   age, sex, the sample's year, two chains and their decile group, creatinine, follow-up days, death and
#                   its cause, empty for the living)
#   Mroz.csv        carData::Mroz (753 married women of 1975: labour-force participation, children, age, college,
#                   log wage, other income)
#   TitanicSurvival.csv  carData::TitanicSurvival (1,309 passengers: survived, sex, age with 263 missing, class)
#   pbc.csv         survival::pbc (418 patients of the Mayo Clinic's primary biliary cirrhosis trial: a patient id, survival
#                   time and status, 19 clinical measures; the 106 patients outside the trial miss most of them)
#   diamonds.csv    ggplot2::diamonds, every fifth row (10,788 diamonds: carat, cut, colour, clarity, price, the three sizes
#                   x, y and z in mm, and depth, z as a percentage of their mean width; one z of 31.8 mm, an entry error)
#   rotterdam.csv   survival::rotterdam (2,982 breast-cancer patients: times to recurrence and to death or the end of
#                   follow-up, equal where nothing recurred; the patient id left out)
#   Aids2.csv       MASS::Aids2 (2,843 Australian AIDS patients: days of diagnosis and of death, the latter the study's end
#                   for those alive at it)
#   nwtco.csv       survival::nwtco (4,028 children of the National Wilms Tumor Study: histology, stage, relapse; the
#                   sequence number left out)
#   colon.csv       survival::colon (1,858 rows of a colon-cancer chemotherapy trial, two a patient: recurrence and death;
#                   node4 is 1 where more than 4 nodes, nearly always; the patient id left out)
#   mgus2.csv       survival::mgus2 (1,384 patients with monoclonal gammopathy: months to progression, never after the
#                   months of follow-up and equal to them for the 92 % who never progressed; the year of diagnosis, after
#                   which the follow-up ends by 2000; the patient id left out)
#   MplsStops.csv   carData::MplsStops, every fifth row (10,384 Minneapolis police stops of 2017: an instant, the neighbourhood,
#                   its precinct, its latitude and longitude, race, searches; the stop's id left out)
#   GSSvocab.csv    carData::GSSvocab, every third row (9,623 answers to the US General Social Survey's vocabulary test,
#                   1978-2016: age and education with their groups)
#   bdf.csv         nlme::bdf (2,287 Dutch pupils in 131 schools: a pupil number that spells the school's, a class number,
#                   test scores, and 11 school measures that every pupil of a school shares)
#   CES11.csv       carData::CES11 (2,231 Canadians of the 2011 election study: province, its population, a survey weight,
#                   views on abortion; the id left out)
#   gbsg.csv        survival::gbsg (686 German breast-cancer patients: age, menopause, tumour size, grade, nodes, receptors,
#                   hormone therapy, recurrence-free time and status; the patient id left out)
#   udca2.csv       survival::udca2 (1,360 rows of a trial of ursodeoxycholic acid, up to four a patient: one a kind of
#                   endpoint, the same treatment, stage, bilirubin and risk score; the patient id left out)
#   BEPS.csv        carData::BEPS (1,525 British voters of 1997-2001: vote, age, economic views, leaders' ratings, Europe)
#   Wells.csv       carData::Wells (3,020 Bangladeshi households: whether they switched wells, arsenic, distance, education)
#   pbcseq.csv      survival::pbcseq (1,945 visits of 312 primary-biliary-cirrhosis patients: the patient's id, follow-up
#                   and status on every visit, the visit's day and measures)
#   KosteckiDillon.csv  carData::KosteckiDillon (4,152 diary days of 133 migraine patients: id, day, headache, air quality)
#   WVS.csv         carData::WVS (5,381 answers to the World Values Survey: poverty, religion, degree, country, age, gender)
#   MathAchieve.csv nlme::MathAchieve (7,185 US pupils of 160 schools: the school, minority, sex, SES, maths score, the
#                   school's mean SES)
#   CPS1985.csv     AER::CPS1985 (534 US workers of the 1985 Current Population Survey: wage, education, experience, age
#                   (education + experience + 6 nearly always), sex, union, occupation, sector)
#   HMDA.csv        AER::HMDA (2,380 Boston mortgage applications of 1990: denied or not, payment and housing-expense ratios,
#                   loan-to-value, credit histories, unemployment rate of the applicant's industry)
#   CreditCard.csv  AER::CreditCard (1,319 credit-card applicants: accepted or not, derogatory reports, age, income, the
#                   monthly spending's share of the yearly income, spending (0 without a card), home owner, dependents)
#   NMES1988.csv    AER::NMES1988 (4,406 US elderly of the 1987-88 National Medical Expenditure Survey: doctor and other
#                   visits, emergency and hospital stays, health, chronic conditions, income, insurance)
#   Fatalities.csv  AER::Fatalities (336 rows: 48 US states over 1982-1988, traffic deaths by age and time of day, beer tax,
#                   drinking age, population by age, miles driven, income)
#   Guns.csv        AER::Guns (1,173 rows: 50 US states and DC over 1977-1999, violent crime, murder and robbery rates,
#                   prisoners, population shares, income, density, whether a shall-carry law is in force)
#   USSeatBelts.csv AER::USSeatBelts (765 rows: 50 US states and DC over 1983-1997, traffic fatalities per million miles,
#                   seat-belt use, speed limits, drinking age, enforcement, income, age)
#   DoctorVisits.csv AER::DoctorVisits (5,190 Australians of 1977-78: doctor visits in two weeks, sex, age, income,
#                   illnesses, days of reduced activity, health score, insurance, chronic conditions)
#   HousePrices.csv AER::HousePrices (546 houses sold in Windsor, Ontario, 1987: price, lot size, rooms, stories, amenities;
#                   R writes one price as 1e+05)
#   TeachingRatings.csv AER::TeachingRatings (463 University of Texas courses of 94 instructors, 4.9 each: the
#                   instructor's number, age, sex, beauty score, minority, native speaker, tenure; the course's evaluation,
#                   credits, division, students who evaluated and enrolled)
#   CASchools.csv   AER::CASchools (420 California school districts of 1998-99: district code, school name, county, grades,
#                   students, teachers, lunch and CalWorks shares, computers, spending, income, English learners, scores)
#   SwissLabor.csv  AER::SwissLabor (872 Swiss women of 1981: labour-force participation, log income, age in decades,
#                   education, young and old children, foreign)
#   nafld1.csv      survival::nafld1, every fourth row (4,388 Olmsted County residents of a fatty-liver study: an id, age,
#                   sex as 0/1, weight, height and the body-mass index of them (missing where either is), the matched
#                   case's id, follow-up days and death)
# Usage: export-r-tables.sh [folder]   (default: ../tables beside the repository root)
# Needs Rscript with the carData, ggplot2, survival, MASS, nlme and AER packages; on Debian or Ubuntu, run as root, it installs them
# (r-base-core, r-cran-cardata, r-cran-ggplot2, r-cran-survival, r-cran-mass, r-cran-nlme, r-cran-aer). Missing values are written as empty fields; no row names.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-$root/../tables}"
packages=(r-base-core r-cran-cardata r-cran-ggplot2 r-cran-survival r-cran-mass r-cran-nlme r-cran-aer)
if ! command -v Rscript > /dev/null || ! Rscript -e 'library(carData); library(ggplot2); library(survival); library(MASS); library(nlme); library(AER)' > /dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" > /dev/null
  else
    echo "Rscript with carData, ggplot2, survival, MASS, nlme and AER is needed: install ${packages[*]} (Debian/Ubuntu) or the R packages, then run again." >&2
    exit 2
  fi
fi
mkdir -p "$out"
Rscript --vanilla - "$out" <<'RSCRIPT'
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
suppressPackageStartupMessages({ library(carData); library(ggplot2); library(survival); library(MASS); library(nlme); library(AER) })
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
write(MASS::Boston, "Boston")
write(carData::Chile, "Chile")
write(ggplot2::mpg, "mpg")
write(ggplot2::midwest, "midwest")
write(cbind(county = rownames(carData::Florida), carData::Florida), "Florida")
write(carData::Salaries, "Salaries")
write(MASS::birthwt, "birthwt")
write(survival::lung, "lung")
write(survival::flchain, "flchain")
write(carData::Mroz, "Mroz")
write(carData::TitanicSurvival, "TitanicSurvival")
write(survival::pbc, "pbc")
diamonds <- as.data.frame(ggplot2::diamonds)
write(diamonds[seq(1, nrow(diamonds), by = 5), ], "diamonds")
write(survival::rotterdam[, names(survival::rotterdam) != "pid"], "rotterdam")
write(MASS::Aids2, "Aids2")
write(survival::nwtco[, names(survival::nwtco) != "seqno"], "nwtco")
write(survival::colon[, names(survival::colon) != "id"], "colon")
write(survival::mgus2[, names(survival::mgus2) != "id"], "mgus2")
stops <- carData::MplsStops
write(stops[seq(1, nrow(stops), by = 5), names(stops) != "idNum"], "MplsStops")
vocabulary <- carData::GSSvocab
write(vocabulary[seq(1, nrow(vocabulary), by = 3), ], "GSSvocab")
write(nlme::bdf, "bdf")
write(carData::CES11[, names(carData::CES11) != "id"], "CES11")
write(survival::gbsg[, names(survival::gbsg) != "pid"], "gbsg")
write(survival::udca2[, names(survival::udca2) != "id"], "udca2")
write(carData::BEPS, "BEPS")
write(carData::Wells, "Wells")
write(survival::pbcseq, "pbcseq")
write(carData::KosteckiDillon, "KosteckiDillon")
write(carData::WVS, "WVS")
write(nlme::MathAchieve, "MathAchieve")
aer <- function(name) { e <- new.env(); data(list = name, package = "AER", envir = e); get(name, envir = e) }
for (name in c("CPS1985", "HMDA", "CreditCard", "NMES1988", "Fatalities", "Guns", "USSeatBelts", "DoctorVisits", "HousePrices", "TeachingRatings", "CASchools", "SwissLabor")) write(aer(name), name)
nafld <- survival::nafld1
write(nafld[seq(1, nrow(nafld), by = 4), ], "nafld1")
RSCRIPT
