// The CDS Hooks services' knowledge (knowledge/cds.json): service titles and descriptions,
// the prefetch templates, the card texts (summary templates, plain words for status,
// severity, urgency and regimen, the indicator of each urgency), the card source, and the
// dose check (the drugs it checks and its tolerance). Data only: src/cds renders it.
//
// Templates use {name} placeholders; the loader refuses a placeholder a template may not
// use, so a centre's edited text never shows a raw "{...}" to a clinician.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace khe::knowledge {

struct Knowledge;
class Problems;

struct CdsService {
  std::string id;    // "khe-kmp": the {id} of /cds-services/{id}
  std::string hook;  // "patient-view", "order-select", "order-sign"
  std::string kind;  // "assessment" (cards from the report) or "dose_check" (draft orders)
  std::string title;
  std::string description;
};

struct CdsPrefetch {
  std::string key;    // prefetch key, e.g. "observations"
  std::string query;  // FHIR read or search with {{context.patientId}}; may hold the
                      // placeholder <observation-codes>, which src/cds expands from the codes
};

struct CdsCardTexts {
  std::string source_label;    // card.source.label
  std::string default_source;  // source id whose URL is the card's when the regimen has none
  std::string link_label;      // label of the link to the web app's patient page
  std::string summary;         // {status} {severity} {urgency} {regimen}
  std::map<std::string, std::string> status;     // kmp status name -> words
  std::map<std::string, std::string> severity;   // band name -> words ("none" when ungraded)
  std::map<std::string, std::string> urgency;    // urgency name -> words
  std::map<std::string, std::string> regimen;    // regimen name -> words ("none" when null)
  std::map<std::string, std::string> indicator;  // urgency name -> info | warning | critical
  std::vector<std::string> create_drugs;  // drugs whose start dose gets a "create" suggestion
  std::string create_label;               // {drug} {dose} {interval} {route} {volume} ...
  std::string create_description;
};

struct CdsDoseCheck {
  std::vector<std::string> drugs;  // drug ids checked on order-select / order-sign
  double tolerance = 0.1;          // fraction of the computed dose (10 % = 0.1)
  std::string indicator = "warning";
  std::string summary;       // {drug} {ordered} {computed} {difference}
  std::string label;         // suggestion label
  std::string description;   // action description
  std::string dosage_text;   // replaces dosageInstruction[0].text of the updated order
  std::string detail_title;  // first line of the card's detail
  std::string above, below;  // {direction}: the order is above / below the computed dose
  std::string ordered_label, computed_label, tolerance_label;  // detail line labels
};

struct CdsConfig {
  std::vector<CdsService> services;
  std::vector<CdsPrefetch> prefetch;  // the same templates for every service, in file order
  CdsCardTexts card;
  CdsDoseCheck dose_check;

  const CdsService* service(const std::string& id) const {
    for (const auto& s : services)
      if (s.id == id) return &s;
    return nullptr;
  }
};

// Internal to the loader: reads cds.json (`bytes`, null when the file is missing) into
// k.cds. Drugs and sources must be loaded already (the file names them).
void load_cds_config(const std::string* bytes, Knowledge& k, Problems& p);

}  // namespace khe::knowledge
