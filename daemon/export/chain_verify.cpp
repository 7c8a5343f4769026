#include "daemon/export/chain_verify.hpp"

#include <algorithm>
#include <fstream>

#include "daemon/export/hash_chain.hpp"
#include "daemon/export/seal_key.hpp"

namespace fg::daemon {

namespace {

struct Entry {
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t seq = 0;
  std::string prev;
  std::string hash;
  std::string sig;  // seal lines only
};

// The "sig" member of a seal line (`"event":"seal"`), or empty.
std::string seal_signature(const std::string& line) {
  if (line.find("\"event\":\"seal\"") == std::string::npos) return {};
  const std::size_t at = line.find("\"sig\":\"");
  if (at == std::string::npos) return {};
  const std::size_t end = line.find('"', at + 7);
  return end == std::string::npos ? std::string() : line.substr(at + 7, end - at - 7);
}

std::string where(const Entry& e) { return e.file + ":" + std::to_string(e.line); }

// What became of the numbers strictly between `after` and `before`, given every number
// present anywhere (sorted, unique). Binary searches only: a tampered file can claim a gap
// of 2^64 numbers, so walking the gap one number at a time would never finish.
struct Gap {
  std::uint64_t moved = 0;                  // numbers present elsewhere in the files
  std::uint64_t gone_from = 0, gone_to = 0;  // first and last number present nowhere; 0 if none
};

Gap inspect_gap(const std::vector<std::uint64_t>& present, std::uint64_t after, std::uint64_t before) {
  Gap g;
  const std::size_t lo = std::upper_bound(present.begin(), present.end(), after) - present.begin();
  const std::size_t hi = std::lower_bound(present.begin() + lo, present.end(), before) - present.begin();
  g.moved = hi - lo;
  if (g.moved == before - after - 1) return g;
  // How many of [lo, hi) satisfy `pred` of their index, for a pred that holds on a prefix.
  // partition_point hands it references into `present`, so an address gives the index.
  const auto count_where = [&](auto pred) {
    const auto at = std::partition_point(present.begin() + lo, present.begin() + hi, [&](const std::uint64_t& v) {
      return pred(static_cast<std::size_t>(&v - present.data()));
    });
    return static_cast<std::size_t>(at - (present.begin() + lo));
  };
  // Present numbers strictly increase, so those sitting exactly where they would if nothing
  // below them were missing form a prefix of [lo, hi); the first gone number follows them.
  const std::size_t packed_low = lo + count_where([&](std::size_t i) { return present[i] == after + 1 + (i - lo); });
  g.gone_from = after + 1 + (packed_low - lo);
  // Symmetrically, a suffix of [lo, hi) is packed against `before`.
  const std::size_t packed_high = lo + count_where([&](std::size_t i) { return present[i] + (hi - i) < before; });
  g.gone_to = before - 1 - (hi - packed_high);
  return g;
}

}  // namespace

ChainReport verify_chain(const std::vector<std::string>& files, const SealKey* key) {
  ChainReport rep;
  std::vector<Entry> entries;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) {
      rep.problems.push_back({file, 0, "unreadable", file + ": cannot read the file"});
      continue;
    }
    std::string line;
    for (std::uint64_t n = 1; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      const auto f = parse_chain_fields(line);
      if (!f) {
        rep.problems.push_back({file, n, "edited", file + ":" + std::to_string(n) +
                                                       ": not a chained record (no \"seq\"/\"prev\" at its end): edited or inserted"});
        continue;
      }
      entries.push_back({file, n, f->seq, f->prev, sha256_hex(line), seal_signature(line)});
    }
  }
  std::vector<std::uint64_t> seqs;
  seqs.reserve(entries.size());
  for (const auto& e : entries) seqs.push_back(e.seq);
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    ++rep.records;
    if (i == 0) {
      rep.first_seq = e.seq;
      if (e.seq == 1 && e.prev != kGenesisHash)
        rep.problems.push_back({e.file, e.line, "edited", where(e) + ": record 1 does not start the chain"});
    } else {
      const Entry& p = entries[i - 1];
      if (e.seq == p.seq + 1) {
        if (e.prev != p.hash)
          rep.problems.push_back({p.file, p.line, "edited", where(p) + ": record " + std::to_string(p.seq) +
                                                                 " was edited (its hash is not the one record " +
                                                                 std::to_string(e.seq) + " at " + where(e) + " chains to)"});
      } else if (e.seq <= p.seq) {
        rep.problems.push_back({e.file, e.line, "reordered", where(e) + ": record " + std::to_string(e.seq) +
                                                                 " comes after record " + std::to_string(p.seq) + " (reordered)"});
      } else {
        // A gap: the missing numbers are elsewhere (moved) or gone (deleted).
        const auto [moved, gone_from, gone_to] = inspect_gap(seqs, p.seq, e.seq);
        if (gone_from != 0) {
          const std::string range = gone_from == gone_to ? "record " + std::to_string(gone_from)
                                                         : "records " + std::to_string(gone_from) + "-" + std::to_string(gone_to);
          rep.problems.push_back({e.file, e.line, "deleted", range + " deleted between " + where(p) + " and " + where(e)});
        }
        if (moved != 0)
          rep.problems.push_back({e.file, e.line, "reordered", where(e) + ": record " + std::to_string(e.seq) +
                                                                   " comes right after record " + std::to_string(p.seq) +
                                                                   " (reordered)"});
      }
    }
    if (!e.sig.empty()) {
      ++rep.seals;
      if (key != nullptr && key->loaded()) {
        if (key->verify(seal_message(e.seq, e.prev), e.sig)) rep.last_sealed_seq = e.seq;
        else rep.problems.push_back({e.file, e.line, "bad_seal", where(e) + ": seal " + std::to_string(e.seq) +
                                                                     " does not verify: the records before it were rewritten, or another key signed it"});
      }
    }
    rep.last_seq = e.seq;
  }
  return rep;
}

}  // namespace fg::daemon
