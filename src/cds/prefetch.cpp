#include "cds/prefetch.h"

#include <memory>

#include "cds/util.h"

namespace khe::cds::detail {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// What one prefetch key ends up holding.
struct Slot {
  const PrefetchTemplate* t = nullptr;
  bool missing = false;                       // not prefetched: to fetch
  std::vector<fhir::ParsedResource> entries;  // search: the entries; read: 0 or 1 resource
  std::string next;                           // a "next" page still to follow
  int pages = 0;                              // pages fetched
};

// nullopt when taken; else what is wrong, as "<path>: <what>".
std::optional<std::string> take_read(element resource, const std::string& path,
                                     const std::string& patient_id, Slot& slot) {
  auto type = string_member(resource, "resourceType");
  if (!type || *type != slot.t->resource_type) {
    return path + ": expected a " + slot.t->resource_type + " resource";
  }
  if (slot.t->resource_type == "Patient") {
    auto id = string_member(resource, "id");
    if (!id || *id != patient_id) return path + ".id: does not match context.patientId";
  }
  slot.entries.push_back({resource, {}, path});
  return std::nullopt;
}

std::optional<std::string> take_search(element bundle, const std::string& path, Slot& slot) {
  auto type = string_member(bundle, "resourceType");
  if (!type || *type != "Bundle") {
    return path + ": expected a Bundle (searchset) of " + slot.t->resource_type;
  }
  if (auto entries = member(bundle, "entry")) {
    simdjson::dom::array list;
    if (entries->get(list) != simdjson::SUCCESS) return path + ".entry: expected an array";
    std::size_t i = 0;
    for (element entry : list) {
      const std::string at = path + ".entry[" + std::to_string(i++) + "]";
      if (entry.type() != element_type::OBJECT) return at + ": expected an object";
      auto resource = member(entry, "resource");
      if (!resource || resource->type() != element_type::OBJECT) {
        return at + ".resource: expected a FHIR resource";
      }
      auto rtype = string_member(*resource, "resourceType");
      if (rtype && *rtype == "OperationOutcome") continue;  // search warnings (mode outcome)
      if (!rtype || *rtype != slot.t->resource_type) {
        return at + ".resource: expected a " + slot.t->resource_type + " resource";
      }
      std::string_view full_url;
      if (auto u = string_member(entry, "fullUrl")) full_url = *u;
      slot.entries.push_back({*resource, full_url, at + ".resource"});
    }
  }
  slot.next.clear();
  if (auto links = member(bundle, "link")) {
    simdjson::dom::array list;
    if (links->get(list) != simdjson::SUCCESS) return path + ".link: expected an array";
    for (element link : list) {
      auto relation = string_member(link, "relation");
      auto url = string_member(link, "url");
      if (relation && *relation == "next" && url && !url->empty()) slot.next = std::string(*url);
    }
  }
  return std::nullopt;
}

Failure unavailable(std::string message) {
  return Failure{412, "prefetch_unavailable", std::move(message)};
}

std::string replace_tokens(std::string query, const std::string& patient_id) {
  static const std::string kToken = "{{context.patientId}}";
  for (auto at = query.find(kToken); at != std::string::npos; at = query.find(kToken, at)) {
    query.replace(at, kToken.size(), patient_id);
    at += patient_id.size();
  }
  return query;
}

// Fetches the slot's pages from `url` on. nullopt when done.
// The parsed pages are kept in `pages` (the slot's entries point into them); their bytes
// go to `fetched`.
std::optional<Failure> fetch(Slot& slot, std::string url, const std::string& patient_id,
                             const FhirAccess& access, const std::string& origin,
                             FhirFetcher& fetcher,
                             std::vector<std::unique_ptr<simdjson::dom::parser>>& pages,
                             Sha256& fetched) {
  const std::string& key = slot.t->key;
  while (!url.empty()) {
    if (origin_of(url) != origin) {
      return unavailable(key + ": a next link to another origin than fhirServer was refused");
    }
    if (++slot.pages > kMaxPages) {
      return unavailable(key + ": more than " + std::to_string(kMaxPages) +
                         " pages; the search was not completed");
    }
    auto body = fetcher.get(encode_url(url), access.access_token);
    if (!body) return unavailable(key + ": could not be fetched from fhirServer");
    fetched.update(*body);
    pages.push_back(make_parser(body->size()));
    element root;
    if (pages.back()->parse(*body).get(root) != simdjson::SUCCESS ||
        root.type() != element_type::OBJECT) {
      return unavailable(key + ": the FHIR server's answer is not a FHIR resource");
    }
    const std::string path = key + " (fetched page " + std::to_string(slot.pages) + ")";
    auto problem =
        slot.t->search ? take_search(root, path, slot) : take_read(root, path, patient_id, slot);
    if (problem) return unavailable(*problem);
    url = std::move(slot.next);
    slot.next.clear();
  }
  return std::nullopt;
}

}  // namespace

std::variant<Gathered, Failure> gather(const std::vector<PrefetchTemplate>& templates,
                                       std::optional<element> prefetch,
                                       const std::string& patient_id, const FhirAccess& access,
                                       FhirFetcher* fetcher, Sha256& fetched) {
  Gathered g;
  if (prefetch && prefetch->type() == element_type::NULL_VALUE) prefetch.reset();
  if (prefetch && prefetch->type() != element_type::OBJECT) {
    return Failure{400, "invalid_request", "prefetch: expected an object"};
  }
  // 1. What the CDS Client sent: every shape problem is a 400 before anything is fetched.
  std::vector<Slot> slots;
  slots.reserve(templates.size());
  for (const PrefetchTemplate& t : templates) {
    Slot slot;
    slot.t = &t;
    const std::string path = "prefetch." + t.key;
    auto value = prefetch ? member(*prefetch, t.key) : std::nullopt;
    if (!value) {
      slot.missing = true;  // not prefetched
    } else if (value->type() == element_type::NULL_VALUE) {
      // CDS Hooks: null = the client has no data for this template.
    } else if (value->type() != element_type::OBJECT) {
      return Failure{400, "invalid_prefetch", path + ": expected a FHIR resource or null"};
    } else if (auto type = string_member(*value, "resourceType"); !type) {
      return Failure{400, "invalid_prefetch", path + ".resourceType: expected a string"};
    } else if (*type == "OperationOutcome") {
      slot.missing = true;  // the client could not prefetch it (CDS Hooks 2.0)
    } else {
      auto problem =
          t.search ? take_search(*value, path, slot) : take_read(*value, path, patient_id, slot);
      if (problem) return Failure{400, "invalid_prefetch", *problem};
    }
    slots.push_back(std::move(slot));
  }

  // 2. What is missing, from the FHIR server.
  std::string missing;
  for (const Slot& s : slots) {
    if (s.missing || !s.next.empty()) missing += (missing.empty() ? "" : ", ") + s.t->key;
  }
  if (!missing.empty()) {
    if (access.server.empty() || fetcher == nullptr) {
      Failure f = unavailable("not prefetched (or incomplete), and no fhirServer to fetch from: " +
                              missing);
      f.needs_fetch = !access.server.empty();
      return f;
    }
    const auto origin = origin_of(access.server);
    if (!origin) return Failure{400, "invalid_request", "fhirServer: expected an http(s) URL"};
    for (Slot& s : slots) {
      std::string url = s.missing ? access.server + "/" + replace_tokens(s.t->query, patient_id)
                                  : std::move(s.next);
      if (!s.missing && url.empty()) continue;
      s.next.clear();
      if (auto f =
              fetch(s, std::move(url), patient_id, access, *origin, *fetcher, g.pages, fetched)) {
        return *f;
      }
    }
  }

  // 3. The resources to read, the Patient first.
  fhir::ParsedResource* patient = nullptr;
  std::size_t count = 0;
  for (Slot& s : slots) {
    count += s.entries.size();
    if (!s.t->search && s.t->resource_type == "Patient" && !s.entries.empty()) {
      patient = &s.entries.front();
    }
  }
  if (patient == nullptr) {
    return unavailable("patient: the CDS Client has no Patient resource for context.patientId");
  }
  g.resources.reserve(count);
  g.resources.push_back(std::move(*patient));
  for (Slot& s : slots) {
    if (!s.t->search && s.t->resource_type == "Patient") continue;
    for (auto& e : s.entries) g.resources.push_back(std::move(e));
  }
  return g;
}

}  // namespace khe::cds::detail
