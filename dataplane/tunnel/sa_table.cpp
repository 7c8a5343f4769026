#include "dataplane/tunnel/sa_table.hpp"
#include "protocols/common/wall_clock.hpp"

#include <cstring>

namespace fg::dp {

std::shared_ptr<SaState> make_sa_state(esp::SaSpec& spec, std::uint32_t workers, std::string& error) {
  auto s = std::make_shared<SaState>();
  s->spi = spec.spi;
  s->dir = spec.dir;
  s->esn = spec.esn;
  std::memcpy(s->salt, spec.salt.data(), sizeof s->salt);
  s->gcm.resize(workers == 0 ? 1 : workers);
  for (auto& g : s->gcm) {
    if (!g.init(spec.key.data(), spec.dir == esp::Direction::Out)) {
      esp::wipe(spec);
      error = "OpenSSL cannot set up AES-256-GCM";
      return nullptr;
    }
  }
  esp::wipe(spec);
  s->created_unix_ns = proto::unix_now_ns();
  return s;
}

}  // namespace fg::dp
