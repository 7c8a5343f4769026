// Replaces a file so that a crash leaves either the old or the new content, never a mix:
// write a temporary beside it, fsync, rename over, fsync the directory.
#pragma once

#include <string>

namespace fg::anomaly {

// Creates the directory (mode 0750) when missing. False with `error` naming the step.
bool write_file_atomically(const std::string& path, const std::string& content, std::string& error);

}  // namespace fg::anomaly
