// Offline check of hash-chained, sealed record files (`fieldguardctl audit verify`): finds
// deleted, reordered and edited records and bad seals, and says where.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fg::daemon {

class SealKey;

struct ChainProblem {
  std::string file;
  std::uint64_t line = 0;  // 1-based
  std::string kind;        // deleted, reordered, edited, bad_seal, unreadable
  std::string message;
};

struct ChainReport {
  std::uint64_t records = 0;
  std::uint64_t seals = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t last_sealed_seq = 0;  // records after it are covered by the hash chain only
  std::vector<ChainProblem> problems;
  [[nodiscard]] bool ok() const noexcept { return problems.empty(); }
};

// `files` oldest first (FILE.2 FILE.1 FILE). The first record's predecessor may have been
// rotated away: its "prev" is taken as given. Seals are checked with `key` when it is
// loaded, otherwise reported as unchecked (not as problems).
ChainReport verify_chain(const std::vector<std::string>& files, const SealKey* key);

}  // namespace fg::daemon
