// The identifiers the store accepts. They are checked before any SQL runs, so a refused
// id never reaches the database and never appears in an error message.
#pragma once

#include <string_view>

namespace khe::store {

// A FHIR id: [A-Za-z0-9-.]{1,64}.
bool valid_id(std::string_view id);

// A FHIR resource type name: [A-Z][A-Za-z]{0,63} (e.g. "Observation").
bool valid_resource_type(std::string_view type);

// Lowercase hexadecimal SHA-256 (64 characters of [0-9a-f]).
bool valid_sha256_hex(std::string_view text);

}  // namespace khe::store
