#include "daemon/update/bundle_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "protocols/common/json_writer.hpp"

namespace fg::update {

namespace {

namespace fs = std::filesystem;

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

bool fsync_path(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = sys_error(path);
    return false;
  }
  const bool ok = ::fsync(fd) == 0;
  if (!ok) error = sys_error("fsync " + path);
  ::close(fd);
  return ok;
}

bool write_fd_all(int fd, std::span<const std::uint8_t> data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Creates `path` fresh, writes, fsyncs (no rename: the caller renames the directory holding it).
// `mode` 0600 for secrets (tunnel keys: the SA file reader refuses a file others may read).
bool write_new_file(const std::string& path, std::span<const std::uint8_t> data, std::string& error,
                    mode_t mode = 0640) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    error = sys_error(path);
    return false;
  }
  const bool ok = write_fd_all(fd, data) && ::fsync(fd) == 0;
  if (!ok) error = sys_error("write " + path);
  ::close(fd);
  return ok;
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool parse_version(const std::string& s, std::uint64_t& v) {
  if (s.empty() || s.size() > 19) return false;
  v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

bool write_file_durably(const std::string& path, std::span<const std::uint8_t> data, std::string& error) {
  const std::string tmp = path + ".tmp";
  if (!write_new_file(tmp, data, error)) return false;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = sys_error("rename " + tmp);
    return false;
  }
  return fsync_path(fs::path(path).parent_path().string(), error);
}

bool read_whole_file(const std::string& path, std::vector<std::uint8_t>& out, std::uint64_t max_bytes, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = sys_error(path);
    return false;
  }
  out.clear();
  std::uint8_t buf[65536];
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = sys_error(path);
      ok = false;
      break;
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
      ok = false;
      break;
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return ok;
}

bool BundleStore::open(std::string& error) {
  std::error_code ec;
  for (const char* sub : {"", "/bundles", "/staging"}) {
    fs::create_directories(root_ + sub, ec);
    if (ec) {
      error = root_ + sub + ": " + ec.message();
      return false;
    }
  }
  // Whatever is in staging was never reachable from `current`: a download or an install cut
  // short. It is safe to drop.
  for (const auto& e : fs::directory_iterator(staging_dir(), ec)) fs::remove_all(e.path(), ec);
  for (const char* link : {"/current.tmp", "/previous.tmp"}) fs::remove(root_ + link, ec);
  return true;
}

bool BundleStore::install(const VerifiedBundle& b, InstalledBundle& out, std::string& error) {
  const std::string name = std::to_string(b.manifest.version);
  const std::string tmp = staging_dir() + "/" + name + ".install";
  const std::string dst = root_ + "/bundles/" + name;
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec)) {
    error = tmp + ": " + (ec ? ec.message() : "exists");
    return false;
  }
  for (std::size_t i = 0; i < b.files.size(); ++i)
    if (!write_new_file(tmp + "/" + b.manifest.files[i].name, b.files[i], error,
                        b.manifest.files[i].role == FileRole::TunnelKeys ? 0600 : 0640))
      return false;
  if (!write_new_file(tmp + "/manifest.json", bytes_of(b.manifest_text), error)) return false;
  if (!fsync_path(tmp, error)) return false;
  // A directory of this version can exist only from a try that never became current (a
  // higher version is always new): replace it.
  std::string cur_error;
  if (auto cur = current(cur_error); cur && cur->version == b.manifest.version) {
    error = "bundle " + name + " is the current bundle";
    return false;
  }
  fs::remove_all(dst, ec);
  if (::rename(tmp.c_str(), dst.c_str()) != 0) {
    error = sys_error("rename " + tmp);
    return false;
  }
  if (!fsync_path(root_ + "/bundles", error) || !fsync_path(staging_dir(), error)) return false;
  out.version = b.manifest.version;
  out.dir = dst;
  out.manifest = b.manifest;
  return true;
}

bool BundleStore::point(const char* name, const std::string& target, std::string& error) {
  const std::string link = root_ + "/" + name;
  const std::string tmp = link + ".tmp";
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0) {
    error = sys_error("symlink " + tmp);
    return false;
  }
  // rename(2) replaces the old link atomically: readers see the old or the new target.
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    error = sys_error("rename " + tmp);
    return false;
  }
  return fsync_path(root_, error);
}

bool BundleStore::activate(std::uint64_t version, std::string& error) {
  char target[256];
  const ssize_t n = ::readlink((root_ + "/current").c_str(), target, sizeof target - 1);
  if (n > 0) {
    target[n] = 0;
    if (!point("previous", target, error)) return false;
  }
  return point("current", "bundles/" + std::to_string(version), error);
}

bool BundleStore::revert(std::string& error) {
  char target[256];
  const ssize_t n = ::readlink((root_ + "/previous").c_str(), target, sizeof target - 1);
  if (n <= 0) {
    // The first bundle ever: rolling back means the config as written, without a bundle.
    if (::unlink((root_ + "/current").c_str()) != 0) {
      error = "there is no bundle to roll back from";
      return false;
    }
    return fsync_path(root_, error);
  }
  target[n] = 0;
  if (!point("current", target, error)) return false;
  ::unlink((root_ + "/previous").c_str());
  return fsync_path(root_, error);
}

void BundleStore::prune() {
  std::error_code ec;
  std::vector<std::string> keep;
  for (const char* link : {"/current", "/previous"}) {
    const fs::path t = fs::read_symlink(root_ + link, ec);
    if (!ec) keep.push_back(t.filename().string());
  }
  for (const auto& e : fs::directory_iterator(root_ + "/bundles", ec))
    if (std::find(keep.begin(), keep.end(), e.path().filename().string()) == keep.end()) fs::remove_all(e.path(), ec);
}

std::optional<InstalledBundle> BundleStore::read_link(const char* name, std::string& error) const {
  char target[256];
  const ssize_t n = ::readlink((root_ + "/" + name).c_str(), target, sizeof target - 1);
  if (n <= 0) return std::nullopt;  // no bundle installed: not an error
  target[n] = 0;
  const std::string t(target);
  InstalledBundle b;
  if (t.rfind("bundles/", 0) != 0 || !parse_version(t.substr(8), b.version)) {
    error = root_ + "/" + name + ": unexpected link target \"" + t + "\"";
    return std::nullopt;
  }
  b.dir = root_ + "/" + t;
  std::vector<std::uint8_t> text;
  if (!read_whole_file(b.dir + "/manifest.json", text, 1 << 20, error)) return std::nullopt;
  daemon::Diagnostics diag;
  if (!parse_manifest(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), b.dir + "/manifest.json",
                      b.manifest, diag)) {
    error = diag.str();
    return std::nullopt;
  }
  for (const auto& f : b.manifest.files) {
    std::vector<std::uint8_t> data;
    if (!read_whole_file(b.path_of(f), data, f.size, error)) return std::nullopt;
    if (data.size() != f.size || sha256(data) != f.sha256) {
      error = b.path_of(f) + ": does not match the SHA-256 in its manifest";
      return std::nullopt;
    }
  }
  return b;
}

bool BundleStore::load_state(StoreState& out, std::string& error) const {
  const std::string path = root_ + "/state.json";
  std::vector<std::uint8_t> text;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    out = {};
    return true;
  }
  if (!read_whole_file(path, text, 1 << 20, error)) return false;
  try {
    const YAML::Node n = YAML::Load(std::string(text.begin(), text.end()));
    StoreState s;
    s.highest_version = n["highest_version"].as<std::uint64_t>(0);
    s.trial_version = n["trial_version"] ? n["trial_version"].as<std::uint64_t>(0) : 0;
    if (n["added_keys"])
      for (const auto& k : n["added_keys"]) {
        PublicKey pk{};
        if (from_hex(k.as<std::string>(), pk)) s.added_keys.push_back(pk);
      }
    if (n["revoked_keys"])
      for (const auto& k : n["revoked_keys"]) {
        KeyId id{};
        if (from_hex(k.as<std::string>(), id)) s.revoked_keys.push_back(id);
      }
    out = std::move(s);
    return true;
  } catch (const YAML::Exception& e) {
    error = path + ": " + e.what();
    return false;
  }
}

bool BundleStore::save_state(const StoreState& s, std::string& error) {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object().field("highest_version", s.highest_version).field("trial_version", s.trial_version);
  w.key("added_keys").begin_array();
  for (const auto& k : s.added_keys) w.value(to_hex(k));
  w.end_array().key("revoked_keys").begin_array();
  for (const auto& k : s.revoked_keys) w.value(to_hex(k));
  w.end_array().end_object();
  out += '\n';
  return write_file_durably(root_ + "/state.json", bytes_of(out), error);
}

}  // namespace fg::update
