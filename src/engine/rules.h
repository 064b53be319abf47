// The rule groups of the clinical specification, run in order by evaluate(). Each reads
// the context and writes its part of the Report. Internal to the engine.
#pragma once

#include "engine/context.h"

namespace khe::engine {

// What assessment found, passed on to treatment and safety rules.
struct Assessment {
  Selection platelets;
  Selection fibrinogen;
  const LabResult* ddimer = nullptr;
  bool active_bleeding = false;
  bool vital_compression = false;
  bool inf1 = false;  // INF-1 fired
  bool inf1_emergent = false;
};

void classify_diagnosis(Ctx& c);             // DX-1 (governing diagnosis)
Assessment assess(Ctx& c);                   // KMP-1..4, DX-1..3, RISK-1, TIME-1, CONF-1
void assess_urgency(Ctx& c, Assessment& a);  // URG-1, INF-1
void compute_response(Ctx& c);               // §8 (therapy start, response, relapse)
void assess_lesion(Ctx& c);                  // RESP-2 (lesion response), after the response
void build_episodes(Ctx& c);  // COURSE-1: therapy episodes, before the response needs them
void build_timeline(Ctx& c);  // COURSE-1: what the course chart draws, once all is known
void recommend(Ctx& c, const Assessment& a);  // TX-1..8
void compute_doses(Ctx& c);                   // DOSE-*, BODY-1, DOSE-RND-1
void assess_trough(Ctx& c);                   // TARGET-1, DOSE-SIR-ADJ-1, DOSE-SIR-TOX-1
// The TARGET-1 phase at as-of ("kmp", "no_kmp" or the long-term range's name); needs the
// KMP status and the response, so it runs after assess() and compute_response().
std::string target_phase(const Ctx& c, Instant first_sirolimus);
void plan_monitoring(Ctx& c);       // MON-1..5 (§7)
void grade_adverse_events(Ctx& c);  // AE-1, AE-2 (CTCAE v5)
void drug_safety(
    Ctx& c, const Assessment& a);  // DDI, PJP, VAX, SURG, HEP, REN, LIP, BP, PREG, TX-6, TAPER-1
void supportive_care(Ctx& c, const Assessment& a);  // SUP-1..3
void data_quality(Ctx& c);                          // DQ-1
void newer_values_refused(Ctx& c);  // DQ-1: runs last, once the used values are known

}  // namespace khe::engine
