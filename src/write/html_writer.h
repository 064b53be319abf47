// The clinician's summary as one self-contained, printable HTML page: inline CSS, no
// scripts, no external assets; every piece of text is escaped.
#pragma once

#include <string>

#include "engine/report.h"
#include "knowledge/knowledge.h"

namespace khe::write {

std::string to_html(const engine::Report& report, const knowledge::Knowledge& knowledge);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(const std::string& text);

}  // namespace khe::write
