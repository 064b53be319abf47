#include "knowledge/knowledge.h"

#include <stdexcept>

namespace khe::knowledge {
namespace {

// A missing parameter here is a programming error: validation against parameter_specs()
// guarantees presence, so reaching this means the engine read an undeclared parameter.
[[noreturn]] void undeclared(std::string_view rule, std::string_view name) {
  throw std::logic_error("undeclared knowledge parameter " + std::string(rule) + "." +
                         std::string(name));
}

template <typename T>
const T& get(const Profile& p, std::string_view rule, std::string_view name) {
  const Rule& r = p.rule(rule);
  auto it = r.params.find(name);
  if (it == r.params.end()) undeclared(rule, name);
  const T* v = std::get_if<T>(&it->second);
  if (!v) undeclared(rule, name);
  return *v;
}

}  // namespace

const Rule& Profile::rule(std::string_view id) const {
  auto it = by_id.find(id);
  if (it == by_id.end()) throw std::logic_error("unknown rule " + std::string(id));
  return *it->second;
}

double Profile::num(std::string_view rule, std::string_view name) const {
  return get<double>(*this, rule, name);
}
bool Profile::flag(std::string_view rule, std::string_view name) const {
  return get<bool>(*this, rule, name);
}
const std::string& Profile::text(std::string_view rule, std::string_view name) const {
  return get<std::string>(*this, rule, name);
}
const std::vector<std::string>& Profile::list(std::string_view rule, std::string_view name) const {
  return get<std::vector<std::string>>(*this, rule, name);
}
const std::vector<double>& Profile::numbers(std::string_view rule, std::string_view name) const {
  return get<std::vector<double>>(*this, rule, name);
}

const Profile* Knowledge::profile(std::string_view id) const {
  auto it = profiles.find(std::string(id));
  return it == profiles.end() ? nullptr : &it->second;
}

const Source* Knowledge::source(std::string_view id) const {
  for (const auto& s : sources)
    if (s.id == id) return &s;
  return nullptr;
}

const AlertText* Knowledge::alert(std::string_view code) const {
  auto it = alerts.find(std::string(code));
  return it == alerts.end() ? nullptr : &it->second;
}

bool Knowledge::drug_is(std::string_view drug, std::string_view id_or_class) const {
  if (drug == id_or_class) return true;
  auto it = drugs.find(drug);
  if (it == drugs.end()) return false;
  for (const auto& c : it->second.classes)
    if (c == id_or_class) return true;
  return false;
}

const AgeBandedLimit* Knowledge::limit(model::Analyte a, int age_days) const {
  for (const auto& l : limits)
    if (l.analyte == a && age_days >= l.from_days && age_days < l.to_days) return &l;
  return nullptr;
}

}  // namespace khe::knowledge
