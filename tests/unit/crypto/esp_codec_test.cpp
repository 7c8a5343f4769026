// ESP/AES-256-GCM codec: GCM known answers, RFC 4106 framing, padding and ESN AAD.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "crypto/esp/esp_codec.hpp"

using namespace fg::esp;

namespace {

std::vector<std::uint8_t> hex(const std::string& s) {
  std::vector<std::uint8_t> v;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return v;
}

}  // namespace

TEST_CASE("AES-256-GCM matches the GCM specification's test case 16 (McGrew-Viega)") {
  // The GCM spec's AES-256 vector with a 96-bit IV and 20 bytes of AAD.
  const auto key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const auto nonce = hex("cafebabefacedbaddecaf888");
  const auto aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  auto data = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const auto plain = data;
  const auto expect_ct = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
  const auto expect_tag = hex("76fc6ece0f4e1768cddf8853bb2d551b");
  GcmContext enc, dec;
  REQUIRE(enc.init(key.data(), true));
  REQUIRE(dec.init(key.data(), false));
  std::uint8_t tag[16];
  REQUIRE(enc.seal(nonce.data(), aad.data(), aad.size(), data.data(), data.size(), tag));
  CHECK(data == expect_ct);
  CHECK(std::vector<std::uint8_t>(tag, tag + 16) == expect_tag);
  // The same context seals again with the same result: only the nonce is reset per packet.
  auto again = plain;
  REQUIRE(enc.seal(nonce.data(), aad.data(), aad.size(), again.data(), again.size(), tag));
  CHECK(again == expect_ct);
  REQUIRE(dec.open(nonce.data(), aad.data(), aad.size(), data.data(), data.size(), tag));
  CHECK(data == plain);
  tag[15] ^= 1;
  CHECK_FALSE(dec.open(nonce.data(), aad.data(), aad.size(), again.data(), again.size(), tag));
}

TEST_CASE("an ESN packet matches one built independently with pyca/cryptography's AESGCM") {
  // Built in Python per RFC 4303/4106 (SPI 0x4321, seq 0x1_00000005, AAD SPI||seq hi||seq lo,
  // IV = seq, 2 padding bytes, next header 4) with a different AES-GCM implementation.
  std::uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<std::uint8_t>(i);
  const auto salt = hex("cafebabe");
  const auto payload = hex("4500001c000000004011000001020304050607080035003500080000");
  const auto expect = hex(
      "00004321000000050000000100000005a45f54f9563bcf54dc12f4df3119f9fadcde82f8a937efceb5c03e97c4db0125c05e551d6264da1427c30669f9348042");
  GcmContext enc, dec;
  REQUIRE(enc.init(key, true));
  REQUIRE(dec.init(key, false));
  std::vector<std::uint8_t> buf(kPrefixBytes + payload.size() + trailer_bytes(static_cast<std::uint32_t>(payload.size())));
  std::memcpy(buf.data() + kPrefixBytes, payload.data(), payload.size());
  SealParams p;
  p.spi = 0x4321;
  p.seq = 0x100000005ull;
  p.esn = true;
  p.salt = salt.data();
  const std::uint32_t len = seal(enc, p, buf.data(), static_cast<std::uint32_t>(payload.size()));
  REQUIRE(len == expect.size());
  CHECK(std::vector<std::uint8_t>(buf.begin(), buf.begin() + len) == expect);

  // Opened with the 32-bit AAD it fails: the high half of the ESN is authenticated.
  auto copy = buf;
  CHECK(open(dec, salt.data(), false, p.seq, copy.data(), len).status == OpenStatus::Auth);
  const Opened o = open(dec, salt.data(), true, p.seq, buf.data(), len);
  REQUIRE(o.status == OpenStatus::Ok);
  CHECK(o.next_header == kNextIpv4);
  CHECK(o.payload_len == payload.size());
  CHECK(std::memcmp(buf.data() + kPrefixBytes, payload.data(), payload.size()) == 0);
}

TEST_CASE("padding aligns payload, pad length and next header to 4 bytes for every payload length") {
  std::uint8_t key[32] = {7};
  const std::uint8_t salt[4] = {1, 2, 3, 4};
  GcmContext enc, dec;
  REQUIRE(enc.init(key, true));
  REQUIRE(dec.init(key, false));
  for (std::uint32_t n = 0; n < 12; ++n) {
    std::vector<std::uint8_t> buf(kPrefixBytes + n + trailer_bytes(n), 0xee);
    for (std::uint32_t i = 0; i < n; ++i) buf[kPrefixBytes + i] = static_cast<std::uint8_t>(i);
    SealParams p;
    p.spi = 0x1000;
    p.seq = n + 1;
    p.esn = false;
    p.salt = salt;
    p.next_header = kNextIpv6;
    const std::uint32_t len = seal(enc, p, buf.data(), n);
    REQUIRE(len == buf.size());
    CHECK((len - kPrefixBytes - kIcvBytes) % 4 == 0);
    Header h;
    REQUIRE(parse_header(buf.data(), len, h));
    CHECK(h.spi == 0x1000);
    CHECK(h.seq_low == n + 1);
    const Opened o = open(dec, salt, false, n + 1, buf.data(), len);
    REQUIRE(o.status == OpenStatus::Ok);
    CHECK(o.payload_len == n);
    CHECK(o.next_header == kNextIpv6);
  }
}

TEST_CASE("authentic packets with wrong padding bytes are reported as bad padding") {
  std::uint8_t key[32] = {9};
  const std::uint8_t salt[4] = {0};
  GcmContext enc, dec;
  REQUIRE(enc.init(key, true));
  REQUIRE(dec.init(key, false));
  // Seal by hand: payload 1 byte, padding {1, 9} (should be {1, 2}), pad length 2, next header 4.
  std::uint8_t pkt[kPrefixBytes + 5 + kIcvBytes] = {0, 0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  std::uint8_t* ct = pkt + kPrefixBytes;
  const std::uint8_t plain[5] = {0x45, 1, 9, 2, 4};
  std::memcpy(ct, plain, 5);
  std::uint8_t nonce[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::uint8_t aad[8] = {0, 0, 0x10, 0, 0, 0, 0, 1};
  REQUIRE(enc.seal(nonce, aad, 8, ct, 5, ct + 5));
  // 5 bytes of ciphertext is misaligned: the parser rejects it before any crypto.
  CHECK(open(dec, salt, false, 1, pkt, sizeof pkt).status == OpenStatus::Malformed);

  // Payload 45 00 11 needs padding 01 02 03; this one carries 01 02 09.
  std::uint8_t pkt2[kPrefixBytes + 8 + kIcvBytes] = {0, 0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::uint8_t body[8] = {0x45, 0x00, 0x11, 1, 2, 9, 3, 4};
  std::memcpy(pkt2 + kPrefixBytes, body, 8);
  REQUIRE(enc.seal(nonce, aad, 8, pkt2 + kPrefixBytes, 8, pkt2 + kPrefixBytes + 8));
  const Opened o = open(dec, salt, false, 1, pkt2, sizeof pkt2);
  CHECK(o.status == OpenStatus::BadPadding);

  // A pad length longer than the packet is bad padding too.
  const std::uint8_t body3[4] = {0x45, 0x00, 200, 4};
  std::uint8_t pkt3[kPrefixBytes + 4 + kIcvBytes] = {0, 0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  std::memcpy(pkt3 + kPrefixBytes, body3, 4);
  REQUIRE(enc.seal(nonce, aad, 8, pkt3 + kPrefixBytes, 4, pkt3 + kPrefixBytes + 4));
  CHECK(open(dec, salt, false, 1, pkt3, sizeof pkt3).status == OpenStatus::BadPadding);
}

TEST_CASE("truncated ESP packets are malformed at every length below the minimum") {
  std::uint8_t buf[64] = {};
  Header h;
  for (std::uint32_t len = 0; len < kPrefixBytes + 2 + kIcvBytes; ++len) CHECK_FALSE(parse_header(buf, len, h));
  CHECK(parse_header(buf, kPrefixBytes + 4 + kIcvBytes, h));
}
