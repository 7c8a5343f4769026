// Conformance anomalies: a constexpr table entry per kind, reported with two numeric arguments.
#pragma once

#include <cstdint>
#include <string_view>

namespace fg::proto {

enum class Severity : std::uint8_t { Info, Low, Medium, High, Critical };

constexpr std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::Info: return "info";
    case Severity::Low: return "low";
    case Severity::Medium: return "medium";
    case Severity::High: return "high";
    case Severity::Critical: return "critical";
  }
  return "unknown";
}

// One kind of anomaly. Each protocol declares its kinds as `inline constexpr AnomalyKind`
// objects; their addresses are their identity, so events never carry strings on the hot path.
// `name` is "<proto>.<snake_case>"; `message` is a printf-like text where {0} and {1} stand for
// the two arguments of the occurrence (e.g. "declared length {0}, but {1} bytes follow").
struct AnomalyKind {
  std::string_view name;
  Severity severity;
  std::string_view message;
};

struct Anomaly {
  const AnomalyKind* kind = nullptr;
  std::int64_t arg0 = 0;
  std::int64_t arg1 = 0;
};

}  // namespace fg::proto
