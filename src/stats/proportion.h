// Binomial proportions and the difference of two: Wilson score intervals, Newcombe's hybrid
// score interval for a difference, Fisher's exact test. Pure functions of counts.
#pragma once

namespace khe::stats {

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

// `events` of `n` with its Wilson score interval (no continuity correction; equal to R's
// prop.test(x, n, correct = FALSE)$conf.int). Precondition: 0 <= events <= n, n > 0,
// 0 < confidence < 1; a violation throws std::invalid_argument (a programming error), as in
// the other functions here.
struct Proportion {
  int n = 0;
  int events = 0;
  double estimate = 0.0;  // events / n
  Interval ci;
};
Proportion proportion(int events, int n, double confidence = 0.95);

// p1 - p2 with Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the
// two Wilson intervals. Precondition: as for proportion() for both groups.
struct Difference {
  double difference = 0.0;
  Interval ci;
};
inline constexpr const char* kNewcombeMethod = "Newcombe hybrid score (Newcombe 1998, method 10)";
Difference newcombe_difference(int events1, int n1, int events2, int n2, double confidence = 0.95);

// Two-sided p of Fisher's exact test on the 2x2 table [[a, b], [c, d]]: the sum of the
// probabilities of every table with the same margins no more likely than the observed one
// (R's fisher.test, relative tolerance 1e-7). Precondition: a, b, c, d >= 0.
double fisher_exact_two_sided(int a, int b, int c, int d);

}  // namespace khe::stats
