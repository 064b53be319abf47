#include "write/text_writer.h"

#include <string>
#include <vector>

#include "write/summary.h"

namespace khe::write {
namespace {

// Greedy word wrap; continuation lines are indented two more spaces than the first. A word
// longer than a whole line (a URL, a long code) is cut so no line exceeds kTextWidth.
void wrap(std::string& out, const std::string& text, std::size_t indent) {
  const std::string cont(indent + 2, ' ');
  std::string line(indent, ' ');
  bool line_empty = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    while (!word.empty()) {
      const std::size_t used = line.size() + (line_empty ? 0 : 1);  // a space before the word
      const std::size_t room = used < kTextWidth ? kTextWidth - used : 0;
      if (word.size() <= room) {
        line += (line_empty ? "" : " ") + word;
        line_empty = false;
        break;
      }
      if (!line_empty) {  // start a new line and try again there
        out += line + "\n";
        line = cont;
        line_empty = true;
        continue;
      }
      line += word.substr(0, room);  // too long even for an empty line: cut it
      word.erase(0, room);
      out += line + "\n";
      line = cont;
    }
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
