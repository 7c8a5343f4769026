// Installed bundles on disk, laid out so that a crash at any instant leaves the gateway on
// one complete bundle:
//
//   <root>/staging/             downloads and half-written bundles (emptied at start)
//   <root>/bundles/<version>/   complete bundles: their files and manifest.json
//   <root>/current -> bundles/N the bundle in force (a symlink replaced by rename(2))
//   <root>/previous -> bundles/M the one before, for rollback
//   <root>/state.json           highest version seen, console keys added/revoked by rotation
//
// Every file and directory is fsync'd before the rename that makes it reachable.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daemon/update/bundle_verify.hpp"
#include "daemon/update/manifest.hpp"

namespace fg::update {

struct InstalledBundle {
  std::uint64_t version = 0;
  std::string dir;  // absolute
  Manifest manifest;
  [[nodiscard]] std::string path_of(const ManifestFile& f) const { return dir + "/" + f.name; }
};

struct StoreState {
  std::uint64_t highest_version = 0;
  // A bundle made current whose health check has not passed yet (0: none). If the daemon
  // restarts with it still current, the trial was cut short and the previous bundle returns.
  std::uint64_t trial_version = 0;
  std::vector<PublicKey> added_keys;
  std::vector<KeyId> revoked_keys;
};

class BundleStore {
 public:
  explicit BundleStore(std::string root) : root_(std::move(root)) {}

  // Creates the directories and empties staging/.
  bool open(std::string& error);
  [[nodiscard]] const std::string& root() const noexcept { return root_; }
  [[nodiscard]] std::string staging_dir() const { return root_ + "/staging"; }

  // Writes a verified bundle's files to bundles/<version>/ (through staging/, fsync'd).
  bool install(const VerifiedBundle& b, InstalledBundle& out, std::string& error);
  // previous := current; current := bundles/<version>.
  bool activate(std::uint64_t version, std::string& error);
  // current := previous; previous is removed. Without a previous bundle, current is removed
  // (the config as written applies). False when there is no bundle at all.
  bool revert(std::string& error);
  // Removes bundle directories other than current and previous.
  void prune();

  // The bundle a link names, re-checked against its manifest (sizes and SHA-256): a bundle
  // damaged on disk is reported in `error` rather than half-used.
  std::optional<InstalledBundle> current(std::string& error) const { return read_link("current", error); }
  std::optional<InstalledBundle> previous(std::string& error) const { return read_link("previous", error); }

  bool load_state(StoreState& out, std::string& error) const;
  bool save_state(const StoreState& s, std::string& error);

 private:
  std::optional<InstalledBundle> read_link(const char* name, std::string& error) const;
  bool point(const char* name, const std::string& target, std::string& error);

  std::string root_;
};

// Writes `data` to `path` through a temporary file, fsync'd, renamed, directory fsync'd.
bool write_file_durably(const std::string& path, std::span<const std::uint8_t> data, std::string& error);
bool read_whole_file(const std::string& path, std::vector<std::uint8_t>& out, std::uint64_t max_bytes, std::string& error);

}  // namespace fg::update
