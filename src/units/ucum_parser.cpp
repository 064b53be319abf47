// Recursive-descent parser for UCUM's case-sensitive grammar:
//   mainTerm    := '/' term | term
//   term        := component (('.' | '/') component)*      (left to right)
//   component   := annotatable annotation? | annotation | factor annotation?
//                | '(' term ')' annotation?
//   annotatable := simpleUnit exponent?      simpleUnit := ATOM | PREFIX ATOM(metric)
// Recursion happens only at '(' and is capped at kMaxNesting; input length is capped at
// kMaxLength, so every loop and the recursion are bounded whatever the input.
#include "units/ucum_parser.h"

#include <cmath>
#include <string>
#include <utility>

namespace khe::units::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return !s.empty();
}
// UCUM expressions are printable ASCII without spaces.
bool is_printable(char c) { return c >= 33 && c <= 126; }

// The input echoed in messages, with unprintable bytes replaced so logs stay readable.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (!is_printable(c)) c = '?';
  }
  return out;
}

struct Resolved {
  const Atom* atom;
  int prefix_pow10;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Parsed> main_term() {
    const bool inverted = at('/');
    if (inverted) ++pos_;
    Result<Parsed> unit = term(0);
    if (!unit) return unit;
    if (pos_ < text_.size()) {
      if (text_[pos_] == ')') return fail(pos_, "')' without a matching '('");
      return fail(pos_, "unexpected '" + printable(text_.substr(pos_, 1)) + "'");
    }
    if (!inverted) return unit;
    return combine(Parsed{}, *unit, /*divide=*/true, 0);
  }

 private:
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  Error fail(std::size_t where, const std::string& what) const {
    return Error{"", "unit \"" + printable(text_) + "\": " + what + " at position " +
                         std::to_string(where + 1)};
  }

  Result<Parsed> term(int depth) {
    Result<Parsed> unit = component(depth);
    if (!unit) return unit;
    while (at('.') || at('/')) {
      const std::size_t op = pos_++;
      Result<Parsed> next = component(depth);
      if (!next) return next;
      unit = combine(std::move(unit).value(), *next, text_[op] == '/', op);
      if (!unit) return unit;
    }
    // A component must be followed by an operator, a ')' closing it, or the end.
    if (pos_ < text_.size() && !at(')')) {
      return fail(pos_, "unexpected '" + printable(text_.substr(pos_, 1)) + "' after a term");
    }
    return unit;
  }

  Result<Parsed> component(int depth) {
    const std::size_t start = pos_;
    Parsed unit;
    if (at('(')) {
      if (depth >= kMaxNesting) {
        return fail(start, "parentheses nested deeper than " + std::to_string(kMaxNesting));
      }
      ++pos_;
      Result<Parsed> inner = term(depth + 1);
      if (!inner) return inner;
      if (!at(')')) return fail(start, "'(' is not closed");
      ++pos_;
      unit = std::move(inner).value();
    } else if (!at('{')) {
      Result<std::string_view> run = symbol_run();
      if (!run) return run.error();
      if (run->empty()) {
        if (pos_ >= text_.size()) return fail(pos_, "missing term");
        return fail(pos_, "empty term before '" + std::string(1, text_[pos_]) + "'");
      }
      Result<Parsed> simple = simple_unit(*run, start);
      if (!simple) return simple;
      unit = std::move(simple).value();
    }
    // An annotation may follow any component; alone it is the unity 1.
    if (at('{')) {
      Result<std::string_view> note = annotation();
      if (!note) return note.error();
      unit.annotation += *note;
    }
    return unit;
  }

  // Reads a run of symbol characters; brackets ("[in_i]", "mm[Hg]") are read whole.
  Result<std::string_view> symbol_run() {
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '.' || c == '/' || c == '(' || c == ')' || c == '{' || c == '}') break;
      if (c == ']') return fail(pos_, "']' without a matching '['");
      if (!is_printable(c))
        return fail(pos_, "invalid character (UCUM is printable ASCII without spaces)");
      if (c == '[') {
        const std::size_t open = pos_;
        for (++pos_; pos_ < text_.size() && text_[pos_] != ']'; ++pos_) {
          if (!is_printable(text_[pos_]) || text_[pos_] == '[') {
            return fail(pos_, "invalid character inside '[...]'");
          }
        }
        if (pos_ >= text_.size()) return fail(open, "'[' is not closed");
      }
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  // Precondition: at('{'). Returns the text between the braces.
  Result<std::string_view> annotation() {
    const std::size_t open = pos_++;
    while (pos_ < text_.size() && text_[pos_] != '}') {
      if (!is_printable(text_[pos_]) || text_[pos_] == '{') {
        return fail(pos_, "invalid character inside annotation");
      }
      ++pos_;
    }
    if (pos_ >= text_.size()) return fail(open, "annotation '{' is not closed");
    ++pos_;
    return text_.substr(open + 1, pos_ - open - 2);
  }

  // A factor ("109", "1") or an atom with optional prefix and exponent ("cm3", "10*-3").
  Result<Parsed> simple_unit(std::string_view run, std::size_t start) {
    Parsed unit;
    if (all_digits(run)) {
      if (run.size() > 15) return fail(start, "number \"" + std::string(run) + "\" too long");
      // Trailing zeros go to the power of ten so "1000" and "10*3" have equal magnitudes.
      while (run.size() > 1 && run.back() == '0') {
        run.remove_suffix(1);
        ++unit.magnitude.pow10;
      }
      unit.magnitude.num = 0;
      for (char c : run) unit.magnitude.num = unit.magnitude.num * 10 + (c - '0');  // exact
      if (unit.magnitude.num == 0) return fail(start, "factor 0");
      return unit;
    }
    std::size_t digits = run.size();
    while (digits > 0 && is_digit(run[digits - 1])) --digits;
    std::size_t symbol_end = digits;
    if (digits < run.size() && digits > 0 && (run[digits - 1] == '+' || run[digits - 1] == '-')) {
      --symbol_end;
    }
    const std::string_view symbol = run.substr(0, symbol_end);
    const std::string_view exponent_text = run.substr(symbol_end);
    if (symbol.empty()) return fail(start, "exponent without a unit");
    if (all_digits(symbol)) {
      return fail(start, "a number cannot take an exponent (write 10*n or 10^n)");
    }
    Result<Resolved> resolved = resolve(symbol, start);
    if (!resolved) return resolved.error();
    const Atom& atom = *resolved->atom;
    int exponent = 1;
    if (!exponent_text.empty()) {
      const bool power_of_ten = atom.symbol == "10*" || atom.symbol == "10^";
      const int limit = power_of_ten ? kMaxPowerOfTenExponent : kMaxTermExponent;
      const bool signed_text = exponent_text[0] == '+' || exponent_text[0] == '-';
      const std::string_view number = exponent_text.substr(signed_text ? 1 : 0);
      // More than 3 digits is out of range anyway (limit <= 24) and is not accumulated, so
      // the integer cannot overflow.
      exponent = number.size() > 3 ? limit + 1 : 0;
      if (number.size() <= 3) {
        for (char c : number) exponent = exponent * 10 + (c - '0');
      }
      if (exponent_text[0] == '-') exponent = -exponent;
      if (exponent > limit || exponent < -limit) {
        return fail(start + symbol_end,
                    "exponent " + std::string(exponent_text) + " of \"" + std::string(symbol) +
                        "\" out of range (|n| <= " + std::to_string(limit) + ")");
      }
    }
    if (atom.special && !exponent_text.empty()) {
      return fail(start,
                  "special unit \"" + std::string(atom.symbol) + "\" cannot take an exponent");
    }
    unit.magnitude = power(atom.magnitude * Magnitude{1, 1, resolved->prefix_pow10}, exponent);
    for (int i = 0; i < kDimCount; ++i) unit.dims[i] = atom.dims[i] * exponent;
    for (int i = 0; i < kOtherDimCount; ++i) unit.other_dims[i] = atom.other_dims[i] * exponent;
    unit.special = atom.special;
    return unit;
  }

  // UCUM resolves a symbol as a whole atom first ("cd" is candela, "min" minute), then as
  // prefix + metric atom ("dm", "dam").
  Result<Resolved> resolve(std::string_view symbol, std::size_t start) const {
    if (const Atom* atom = find_atom(symbol)) return Resolved{atom, 0};
    const Atom* non_metric = nullptr;
    for (const Prefix& prefix : prefixes()) {
      if (symbol.size() <= prefix.symbol.size() || !symbol.starts_with(prefix.symbol)) continue;
      const Atom* atom = find_atom(symbol.substr(prefix.symbol.size()));
      if (atom == nullptr) continue;
      if (atom->special) {
        return fail(start,
                    "special unit \"" + std::string(atom->symbol) + "\" cannot take a prefix");
      }
      if (!atom->metric) {
        non_metric = atom;
        continue;
      }
      return Resolved{atom, prefix.pow10};
    }
    if (non_metric != nullptr) {
      return fail(start, "\"" + std::string(non_metric->symbol) +
                             "\" is not metric and cannot take a prefix in \"" +
                             std::string(symbol) + "\"");
    }
    return fail(start, "unknown unit \"" + std::string(symbol) + "\"");
  }

  // Special units (Cel, [degF]) carry an offset, so they can only stand alone.
  Result<Parsed> combine(Parsed a, const Parsed& b, bool divide, std::size_t op) const {
    if (a.special || b.special) {
      return fail(op, "a special unit (Cel, [degF]) cannot be multiplied, divided or inverted");
    }
    const int sign = divide ? -1 : 1;
    a.magnitude = a.magnitude * (divide ? inverse(b.magnitude) : b.magnitude);
    for (int i = 0; i < kDimCount; ++i) a.dims[i] += sign * b.dims[i];
    for (int i = 0; i < kOtherDimCount; ++i) a.other_dims[i] += sign * b.other_dims[i];
    a.annotation += b.annotation;
    return a;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Parsed> parse_expression(std::string_view expression) {
  if (expression.empty()) return Error{"", "empty unit"};
  if (expression.size() > kMaxLength) {
    return Error{"", "unit of " + std::to_string(expression.size()) +
                         " characters refused (at most " + std::to_string(kMaxLength) + ")"};
  }
  Result<Parsed> unit = Parser(expression).main_term();
  if (!unit) return unit;
  // Long products of large exponents can leave the range of a double.
  const double factor = to_double(unit->magnitude);
  if (!std::isfinite(factor) || factor <= 0) {
    return Error{"", "unit \"" + printable(expression) + "\": magnitude out of range"};
  }
  return unit;
}

}  // namespace khe::units::detail
