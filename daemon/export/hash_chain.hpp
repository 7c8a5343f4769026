// Tamper evidence for JSON-lines records: each record ends with its sequence number and the
// SHA-256 of the previous line ("seq", "prev"); seal lines sign the chain with Ed25519.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fg::daemon {

inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// Lowercase hex SHA-256 of `text` (OpenSSL).
std::string sha256_hex(std::string_view text);
void sha256_hex_into(std::string_view text, std::string& out);

// The chain members of a stamped line (its last two members).
struct ChainFields {
  std::uint64_t seq = 0;
  std::string prev;  // 64 hex digits
};
// Reads `,"seq":N,"prev":"<hex>"}` from the end of `line`; nullopt if it is not there.
std::optional<ChainFields> parse_chain_fields(std::string_view line);

// What a seal signs: its own sequence number and the hash of the line before it, which
// commits to every record before that.
std::string seal_message(std::uint64_t seq, std::string_view prev_hex);

class HashChain {
 public:
  // Continues after a line already stamped (e.g. the last one of an existing file), or
  // starts afresh (seq 1, genesis hash) when `last_line` holds no chain fields.
  void resume(std::string_view last_line);
  // Appends the chain members to `object_line` (one JSON object, no newline) and advances.
  void stamp(std::string& object_line);
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_seq_; }
  [[nodiscard]] const std::string& last_hash() const noexcept { return last_hash_; }

 private:
  std::uint64_t next_seq_ = 1;
  std::string last_hash_{kGenesisHash};
};

}  // namespace fg::daemon
