// A JSON writer that appends to one string in exactly the layout of nlohmann's dump(2): the
// report's bytes were defined by that serializer, and this one must reproduce them while
// building no tree of values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace khe::write {

class JsonStream {
 public:
  // Appends to `out`, which the caller may have reserved.
  explicit JsonStream(std::string& out) : out_(out) {}

  // Containers. A container left empty prints as "{}" or "[]", as nlohmann does.
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // Starts an object member. Keys are the report's fixed ASCII names, so they need no
  // escaping.
  void key(std::string_view name);

  // Values, as array elements or after key().
  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(bool b);
  void value(std::int64_t n);
  void value(int n) { value(static_cast<std::int64_t>(n)); }
  void value(double d);
  // `d` rounded to `decimals` places (number.h's round_to); an integral result is written as
  // an integer ("12", not "12.0"), a non-finite one as null. How the report writes numbers.
  void rounded(double d, int decimals);
  void null();

 private:
  struct Level {
    bool empty = true;
  };

  void open(char bracket);
  void close(char bracket);
  // Starts a value: the line break and indent an array element needs, nothing after a key.
  void begin_value();
  void indent();

  std::string& out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

// Appends `s` as a JSON string literal, escaped as nlohmann's dump() escapes it with
// ensure_ascii off and invalid UTF-8 replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// The inside of append_json_string's literal (no quotes), for a string written in pieces:
// appends `s` escaped and returns true when `s` is valid UTF-8; returns false, with `out`
// partly written, when it is not (append_json_string then lets nlohmann write the whole
// string, so a caller should do the same with the whole of its string). Valid UTF-8 split
// at ASCII characters gives the same bytes piece by piece as in one piece.
bool append_json_chars(std::string& out, std::string_view s);

// Appends `d` as nlohmann's dump() prints a double: "null" when not finite, otherwise
// "18.0", "0.24", "1e-05", "2.5e+16".
void append_json_double(std::string& out, double d);

}  // namespace khe::write
