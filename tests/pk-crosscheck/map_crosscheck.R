# Cross-checks the khe-cds Bayesian MAP estimates (src/pk/map.h over pk::predict) against an
# independent minimisation in R. For each generated patient printed by build/tools/pk_map
# (doses, covariates, troughs, and the C++ η̂ and objective), the model is integrated as an
# ODE with deSolve (lsoda, rtol 1e-10, piecewise between events), inside mapbayr's
# −2 log posterior (shared/clinical/sirolimus-pk.md §6):
#   OFV(η) = Σ_j [log Var_j + (y_j − f_j)²/Var_j] + Σ_BLQ −2 log Φ((LLOQ − f)/√Var) + η²/ω²,
#   Var = σ_prop²·g² + σ_add², g = f (1 when f = 0).
# It is minimised from η = 0 with minqa::newuoa and with optim(method = "L-BFGS-B") inside
# mapbayr's ±3.09 ω; the better of the two is compared with the C++ result. The model
# equations and ω/σ are written from the PK doc (§2.2 Fan 2024, §3.1 Chen 2020), not read
# from the knowledge files.
# Usage: Rscript tests/pk-crosscheck/map_crosscheck.R build/tools/pk_map
# Prints "pk-map-crosscheck: N passed, M failed" (a patient passes when |Δη| ≤ 1e-4 and the
# objectives agree to 1e-6 relative) and exits 1 on any failure.
suppressPackageStartupMessages({
  library(deSolve)
  library(minqa)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1 || !file.exists(args[1])) {
  cat("usage: Rscript map_crosscheck.R PATH/TO/pk_map\n")
  quit(status = 2)
}
tool <- args[1]
TOL_ETA <- 1e-4
TOL_OFV <- 1e-6

# --- independent model equations -------------------------------------------------------
models <- list(
  fan2024 = list(omega = 0.2594, add = 3.41, prop = 0,
                 par = function(wt, cyp, eta)
                   list(cl = 4.06 * (wt / 16)^1.23 * exp(eta), v = 155 * (wt / 16)^1.62,
                        ka = 0.485)),
  chen2020 = list(omega = 0.348, add = 0, prop = 0.390,
                  par = function(wt, cyp, eta) {
                    f <- if (!is.na(cyp) && cyp == "expresser") 1.999 else 1
                    list(cl = 7.55 * (wt / 70)^0.75 * f * exp(eta), v = 1840 * (wt / 70),
                         ka = 0.485)
                  }))

rhs <- function(t, y, p) list(c(-p$ka * y[1], p$ka * y[1] - p$cl / p$v * y[2]))

# Concentrations (ng/mL) at the observation times; a draw at a dose time is taken before
# that dose. Integrated piecewise so that no dose or covariate change falls inside a call.
predict_ode <- function(pt, eta) {
  m <- models[[pt$model]]
  par_at <- function(t) {
    j <- max(c(1, which(pt$cov$time <= t)))
    m$par(pt$cov$wt[j], pt$cyp, eta)
  }
  events <- sort(unique(c(pt$dose$time, pt$cov$time, pt$obs$time)))
  events <- events[events >= min(pt$dose$time) & events <= max(pt$obs$time)]
  y <- c(0, 0)
  t <- events[1]
  out <- rep(NA_real_, nrow(pt$obs))
  for (e in events) {
    if (e > t) {
      sol <- lsoda(y, c(t, e), rhs, par_at(t), rtol = 1e-10, atol = 1e-14)
      y <- as.numeric(sol[2, 2:3])
      t <- e
    }
    hit <- which(pt$obs$time == e)
    if (length(hit)) out[hit] <- 1000 * y[2] / par_at(e)$v
    y[1] <- y[1] + sum(pt$dose$mg[pt$dose$time == e])
  }
  out
}

ofv <- function(pt, eta) {
  m <- models[[pt$model]]
  f <- predict_ode(pt, eta)
  g <- ifelse(f == 0, 1, f)
  var <- m$prop^2 * g^2 + m$add^2
  q <- !pt$obs$blq
  y <- pt$obs$value
  sum(log(var[q]) + (y[q] - f[q])^2 / var[q]) +
    sum(-2 * pnorm((y[!q] - f[!q]) / sqrt(var[!q]), log.p = TRUE)) +
    eta^2 / m$omega^2
}

# --- C++ side --------------------------------------------------------------------------
res <- suppressWarnings(system2(tool, stdout = TRUE, stderr = TRUE))
status <- attr(res, "status")
if (!is.null(status) && status != 0) {
  cat("FAIL pk_map:", res, "\n")
  cat("pk-map-crosscheck: 0 passed, 1 failed\n")
  quit(status = 1)
}
d <- read.csv(text = paste(res, collapse = "\n"), colClasses = c(cyp = "character"))
d$cyp[d$cyp == ""] <- NA

passed <- 0; failed <- 0; worst_eta <- 0; worst_ofv <- 0
for (id in unique(d$patient)) {
  r <- d[d$patient == id, ]
  pt <- list(model = r$model[1], cyp = r$cyp[1],
             cov = data.frame(time = r$time_h[r$kind == "cov"], wt = r$x[r$kind == "cov"]),
             dose = data.frame(time = r$time_h[r$kind == "dose"], mg = r$x[r$kind == "dose"]),
             obs = data.frame(time = r$time_h[r$kind == "obs"], value = r$x[r$kind == "obs"],
                              blq = r$y[r$kind == "obs"] == 1))
  cpp_eta <- r$x[r$kind == "fit"]
  cpp_ofv <- r$y[r$kind == "fit"]
  omega <- models[[pt$model]]$omega
  fn <- function(eta) ofv(pt, eta)
  a <- newuoa(0, fn, control = list(rhobeg = 0.1 * omega, rhoend = 1e-9 * omega))
  b <- optim(0, fn, method = "L-BFGS-B", lower = -3.09 * omega, upper = 3.09 * omega,
             control = list(factr = 1, pgtol = 0, ndeps = 1e-6))
  best <- if (a$fval <= b$value) list(eta = a$par, ofv = a$fval, by = "newuoa") else
    list(eta = b$par, ofv = b$value, by = "L-BFGS-B")
  d_eta <- abs(best$eta - cpp_eta)
  d_ofv <- abs(best$ofv - cpp_ofv) / max(abs(best$ofv), 1)
  worst_eta <- max(worst_eta, d_eta); worst_ofv <- max(worst_ofv, d_ofv)
  ok <- is.finite(d_eta) && is.finite(d_ofv) && d_eta <= TOL_ETA && d_ofv <= TOL_OFV
  cat(sprintf("%s patient %d %s, %d obs (%d BLQ): eta C++ %.8f R %.8f (%s), OFV C++ %.10g R %.10g\n",
              if (ok) "ok  " else "FAIL", id, pt$model, nrow(pt$obs), sum(pt$obs$blq),
              cpp_eta, best$eta, best$by, cpp_ofv, best$ofv))
  if (ok) passed <- passed + 1 else failed <- failed + 1
}
cat(sprintf("worst |delta eta| %.3g, worst relative OFV difference %.3g\n", worst_eta, worst_ofv))
cat(sprintf("pk-map-crosscheck: %d passed, %d failed\n", passed, failed))
quit(status = if (failed > 0) 1 else 0)
