// JSON lines must stay valid whatever bytes came off the wire.
#include <catch2/catch.hpp>

#include "protocols/common/json_writer.hpp"

using fg::proto::append_json_escaped;

namespace {
std::string esc(std::string_view s) {
  std::string out;
  append_json_escaped(out, s);
  return out;
}
}  // namespace

TEST_CASE("plain text passes unchanged and quotes, backslashes and controls are escaped") {
  CHECK(esc("opc.tcp://plc:4840") == "opc.tcp://plc:4840");
  CHECK(esc("a\"b\\c") == "a\\\"b\\\\c");
  CHECK(esc("\n\r\t") == "\\n\\r\\t");
  CHECK(esc(std::string_view("\x00\x1f", 2)) == "\\u0000\\u001f");
}

TEST_CASE("valid UTF-8 is kept and invalid bytes become U+FFFD") {
  CHECK(esc("Pr\xc3\xbc" "fstand") == "Pr\xc3\xbc" "fstand");       // ü
  CHECK(esc("\xe2\x82\xac") == "\xe2\x82\xac");                      // €
  CHECK(esc("\xf0\x9f\x94\x92") == "\xf0\x9f\x94\x92");              // 4-byte sequence
  CHECK(esc("a\xff" "b") == "a\\ufffdb");                            // never valid
  CHECK(esc("\xc3") == "\\ufffd");                                   // truncated sequence
  CHECK(esc("\xc0\xaf") == "\\ufffd\\ufffd");                        // overlong
  CHECK(esc("\xed\xa0\x80") == "\\ufffd\\ufffd\\ufffd");             // surrogate
}

TEST_CASE("the writer places commas and nests objects and arrays") {
  std::string out;
  fg::proto::JsonWriter w(out);
  w.begin_object().field("a", 1).key("b").begin_array().value(1).value("x").begin_object().field("c", true).end_object().end_array();
  w.field("d", -5).end_object();
  CHECK(out == R"({"a":1,"b":[1,"x",{"c":true}],"d":-5})");
}
