#include "daemon/export/hash_chain.hpp"

#include <openssl/evp.h>

#include <charconv>

namespace fg::daemon {

namespace {

// OpenSSL 3 looks an algorithm up on every EVP_Digest(..., EVP_sha256()): fetching it once and
// reusing one context per thread more than halves the cost of a record's hash.
struct Sha256 {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Sha256() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

}  // namespace

// Writes the 64 hex digits of SHA-256(text) over `out`'s characters (resized to 64 once).
void sha256_hex_into(std::string_view text, std::string& out) {
  thread_local Sha256 h;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestInit_ex2(h.ctx, h.md, nullptr);
  EVP_DigestUpdate(h.ctx, text.data(), text.size());
  EVP_DigestFinal_ex(h.ctx, md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  out.resize(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
}

std::string sha256_hex(std::string_view text) {
  std::string out;
  sha256_hex_into(text, out);
  return out;
}

std::optional<ChainFields> parse_chain_fields(std::string_view line) {
  // ...,"seq":123,"prev":"<64 hex>"}
  constexpr std::string_view kPrev = ",\"prev\":\"";
  if (line.size() < 64 + kPrev.size() + 2 || line.substr(line.size() - 2) != "\"}") return std::nullopt;
  const std::size_t hex_at = line.size() - 2 - 64;
  if (line.substr(hex_at - kPrev.size(), kPrev.size()) != kPrev) return std::nullopt;
  ChainFields f;
  f.prev = std::string(line.substr(hex_at, 64));
  for (char c : f.prev)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  const std::string_view head = line.substr(0, hex_at - kPrev.size());
  const std::size_t at = head.rfind(",\"seq\":");
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view num = head.substr(at + 7);
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), f.seq);
  if (ec != std::errc{} || p != num.data() + num.size()) return std::nullopt;
  return f;
}

std::string seal_message(std::uint64_t seq, std::string_view prev_hex) {
  return "fieldguard-seal-v1\n" + std::to_string(seq) + "\n" + std::string(prev_hex);
}

void HashChain::resume(std::string_view last_line) {
  if (auto f = parse_chain_fields(last_line)) {
    next_seq_ = f->seq + 1;
    last_hash_ = sha256_hex(last_line);
  } else {
    next_seq_ = 1;
    last_hash_ = std::string(kGenesisHash);
  }
}

void HashChain::stamp(std::string& line) {
  if (line.empty() || line.back() != '}') return;
  line.pop_back();
  // Appended piece by piece into the line's own buffer: this runs for every record written.
  if (line.size() > 1) line += ',';
  line += "\"seq\":";
  char num[24];
  line.append(num, std::to_chars(num, num + sizeof num, next_seq_).ptr);
  line += ",\"prev\":\"";
  line += last_hash_;
  line += "\"}";
  sha256_hex_into(line, last_hash_);
  ++next_seq_;
}

}  // namespace fg::daemon
