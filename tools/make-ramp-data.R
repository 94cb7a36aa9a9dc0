# Writes src/thematic/ramps.csv: the ColorBrewer schemes at every published
# class count (from R's RColorBrewer, which carries Cynthia Brewer's tables)
# and the 256-entry viridis family maps (from R's viridisLite, which carries
# the matplotlib tables). The build turns it into C (cmake/ramp_data.cmake).
# Run from the repository root:
#     Rscript tools/make-ramp-data.R
# Needs r-cran-rcolorbrewer and r-cran-viridislite (Debian).
suppressPackageStartupMessages({ library(RColorBrewer); library(viridisLite) })
hex <- function(cols) paste(substr(toupper(cols), 2, 7), collapse = " ")
out <- c(
"# Colour ramps by name, read by cmake/ramp_data.cmake into the build's",
"# ramp_data.inc. Written by tools/make-ramp-data.R; do not edit by hand.",
"#",
"# ColorBrewer colour schemes: Cynthia A. Brewer, Mark Harrower and The",
"# Pennsylvania State University, http://colorbrewer2.org/ (colours taken",
"# from R's RColorBrewer 1.1-3, which reproduces them). Licensed under the",
"# Apache License, Version 2.0 (the ColorBrewer licence is Apache-style):",
"# \"This product includes color specifications and designs developed by",
"# Cynthia Brewer (http://colorbrewer.org/).\"",
"#",
"# viridis, magma, inferno, plasma: Stéfan van der Walt and Nathaniel Smith",
"# for matplotlib, CC0 (public domain); cividis: Jamie R. Nuñez, Christopher",
"# R. Anderton and Ryan S. Renslow (2018), PLOS ONE 13(7), CC0 / as in",
"# matplotlib. The 256-entry tables are taken from R's viridisLite 0.4.1.",
"#",
"# One row a palette: name, kind (sequential, diverging, qualitative or",
"# continuous), class count, colours (RRGGBB, space-separated). A sequential",
"# or diverging scheme has a row for each published count, 3 to its largest.",
"# A qualitative scheme has one row, its largest palette, with the counts it",
"# is published at (\"3-8\"): at n classes ColorBrewer gives its first n colours.",
"# A continuous map is one 256-colour table.",
"name,kind,classes,colours")
info <- brewer.pal.info
kinds <- c(seq = "sequential", div = "diverging", qual = "qualitative")
for (name in rownames(info)) {
  mx <- info[name, "maxcolors"]
  kind <- kinds[[as.character(info[name, "category"])]]
  if (kind == "qualitative") {
    # The claim the single row rests on: every smaller palette is a prefix.
    for (n in 3:mx) stopifnot(identical(brewer.pal(n, name), brewer.pal(mx, name)[1:n]))
    out <- c(out, sprintf("%s,%s,3-%d,%s", name, kind, mx, hex(brewer.pal(mx, name))))
  } else {
    for (n in 3:mx) out <- c(out, sprintf("%s,%s,%d,%s", name, kind, n, hex(brewer.pal(n, name))))
  }
}
for (opt in c("viridis", "magma", "inferno", "plasma", "cividis"))
  out <- c(out, sprintf("%s,continuous,256,%s", opt, hex(viridis(256, option = opt))))
con <- file("src/thematic/ramps.csv", encoding = "UTF-8")
writeLines(out, con)
close(con)
