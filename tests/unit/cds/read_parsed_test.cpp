// fhir::read_parsed, the reader the CDS services use on the prefetch in place, reads
// exactly what fhir::read reads from a Bundle of the same entries: the same report, byte
// for byte, for every example.
#include <simdjson.h>

#include "cds_test_util.h"
#include "fhir/reader.h"
#include "write/json_writer.h"

namespace khe::cds::testing {
namespace {

std::string report_json(const fhir::ReadOutcome& read, Instant as_of) {
  if (!read.record) return "(refused)";
  engine::Report report = engine::evaluate(*read.record, kb(), profile(), as_of);
  return write::to_json(report);
}

TEST(ReadParsed, GivesTheSameReportAsReadingTheBundle) {
  for (const auto& ex : expected_examples()) {
    const std::string file = ex["file"];
    const std::string bytes = read_file(std::string(KHE_SHARED_DIR) + "/examples/" + file);
    fhir::ReadOptions options;
    options.as_of = instant(ex["as_of"]);

    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(bytes).get(root), simdjson::SUCCESS) << file;
    std::vector<fhir::ParsedResource> resources;
    simdjson::dom::array entries;
    ASSERT_EQ(root["entry"].get(entries), simdjson::SUCCESS) << file;
    std::size_t i = 0;
    for (simdjson::dom::element entry : entries) {
      fhir::ParsedResource r;
      ASSERT_EQ(entry["resource"].get(r.resource), simdjson::SUCCESS) << file;
      std::string_view url;
      if (entry["fullUrl"].get(url) == simdjson::SUCCESS) r.full_url = url;
      r.path = "entry[" + std::to_string(i++) + "].resource";
      resources.push_back(r);
    }
    ASSERT_GT(resources.size(), 1u) << file;

    const fhir::ReadOutcome whole = fhir::read(bytes, kb().codes, options);
    const fhir::ReadOutcome parsed = fhir::read_parsed(resources, kb().codes, options);
    ASSERT_TRUE(parsed.record.has_value()) << file;
    EXPECT_EQ(parsed.patient_ids, whole.patient_ids) << file;
    EXPECT_EQ(report_json(parsed, options.as_of), report_json(whole, options.as_of)) << file;
  }
}

TEST(ReadParsed, AnElementThatIsNotAResourceIsAProblemNamingItsPath) {
  simdjson::dom::parser parser;
  simdjson::dom::element patient, not_a_resource;
  const std::string p =
      R"({"resourceType":"Patient","id":"p1","gender":"female","birthDate":"2026-01-01"})";
  ASSERT_EQ(parser.parse(p).get(patient), simdjson::SUCCESS);
  simdjson::dom::parser other;
  ASSERT_EQ(other.parse(std::string(R"(["x"])")).get(not_a_resource), simdjson::SUCCESS);
  fhir::ReadOptions options;
  options.as_of = instant("2026-08-03T12:00:00Z");
  const fhir::ReadOutcome out = fhir::read_parsed(
      {{patient, {}, "prefetch.patient"}, {not_a_resource, {}, "prefetch.labs.entry[0].resource"}},
      kb().codes, options);
  EXPECT_FALSE(out.record.has_value());
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(out.problems[0].where, "prefetch.labs.entry[0].resource");
}

}  // namespace
}  // namespace khe::cds::testing
