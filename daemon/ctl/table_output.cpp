#include "daemon/ctl/table_output.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace fg::ctl {

namespace {

bool looks_numeric(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

void print_key_values(const YAML::Node& data, const std::string& prefix) {
  for (const auto& kv : data) {
    const std::string key = prefix + kv.first.as<std::string>();
    if (kv.second.IsMap()) {
      print_key_values(kv.second, key + ".");
    } else if (kv.second.IsScalar()) {
      std::cout << "  " << key << std::string(key.size() < 22 ? 22 - key.size() : 1, ' ') << kv.second.Scalar() << "\n";
    }
  }
}

void print_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(headers.size());
  std::vector<bool> numeric(headers.size(), true);
  for (std::size_t c = 0; c < headers.size(); ++c) width[c] = headers[c].size();
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], r[c].size());
      numeric[c] = numeric[c] && (r[c].empty() || looks_numeric(r[c]));
    }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const std::string pad(width[c] - std::min(width[c], cell.size()), ' ');
      const bool right = numeric[c] && !header && !rows.empty();
      out += right ? pad + cell : cell + (c + 1 < width.size() ? pad : "");
      if (c + 1 < width.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    std::cout << out << "\n";
  };
  line(headers, true);
  for (const auto& r : rows) line(r, false);
}

}  // namespace fg::ctl
