// Parsing a command's own options (after its name) with Boost.Program_options, the same way
// for every fieldguardctl command.
#pragma once

#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "daemon/ctl/ctl_command.hpp"

namespace fg::ctl {

// Parses `args` against `desc`; positional words land in `positional` (named "words").
// Prints the error and returns false on a usage error.
inline bool parse_command_args(const std::string& cmd, const std::vector<std::string>& args,
                               boost::program_options::options_description& desc,
                               boost::program_options::variables_map& vm, std::vector<std::string>* positional) {
  namespace po = boost::program_options;
  try {
    po::options_description all(desc);
    std::vector<std::string> words;
    all.add_options()("words", po::value(&words));
    po::positional_options_description pos;
    pos.add("words", -1);
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    if (positional != nullptr) *positional = vm.count("words") ? vm["words"].as<std::vector<std::string>>() : words;
    else if (vm.count("words")) {
      std::cerr << "fieldguardctl " << cmd << ": unexpected argument \"" << vm["words"].as<std::vector<std::string>>().front() << "\"\n";
      return false;
    }
  } catch (const po::error& e) {
    std::cerr << "fieldguardctl " << cmd << ": " << e.what() << "\n";
    return false;
  }
  return true;
}

// Escapes a string for a JSON string literal (arguments the user typed).
inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') { out += '\\'; out += static_cast<char>(c); }
    else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); out += b; }
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

}  // namespace fg::ctl
