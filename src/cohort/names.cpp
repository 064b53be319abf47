// Names of the endpoints and groupings (cohort.h): the report's keys and `--by` values.
#include "cohort/cohort.h"

namespace khe::cohort {

const char* name(Endpoint e) {
  switch (e) {
    case Endpoint::durable_platelet_response_week4:
      return "durable_platelet_response_week4";
    case Endpoint::platelet_response:
      return "platelet_response";
    case Endpoint::fibrinogen_stabilized:
      return "fibrinogen_stabilized";
    case Endpoint::relapse:
      return "relapse";
    case Endpoint::time_to_platelet_response:
      return "time_to_platelet_response";
  }
  return "";
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  for (int i = 0; i < kEndpointCount; ++i) {
    auto e = static_cast<Endpoint>(i);
    if (text == name(e)) return e;
  }
  return std::nullopt;
}

const char* name(Grouping g) {
  switch (g) {
    case Grouping::arm:
      return "arm";
    case Grouping::regimen:
      return "regimen";
    case Grouping::none:
      return "none";
  }
  return "";
}

std::optional<Grouping> parse_grouping(std::string_view text) {
  for (auto g : {Grouping::arm, Grouping::regimen, Grouping::none}) {
    if (text == name(g)) return g;
  }
  return std::nullopt;
}

}  // namespace khe::cohort
