# Reference values for the stats cross-check (tests/unit/stats/r_crosscheck_test.cpp).
# Usage: Rscript crosscheck.R DIR SECTION, SECTION one of proportions (DIR/prop.csv,
# newcombe.csv), fisher (fisher.csv), km or logrank (surv.csv, surv_sets.csv): reads the
# inputs the test wrote, writes DIR/*_out.csv with every number at full precision ("" for R's NA).
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript crosscheck.R DIR proportions|fisher|km|logrank")
dir <- args[1]
section <- args[2]
inp <- function(name) read.csv(file.path(dir, name))
num <- function(v) ifelse(is.na(v) | is.nan(v), "", sprintf("%.17g", v))
out <- function(df, name) {
  for (col in names(df)) if (is.double(df[[col]])) df[[col]] <- num(df[[col]])
  write.csv(df, file.path(dir, name), row.names = FALSE, quote = FALSE)
}
wilson <- function(x, n, conf) {
  suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = conf)$conf.int)
}

if (section == "proportions") {
  p <- inp("prop.csv")
  ci <- t(mapply(wilson, p$x, p$n, p$conf))
  out(data.frame(id = p$id, low = ci[, 1], high = ci[, 2]), "prop_out.csv")

  # Newcombe (1998) method 10 from R's own Wilson intervals.
  nc <- inp("newcombe.csv")
  rows <- lapply(seq_len(nrow(nc)), function(i) {
    r <- nc[i, ]
    p1 <- r$x1 / r$n1; p2 <- r$x2 / r$n2
    a <- wilson(r$x1, r$n1, r$conf); b <- wilson(r$x2, r$n2, r$conf)
    d <- p1 - p2
    c(d, d - sqrt((p1 - a[1])^2 + (b[2] - p2)^2), d + sqrt((a[2] - p1)^2 + (p2 - b[1])^2))
  })
  rows <- do.call(rbind, rows)
  out(data.frame(id = nc$id, diff = rows[, 1], low = rows[, 2], high = rows[, 3]), "newcombe_out.csv")

} else if (section == "fisher") {
  f <- inp("fisher.csv")
  fp <- mapply(function(a, b, c, d) fisher.test(matrix(c(a, c, b, d), 2))$p.value, f$a, f$b, f$c, f$d)
  out(data.frame(id = f$id, p = as.double(fp)), "fisher_out.csv")

} else if (section %in% c("km", "logrank")) {
  suppressPackageStartupMessages(library(survival))
  s <- inp("surv.csv")
  conf <- inp("surv_sets.csv")
  steps <- list(); tables <- list(); tests <- list(); groups <- list()
  for (set in conf$set) {
    level <- conf$conf[conf$set == set]
    d <- s[s$set == set, ]
    present <- sort(unique(d$group))
    if (section == "km") {
      for (g in present) {
        fit <- survfit(Surv(time, event) ~ 1, data = d[d$group == g, ], conf.int = level)
        keep <- fit$n.event > 0
        if (any(keep)) steps[[length(steps) + 1]] <- data.frame(
          set = set, group = g, time = as.double(fit$time[keep]), n_risk = fit$n.risk[keep],
          n_event = fit$n.event[keep], surv = as.double(fit$surv[keep]),
          std_err = as.double(fit$surv[keep] * fit$std.err[keep]),  # SE of S, not of H
          lower = as.double(fit$lower[keep]), upper = as.double(fit$upper[keep]))
        tab <- summary(fit)$table
        tables[[length(tables) + 1]] <- data.frame(
          set = set, group = g, n = as.integer(tab[["records"]]),
          events = as.integer(tab[["events"]]), median = as.double(tab[["median"]]),
          lcl = as.double(tab[[grep("LCL$", names(tab))]]),
          ucl = as.double(tab[[grep("UCL$", names(tab))]]))
      }
    } else if (length(present) >= 2) {
      sd <- tryCatch(survdiff(Surv(time, event) ~ factor(group), data = d),
                     error = function(e) NULL)  # solve() on a singular variance
      if (is.null(sd)) {
        tests[[length(tests) + 1]] <- data.frame(set = set, chisq = NA_real_,
                                                 df = NA_integer_, p = NA_real_)
      } else {
        df <- sum(sd$exp > 0) - 1
        tests[[length(tests) + 1]] <- data.frame(
          set = set, chisq = as.double(sd$chisq), df = as.integer(df),
          p = if (df >= 1) as.double(sd$pvalue) else NA_real_)
        groups[[length(groups) + 1]] <- data.frame(
          set = set, group = as.integer(present), observed = as.integer(sd$obs),
          expected = as.double(sd$exp))
      }
    }
  }
  if (section == "km") {
    out(do.call(rbind, steps), "km_steps_out.csv")
    out(do.call(rbind, tables), "km_table_out.csv")
  } else {
    out(do.call(rbind, tests), "logrank_out.csv")
    out(do.call(rbind, groups), "logrank_groups_out.csv")
  }
} else {
  stop("unknown section ", section)
}
cat("ok\n")
