// Display rounding shared by the writers: a report shows doses, volumes and body sizes to a
// fixed number of decimals so floating-point noise (0.1 + 0.2) never reaches the page and
// identical reports render byte for byte the same.
#pragma once

#include <string>

namespace khe::write {

// `v` rounded half away from zero to `decimals` places; -0 becomes 0.
double round_to(double v, int decimals);

// Shortest text for `v` rounded to `decimals` places: "0.2444", "12", "0.3".
std::string format_number(double v, int decimals);

}  // namespace khe::write
