// Minimal streaming JSON writer for audit and event lines (control-thread side, not the hot path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fg::proto {

// Appends one JSON object to a string, comma placement handled. Keys are trusted literals;
// string values are escaped. Nesting is tracked so `key()` before a nested value works.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { value_prefix(); out_ += '{'; first_ = true; return *this; }
  JsonWriter& end_object() { out_ += '}'; first_ = false; return *this; }
  JsonWriter& begin_array() { value_prefix(); out_ += '['; first_ = true; return *this; }
  JsonWriter& end_array() { out_ += ']'; first_ = false; return *this; }

  JsonWriter& key(std::string_view k) {
    if (!first_) out_ += ',';
    out_ += '"';
    out_ += k;
    out_ += "\":";
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();

  template <class T>
  JsonWriter& field(std::string_view k, const T& v) { key(k); return value(v); }

 private:
  void value_prefix() {
    if (!after_key_ && !first_) out_ += ',';
    after_key_ = false;
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

// Appends `s` JSON-escaped (without quotes).
void append_json_escaped(std::string& out, std::string_view s);

// The members of a JSON object without its braces: what events take as extra fields to splice
// into their own object (a JsonWriter writes whole objects).
inline std::string json_members(const std::string& object) {
  return object.size() >= 2 ? object.substr(1, object.size() - 2) : "";
}

}  // namespace fg::proto
