// Text helpers for matching free text against knowledge word lists (ASCII case folding;
// non-ASCII bytes are kept as they are, so UTF-8 text is never mangled).
#pragma once

#include <string>
#include <string_view>

namespace khe::fhir {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

inline std::string lower_trimmed(std::string_view s) {
  s = trim(s);
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Letters, digits and any non-ASCII byte (part of a non-ASCII letter) continue a word.
inline bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}

// True when `phrase` occurs in `text` as whole words: not preceded or followed by a word
// character ("aspirin" is in "low-dose aspirin" but not in "aspirinate"). Both lowercase.
inline bool contains_phrase(std::string_view text, std::string_view phrase) {
  if (phrase.empty()) return false;
  for (std::size_t pos = text.find(phrase); pos != std::string_view::npos;
       pos = text.find(phrase, pos + 1)) {
    std::size_t end = pos + phrase.size();
    bool starts = pos == 0 || !is_word_char(text[pos - 1]);
    bool ends = end == text.size() || !is_word_char(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace khe::fhir
