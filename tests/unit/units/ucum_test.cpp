// Tests of the UCUM layer: the contract's units, parsing rules, every refusal, and
// round-trip properties.
#include "units/ucum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace khe::units {
namespace {

double converted(double value, const char* from, const char* to,
                 std::optional<double> molar_mass = std::nullopt) {
  const Result<double> result = convert(value, from, to, molar_mass);
  EXPECT_TRUE(result.ok()) << from << " -> " << to << ": "
                           << (result.ok() ? "" : result.error().to_string());
  return result.ok() ? *result : std::nan("");
}

// Message of the error that parsing `unit` must produce.
std::string parse_error(const std::string& unit) {
  const Result<Unit> result = parse(unit);
  EXPECT_FALSE(result.ok()) << '"' << unit << "\" parsed but should be refused";
  return result.ok() ? "" : result.error().message;
}

std::string convert_error(const char* from, const char* to,
                          std::optional<double> molar_mass = std::nullopt) {
  const Result<double> result = convert(1, from, to, molar_mass);
  EXPECT_FALSE(result.ok()) << from << " -> " << to << " converted but should be refused";
  return result.ok() ? "" : result.error().message;
}

void expect_relative(double actual, double expected, double tolerance = 1e-15) {
  EXPECT_LE(std::fabs(actual - expected), tolerance * std::fabs(expected))
      << "actual " << actual << " expected " << expected;
}

// --- The contract's unit table ---------------------------------------------------------

TEST(UcumContract, CellCountsAreExactlyEqual) {
  EXPECT_EQ(converted(150, "10*3/uL", "10*9/L"), 150);
  EXPECT_EQ(converted(150, "10*9/L", "10*3/uL"), 150);
  EXPECT_EQ(converted(0.37, "10^3/uL", "10^9/L"), 0.37);
  EXPECT_EQ(parse("10*3/uL")->factor, parse("10*9/L")->factor);
  EXPECT_EQ(parse("10*9/L")->factor, 1e12);
}

TEST(UcumContract, MassConcentrations) {
  EXPECT_EQ(converted(12.5, "g/dL", "g/L"), 125);
  EXPECT_EQ(converted(125, "g/L", "g/dL"), 12.5);
  EXPECT_EQ(converted(250, "mg/dL", "g/L"), 2.5);
  EXPECT_EQ(converted(2.5, "g/L", "mg/dL"), 250);
  EXPECT_EQ(converted(12, "ng/mL", "ug/L"), 12);
  EXPECT_EQ(converted(12, "ug/L", "ng/mL"), 12);
  EXPECT_EQ(converted(5, "mg/L", "mg/dL"), 0.5);  // C-reactive protein
}

TEST(UcumContract, DDimerFeuUnitsAmongThemselves) {
  EXPECT_EQ(converted(0.5, "ug/mL{FEU}", "ng/mL{FEU}"), 500);
  EXPECT_EQ(converted(500, "ng/mL{FEU}", "ug/mL{FEU}"), 0.5);
  EXPECT_EQ(converted(0.5, "ug/mL{FEU}", "mg/L{FEU}"), 0.5);
  EXPECT_EQ(converted(0.5, "mg/L{FEU}", "ng/mL{FEU}"), 500);
  EXPECT_EQ(parse("ug/mL{FEU}")->annotation, "FEU");
  EXPECT_EQ(parse("ng/mL{DDU}")->annotation, "DDU");
}

TEST(UcumContract, DDimerFeuAndDduAreNotInterchangeable) {
  EXPECT_NE(convert_error("ng/mL{FEU}", "ng/mL{DDU}").find("annotations"), std::string::npos);
  // Annotation on one side only is accepted (UCUM gives annotations no magnitude).
  EXPECT_EQ(converted(500, "ng/mL{FEU}", "ng/mL"), 500);
}

TEST(UcumContract, BodyMeasures) {
  EXPECT_EQ(converted(3.2, "kg", "g"), 3200);
  EXPECT_EQ(converted(3200, "g", "kg"), 3.2);
  EXPECT_EQ(converted(52, "cm", "mm"), 520);
  EXPECT_EQ(converted(25, "mm", "cm"), 2.5);
  EXPECT_EQ(converted(150, "cm", "m"), 1.5);
}

TEST(UcumContract, Temperature) {
  EXPECT_EQ(converted(37, "Cel", "K"), 310.15);
  EXPECT_EQ(converted(310.15, "K", "Cel"), 37);
  EXPECT_EQ(converted(38, "Cel", "Cel"), 38);
  expect_relative(converted(37, "Cel", "[degF]"), 98.6, 1e-14);
  expect_relative(converted(100.4, "[degF]", "Cel"), 38, 1e-14);
  expect_relative(converted(32, "[degF]", "K"), 273.15, 1e-15);
  expect_relative(converted(300, "K", "mK"), 300000, 0);
}

TEST(UcumContract, SubstanceConcentrationsNeedMolarMass) {
  // glucose 180.156 g/mol: 100 mg/dL = 1 g/L / 180.156 g/mol = 5.5507 mmol/L.
  expect_relative(converted(100, "mg/dL", "mmol/L", 180.156), 1000 / 180.156);
  expect_relative(converted(1000 / 180.156, "mmol/L", "mg/dL", 180.156), 100);
  // cholesterol 386.65 g/mol: 5 mmol/L = 193.325 mg/dL.
  expect_relative(converted(5, "mmol/L", "mg/dL", 386.65), 193.325);
  // triglycerides (as triolein) 885.7 g/mol: 1 mmol/L = 88.57 mg/dL.
  expect_relative(converted(1, "mmol/L", "mg/dL", 885.7), 88.57);
  // creatinine 113.12 g/mol: 1 mg/dL = 88.4017 umol/L.
  expect_relative(converted(1, "mg/dL", "umol/L", 113.12), 10000 / 113.12);
  expect_relative(converted(88.4, "umol/L", "mg/dL", 113.12), 88.4 * 113.12 / 10000);
  // bilirubin 584.66 g/mol: 17.1 umol/L ~ 1 mg/dL.
  expect_relative(converted(17.1, "umol/L", "mg/dL", 584.66), 17.1 * 584.66 / 10000);
  // Without a molar mass: refused, and the message says why.
  EXPECT_NE(convert_error("mg/dL", "mmol/L").find("molar mass"), std::string::npos);
  // Same dimensions: the molar mass is irrelevant and ignored.
  EXPECT_EQ(converted(2, "mmol/L", "umol/L", 180.156), 2000);
}

TEST(UcumContract, EnzymeActivity) {
  EXPECT_EQ(converted(40, "U/L", "U/L"), 40);
  EXPECT_EQ(converted(40, "U/L", "umol/min/L"), 40);
  EXPECT_EQ(converted(40, "U/L", "mU/mL"), 40);
  expect_relative(converted(60, "U/L", "ukat/L"), 1);
  EXPECT_TRUE(commensurable(*parse("U/L"), *parse("mol/s/m3")));
}

TEST(UcumContract, PressureTimeAndRatios) {
  EXPECT_EQ(converted(1, "mm[Hg]", "Pa"), 133.322);
  expect_relative(converted(120, "mm[Hg]", "kPa"), 15.99864);
  expect_relative(converted(10, "cm[H2O]", "Pa"), 980.665);
  EXPECT_EQ(converted(90, "s", "min"), 1.5);
  EXPECT_EQ(converted(2.5, "{INR}", "1"), 2.5);
  EXPECT_EQ(converted(2.5, "1", "{INR}"), 2.5);
  EXPECT_EQ(converted(2, "wk", "d"), 14);
  EXPECT_EQ(converted(14, "d", "wk"), 2);
  EXPECT_EQ(converted(1, "mo", "d"), 30.4375);
  EXPECT_EQ(converted(1, "a", "d"), 365.25);
  EXPECT_EQ(converted(1, "a", "mo"), 12);
  EXPECT_EQ(converted(36, "h", "d"), 1.5);
}

TEST(UcumContract, IncommensurablePairsAreRefused) {
  EXPECT_NE(convert_error("g/L", "10*9/L").find("not commensurable"), std::string::npos);
  EXPECT_NE(convert_error("kg", "cm").find("not commensurable"), std::string::npos);
  EXPECT_NE(convert_error("s", "d/L").find("not commensurable"), std::string::npos);
  EXPECT_NE(convert_error("Cel", "s").find("not commensurable"), std::string::npos);
  // Mass <-> amount but with another difference too (mg vs mmol/L): no bridge.
  EXPECT_NE(convert_error("mg", "mmol/L", 180.0).find("not commensurable"), std::string::npos);
  // Arbitrary units and equivalents / osmoles stand apart.
  EXPECT_NE(convert_error("[iU]/L", "/L").find("not commensurable"), std::string::npos);
  EXPECT_NE(convert_error("meq/L", "mmol/L").find("not commensurable"), std::string::npos);
  EXPECT_NE(convert_error("mosm/kg", "mmol/kg").find("not commensurable"), std::string::npos);
  EXPECT_EQ(converted(3, "m[iU]/mL", "[iU]/L"), 3);
  EXPECT_EQ(converted(3, "[IU]/L", "[iU]/L"), 3);
  EXPECT_FALSE(commensurable(*parse("g/L"), *parse("10*9/L")));
  EXPECT_FALSE(commensurable(*parse("mg/dL"), *parse("mmol/L")));
  EXPECT_TRUE(commensurable(*parse("Cel"), *parse("K")));
}

// --- Parsing -------------------------------------------------------------------------

TEST(UcumParse, BaseDimensionsAndFactors) {
  const Unit platelets = *parse("10*3/uL");
  EXPECT_EQ(platelets.dims[kLength], -3);
  const Unit velocity = *parse("m.s-1");
  EXPECT_EQ(velocity.dims[kLength], 1);
  EXPECT_EQ(velocity.dims[kTime], -1);
  const Unit pascal = *parse("Pa");  // 1000 g.m-1.s-2 (UCUM's base is the gram)
  EXPECT_EQ(pascal.factor, 1000);
  EXPECT_EQ(pascal.dims[kMass], 1);
  EXPECT_EQ(pascal.dims[kLength], -1);
  EXPECT_EQ(pascal.dims[kTime], -2);
  const Unit molar = *parse("mmol/L");
  EXPECT_EQ(molar.dims[kAmount], 1);
  EXPECT_EQ(molar.dims[kMass], 0);
  EXPECT_EQ(molar.factor, 1);
  const Unit enzyme = *parse("U");
  EXPECT_EQ(enzyme.dims[kAmount], 1);
  EXPECT_EQ(enzyme.dims[kTime], -1);
  expect_relative(enzyme.factor, 1e-6 / 60);
  EXPECT_EQ(parse("L")->factor, parse("l")->factor);
  EXPECT_EQ(parse("L")->factor, parse("dm3")->factor);
  EXPECT_EQ(parse("mL")->factor, parse("cm3")->factor);
  EXPECT_EQ(parse("%")->factor, 0.01);
  EXPECT_EQ(parse("[ppm]")->factor, 1e-6);
  EXPECT_EQ(parse("[in_i]")->factor, 0.0254);
  EXPECT_EQ(parse("[lb_av]")->factor, 453.59237);
}

TEST(UcumParse, WholeAtomBeforePrefix) {
  EXPECT_EQ(parse("cd")->dims[kLuminosity], 1);  // candela, not centi-day
  EXPECT_EQ(parse("cd")->factor, 1);
  EXPECT_EQ(parse("dm")->factor, 0.1);
  EXPECT_EQ(parse("dam")->factor, 10);  // deka-metre
  EXPECT_EQ(parse("min")->factor, 60);  // minute
  EXPECT_EQ(parse("mo")->factor, 2629800);
  EXPECT_EQ(parse("h")->factor, 3600);   // hour, not hecto
  EXPECT_EQ(parse("hL")->factor, 0.1);   // hecto-litre = 0.1 m3
  EXPECT_EQ(parse("Pa")->factor, 1000);  // pascal, not peta-year
  EXPECT_EQ(parse("mol")->factor, 1);
  EXPECT_EQ(parse("ms")->factor, 0.001);
  EXPECT_EQ(parse("Gy")->dims[kLength], 2);
  EXPECT_EQ(parse("kat")->dims[kAmount], 1);
  EXPECT_EQ(parse("mm[Hg]")->factor, 133322);  // 133.322 Pa * 1000 g/kg
}

TEST(UcumParse, PowersOfTenFactorsAndExponents) {
  EXPECT_EQ(parse("10*-3")->factor, 1e-3);
  EXPECT_EQ(parse("10^-3")->factor, 1e-3);
  EXPECT_EQ(parse("10*+6")->factor, 1e6);
  EXPECT_EQ(parse("10*24")->factor, 1e24);
  EXPECT_EQ(parse("10*-24")->factor, 1e-24);
  EXPECT_EQ(parse("10*")->factor, 10);
  for (int n = -24; n <= 24; ++n) {  // every power of ten equals its correctly rounded literal
    const std::string power = "1e" + std::to_string(n);
    EXPECT_EQ(parse("10*" + std::to_string(n))->factor, std::strtod(power.c_str(), nullptr)) << n;
  }
  EXPECT_EQ(parse("Ym")->factor, 1e24);
  EXPECT_EQ(parse("ym")->factor, 1e-24);
  EXPECT_EQ(parse("Zg")->factor, 1e21);
  EXPECT_EQ(parse("1000")->factor, parse("10*3")->factor);
  EXPECT_EQ(parse("1")->factor, 1);
  EXPECT_EQ(parse("m2")->dims[kLength], 2);
  EXPECT_EQ(parse("s-1")->dims[kTime], -1);
  EXPECT_EQ(parse("m12")->dims[kLength], 12);
  EXPECT_EQ(parse("m-12")->dims[kLength], -12);
  const Unit per_microlitre = *parse("/uL");  // leading '/'
  EXPECT_EQ(per_microlitre.dims[kLength], -3);
  EXPECT_EQ(per_microlitre.factor, 1e9);
  // '/' and '.' apply left to right: kg/m/s2 = kg.m-1.s-2.
  EXPECT_EQ(parse("kg/m/s2")->dims, parse("kg.m-1.s-2")->dims);
  EXPECT_EQ(parse("mg/(kg.d)")->dims, parse("mg/kg/d")->dims);
  EXPECT_EQ(parse("mg/(kg.d)")->factor, parse("mg/kg/d")->factor);
  // The FHIR reader rejects "109/L" as unit text; as a UCUM code it is a factor of 109.
  const Unit odd = *parse("109/L");
  EXPECT_EQ(odd.factor, 109000);
  EXPECT_EQ(odd.dims[kLength], -3);
}

TEST(UcumParse, Annotations) {
  const Unit inr = *parse("{INR}");
  EXPECT_EQ(inr.factor, 1);
  EXPECT_EQ(inr.dims, Unit{}.dims);
  EXPECT_EQ(inr.annotation, "INR");
  EXPECT_EQ(parse("{}")->factor, 1);
  EXPECT_EQ(parse("{cells}/uL")->annotation, "cells");
  EXPECT_EQ(parse("{a}/{b}")->annotation, "ab");
  EXPECT_EQ(parse("(g/L){x}")->annotation, "x");
  EXPECT_EQ(parse("mg/L{FEU}")->factor, 1);
}

TEST(UcumParse, SpecialUnits) {
  const Unit celsius = *parse("Cel");
  EXPECT_TRUE(celsius.special);
  EXPECT_EQ(celsius.offset, 273.15);
  const Unit fahrenheit = *parse("[degF]");
  EXPECT_TRUE(fahrenheit.special);
  expect_relative(fahrenheit.factor, 5.0 / 9);
  expect_relative(fahrenheit.offset, 459.67 * 5 / 9);
  EXPECT_TRUE(parse("(Cel)").ok());
  EXPECT_TRUE(parse("Cel{body}").ok());
  EXPECT_FALSE(parse("K").value().special);
}

// --- Refusals --------------------------------------------------------------------------

TEST(UcumErrors, EmptyAndTooLong) {
  EXPECT_NE(parse_error("").find("empty"), std::string::npos);
  std::string long_unit = "m";
  while (long_unit.size() < 128) long_unit += ".m";
  long_unit.resize(127);  // "m.m...m": 64 metres multiplied, 127 characters
  EXPECT_EQ(parse(long_unit)->dims[kLength], 64);
  EXPECT_TRUE(parse(long_unit + "2").ok());  // exactly 128 characters
  EXPECT_EQ(parse("123456789012345")->factor, 123456789012345.0);
  EXPECT_NE(parse_error(std::string(129, 'm')).find("129 characters"), std::string::npos);
  EXPECT_NE(parse_error(long_unit + ".m").find("characters"), std::string::npos);
}

TEST(UcumErrors, EmptyTerms) {
  for (const char* unit : {"m//s", "m.", ".m", "/", "m/", "m./s", "()", "(/s)", "m.()"}) {
    const std::string message = parse_error(unit);
    EXPECT_TRUE(message.find("empty term") != std::string::npos ||
                message.find("missing term") != std::string::npos)
        << unit << ": " << message;
    EXPECT_NE(message.find("position"), std::string::npos) << message;
  }
}

TEST(UcumErrors, BadExponents) {
  EXPECT_NE(parse_error("m13").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error("s-13").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error("10*25").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error("10*-25").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error("m99999999999999999999").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error("10+3").find("number cannot take an exponent"), std::string::npos);
  EXPECT_NE(parse_error("-3").find("exponent without a unit"), std::string::npos);
  EXPECT_NE(parse_error("Cel2").find("cannot take an exponent"), std::string::npos);
  // Within range but the product leaves the range of a double.
  EXPECT_NE(parse_error("Ym12.Ym12.Ym12").find("magnitude out of range"), std::string::npos);
  EXPECT_NE(parse_error("1234567890123456").find("too long"), std::string::npos);
  EXPECT_NE(parse_error("0").find("factor 0"), std::string::npos);
}

TEST(UcumErrors, UnknownAtomsAndPrefixes) {
  const std::string unknown = parse_error("mg/xyz");
  EXPECT_NE(unknown.find("unknown unit \"xyz\""), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("position 4"), std::string::npos) << unknown;
  EXPECT_NE(parse_error("MG").find("unknown"), std::string::npos);  // case-sensitive
  EXPECT_NE(parse_error("kmin").find("not metric"), std::string::npos);
  EXPECT_NE(parse_error("da").find("not metric"), std::string::npos);  // deci-year
  EXPECT_NE(parse_error("k[lb_av]").find("not metric"), std::string::npos);
  EXPECT_NE(parse_error("k10*3").find("not metric"), std::string::npos);
  EXPECT_NE(parse_error("mCel").find("cannot take a prefix"), std::string::npos);
  EXPECT_NE(parse_error("2mg").find("unknown"), std::string::npos);
  EXPECT_NE(parse_error("m g").find("invalid character"), std::string::npos);
  EXPECT_NE(parse_error("\xc2\xb5g").find("invalid character"), std::string::npos);  // "µg"
  EXPECT_NE(parse_error("[in_i").find("'[' is not closed"), std::string::npos);
  EXPECT_NE(parse_error("in_i]").find("']'"), std::string::npos);
}

TEST(UcumErrors, Parentheses) {
  EXPECT_NE(parse_error("(m").find("'(' is not closed"), std::string::npos);
  EXPECT_NE(parse_error("((m)").find("'(' is not closed"), std::string::npos);
  EXPECT_NE(parse_error("m)").find("')' without a matching '('"), std::string::npos);
  EXPECT_NE(parse_error("(m))").find("')' without a matching '('"), std::string::npos);
  EXPECT_NE(parse_error("m(s)").find("unexpected '('"), std::string::npos);
  EXPECT_NE(parse_error("(m)2").find("unexpected '2'"), std::string::npos);
}

TEST(UcumErrors, NestingIsCapped) {
  auto nested = [](int depth) { return std::string(depth, '(') + "m" + std::string(depth, ')'); };
  EXPECT_TRUE(parse(nested(16)).ok());
  EXPECT_NE(parse_error(nested(17)).find("nested deeper than 16"), std::string::npos);
  EXPECT_FALSE(parse(nested(60)).ok());
}

TEST(UcumErrors, Annotations) {
  EXPECT_NE(parse_error("{FEU").find("not closed"), std::string::npos);
  EXPECT_NE(parse_error("ug/mL{FEU").find("not closed"), std::string::npos);
  EXPECT_NE(parse_error("{a b}").find("invalid character inside annotation"), std::string::npos);
  EXPECT_NE(parse_error("{a{b}}").find("invalid character inside annotation"), std::string::npos);
  EXPECT_NE(parse_error("m{a}2").find("unexpected '2'"), std::string::npos);
  EXPECT_NE(parse_error("m{a}{b}").find("unexpected '{'"), std::string::npos);
  EXPECT_NE(parse_error("}").find("empty term"), std::string::npos);
}

TEST(UcumErrors, SpecialUnitsStandAlone) {
  for (const char* unit : {"Cel/s", "/Cel", "Cel.m", "m.Cel", "(Cel).K", "[degF]/h", "2.Cel"}) {
    EXPECT_NE(parse_error(unit).find("special unit"), std::string::npos) << unit;
  }
}

TEST(UcumErrors, ConversionInputs) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(convert(nan, "g", "kg").ok());
  EXPECT_FALSE(convert(inf, "g", "kg").ok());
  EXPECT_FALSE(convert(-inf, "g", "kg").ok());
  EXPECT_NE(convert_error("mg/dL", "mmol/L", 0).find("molar mass"), std::string::npos);
  EXPECT_NE(convert_error("mg/dL", "mmol/L", -1).find("molar mass"), std::string::npos);
  EXPECT_NE(convert_error("mg/dL", "mmol/L", nan).find("molar mass"), std::string::npos);
  EXPECT_NE(convert_error("mg/dL", "mmol/L", inf).find("molar mass"), std::string::npos);
  EXPECT_FALSE(convert(1e300, "Ym", "ym").ok());  // result overflows
  EXPECT_FALSE(convert(1, "", "g").ok());
  EXPECT_FALSE(convert(1, "g", "xyz").ok());
}

// --- Properties ------------------------------------------------------------------------

// Groups of mutually commensurable units.
const std::vector<std::vector<const char*>>& groups() {
  static const std::vector<std::vector<const char*>> kGroups = {
      {"10*3/uL", "10*9/L", "10^9/L", "/uL", "/mm3", "10*6/mL", "/L", "10*12/L"},
      {"g/dL", "g/L", "mg/dL", "mg/L", "ug/mL", "ng/mL", "ug/L", "kg/m3", "[lb_av]/[ft_i]3"},
      {"mmol/L", "umol/L", "mol/m3", "nmol/mL"},
      {"kg", "g", "mg", "ug", "[lb_av]", "[oz_av]", "t"},
      {"cm", "mm", "m", "um", "[in_i]", "[ft_i]", "km"},
      {"s", "ms", "min", "h", "d", "wk", "mo", "a"},
      {"mm[Hg]", "Pa", "kPa", "cm[H2O]", "bar"},
      {"U/L", "umol/min/L", "ukat/L", "mU/mL"},
      {"{INR}", "1", "%", "[ppm]"},
      {"Cel", "K", "[degF]"},
  };
  return kGroups;
}

TEST(UcumProperties, RoundTripWithinOneULPish) {
  const double values[] = {0.001, 0.37, 1, 7.3, 36.6, 150, 1234.5678, 98765.4321};
  int checked = 0;
  for (const auto& group : groups()) {
    for (const char* a : group) {
      for (const char* b : group) {
        for (double v : values) {
          const Result<double> there = convert(v, a, b);
          ASSERT_TRUE(there.ok()) << a << " -> " << b << ": " << there.error().to_string();
          const Result<double> back = convert(*there, b, a);
          ASSERT_TRUE(back.ok()) << b << " -> " << a;
          // Offsets (Cel <-> [degF]) cost absolute, not relative, precision.
          const bool offset = parse(a)->special || parse(b)->special;
          const double scale = std::max(std::fabs(v), offset ? 500.0 : 0.0);
          EXPECT_LE(std::fabs(*back - v), 1e-15 * scale) << v << ' ' << a << " -> " << b;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 2000);
}

TEST(UcumProperties, ConvertAgreesWithFactors) {
  for (const auto& group : groups()) {
    for (const char* a : group) {
      for (const char* b : group) {
        const Unit ua = *parse(a);
        const Unit ub = *parse(b);
        EXPECT_TRUE(commensurable(ua, ub)) << a << ' ' << b;
        const double v = 42.5;
        const double expected = ((v * ua.factor + ua.offset) - ub.offset) / ub.factor;
        expect_relative(converted(v, a, b), expected, 1e-14);
      }
    }
  }
}

TEST(UcumProperties, MassAmountRoundTrip) {
  const double molar_masses[] = {113.12, 180.156, 386.65, 584.66, 885.7};
  const char* masses[] = {"mg/dL", "g/L", "ug/mL"};
  const char* amounts[] = {"mmol/L", "umol/L", "mol/m3"};
  for (double mm : molar_masses) {
    for (const char* a : masses) {
      for (const char* b : amounts) {
        for (double v : {0.5, 1.0, 17.1, 250.0}) {
          const double there = converted(v, a, b, mm);
          expect_relative(converted(there, b, a, mm), v, 1e-15);
        }
      }
    }
  }
}

TEST(UcumProperties, ArbitraryBytesNeverCrash) {
  // A small deterministic sweep over short strings of UCUM-significant characters.
  const std::string alphabet = "m/.()0{}[]-+*^1gLC";
  int parsed = 0;
  for (char a : alphabet) {
    for (char b : alphabet) {
      for (char c : alphabet) {
        const std::string unit = {a, b, c};
        const Result<Unit> result = parse(unit);
        if (result.ok()) {
          ++parsed;
          EXPECT_TRUE(std::isfinite(result->factor) && result->factor > 0) << unit;
        } else {
          EXPECT_FALSE(result.error().message.empty()) << unit;
        }
      }
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace khe::units
