// The synthetic cohort export (cohort_gen.h). Written for speed: each file has one reused
// buffer flushed with one fwrite when full, every line is appended in place (numbers with
// std::to_chars, dates and ids formatted by hand), and each child's plan reuses the same
// vectors, so a 1 GB export allocates almost nothing after the first child.
#include "support/cohort_gen.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string_view>
#include <system_error>
#include <utility>

namespace khe::cohort_gen {
namespace {

using Rng = std::mt19937_64;

// Portable draws (the standard distributions are implementation-defined): the same seed
// gives the same bytes with any standard library.
double uniform(Rng& r, double a, double b) {
  return a + (b - a) * (static_cast<double>(r() >> 11) * 0x1.0p-53);
}
int uniform_int(Rng& r, int a, int b) {  // inclusive
  return a + static_cast<int>(r() % static_cast<std::uint64_t>(b - a + 1));
}
bool chance(Rng& r, double p) { return uniform(r, 0, 1) < p; }

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

template <typename T>
void fisher_yates(std::vector<T>& v, Rng& r) {
  for (std::size_t i = v.size(); i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(r() % i);
    std::swap(v[i - 1], v[j]);
  }
}

// ---- formatting into a std::string without temporaries ----------------------------------

struct Uuid {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
};

Uuid make_uuid(Rng& r) {
  Uuid u{r(), r()};
  u.hi = (u.hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
  u.lo = (u.lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return u;
}

void put_hex(std::string& s, std::uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) s += kHex[(v >> (4 * i)) & 0xF];
}

void put_uuid(std::string& s, const Uuid& u) {
  put_hex(s, u.hi >> 32, 8);
  s += '-';
  put_hex(s, (u.hi >> 16) & 0xFFFF, 4);
  s += '-';
  put_hex(s, u.hi & 0xFFFF, 4);
  s += '-';
  put_hex(s, u.lo >> 48, 4);
  s += '-';
  put_hex(s, u.lo & 0xFFFFFFFFFFFFULL, 12);
}

void put_int(std::string& s, long long v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

void put_fixed(std::string& s, double v, int precision) {
  if (precision == 0) {
    put_int(s, std::llround(v));
    return;
  }
  char buf[48];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
  s.append(buf, r.ptr);
}

void put2(std::string& s, unsigned v) {
  s += static_cast<char>('0' + v / 10);
  s += static_cast<char>('0' + v % 10);
}

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
void put_date(std::string& s, long long days) {
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  put_int(s, y);
  s += '-';
  put2(s, m);
  s += '-';
  put2(s, d);
}

void put_datetime(std::string& s, long long days, int minute) {
  put_date(s, days);
  s += 'T';
  put2(s, static_cast<unsigned>(minute / 60));
  s += ':';
  put2(s, static_cast<unsigned>(minute % 60));
  s += ":00Z";
}

// 2017-03-01: the first enrolment.
constexpr long long kFirstEnrolmentDay = 17226;
constexpr int kEnrolmentSpanDays = 1400;

// ---- the files -----------------------------------------------------------------------------

enum FileId {
  kPatient,
  kCondition,
  kObservation,
  kMedicationRequest,
  kProcedure,
  kResearchSubject
};
constexpr std::array<const char*, 6> kTypes = {"Patient",           "Condition", "Observation",
                                               "MedicationRequest", "Procedure", "ResearchSubject"};

// One NDJSON file. Lines are appended to `line` in place (begin() ... end()). Without
// interleaving, the buffer is written out whenever it is full; with it, a window's lines
// are kept and written in a shuffled order at end_window().
class NdjsonFile {
 public:
  NdjsonFile() = default;
  NdjsonFile(const NdjsonFile&) = delete;
  NdjsonFile& operator=(const NdjsonFile&) = delete;
  ~NdjsonFile() {
    if (f_) std::fclose(f_);
  }

  bool open(const std::string& path, std::size_t buffer_bytes, bool interleave) {
    path_ = path;
    f_ = std::fopen(path.c_str(), "wb");
    if (!f_) return false;
    std::setvbuf(f_, nullptr, _IONBF, 0);  // we buffer ourselves
    cap_ = std::max<std::size_t>(buffer_bytes, 4096);
    buf_.reserve(cap_ + 64 * 1024);
    interleave_ = interleave;
    if (interleave_) out_.reserve(cap_ + 64 * 1024);
    return true;
  }

  std::string& begin() {
    start_ = buf_.size();
    return buf_;
  }
  void end() {
    buf_ += '\n';
    ++resources_;
    if (interleave_)
      lines_.push_back({start_, buf_.size() - start_});
    else if (buf_.size() >= cap_)
      write(buf_);
  }

  void end_window(Rng& r) {
    if (!interleave_) return;
    fisher_yates(lines_, r);
    for (const auto& [start, size] : lines_) {
      out_.append(buf_, start, size);
      if (out_.size() >= cap_) write(out_);
    }
    lines_.clear();
    buf_.clear();
  }

  // Flushes and closes; false when a write failed.
  bool close() {
    if (!f_) return ok_;
    if (interleave_) write(out_);
    write(buf_);
    if (std::fclose(f_) != 0) ok_ = false;
    f_ = nullptr;
    return ok_;
  }

  const std::string& path() const { return path_; }
  std::uint64_t resources() const { return resources_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  void write(std::string& b) {
    if (!b.empty() && ok_ && std::fwrite(b.data(), 1, b.size(), f_) != b.size()) ok_ = false;
    bytes_ += b.size();
    b.clear();
  }

  std::string path_;
  std::FILE* f_ = nullptr;
  std::size_t cap_ = 0;
  bool interleave_ = false;
  bool ok_ = true;
  std::string buf_;
  std::string out_;  // interleaving: the shuffled lines on their way out
  std::vector<std::pair<std::size_t, std::size_t>> lines_;  // interleaving: (start, size)
  std::size_t start_ = 0;
  std::uint64_t resources_ = 0;
  std::uint64_t bytes_ = 0;
};

// ---- one child's plan ----------------------------------------------------------------------

enum class Lab {
  platelets,
  fibrinogen,
  hemoglobin,
  ddimer,
  sirolimus,
  alt,
  creatinine,
  triglycerides,
  neutrophils,
  weight,
  height,
  length,
};

struct LabDef {
  std::string_view loinc;
  std::string_view display;
  std::string_view unit;  // UCUM
  int precision = 0;
  bool vital = false;  // category vital-signs, else laboratory
};

const LabDef& def(Lab lab, bool alt_unit) {
  static const LabDef kPlt{"777-3", "Platelets [#/volume] in Blood by Automated count", "10*9/L",
                           0};
  static const LabDef kPltUl{"777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL",
                             0};
  static const LabDef kFib{
      "3255-7", "Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay", "g/L", 2};
  static const LabDef kFibMg{
      "3255-7", "Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay", "mg/dL",
      0};
  static const LabDef kHb{"718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 1};
  static const LabDef kDd{"48065-7", "Fibrin D-dimer FEU [Mass/volume] in Platelet poor plasma",
                          "ug/mL{FEU}", 2};
  static const LabDef kSir{"29247-4", "Sirolimus [Mass/volume] in Blood", "ng/mL", 1};
  static const LabDef kAlt{
      "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L",
      0};
  static const LabDef kCrea{"2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 2};
  static const LabDef kTg{"2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", 0};
  static const LabDef kNeut{"751-8", "Neutrophils [#/volume] in Blood by Automated count", "10*9/L",
                            2};
  static const LabDef kWt{"29463-7", "Body weight", "kg", 2, true};
  static const LabDef kHt{"8302-2", "Body height", "cm", 1, true};
  static const LabDef kLen{"8306-3", "Body height --lying", "cm", 1, true};
  switch (lab) {
    case Lab::platelets:
      return alt_unit ? kPltUl : kPlt;
    case Lab::fibrinogen:
      return alt_unit ? kFibMg : kFib;
    case Lab::hemoglobin:
      return kHb;
    case Lab::ddimer:
      return kDd;
    case Lab::sirolimus:
      return kSir;
    case Lab::alt:
      return kAlt;
    case Lab::creatinine:
      return kCrea;
    case Lab::triglycerides:
      return kTg;
    case Lab::neutrophils:
      return kNeut;
    case Lab::weight:
      return kWt;
    case Lab::height:
      return kHt;
    case Lab::length:
      return kLen;
  }
  return kPlt;
}

struct Draw {
  int day = 0;
  int minute = 0;
  Lab lab = Lab::platelets;
  double value = 0;
};

struct Transfusion {
  int day = 0;
  int minute = 0;
  std::string_view indication;
};

// The platelet stories (clinical spec §8). Responders first, then non-responders.
enum class Story {
  responder,
  responder_frequent_counts,
  responder_two_counts_in_window,
  responder_transfused_before_day0,
  responder_relapse_after_week4,
  responder_confounded_count_after_response,
  never_above_100,
  dip_before_week4,
  fall_at_week4,
  exactly_100_at_week4,
  week4_count_confounded,
  last_count_in_window_low,
};
constexpr int kResponderStories = 6;
constexpr int kNonResponderStories = 6;

const char* story_name(Story s) {
  switch (s) {
    case Story::responder:
      return "responder";
    case Story::responder_frequent_counts:
      return "responder_frequent_counts";
    case Story::responder_two_counts_in_window:
      return "responder_two_counts_in_window";
    case Story::responder_transfused_before_day0:
      return "responder_transfused_before_day0";
    case Story::responder_relapse_after_week4:
      return "responder_relapse_after_week4";
    case Story::responder_confounded_count_after_response:
      return "responder_confounded_count_after_response";
    case Story::never_above_100:
      return "never_above_100";
    case Story::dip_before_week4:
      return "dip_before_week4";
    case Story::fall_at_week4:
      return "fall_at_week4";
    case Story::exactly_100_at_week4:
      return "exactly_100_at_week4";
    case Story::week4_count_confounded:
      return "week4_count_confounded";
    case Story::last_count_in_window_low:
      return "last_count_in_window_low";
  }
  return "";
}

bool is_responder(Story s) { return static_cast<int>(s) < kResponderStories; }

struct Slot {
  std::uint32_t arm = 0;
  Story story = Story::responder;
};

struct Plan {
  Uuid patient;
  long long day0 = 0;  // days since 1970-01-01
  int age_days = 0;
  bool female = false;
  double weight_kg = 0;
  double height_cm = 0;
  bool platelets_per_ul = false;  // reported in 10*3/uL
  bool fibrinogen_mg_dl = false;
  bool histology = false;  // biopsy before day 0
  std::string_view site;
  std::vector<Draw> draws;
  std::vector<Transfusion> transfusions;
  int days_to_response = -1;
  int last_day = 0;
  Story story = Story::responder;
};

int draw_minute(Rng& r) { return 7 * 60 + uniform_int(r, 0, 150); }

double clamp(double v, double lo, double hi) { return std::min(hi, std::max(lo, v)); }

// Age at day 0: most children with KHE and KMP are infants.
int sample_age_days(Rng& r) {
  const double u = uniform(r, 0, 1);
  if (u < 0.6) return uniform_int(r, 10, 364);
  if (u < 0.9) return uniform_int(r, 365, 5 * 365);
  return uniform_int(r, 5 * 365, 14 * 365);
}

// A rough growth curve with +-10 % spread (synthetic, plausible).
void sample_size(Rng& r, int age_days, double& weight, double& height) {
  const double months = age_days / 30.4;
  double w = 0;
  double h = 0;
  if (months < 12) {
    w = 3.4 + 0.62 * months;
    h = 50 + 2.1 * months;
  } else {
    const double years = months / 12;
    w = 8 + 2.1 * years;
    h = 68 + 6.3 * years;
  }
  weight = w * uniform(r, 0.9, 1.1);
  height = h * uniform(r, 0.95, 1.05);
}

// A count on `day` of a child whose counts are below 100 until `response_day`, rising from
// `baseline` towards `pre_peak`, and above 100 from then on (at least 101).
double low_count(Rng& r, int day, int response_day, double baseline, double pre_peak) {
  const double f = response_day <= 0 ? 1.0 : clamp(static_cast<double>(day) / response_day, 0, 1);
  return clamp(std::round((baseline + (pre_peak - baseline) * f) * uniform(r, 0.9, 1.1)), 3, 98);
}
double high_count(Rng& r, int day, int response_day, double first_high) {
  const double v = (first_high + 9.0 * (day - response_day)) * uniform(r, 0.92, 1.1);
  return clamp(std::round(v), 101, 520);
}

// Builds the platelet, fibrinogen and procedure story and the rest of the core course.
void plan_course(Rng& r, Plan& p, bool combination) {
  p.draws.clear();
  p.transfusions.clear();
  p.days_to_response = -1;

  // Draw days: weekly with a day of slack, week 4 on days 26-30.
  const int d7 = 7 + uniform_int(r, -1, 1);
  const int d14 = 14 + uniform_int(r, -1, 1);
  const int d21 = 21 + uniform_int(r, -1, 1);
  int w4 = uniform_int(r, 26, 30);
  int w4a = -1;  // an earlier count in the window (two-count stories)
  const Story s = p.story;
  if (s == Story::responder_two_counts_in_window || s == Story::last_count_in_window_low) {
    w4a = uniform_int(r, 25, 26);
    w4 = uniform_int(r, 29, 31);
  }

  // Week of the first response (responders): faster with prednisolone.
  const double u = uniform(r, 0, 1);
  int week = 0;
  if (combination)
    week = u < 0.45 ? 1 : u < 0.8 ? 2 : u < 0.95 ? 3 : 4;
  else
    week = u < 0.2 ? 1 : u < 0.55 ? 2 : u < 0.85 ? 3 : 4;
  if (s == Story::responder_confounded_count_after_response) week = std::min(week, 2);
  const int first_window_day = w4a >= 0 ? w4a : w4;
  const int response_day = week == 1 ? d7 : week == 2 ? d14 : week == 3 ? d21 : first_window_day;

  const double baseline = uniform(r, 5, 75);
  const double pre_peak = uniform(r, std::max(baseline, 40.0), 98);
  const double first_high = uniform(r, 101, 170);

  std::array<int, 12> days{};
  std::size_t n = 0;
  if (chance(r, 0.5)) days[n++] = -3;  // the screening count
  days[n++] = 0;
  if (s == Story::responder_frequent_counts) days[n++] = 3;
  days[n++] = d7;
  if (s == Story::responder_frequent_counts) days[n++] = 10;
  days[n++] = d14;
  if (s == Story::responder_frequent_counts) days[n++] = 17;
  days[n++] = d21;
  if (w4a >= 0) days[n++] = w4a;
  days[n++] = w4;
  days[n++] = 42 + uniform_int(r, -2, 2);
  days[n++] = 56 + uniform_int(r, -2, 2);

  // The day of a transfusion whose next counts are confounded (-100: none).
  int transfusion_day = -100;
  if (s == Story::responder_transfused_before_day0) {
    transfusion_day = -2;
    p.transfusions.push_back({-2, 14 * 60, "indication-active-bleeding"});
  } else if (s == Story::responder_confounded_count_after_response) {
    transfusion_day = d14 + 2;  // before a biopsy; the week-4 count is 8+ days later
    if (w4 < transfusion_day + 8) w4 = std::min(31, transfusion_day + 8);
    days[n - 3] = w4;
    p.transfusions.push_back({transfusion_day, 9 * 60, "indication-pre-procedure"});
  } else if (s == Story::week4_count_confounded) {
    transfusion_day = w4 - 2;
    p.transfusions.push_back({transfusion_day, 18 * 60, "indication-active-bleeding"});
  }

  const bool late_rise = chance(r, 0.5);  // non-responders: above 100 after week 4
  const int dip_at = 56;                  // relapse story: the follow-up dip
  for (std::size_t i = 0; i < n; ++i) {
    const int day = days[i];
    double v = 0;
    switch (s) {
      case Story::responder:
      case Story::responder_frequent_counts:
      case Story::responder_two_counts_in_window:
      case Story::responder_transfused_before_day0:
      case Story::responder_relapse_after_week4:
      case Story::responder_confounded_count_after_response:
        v = day < response_day ? low_count(r, std::max(day, 0), response_day, baseline, pre_peak)
                               : high_count(r, day, response_day, first_high);
        if (s == Story::responder_relapse_after_week4 && day > 31 && day >= dip_at - 2)
          v = std::round(uniform(r, 55, 95));
        if (s == Story::responder_confounded_count_after_response && day > transfusion_day &&
            day <= transfusion_day + 7)
          v = std::round(uniform(r, 160, 260));  // confounded, above 100: shows nothing
        break;
      case Story::never_above_100:
        v = day <= 31   ? low_count(r, std::max(day, 0), 28, baseline, pre_peak)
            : late_rise ? std::round(uniform(r, 110, 220))
                        : std::round(uniform(r, 40, 99));
        if (day == w4 && (p.patient.lo & 3) == 0) v = 100;  // exactly the threshold
        break;
      case Story::dip_before_week4:
        v = day < d14    ? low_count(r, std::max(day, 0), d14, baseline, pre_peak)
            : day == d14 ? std::round(uniform(r, 101, 150))
            : day == d21 ? std::round(uniform(r, 60, 99))
                         : std::round(uniform(r, 110, 220));
        if (day == d14) p.days_to_response = d14;
        break;
      case Story::fall_at_week4:
        v = day < d21    ? low_count(r, std::max(day, 0), d21, baseline, pre_peak)
            : day == d21 ? std::round(uniform(r, 101, 140))
            : day == w4  ? std::round(uniform(r, 65, 99))
                         : std::round(uniform(r, 60, 160));
        if (day == d21) p.days_to_response = d21;
        break;
      case Story::exactly_100_at_week4:
        v = day < d14   ? low_count(r, std::max(day, 0), d14, baseline, pre_peak)
            : day == w4 ? 100
                        : std::round(uniform(r, 110, 160));
        if (day == d14) p.days_to_response = d14;
        break;
      case Story::week4_count_confounded:
        v = day < w4    ? low_count(r, std::max(day, 0), 28, baseline, std::min(pre_peak, 80.0))
            : day == w4 ? std::round(uniform(r, 115, 180))  // 2 days after the transfusion
                        : std::round(uniform(r, 40, 99));
        break;
      case Story::last_count_in_window_low: {
        const int rd = week <= 1 ? d7 : d14;
        v = day < rd    ? low_count(r, std::max(day, 0), rd, baseline, pre_peak)
            : day == w4 ? std::round(uniform(r, 80, 99))
                        : high_count(r, day, rd, first_high);
        if (day == rd) p.days_to_response = rd;
        break;
      }
    }
    p.draws.push_back({day, draw_minute(r), Lab::platelets, v});
  }
  if (is_responder(s)) p.days_to_response = response_day;

  // Fibrinogen (g/L): low at baseline, recovering with the platelets in responders.
  const double fib0 = uniform(r, 0.3, 1.3);
  const int fib_days[] = {0, d7, d14, w4, 56};
  for (int day : fib_days) {
    double v = 0;
    if (is_responder(s))
      v = day < response_day ? fib0 + (1.4 - fib0) * day / response_day * uniform(r, 0.8, 1.0)
                             : uniform(r, 1.6, 3.4);
    else if (s == Story::never_above_100 || s == Story::week4_count_confounded)
      v = day == 0 ? fib0 : uniform(r, fib0, 1.45);
    else
      v = day == 0 ? fib0 : uniform(r, 0.9, 2.4);
    p.draws.push_back({day, draw_minute(r), Lab::fibrinogen, std::round(v * 100) / 100});
  }

  // The rest of the core course: size, blood count, D-dimer, troughs.
  p.draws.push_back({0, draw_minute(r), Lab::weight, p.weight_kg});
  p.draws.push_back({0, draw_minute(r), p.age_days < 730 ? Lab::length : Lab::height, p.height_cm});
  p.draws.push_back({0, draw_minute(r), Lab::hemoglobin, uniform(r, 7.0, 11.5)});
  p.draws.push_back({w4, draw_minute(r), Lab::hemoglobin, uniform(r, 9.0, 12.8)});
  p.draws.push_back({0, draw_minute(r), Lab::ddimer, uniform(r, 4, 30)});
  p.draws.push_back({w4, draw_minute(r), Lab::ddimer, uniform(r, 0.4, 6)});

  p.last_day = 60;
}

// Follow-up panels after week 4 (four labs every third day from day 60): `filler` more
// Observations.
void add_follow_up(Rng& r, Plan& p, int filler) {
  const Story s = p.story;
  // Follow-up panels after week 4 up to the target count.
  int day = 60;
  static constexpr Lab kFill[] = {Lab::platelets, Lab::hemoglobin,    Lab::fibrinogen,
                                  Lab::ddimer,    Lab::alt,           Lab::creatinine,
                                  Lab::sirolimus, Lab::triglycerides, Lab::neutrophils};
  for (int i = 0; i < filler; ++i) {
    if (i > 0 && i % 4 == 0) day += 3;
    const Lab lab = kFill[i % std::size(kFill)];
    double v = 0;
    switch (lab) {
      case Lab::platelets:
        v = std::round(is_responder(s) ? uniform(r, 150, 450) : uniform(r, 40, 300));
        break;
      case Lab::hemoglobin:
        v = uniform(r, 9.5, 13.5);
        break;
      case Lab::fibrinogen:
        v = std::round(uniform(r, 1.5, 3.8) * 100) / 100;
        break;
      case Lab::ddimer:
        v = uniform(r, 0.2, 2.5);
        break;
      case Lab::alt:
        v = std::round(uniform(r, 8, 60));
        break;
      case Lab::creatinine:
        v = uniform(r, 0.15, 0.6);
        break;
      case Lab::sirolimus:
        v = uniform(r, 5, 15);
        break;
      case Lab::triglycerides:
        v = std::round(uniform(r, 60, 260));
        break;
      default:
        v = uniform(r, 1.0, 6.0);
        break;
    }
    p.draws.push_back({day, draw_minute(r), lab, v});
  }
  p.last_day = std::max(p.last_day, day);
}

// ---- emitting resources --------------------------------------------------------------------

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
constexpr std::string_view kFinding = "http://khe-cds.org/fhir/CodeSystem/finding";
constexpr std::string_view kProcedureCs = "http://khe-cds.org/fhir/CodeSystem/procedure";

class Emitter {
 public:
  Emitter(std::array<NdjsonFile, 6>& files, Rng& r) : files_(files), r_(r) {}

  void patient_and_subject(const Plan& p, const std::string& arm, std::string_view study) {
    std::string& s = begin(kPatient, "Patient");
    put_uuid(s, p.patient);
    s += R"(","active":true,"gender":")";
    s += p.female ? "female" : "male";
    s += R"(","birthDate":")";
    put_date(s, p.day0 - p.age_days);
    s += "\"}";
    files_[kPatient].end();

    std::string& t = begin(kResearchSubject, "ResearchSubject");
    put_uuid(t, make_uuid(r_));
    t += R"(","status":"on-study","period":{"start":")";
    put_date(t, p.day0);
    t += R"("},"study":{"reference":")";
    t += study;
    t += R"("},"individual":{"reference":"Patient/)";
    put_uuid(t, p.patient);
    t += R"("},"assignedArm":")";
    t += arm;
    t += R"(","actualArm":")";
    t += arm;
    t += "\"}";
    files_[kResearchSubject].end();
  }

  void condition(const Plan& p) {
    std::string& s = begin(kCondition, "Condition");
    put_uuid(s, make_uuid(r_));
    s +=
        R"(","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"encounter-diagnosis"}]}],"code":{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/diagnosis","code":"khe","display":"Kaposiform hemangioendothelioma"}],"text":"Kaposiform hemangioendothelioma"},)";
    subject(s, p);
    s += R"(,"onsetDateTime":")";
    put_date(s, p.day0 - std::min(p.age_days, 21));
    s += R"(","recordedDate":")";
    put_datetime(s, p.day0 - 3, 11 * 60);
    s += R"(","evidence":[{"code":[{"coding":[{"system":")";
    s += kFinding;
    s += R"(","code":")";
    s += p.histology ? "basis-histology" : "basis-imaging";
    s += "\"}]}]}]}";
    files_[kCondition].end();
  }

  void lesion_site(const Plan& p) {
    std::string& s = begin(kObservation, "Observation");
    put_uuid(s, make_uuid(r_));
    s += R"(","status":"final","code":{"coding":[{"system":")";
    s += kFinding;
    s += R"(","code":"lesion-site"}]},)";
    subject(s, p);
    s += R"(,"effectiveDateTime":")";
    put_datetime(s, p.day0 - 4, 10 * 60);
    s += R"(","valueCodeableConcept":{"coding":[{"system":")";
    s += kFinding;
    s += R"(","code":")";
    s += p.site;
    s += "\"}]}}";
    files_[kObservation].end();
  }

  void observation(const Plan& p, const Draw& d) {
    const bool alt = (d.lab == Lab::platelets && p.platelets_per_ul) ||
                     (d.lab == Lab::fibrinogen && p.fibrinogen_mg_dl);
    const LabDef& l = def(d.lab, alt);
    const double value = d.lab == Lab::fibrinogen && alt ? d.value * 100 : d.value;
    std::string& s = begin(kObservation, "Observation");
    put_uuid(s, make_uuid(r_));
    s +=
        R"(","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":")";
    s += l.vital ? "vital-signs" : "laboratory";
    s += R"("}]}],"code":{"coding":[{"system":")";
    s += kLoinc;
    s += R"(","code":")";
    s += l.loinc;
    s += R"(","display":")";
    s += l.display;
    s += R"("}]},)";
    subject(s, p);
    s += R"(,"effectiveDateTime":")";
    put_datetime(s, p.day0 + d.day, d.minute);
    s += R"(","valueQuantity":{"value":)";
    put_fixed(s, value, l.precision);
    s += R"(,"unit":")";
    s += l.unit;
    s += R"(","system":")";
    s += kUcum;
    s += R"(","code":")";
    s += l.unit;
    s += "\"}}";
    files_[kObservation].end();
  }

  // One MedicationRequest; end_day < 0: still active.
  void medication(const Plan& p, std::string_view rxnorm, std::string_view name, double mg,
                  int per_hours, int start_day, int end_day) {
    std::string& s = begin(kMedicationRequest, "MedicationRequest");
    put_uuid(s, make_uuid(r_));
    s += R"(","status":")";
    s += end_day < 0 ? "active" : "completed";
    s += R"(","intent":"order","medicationCodeableConcept":{"coding":[{"system":")";
    s += kRxNorm;
    s += R"(","code":")";
    s += rxnorm;
    s += R"(","display":")";
    s += name;
    s += R"("}],"text":")";
    s += name;
    s += R"("},)";
    subject(s, p);
    s += R"(,"authoredOn":")";
    put_datetime(s, p.day0 + start_day, 9 * 60 + 30);
    s += R"(","dosageInstruction":[{"timing":{"repeat":{"boundsPeriod":{"start":")";
    put_date(s, p.day0 + start_day);
    if (end_day >= 0) {
      s += R"(","end":")";
      put_date(s, p.day0 + end_day);
    }
    s += R"("},"frequency":1,"period":)";
    put_int(s, per_hours);
    s +=
        R"(,"periodUnit":"h"}},"route":{"coding":[{"system":"http://snomed.info/sct","code":"26643006","display":"Oral route"}]},"doseAndRate":[{"doseQuantity":{"value":)";
    put_fixed(s, mg, 2);
    s += R"(,"unit":"mg","system":")";
    s += kUcum;
    s += R"(","code":"mg"}}]}]})";
    files_[kMedicationRequest].end();
  }

  void procedure(const Plan& p, std::string_view code, int day, int minute,
                 std::string_view indication) {
    std::string& s = begin(kProcedure, "Procedure");
    put_uuid(s, make_uuid(r_));
    s += R"(","status":"completed","code":{"coding":[{"system":")";
    s += kProcedureCs;
    s += R"(","code":")";
    s += code;
    s += R"("}]},)";
    subject(s, p);
    s += R"(,"performedDateTime":")";
    put_datetime(s, p.day0 + day, minute);
    s += '"';
    if (!indication.empty()) {
      s += R"(,"reasonCode":[{"coding":[{"system":")";
      s += kProcedureCs;
      s += R"(","code":")";
      s += indication;
      s += "\"}]}]";
    }
    s += '}';
    files_[kProcedure].end();
  }

 private:
  std::string& begin(FileId f, std::string_view type) {
    std::string& s = files_[f].begin();
    s += R"({"resourceType":")";
    s += type;
    s += R"(","id":")";
    return s;
  }
  static void subject(std::string& s, const Plan& p) {
    s += R"("subject":{"reference":"Patient/)";
    put_uuid(s, p.patient);
    s += "\"}";
  }

  std::array<NdjsonFile, 6>& files_;
  Rng& r_;
};

double round_to(double v, double step) { return std::round(v / step) * step; }

}  // namespace

std::vector<Arm> trial_replica_arms() {
  return {{"sirolimus-prednisolone", 37, 35}, {"sirolimus", 36, 24}};
}

std::vector<Arm> scaled_trial_arms(int patients) {
  const int a = static_cast<int>(std::lround(patients * 37.0 / 73.0));
  const int b = patients - a;
  return {{"sirolimus-prednisolone", a, static_cast<int>(std::lround(a * 35.0 / 37.0))},
          {"sirolimus", b, static_cast<int>(std::lround(b * 24.0 / 36.0))}};
}

Result<Arm> parse_arm(const std::string& text) {
  const std::size_t c2 = text.rfind(':');
  const std::size_t c1 =
      c2 == std::string::npos || c2 == 0 ? std::string::npos : text.rfind(':', c2 - 1);
  Error bad{"--arm", "expected NAME:PATIENTS:RESPONDERS, got '" + text + "'"};
  if (c1 == std::string::npos || c1 == 0) return bad;
  Arm arm;
  arm.name = text.substr(0, c1);
  const std::string n = text.substr(c1 + 1, c2 - c1 - 1);
  const std::string k = text.substr(c2 + 1);
  auto r1 = std::from_chars(n.data(), n.data() + n.size(), arm.patients);
  auto r2 = std::from_chars(k.data(), k.data() + k.size(), arm.responders);
  if (r1.ec != std::errc() || r1.ptr != n.data() + n.size() || r2.ec != std::errc() ||
      r2.ptr != k.data() + k.size() || arm.patients < 0 || arm.responders < 0 ||
      arm.responders > arm.patients || arm.name.find('"') != std::string::npos ||
      arm.name.find('\\') != std::string::npos)
    return bad;
  return arm;
}

Result<Summary> generate(const Options& options) {
  const std::vector<Arm> arms = options.arms.empty() ? trial_replica_arms() : options.arms;
  std::uint64_t total = 0;
  for (const Arm& a : arms) {
    if (a.patients < 0 || a.responders < 0 || a.responders > a.patients || a.name.empty())
      return Error{"arms", "arm '" + a.name + "': need 0 <= responders <= patients"};
    total += static_cast<std::uint64_t>(a.patients);
  }
  if (total == 0) return Error{"arms", "no patients"};
  if (options.out_dir.empty()) return Error{"out", "no output folder"};
  if (options.interleave && options.interleave_window < 1)
    return Error{"interleave_window", "must be at least 1"};

  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return Error{options.out_dir, "cannot create folder: " + ec.message()};

  std::array<NdjsonFile, 6> files;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string path = options.out_dir + "/" + kTypes[i] + ".ndjson";
    if (!files[i].open(path, options.buffer_bytes, options.interleave))
      return Error{path, "cannot create file"};
  }

  // Enrolment order: every arm's children with their stories, randomised.
  std::vector<Slot> slots;
  slots.reserve(total);
  for (std::uint32_t a = 0; a < arms.size(); ++a) {
    for (int i = 0; i < arms[a].patients; ++i) {
      const bool responder = i < arms[a].responders;
      const int k = responder ? i : i - arms[a].responders;
      const Story story = responder
                              ? static_cast<Story>(k % kResponderStories)
                              : static_cast<Story>(kResponderStories + k % kNonResponderStories);
      slots.push_back({a, story});
    }
  }
  Rng order(splitmix64(options.seed ^ 0x5eedULL));
  fisher_yates(slots, order);

  static constexpr std::string_view kSites[] = {"site-cutaneous", "site-muscle-or-deeper",
                                                "site-retroperitoneal", "site-intrathoracic",
                                                "site-cervicofacial"};
  static constexpr double kSiteWeights[] = {0.3, 0.35, 0.15, 0.1, 0.1};

  Summary summary;
  if (options.keep_truth) summary.truth.reserve(total);
  Plan plan;
  plan.draws.reserve(64 + static_cast<std::size_t>(std::max(0, options.observations_per_patient)));
  Rng shuffle(splitmix64(options.seed ^ 0x1eafULL));
  long long last_day = 0;
  const std::uint64_t window =
      options.interleave ? static_cast<std::uint64_t>(options.interleave_window) : 1;
  const std::string_view study = "ResearchStudy/khe-sirolimus-prednisolone-trial";
  Rng r;
  Emitter emit(files, r);

  for (std::uint64_t i = 0; i < total; ++i) {
    const Slot& slot = slots[i];
    const Arm& arm = arms[slot.arm];
    r.seed(splitmix64(options.seed + 0x9e3779b97f4a7c15ULL * (i + 1)));
    plan.patient = make_uuid(r);
    plan.story = slot.story;
    plan.day0 = kFirstEnrolmentDay + static_cast<long long>(i * kEnrolmentSpanDays / total) +
                uniform_int(r, 0, 6);
    plan.age_days = sample_age_days(r);
    plan.female = chance(r, 0.5);
    sample_size(r, plan.age_days, plan.weight_kg, plan.height_cm);
    plan.platelets_per_ul = chance(r, 0.25);
    plan.fibrinogen_mg_dl = chance(r, 0.3);
    plan.histology = chance(r, 0.3);
    {
      double u = uniform(r, 0, 1);
      std::size_t k = 0;
      while (k + 1 < std::size(kSites) && u >= kSiteWeights[k]) u -= kSiteWeights[k++];
      plan.site = kSites[k];
    }
    const bool combination = arm.name.find("prednisolone") != std::string::npos;

    // The core course is drawn first so that it does not depend on the filler count.
    plan_course(r, plan, combination);
    if (options.troughs) {
      // Troughs before the morning dose in weeks 1, 2 and 4.
      static constexpr int kTroughDays[] = {7, 14, 28};
      for (int d : kTroughDays)
        plan.draws.push_back(
            {d, 7 * 60 + uniform_int(r, 0, 30), Lab::sirolimus, uniform(r, 4.0, 16.0)});
    }
    // The lesion site is one more Observation.
    const int core = static_cast<int>(plan.draws.size()) + 1;
    add_follow_up(r, plan, std::max(0, options.observations_per_patient - core));

    emit.patient_and_subject(plan, arm.name, study);
    emit.condition(plan);
    emit.lesion_site(plan);
    for (const Draw& d : plan.draws) emit.observation(plan, d);

    const double bsa = std::sqrt(plan.height_cm * plan.weight_kg / 3600);
    const double sirolimus_mg = std::min(2.0, std::max(0.05, round_to(0.8 * bsa, 0.01)));
    emit.medication(plan, "35302", "sirolimus", sirolimus_mg, 12, 0, -1);
    if (combination) {
      const double pred = std::min(60.0, std::max(1.0, round_to(2 * plan.weight_kg, 0.5)));
      emit.medication(plan, "8638", "prednisolone", pred, 24, 0, 28);
      emit.medication(plan, "8638", "prednisolone", std::max(0.5, round_to(pred / 2, 0.5)), 24, 28,
                      42);
    }
    if (plan.histology) emit.procedure(plan, "biopsy", -5, 10 * 60, "");
    for (const Transfusion& t : plan.transfusions) {
      emit.procedure(plan, "platelet-transfusion", t.day, t.minute, t.indication);
      if (plan.story == Story::responder_confounded_count_after_response)
        emit.procedure(plan, "biopsy", t.day, t.minute + 90, "");
    }

    last_day = std::max(last_day, plan.day0 + plan.last_day);
    if (options.keep_truth) {
      PatientTruth t;
      t.id.reserve(36);
      put_uuid(t.id, plan.patient);
      t.arm = arm.name;
      t.durable_week4 = is_responder(plan.story);
      t.days_to_response = plan.days_to_response;
      t.pattern = story_name(plan.story);
      put_date(t.therapy_start, plan.day0);
      summary.truth.push_back(std::move(t));
    }
    if (options.interleave && ((i + 1) % window == 0 || i + 1 == total))
      for (auto& f : files) f.end_window(shuffle);
  }

  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!files[i].close()) return Error{files[i].path(), "write failed"};
    summary.files.push_back({files[i].path(), kTypes[i], files[i].resources(), files[i].bytes()});
    summary.resources += files[i].resources();
    summary.bytes += files[i].bytes();
  }
  summary.patients = total;
  put_datetime(summary.as_of, last_day + 1, 12 * 60);
  return summary;
}

}  // namespace khe::cohort_gen
