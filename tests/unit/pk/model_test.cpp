// Loading the PK model files: the shipped models, and errors naming file and JSON path.
#include "pk/model.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "knowledge/embedded.h"
#include "pk/pk_test_support.h"

namespace khe::pk {
namespace {

using namespace khe::pk::testing;
using json = nlohmann::json;

json shipped(const std::string& name) {
  for (const auto& f : knowledge::embedded_files())
    if (f.path == name) return json::parse(f.bytes);
  ADD_FAILURE() << name;
  return json();
}

std::string load_error(const json& fan_doc) {
  knowledge::FileSet files{{"pk/fan2024.json", fan_doc.dump()}};
  auto r = knowledge::load_pk_models(files, test_knowledge());
  return r.ok() ? "" : r.error().message;
}

TEST(PkModels, ShippedModelsLoad) {
  const Models& m = models();
  ASSERT_EQ(m.by_id.size(), 2u);
  EXPECT_EQ(m.default_id, "fan2024");
  const Model& f = fan();
  EXPECT_EQ(f.structure, Structure::one_cmt_oral);
  EXPECT_EQ(f.source, "fan2024");
  EXPECT_EQ(f.eta_names, std::vector<std::string>{"CL"});
  EXPECT_DOUBLE_EQ(*f.parameters.at("CL").omega_sd, 0.2594);
  EXPECT_EQ(f.residual.model, ErrorModel::additive);
  EXPECT_DOUBLE_EQ(f.residual.additive_sd, 3.41);
  EXPECT_DOUBLE_EQ(*f.weight_kg.low, 3.3);
  EXPECT_DOUBLE_EQ(*f.weight_kg.high, 65);
  EXPECT_NEAR(*f.age_years.low, 0.08, 1e-12);
  EXPECT_NEAR(*f.age_years.high, 12, 1e-12);
  EXPECT_DOUBLE_EQ(*f.assay_calibration_ng_per_ml.low, 3.5);
  const Model& c = chen();
  EXPECT_EQ(c.residual.model, ErrorModel::proportional);
  EXPECT_DOUBLE_EQ(c.residual.proportional_sd, 0.390);
  EXPECT_DOUBLE_EQ(*c.parameters.at("CL").omega_sd, 0.348);
  EXPECT_FALSE(c.weight_kg.low.has_value());
}

TEST(PkModels, ShippedSourcesExistInKnowledge) {
  json s = shipped("sources.json");
  int found = 0;
  for (const auto& src : s["sources"])
    if (src["id"] == "fan2024" || src["id"] == "chen2020") {
      ++found;
      EXPECT_NE(src["url"].get<std::string>().find("doi.org/10."), std::string::npos);
    }
  EXPECT_EQ(found, 2);
}

TEST(PkModels, UnitsAreConverted) {
  json d = shipped("pk/fan2024.json");
  d["parameters"]["CL"]["typical"] = {{"value", 4060}, {"unit", "mL/h"}};
  knowledge::FileSet files{{"pk/fan2024.json", d.dump()}};
  auto r = knowledge::load_pk_models(files, test_knowledge());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NEAR(r->find("fan2024")->parameters.at("CL").typical, 4.06, 1e-12);
}

TEST(PkModels, MissingFieldNamesFileAndPath) {
  json d = shipped("pk/fan2024.json");
  d["parameters"]["CL"].erase("typical");
  EXPECT_NE(load_error(d).find("pk/fan2024.json: $.parameters.CL.typical: missing"),
            std::string::npos)
      << load_error(d);
  d = shipped("pk/fan2024.json");
  d["parameters"].erase("ka");
  EXPECT_NE(load_error(d).find("pk/fan2024.json: $.parameters.ka: missing"), std::string::npos);
  d = shipped("pk/fan2024.json");
  d.erase("residual_error");
  EXPECT_NE(load_error(d).find("$.residual_error: missing"), std::string::npos);
}

TEST(PkModels, BadUnitNamesFileAndPath) {
  json d = shipped("pk/fan2024.json");
  d["parameters"]["V"]["typical"]["unit"] = "L/h";
  EXPECT_NE(load_error(d).find("pk/fan2024.json: $.parameters.V.typical.unit:"), std::string::npos)
      << load_error(d);
  d = shipped("pk/fan2024.json");
  d["parameters"]["CL"]["covariates"][0]["reference"]["unit"] = "cm";
  EXPECT_NE(load_error(d).find("$.parameters.CL.covariates[0].reference.unit"), std::string::npos)
      << load_error(d);
  d = shipped("pk/fan2024.json");
  d["residual_error"]["additive_sd"]["unit"] = "nonsense!";
  EXPECT_NE(load_error(d).find("$.residual_error.additive_sd.unit"), std::string::npos);
}

TEST(PkModels, RefusesUnverifiedAndUnknown) {
  json d = shipped("pk/fan2024.json");
  d["parameters"]["CL"]["evidence"] = "U";
  EXPECT_NE(load_error(d).find("$.parameters.CL.evidence"), std::string::npos);
  d = shipped("pk/fan2024.json");
  d["source"] = "nowhere";
  EXPECT_NE(load_error(d).find("$.source: unknown source 'nowhere'"), std::string::npos);
  d = shipped("pk/fan2024.json");
  d["structure"] = "3cmt_oral";
  EXPECT_NE(load_error(d).find("$.structure"), std::string::npos);
  d = shipped("pk/fan2024.json");
  d["parameters"]["Q"] = d["parameters"]["CL"];
  EXPECT_NE(load_error(d).find("$.parameters.Q: not a parameter"), std::string::npos);
  d = shipped("pk/fan2024.json");
  d["residual_error"]["model"] = "combined";
  EXPECT_NE(load_error(d).find("$.residual_error.proportional_sd: missing"), std::string::npos);
  knowledge::FileSet bad{{"pk/fan2024.json", "{not json"}};
  auto r = knowledge::load_pk_models(bad, test_knowledge());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("pk/fan2024.json: $: not valid JSON"), std::string::npos);
  // No model file is no model, not an error: model-based dosing is then not offered.
  auto none = knowledge::load_pk_models({}, test_knowledge());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->by_id.empty());
  EXPECT_EQ(none->default_model(), nullptr);
}

TEST(PkModels, TwoCompartmentModelFromDataOnly) {
  json d = shipped("pk/fan2024.json");
  d["id"] = "twocmt";
  d["default"] = false;
  d["structure"] = "2cmt_oral";
  d["parameters"]["Q"] = {{"typical", {{"value", 5.07}, {"unit", "L/h"}}}, {"evidence", "V"}};
  d["parameters"]["V2"] = {{"typical", {{"value", 609}, {"unit", "L"}}}, {"evidence", "V"}};
  knowledge::FileSet files{{"pk/fan2024.json", shipped("pk/fan2024.json").dump()},
                           {"pk/twocmt.json", d.dump()}};
  auto r = knowledge::load_pk_models(files, test_knowledge());
  ASSERT_TRUE(r.ok()) << r.error().message;
  Covariates c;
  c.weight = Kilograms(16);
  auto p = individual_parameters(*r->find("twocmt"), c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->structure, Structure::two_cmt_oral);
  EXPECT_DOUBLE_EQ(p->q_L_per_h, 5.07);
  EXPECT_DOUBLE_EQ(p->v2_L, 609);
}

// The knowledge loader reads the pk/ folder with the rest: the models travel with the
// knowledge version, and a broken model file fails the whole load, named by file and path.
TEST(PkModels, KnowledgeLoaderReadsPkFolder) {
  knowledge::FileSet files = knowledge::default_files();
  ASSERT_TRUE(files.count("pk/fan2024.json"));
  auto k = knowledge::load(files, {});
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  ASSERT_NE(k->pk_models.default_model(), nullptr);
  EXPECT_EQ(k->pk_models.default_model()->id, "fan2024");
  EXPECT_NE(k->pk_models.find("chen2020"), nullptr);

  json d = shipped("pk/fan2024.json");
  d["residual_error"]["model"] = "quadratic";
  files["pk/fan2024.json"] = d.dump();
  auto bad = knowledge::load(files, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pk/fan2024.json: $.residual_error.model"), std::string::npos);
}

}  // namespace
}  // namespace khe::pk
