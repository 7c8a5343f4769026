// The update agent: polls the console for a signed bundle, or takes one from the operator
// (air-gapped sites), verifies it, installs it atomically, puts it in force, watches the
// gateway's health and rolls back on failure. Runs on its own control-plane thread (never a
// dataplane worker); every outcome becomes an event and, when configured, a report to the
// console.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "daemon/control/control_api.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/update/bundle_store.hpp"
#include "daemon/update/bundle_verify.hpp"
#include "daemon/update/https_client.hpp"
#include "daemon/update/update_settings.hpp"
#include "daemon/update/update_target.hpp"

namespace fg::update {

// The last thing the agent did, for `fieldguardctl update status`.
struct UpdateOutcome {
  std::uint64_t attempt = 0;      // increases with every operation; ctl waits on it
  std::string operation;          // poll, apply, rollback
  std::string outcome;            // applied, refused, rolled_back, not_modified, failed
  std::string reason;             // refusal name (refusal_name) or "operator"
  std::string detail;
  std::uint64_t version = 0;
  std::int64_t time = 0;          // Unix seconds
};

class UpdateAgent {
 public:
  UpdateAgent(UpdateSettings settings, UpdateTarget& target);
  ~UpdateAgent();
  UpdateAgent(const UpdateAgent&) = delete;
  UpdateAgent& operator=(const UpdateAgent&) = delete;

  // Opens the bundle store, loads pinned keys and state, starts the thread.
  bool start(std::string& error);
  void stop();

  // Registers update.status, update.check_now, update.apply and update.rollback.
  void register_commands(daemon::ControlState& state);
  // Writes the events raised since the last call (call from the writer's thread).
  void drain_events(daemon::RecordWriter& writer);

 private:
  enum class Op : std::uint8_t { CheckNow, ApplyFile, Rollback };
  struct Request {
    Op op;
    std::string path;
    std::uint64_t attempt;
  };

  void run();
  void poll_console();
  // Verify, install, validate, activate, apply, health check, roll back if needed.
  void update_from(const std::vector<std::uint8_t>& bytes, const std::string& operation);
  void rollback(const std::string& operation, const std::string& reason, const std::string& detail);
  TrustState trust() const;
  void refresh_trust_view();
  void finish(UpdateOutcome o);
  void event(const std::string& name, const std::string& severity, const UpdateOutcome& o);
  std::uint64_t enqueue(Op op, std::string path);
  std::uint64_t next_delay_ns();
  daemon::ControlReply status_reply();

  UpdateSettings settings_;
  UpdateTarget& target_;
  BundleStore store_;
  TlsClientConfig tls_;
  std::vector<PublicKey> pinned_;
  StoreState state_;  // agent thread only (after start)
  std::string etag_;
  Digest last_seen_{};
  std::uint32_t failures_ = 0;
  std::mt19937_64 rng_;

  std::thread thread_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<Request> requests_;
  std::uint64_t next_attempt_ = 1;
  std::uint64_t busy_attempt_ = 0;
  UpdateOutcome last_;
  std::int64_t last_check_ = 0;
  std::int64_t next_check_ = 0;
  std::uint64_t reports_failed_ = 0;
  std::string running_;  // target_.describe() after the last change
  std::uint64_t highest_shown_ = 0;    // copies of trust() for status, refreshed by the agent
  std::vector<std::string> key_ids_;
  std::uint64_t current_version_ = 0, previous_version_ = 0;
  std::deque<daemon::ControlEvent> events_;
};

}  // namespace fg::update
