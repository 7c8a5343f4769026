#include "rules/load/field_reader.hpp"

#include <charconv>
#include <vector>

namespace fg::rules {

bool parse_number(std::string_view text, std::uint64_t& out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return false;
  auto r = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

std::string unknown_name_message(const std::string& what, const std::string& word, std::span<const CodeName> names) {
  std::vector<std::string> candidates;
  for (const auto& n : names) candidates.emplace_back(n.name);
  std::string msg = "unknown " + what + " \"" + word + "\"";
  const std::string near = daemon::closest_match(word, candidates);
  if (!near.empty()) return msg + " (did you mean \"" + near + "\"?)";
  msg += ", expected a number";
  if (!candidates.empty()) msg += " or a name listed in docs/RULES.md";
  return msg;
}

namespace {

struct Span {
  std::uint32_t lo, hi;
  YAML::Node node;
};

// One element: number, name, or "lo-hi" (numbers or names on each side).
bool read_one(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, const FieldSpec& spec,
              Span& out, bool& is_any) {
  if (!n.IsScalar()) {
    r.error(n, path, "expected a " + std::string(spec.what) + " (number" + (spec.names.empty() ? "" : " or name") +
                         (spec.ranges ? ", or \"lo-hi\")" : ")"));
    return false;
  }
  const std::string s = n.Scalar();
  if (s == "any" && spec.any) {
    is_any = true;
    return true;
  }
  // A part of "lo-hi" is shown with the whole text the user wrote, so "1-5,3-8" is recognisable.
  auto in_whole = [&](std::string_view t) { return t.size() == s.size() ? std::string() : " (in \"" + s + "\")"; };
  auto value = [&](std::string_view t, std::uint32_t& v) -> bool {
    std::uint64_t x = 0;
    if (parse_number(t, x)) {
      if (x > spec.max) {
        r.error(n, path, std::string(spec.what) + " " + std::string(t) + " is out of range, expected 0-" +
                             std::to_string(spec.max) + in_whole(t));
        return false;
      }
      v = static_cast<std::uint32_t>(x);
      return true;
    }
    for (const auto& c : spec.names)
      if (c.name == t) {
        v = c.code;
        return true;
      }
    if (spec.names.empty())
      r.error(n, path, "expected a " + std::string(spec.what) + " number" + (spec.ranges ? " or \"lo-hi\"" : "") +
                           ", got \"" + s + "\"");
    else
      r.error(n, path, unknown_name_message(spec.what, std::string(t), spec.names) + in_whole(t));
    return false;
  };
  const auto dash = s.find('-');
  if (dash != std::string::npos && dash > 0 && spec.ranges) {
    if (!value(std::string_view(s).substr(0, dash), out.lo) || !value(std::string_view(s).substr(dash + 1), out.hi))
      return false;
    if (out.lo > out.hi) {
      r.error(n, path, "empty range \"" + s + "\", expected lo-hi with lo <= hi");
      return false;
    }
  } else {
    if (!value(s, out.lo)) return false;
    out.hi = out.lo;
  }
  out.node = n;
  return true;
}

}  // namespace

bool read_field(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, const FieldSpec& spec,
                FieldCondition& out) {
  out = FieldCondition{};
  std::vector<Span> spans;
  bool ok = true;
  bool any = false;
  if (n.IsSequence()) {
    if (n.size() == 0) {
      r.error(n, path, "empty list, expected at least one " + std::string(spec.what));
      return false;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      Span s;
      if (read_one(r, n[i], path + "[" + std::to_string(i) + "]", spec, s, any)) {
        if (!any) spans.push_back(s);
      } else {
        ok = false;
      }
    }
  } else {
    Span s;
    if (!read_one(r, n, path, spec, s, any)) return false;
    if (!any) spans.push_back(s);
  }
  if (any && ok) {
    if (!spans.empty()) {
      r.error(n, path, "\"any\" together with other values, expected either any or a list of values");
      return false;
    }
    return true;
  }
  if (any) return false;
  // Overlaps are mistakes (a range typed twice, or two ranges meant to be apart).
  for (std::size_t i = 0; i < spans.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (spans[i].lo <= spans[j].hi && spans[j].lo <= spans[i].hi) {
        r.error(spans[i].node, path, "\"" + spans[i].node.Scalar() + "\" overlaps \"" + spans[j].node.Scalar() +
                                         "\", expected ranges that do not overlap");
        ok = false;
      }
  if (!ok) return false;
  out.set = true;
  for (const Span& s : spans) out.values.add(s.lo, s.hi);
  return true;
}

}  // namespace fg::rules
