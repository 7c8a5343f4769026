// Security associations as workers see them: an immutable table (swapped whole by
// Snapshot<SaTable>) pointing at SA states that live as long as any table refers to them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/esp/esp_sa.hpp"
#include "crypto/esp/gcm_context.hpp"
#include "crypto/esp/replay_window.hpp"

namespace fg::dp {

// Why an ESP packet of a known SA was dropped (per SA); counters `tunnel.sa.drop.<name>`.
enum class SaDrop : std::uint8_t { Auth, Replay, OutOfWindow, BadPadding, BadNextHeader, SeqExhausted, kCount };

constexpr const char* sa_drop_name(SaDrop d) noexcept {
  switch (d) {
    case SaDrop::Auth: return "auth";
    case SaDrop::Replay: return "replay";
    case SaDrop::OutOfWindow: return "out_of_window";
    case SaDrop::BadPadding: return "bad_padding";
    case SaDrop::BadNextHeader: return "bad_next_header";
    case SaDrop::SeqExhausted: return "seq_exhausted";
    case SaDrop::kCount: break;
  }
  return "?";
}

// One SA. Keys live only inside the per-worker GCM contexts (the spec is wiped after they
// are made). Counters are relaxed atomics, added once per burst.
struct SaState {
  std::uint32_t spi = 0;
  esp::Direction dir = esp::Direction::Out;
  bool esn = true;
  std::uint8_t salt[esp::kSaltBytes] = {};
  std::vector<esp::GcmContext> gcm;  // one per worker: EVP contexts are single-threaded
  // Outbound: the last sequence number handed out; workers reserve a burst's worth at once.
  alignas(64) std::atomic<std::uint64_t> seq{0};
  // Inbound: written by the one worker that receives the SA (RSS hashes the fixed outer
  // addresses of an SA to one queue), read by the control plane for display.
  esp::ReplayWindow window;
  alignas(64) std::atomic<std::uint64_t> packets{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> drops[static_cast<int>(SaDrop::kCount)] = {};
  // Control plane only.
  std::uint64_t created_unix_ns = 0;
  std::uint64_t expires_mono_ns = 0;  // a replaced inbound SA: removed after this (0 = never)
  std::string origin;                 // "file", "control", ...
};

// Makes an SA state with a context per worker; wipes `spec`. Null with `error` when OpenSSL fails.
std::shared_ptr<SaState> make_sa_state(esp::SaSpec& spec, std::uint32_t workers, std::string& error);

struct SaTable {
  std::shared_ptr<SaState> out;             // the SA new packets are encrypted with (may be null)
  std::vector<std::shared_ptr<SaState>> in; // every SA that may still decrypt (new and in grace)
  // Outbound SAs replaced by a rekey, kept for display (their counters) during the grace
  // period; workers never use them.
  std::vector<std::shared_ptr<SaState>> retired_out;
  std::uint64_t rekeys = 0;
  std::uint64_t last_rekey_unix_ns = 0;

  [[nodiscard]] SaState* inbound(std::uint32_t spi) const noexcept {
    for (const auto& s : in)
      if (s->spi == spi) return s.get();
    return nullptr;
  }
};

}  // namespace fg::dp
