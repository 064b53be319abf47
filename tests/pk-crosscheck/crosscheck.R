# Cross-checks the khe-cds sirolimus PK predictions (src/pk) against an independent ODE
# integration with deSolve (lsoda, rtol 1e-12). The model equations below are written
# from shared/clinical/sirolimus-pk.md (§2.2 Fan 2024, §3.1 Chen 2020, §4.3 Golubovic
# 2-cmt), not from the knowledge files, so a wrong number there is caught too.
# Usage: Rscript tests/pk-crosscheck/crosscheck.R build/tools/pk_predict
# Prints "pk-crosscheck: N passed, M failed" (one check per generated patient; a patient
# passes when every prediction agrees to 1e-6 relative) and exits 1 on any failure.
suppressPackageStartupMessages(library(deSolve))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1 || !file.exists(args[1])) {
  cat("usage: Rscript crosscheck.R PATH/TO/pk_predict\n")
  quit(status = 2)
}
tool <- args[1]
TOL <- 1e-6

# --- independent model equations -------------------------------------------------------
params_of <- function(model, wt, cyp, eta) {
  if (model == "fan2024") {
    list(cl = 4.06 * (wt / 16)^1.23 * exp(eta), v = 155 * (wt / 16)^1.62, ka = 0.485,
         q = 0, v2 = 1)
  } else if (model == "chen2020") {
    f <- if (!is.na(cyp) && cyp == "expresser") 1.999 else 1
    list(cl = 7.55 * (wt / 70)^0.75 * f * exp(eta), v = 1840 * (wt / 70), ka = 0.485,
         q = 0, v2 = 1)
  } else {
    stop("unknown model")
  }
}
golubovic <- list(cl = 12.2, v = 118, ka = 2.19, q = 5.07, v2 = 609)

rhs <- function(t, y, p) {
  k10 <- p$cl / p$v; k12 <- p$q / p$v; k21 <- p$q / p$v2
  list(c(-p$ka * y[1],
         p$ka * y[1] - (k10 + k12) * y[2] + k21 * y[3],
         k12 * y[2] - k21 * y[3]))
}

# Integrates piecewise between all event times (doses, covariate changes, observations)
# so that no discontinuity falls inside an lsoda call.
reference <- function(sc) {
  doses <- sc$doses
  # A steady-state dose becomes the regimen run long before it (>= 60 terminal half-lives
  # of the slowest patient here), the compartments otherwise empty.
  ss <- which(doses$ss > 0)
  if (length(ss) > 0) {
    i <- ss[1]
    tau <- doses$ss[i]
    n <- ceiling(9000 / tau)
    pre <- data.frame(time = doses$time[i] - (n:1) * tau, mg = doses$mg[i], ss = 0)
    keep <- doses[doses$time >= doses$time[i], ]
    keep$ss <- 0
    doses <- rbind(pre, keep)
  }
  par_at <- function(t) {
    if (!is.null(sc$fixed)) return(sc$fixed)
    j <- max(c(1, which(sc$cov$time <= t)))
    params_of(sc$model, sc$cov$wt[j], sc$cov$cyp[j], sc$eta)
  }
  events <- sort(unique(c(doses$time, sc$cov$time, sc$obs)))
  events <- events[events >= min(doses$time, sc$obs)]
  y <- c(0, 0, 0)
  t <- events[1]
  out <- rep(NA_real_, length(sc$obs))
  for (e in events) {
    if (e > t) {
      p <- par_at(t)
      sol <- lsoda(y, c(t, e), rhs, p, rtol = 1e-12, atol = 1e-16)
      y <- as.numeric(sol[2, 2:4])
      t <- e
    }
    hit <- which(sc$obs == e)
    if (length(hit)) out[hit] <- 1000 * y[2] / par_at(e)$v  # before a dose at the same time
    y[1] <- y[1] + sum(doses$mg[doses$time == e])
  }
  out
}

# --- generated patients ----------------------------------------------------------------
set.seed(20261127)
regimen <- function(mg, tau, n, start = 0) data.frame(time = start + (0:(n - 1)) * tau, mg = mg, ss = 0)
scenarios <- list()
add <- function(sc) scenarios[[length(scenarios) + 1]] <<- sc

for (model in c("fan2024", "chen2020")) {
  omega <- if (model == "fan2024") 0.2594 else 0.348
  for (wt in c(3.5, 8, 16, 30, 60)) {
    for (tau in c(12, 24)) {
      mgkgday <- if (model == "fan2024") 0.07 else 0.15
      mg <- round(mgkgday * wt * tau / 24, 3)
      cyp <- if (model == "chen2020") sample(c("expresser", "nonexpresser", NA), 1) else NA
      eta <- rnorm(1, 0, omega)
      # Plain regimen for 10 days, troughs and a peak.
      d <- regimen(mg, tau, 240 / tau)
      add(list(name = sprintf("%s %g kg q%gh", model, wt, tau), model = model, eta = eta,
               cov = data.frame(time = 0, wt = wt, cyp = cyp), doses = d,
               obs = c(tau, 2 * tau, 2.5, 7 * 24, 240, 240 - tau + 1.7)))
      # Dose change on day 5, a 3-day gap from day 8, restart on day 11; growth on day 9.
      d2 <- rbind(regimen(mg, tau, 96 / tau), regimen(round(mg * 1.4, 3), tau, 72 / tau, 96),
                  regimen(round(mg * 1.2, 3), tau, 96 / tau, 240))
      add(list(name = sprintf("%s %g kg q%gh change+gap+growth", model, wt, tau), model = model,
               eta = rnorm(1, 0, omega),
               cov = data.frame(time = c(0, 200.5), wt = c(wt, wt * 1.08), cyp = c(cyp, cyp)),
               doses = d2, obs = sort(c(96, 100, 168, 190, 200.5, 220, 240, 250.25, 336))))
      # Regimen already at steady state when the record starts, then a new dose.
      d3 <- rbind(data.frame(time = 0, mg = mg, ss = tau), regimen(mg, tau, 72 / tau - 1, tau),
                  regimen(round(mg * 0.7, 3), tau, 72 / tau, 72))
      add(list(name = sprintf("%s %g kg q%gh steady-state start", model, wt, tau), model = model,
               eta = rnorm(1, 0, omega), cov = data.frame(time = 0, wt = wt, cyp = cyp),
               doses = d3, obs = c(0, 1, tau, 48, 72, 100, 144)))
    }
  }
}
for (tau in c(12, 24)) {
  add(list(name = sprintf("2-cmt Golubovic q%gh with gap", tau), fixed = golubovic,
           cov = data.frame(time = 0, wt = 70, cyp = NA),
           doses = rbind(regimen(2, tau, 120 / tau), regimen(2, tau, 96 / tau, 240)),
           obs = c(1, 2, 6, 12, 24, 100, 130, 200, 240, 300, 336)))
  add(list(name = sprintf("2-cmt Golubovic q%gh steady-state start", tau), fixed = golubovic,
           cov = data.frame(time = 0, wt = 70, cyp = NA),
           doses = rbind(data.frame(time = 0, mg = 2, ss = tau), regimen(2, tau, 5, tau)),
           obs = c(0.5, tau, 3 * tau, 6 * tau)))
}

# --- run and compare -------------------------------------------------------------------
write_scenario <- function(sc, file) {
  lines <- character()
  if (!is.null(sc$fixed)) {
    f <- sc$fixed
    lines <- c(lines, sprintf("params,%.17g,%.17g,%.17g,%.17g,%.17g", f$cl, f$v, f$ka, f$q, f$v2))
  } else {
    lines <- c(lines, paste0("model,", sc$model), sprintf("eta,%.17g", sc$eta))
    for (i in seq_len(nrow(sc$cov)))
      lines <- c(lines, sprintf("cov,%.17g,%.17g,%s", sc$cov$time[i], sc$cov$wt[i],
                                ifelse(is.na(sc$cov$cyp[i]), "", sc$cov$cyp[i])))
  }
  for (i in seq_len(nrow(sc$doses)))
    lines <- c(lines, sprintf("dose,%.17g,%.17g,%.17g", sc$doses$time[i], sc$doses$mg[i],
                              sc$doses$ss[i]))
  lines <- c(lines, sprintf("obs,%.17g", sc$obs))
  writeLines(lines, file)
}

passed <- 0; failed <- 0; worst <- 0; worst_name <- ""; n_obs <- 0
dir <- tempfile("pk-crosscheck-"); dir.create(dir)
for (sc in scenarios) {
  file <- file.path(dir, "scenario.csv")
  write_scenario(sc, file)
  res <- suppressWarnings(system2(tool, file, stdout = TRUE, stderr = TRUE))
  status <- attr(res, "status")
  if (!is.null(status) && status != 0) {
    cat("FAIL", sc$name, ":", res, "\n"); failed <- failed + 1; next
  }
  engine <- read.csv(text = paste(res, collapse = "\n"))$conc_ng_per_mL
  ref <- reference(sc)
  rel <- abs(engine - ref) / pmax(abs(ref), 1e-9)
  rel[engine == 0 & ref == 0] <- 0
  n_obs <- n_obs + length(rel)
  if (max(rel) > worst) { worst <- max(rel); worst_name <- sc$name }
  if (length(engine) == length(ref) && all(is.finite(rel)) && max(rel) <= TOL) {
    passed <- passed + 1
  } else {
    failed <- failed + 1
    cat(sprintf("FAIL %s: max relative difference %.3g\n", sc$name, max(rel)))
    print(data.frame(time = sc$obs, engine = engine, ode = ref, rel = rel))
  }
}
unlink(dir, recursive = TRUE)
cat(sprintf("worst relative difference %.3g (%s) over %d predictions\n", worst, worst_name, n_obs))
cat(sprintf("pk-crosscheck: %d passed, %d failed\n", passed, failed))
quit(status = if (failed > 0) 1 else 0)
