#include "write/labels.h"

namespace khe::write {

const char* comparator_symbol(model::Comparator c) {
  switch (c) {
    case model::Comparator::lt:
      return "<";
    case model::Comparator::le:
      return "<=";
    case model::Comparator::gt:
      return ">";
    case model::Comparator::ge:
      return ">=";
    case model::Comparator::none:
      break;
  }
  return "";
}

const char* certainty_name(model::Certainty c) {
  return c == model::Certainty::suspected ? "suspected" : "confirmed";
}

const char* issue_severity_name(model::IssueSeverity s) {
  return s == model::IssueSeverity::info ? "info" : "warning";
}

}  // namespace khe::write
