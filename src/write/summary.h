// The clinician's summary as data: the text and HTML writers render this one structure so
// both always say the same thing. Every line that states a conclusion carries the rule IDs
// it came from.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/report.h"
#include "knowledge/knowledge.h"

namespace khe::write {

enum class Tone { plain, critical, warning, info };

struct SummaryLine {
  SummaryLine() = default;
  SummaryLine(std::string t, std::vector<std::string> r = {}, Tone tn = Tone::plain, int in = 0,
              std::string url = {})
      : text(std::move(t)), rules(std::move(r)), tone(tn), indent(in), link(std::move(url)) {}

  std::string text;
  std::vector<std::string> rules;  // shown as "[KMP-1]" after the text
  Tone tone = Tone::plain;
  int indent = 0;    // 0 = item, 1 = detail of the item above
  std::string link;  // a source URL (HTML links it; the text summary leaves it out)
};

struct SummarySection {
  std::string title;  // "" for the headline block
  std::vector<SummaryLine> lines;
};

struct Summary {
  SummaryLine headline;  // KMP status, severity, urgency
  std::vector<SummarySection> sections;
  std::string provenance;
  std::string reminder;  // the report suggests; the clinician decides
};

Summary summarize(const engine::Report& report, const knowledge::Knowledge& knowledge);

// "[KMP-1] [URG-1]" (empty when there are none).
std::string rule_tags(const std::vector<std::string>& rules);

}  // namespace khe::write
