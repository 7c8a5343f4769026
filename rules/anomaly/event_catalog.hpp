// Every event kind fieldguard raises, with its stable numeric id and whether it is a
// protocol conformance kind (whose action `anomaly.conformance` configures).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "protocols/common/anomaly.hpp"

namespace fg::anomaly {

struct CatalogEntry {
  std::uint16_t id;   // stable: never renumbered, retired ids are not reused (docs/ANOMALY.md)
  const proto::AnomalyKind* kind;
  bool conformance;   // raised by a parser or the app layer on malformed/out-of-spec traffic
};

// All entries, ordered by id.
std::span<const CatalogEntry> event_catalog() noexcept;
// The entry of a kind or name, or nullptr.
const CatalogEntry* find_event(const proto::AnomalyKind* kind) noexcept;
const CatalogEntry* find_event(std::string_view name) noexcept;

}  // namespace fg::anomaly
