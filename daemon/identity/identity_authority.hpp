// The control plane's side of device identity: holds the inventory and the leases of
// certificate devices, decides admissions for the identity service, turns the identity
// stage's findings into events, and publishes the table the workers check (one
// Snapshot<IdentityTable> for static bindings and leases together). Thread-safe: the
// identity service's connection threads, the control thread and control commands call it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "crypto/identity/identity_service.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/identity/identity_settings.hpp"
#include "dataplane/identity/identity_findings.hpp"
#include "dataplane/rcu/snapshot.hpp"
#include "rules/inventory/inventory.hpp"

namespace fg::daemon {

struct IdentityLease {
  std::string device;
  dp::Mac mac{};
  dp::IpAddr ip{};
  std::string mac_source;         // dataplane | neighbour | inventory | lease (docs/IDENTITY.md)
  std::string serial;             // certificate serial (hex)
  std::chrono::steady_clock::time_point expires;
  std::uint64_t expires_dp_ns = 0;  // the same instant on the dataplane's clock
  std::chrono::system_clock::time_point admitted_at;
  std::uint32_t renewals = 0;
};

// Where admissions find the MAC of a connecting address when the dataplane did not see it:
// the kernel's neighbour table (IPv4 /proc/net/arp). Replaceable for tests.
using NeighbourLookup = std::function<bool(const dp::IpAddr& ip, dp::Mac& mac)>;
bool kernel_neighbour(const dp::IpAddr& ip, dp::Mac& mac);

class IdentityAuthority {
 public:
  using Clock = std::chrono::steady_clock;

  IdentityAuthority(const IdentitySettings& s, rules::Inventory inventory, dp::Snapshot<dp::IdentityTable>& table,
                    std::function<std::uint64_t()> dataplane_now_ns, NeighbourLookup neighbours = kernel_neighbour);

  // The identity service's question (any thread).
  crypto::AdmissionAnswer admit(const crypto::AdmissionRequest& r);
  // A finding of a worker's identity stage (control thread).
  void observe(const dp::IdentityObservation& o);
  // Ends a device's lease at once and refuses its certificate until the daemon restarts
  // (the CRL is the lasting revocation). False when it holds no lease.
  bool revoke(const std::string& device, const std::string& by);
  // After a CRL (re)load: every lease whose certificate serial is listed ends at once.
  void revoke_serials(const std::vector<std::string>& serials);
  // Expires leases, reports discovered devices, frees old tables. Call a few times a second.
  void tick();
  // Replaces the inventory (rule reload) and republishes.
  void set_inventory(rules::Inventory inventory);

  // Events since the last call, for the control thread's RecordWriter.
  std::vector<ControlEvent> take_events();

  // Control answers (JSON values).
  std::string devices_json() const;
  std::string leases_json() const;

 private:
  struct Contact {
    dp::Mac mac{};
    std::uint16_t vlan = 0;
    Clock::time_point seen;
  };
  struct Discovery {
    dp::IdentityObservation last;
    Clock::time_point first_seen;
    bool reported = false;
  };
  void publish_locked();
  void event_locked(const std::string& name, const std::string& severity, const std::string& detail, const std::string& fields);
  crypto::AdmissionAnswer refuse_locked(const crypto::AdmissionRequest& r, crypto::Refusal why, const std::string& device,
                                        const std::string& detail);
  void end_lease_locked(std::map<std::string, IdentityLease>::iterator it, const std::string& name, const std::string& why);

  IdentitySettings settings_;
  rules::Inventory inventory_;
  dp::Snapshot<dp::IdentityTable>& table_;
  std::function<std::uint64_t()> dp_now_;
  NeighbourLookup neighbours_;
  mutable std::mutex mu_;
  std::map<std::string, IdentityLease> leases_;     // by device id
  std::map<std::string, Contact> contacts_;         // by IP text: latest frame towards the service
  std::map<std::string, Discovery> discovered_;     // by "mac ip"
  std::set<std::string> operator_revoked_;          // certificate serials revoked by command
  std::vector<ControlEvent> events_;
  std::uint64_t generation_ = 0;
};

}  // namespace fg::daemon
