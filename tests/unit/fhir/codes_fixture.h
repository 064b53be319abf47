// A hand-built knowledge::Codes for the reader's tests and fuzz target: the LOINC rows of
// the input contract with the canonical units of model/analyte.h, the product diagnosis
// codes, RxNorm ingredients, a few unambiguous unit spellings and two SNOMED routes.
// Plausible ranges are test values, not clinical knowledge.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "knowledge/codes.h"

namespace khe::test {

inline knowledge::Codes make_test_codes() {
  using model::Analyte;
  knowledge::Codes c;
  c.loinc_system = "http://loinc.org";
  c.ucum_system = "http://unitsofmeasure.org";
  c.rxnorm_system = "http://www.nlm.nih.gov/research/umls/rxnorm";
  c.product_base = "http://khe-cds.org/fhir/CodeSystem/";
  c.analytes.resize(model::kAnalyteCount);

  auto add = [&](Analyte a, const char* unit, double lo, double hi,
                 std::initializer_list<const char*> loinc,
                 std::optional<double> molar = std::nullopt, const char* annotation = "") {
    knowledge::AnalyteDef& d = c.analytes[static_cast<std::size_t>(a)];
    d.analyte = a;
    d.canonical_unit = unit;
    d.plausible_min = lo;
    d.plausible_max = hi;
    d.molar_mass_g_per_mol = molar;
    d.required_annotation = annotation;
    for (const char* code : loinc) {
      d.loinc.emplace_back(code);
      c.loinc_to_analyte[code] = a;
    }
  };
  add(Analyte::platelets, "10*9/L", 0, 5000, {"777-3"});
  add(Analyte::hemoglobin, "g/dL", 0, 30, {"718-7"});
  add(Analyte::fibrinogen, "g/L", 0, 20, {"3255-7"});
  add(Analyte::ddimer_feu, "mg/L", 0, 1000, {"48065-7"}, std::nullopt, "FEU");
  add(Analyte::ddimer_ddu, "ng/mL", 0, 1e6, {"48066-5"}, std::nullopt, "DDU");
  add(Analyte::pt, "s", 0, 300, {"5902-2"});
  add(Analyte::inr, "1", 0, 20, {"6301-6", "34714-6"});
  add(Analyte::aptt, "s", 0, 500, {"14979-9"});
  add(Analyte::neutrophils, "10*9/L", 0, 500, {"751-8"});
  add(Analyte::lymphocytes, "10*9/L", 0, 1000, {"731-0"});
  add(Analyte::alt, "U/L", 0, 20000, {"1742-6"});
  add(Analyte::triglycerides, "mg/dL", 0, 20000, {"2571-8"}, 885.7);
  add(Analyte::cholesterol, "mg/dL", 0, 2000, {"2093-3"}, 386.65);
  add(Analyte::creatinine, "mg/dL", 0, 50, {"2160-0"}, 113.12);
  add(Analyte::crp, "mg/L", 0, 1000, {"1988-5"});
  add(Analyte::bilirubin, "mg/dL", 0, 100, {"1975-2"}, 584.66);
  add(Analyte::glucose, "mg/dL", 0, 3000, {"2339-0"}, 180.16);
  add(Analyte::urine_protein, "mg/dL", 0, 10000, {"2888-6"});
  add(Analyte::sirolimus_level, "ng/mL", 0, 1000, {"29247-4"});
  add(Analyte::weight, "kg", 0.2, 300, {"29463-7"});
  add(Analyte::height, "cm", 20, 250, {"8302-2", "8306-3"});
  add(Analyte::temperature, "Cel", 25, 45, {"8310-5"});
  add(Analyte::bp_systolic, "mm[Hg]", 20, 300, {"8480-6"});
  add(Analyte::bp_diastolic, "mm[Hg]", 10, 250, {"8462-4"});
  add(Analyte::lesion_diameter, "cm", 0, 100, {});
  add(Analyte::gestational_age, "wk", 20, 45, {});
  c.quantity_findings["lesion-largest-diameter"] = Analyte::lesion_diameter;
  c.quantity_findings["gestational-age-at-birth"] = Analyte::gestational_age;

  for (const char* alias : {"10^9/L", "x10^9/L", "x10E9/L"}) c.unit_text_aliases[alias] = "10*9/L";
  c.unit_text_aliases["K/uL"] = "10*3/uL";

  for (const char* dx : {"khe", "tufted-angioma", "infantile-hemangioma", "congenital-hemangioma",
                         "rich", "nich", "pich", "venous-malformation", "lymphatic-malformation",
                         "arteriovenous-malformation", "vascular-tumor-unspecified"})
    c.diagnosis_codes[c.product_base + "diagnosis|" + dx] = dx;
  c.diagnosis_synonyms = {{"kaposiform hemangioendothelioma", "khe"},
                          {"kaposiform haemangioendothelioma", "khe"},
                          {"khe", "khe"},
                          {"tufted angioma", "tufted-angioma"},
                          {"infantile hemangioma", "infantile-hemangioma"},
                          {"hemangioma", "infantile-hemangioma"}};

  c.rxnorm_to_drug = {{"35302", "sirolimus"},         {"8638", "prednisolone"},
                      {"6902", "methylprednisolone"}, {"11202", "vincristine"},
                      {"8787", "propranolol"},        {"1191", "aspirin"},
                      {"4450", "fluconazole"}};
  c.drug_names = {{"sirolimus", "sirolimus"},
                  {"rapamune", "sirolimus"},
                  {"rapamycin", "sirolimus"},
                  {"prednisolone", "prednisolone"},
                  {"methylprednisolone", "methylprednisolone"},
                  {"vincristine", "vincristine"},
                  {"propranolol", "propranolol"},
                  {"aspirin", "aspirin"},
                  {"fluconazole", "fluconazole"}};

  c.route_codes = {{"http://snomed.info/sct|26643006", "oral"},
                   {"http://snomed.info/sct|47625008", "intravenous"}};
  c.route_names = {{"oral", "oral"},
                   {"po", "oral"},
                   {"by mouth", "oral"},
                   {"intravenous", "intravenous"},
                   {"iv", "intravenous"}};
  return c;
}

}  // namespace khe::test
