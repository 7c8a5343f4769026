#include "daemon/export/jsonl_file.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "daemon/export/record_format.hpp"
#include "daemon/export/seal_key.hpp"
#include "protocols/common/json_writer.hpp"
#include "protocols/common/wall_clock.hpp"

namespace fg::daemon {

namespace {

std::uint64_t mono_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
}

}  // namespace

std::string last_chained_line_of(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) return {};
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  const long from = size > 65536 ? size - 65536 : 0;
  std::fseek(f, from, SEEK_SET);
  std::string buf(static_cast<std::size_t>(size - from), '\0');
  buf.resize(std::fread(buf.data(), 1, buf.size(), f));
  std::fclose(f);
  // From the end: a torn last line (a crash mid-write) is skipped, the chain goes on from
  // the last whole record.
  std::size_t end = buf.size();
  while (end > 0) {
    const std::size_t nl = buf.rfind('\n', end - 1);
    const std::size_t start = nl == std::string::npos ? 0 : nl + 1;
    if (start == 0 && from != 0) break;  // a line cut by the 64 KiB window
    const std::string line = buf.substr(start, end - start);
    if (parse_chain_fields(line)) return line;
    if (nl == std::string::npos) break;
    end = nl;
  }
  return {};
}

bool JsonlFile::open(const std::string& path, const StreamOptions& opt) {
  close();
  opt_ = opt;
  path_ = path;
  tail_ = RecordTail(opt.tail_lines);
  if (path == "-") {
    f_ = stdout;
    owned_ = false;
  } else {
    if (opt_.chain) {
      std::string last = last_chained_line_of(path);
      if (last.empty()) last = last_chained_line_of(path + ".1");
      chain_.resume(last);
    }
    f_ = std::fopen(path.c_str(), "ae");
    owned_ = f_ != nullptr;
    if (f_ == nullptr) return false;
    // A torn last line gets its newline, so the next record starts a line of its own (the
    // verifier reports the torn one).
    struct stat before{};
    if (::fstat(fileno(f_), &before) == 0 && before.st_size > 0) {
      std::FILE* r = std::fopen(path.c_str(), "re");
      if (r != nullptr) {
        std::fseek(r, -1, SEEK_END);
        const int c = std::fgetc(r);
        std::fclose(r);
        if (c != '\n') std::fputc('\n', f_);
      }
    }
    ::fchmod(fileno(f_), 0640);  // records name devices and values: not for everyone
    struct stat st{};
    size_ = ::fstat(fileno(f_), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  last_seal_ns_ = mono_ns();
  return true;
}

void JsonlFile::write(const std::string& lines) {
  if (f_ == nullptr || lines.empty()) return;
  std::size_t at = 0;
  while (at < lines.size()) {
    std::size_t nl = lines.find('\n', at);
    if (nl == std::string::npos) nl = lines.size();
    if (nl > at) write_line(std::string_view(lines).substr(at, nl - at));
    at = nl + 1;
  }
}

void JsonlFile::write_line(std::string_view text) {
  // Rotate before stamping: a seal written by the rotation must come before this record in
  // the chain. 100 bytes cover the chain members, 400 the seal that closes the file.
  const std::uint64_t reserve = 100 + (opt_.seal_key != nullptr ? 400 : 0);
  if (opt_.max_size > 0 && owned_ && size_ > 0 && size_ + text.size() + reserve > opt_.max_size) rotate();
  if (f_ == nullptr) return;
  // Only now into the reused buffer: the seal a rotation writes goes through here too.
  std::string& line = line_;
  line.assign(text);
  std::uint64_t seq;
  if (opt_.chain) {
    seq = chain_.next_seq();
    chain_.stamp(line);
    ++unsealed_;
  } else {
    seq = ++plain_seq_;
  }
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fputc('\n', f_);
  size_ += line.size() + 1;
  if (opt_.forward) opt_.forward(line);
  tail_.add(seq, line);
}

void JsonlFile::seal() {
  if (f_ == nullptr || !opt_.chain || opt_.seal_key == nullptr || unsealed_ == 0) return;
  const std::uint64_t seq = chain_.next_seq();
  std::string line;
  proto::JsonWriter w(line);
  w.begin_object().field("ts", format_time(proto::unix_now_ns())).field("event", "seal").field("name", opt_.name + ".seal");
  w.field("records", unsealed_).field("key_id", opt_.seal_key->key_id());
  w.field("sig", opt_.seal_key->sign(seal_message(seq, chain_.last_hash())));
  w.end_object();
  unsealed_ = 0;  // before write_line: the seal itself is not a record awaiting one
  write_line(line);
  unsealed_ = 0;
  last_seal_ns_ = mono_ns();
}

void JsonlFile::rotate() {
  // The old file ends sealed, so it verifies on its own; the chain goes on in the new one.
  if (opt_.seal_key != nullptr && unsealed_ > 0) {
    const std::uint64_t max = opt_.max_size;
    opt_.max_size = 0;  // no rotation from inside the seal
    seal();
    opt_.max_size = max;
  }
  std::fclose(f_);
  std::error_code ec;
  namespace fs = std::filesystem;
  if (opt_.keep == 0) {
    fs::remove(path_, ec);
  } else {
    fs::remove(path_ + "." + std::to_string(opt_.keep), ec);
    for (std::uint32_t i = opt_.keep; i > 1; --i)
      fs::rename(path_ + "." + std::to_string(i - 1), path_ + "." + std::to_string(i), ec);
    fs::rename(path_, path_ + ".1", ec);
  }
  f_ = std::fopen(path_.c_str(), "ae");
  if (f_ != nullptr) ::fchmod(fileno(f_), 0640);
  owned_ = f_ != nullptr;
  size_ = 0;
  ++rotations_;
}

void JsonlFile::flush() {
  if (f_ == nullptr) return;
  if (opt_.seal_key != nullptr && unsealed_ > 0 && mono_ns() - last_seal_ns_ >= opt_.seal_interval_ns) seal();
  std::fflush(f_);
}

void JsonlFile::close() {
  if (f_ != nullptr) {
    seal();
    std::fflush(f_);
    if (owned_) std::fclose(f_);
  }
  f_ = nullptr;
  owned_ = false;
}

}  // namespace fg::daemon
