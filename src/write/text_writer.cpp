#include "write/text_writer.h"

#include <string>
#include <vector>

#include "write/summary.h"

namespace khe::write {
namespace {

// Greedy word wrap; continuation lines are indented two more spaces than the first.
void wrap(std::string& out, const std::string& text, std::size_t indent) {
  const std::string lead(indent, ' ');
  const std::string cont(indent + 2, ' ');
  std::string line = lead;
  std::size_t pos = 0;
  bool first_word = true;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    if (!first_word && line.size() + 1 + word.size() > kTextWidth) {
      out += line + "\n";
      line = cont + word;
    } else {
      line += (first_word ? "" : " ") + word;
    }
    first_word = false;
  }
  out += line + "\n";
}

std::string with_tags(const SummaryLine& l) {
  const std::string tags = rule_tags(l.rules);
  return tags.empty() ? l.text : l.text + "  " + tags;
}

}  // namespace

std::string to_text(const engine::Report& report, const knowledge::Knowledge& knowledge) {
  const Summary s = summarize(report, knowledge);
  std::string out;
  wrap(out, with_tags(s.headline), 0);
  for (const auto& section : s.sections) {
    out += section.title + ":\n";
    for (const auto& l : section.lines) {
      wrap(out, with_tags(l), 2 + 2 * static_cast<std::size_t>(l.indent));
    }
  }
  wrap(out, "Provenance: " + s.provenance, 0);
  wrap(out, s.reminder, 0);
  return out;
}

}  // namespace khe::write
