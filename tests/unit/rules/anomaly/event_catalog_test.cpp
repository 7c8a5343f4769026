// The event catalogue: stable, unique ids in their protocol's range; every name unique.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "protocols/dnp3/anomalies.hpp"
#include "protocols/opcua/anomalies.hpp"
#include "rules/anomaly/event_catalog.hpp"

using namespace fg::anomaly;

TEST_CASE("every event kind has a unique id and a unique name") {
  std::set<int> ids;
  std::set<std::string> names;
  for (const auto& e : event_catalog()) {
    CHECK(ids.insert(e.id).second);
    CHECK(names.insert(std::string(e.kind->name)).second);
  }
  CHECK(ids.size() >= 90);
}

TEST_CASE("ids sit in the range of their protocol and conformance kinds are the parsers'") {
  for (const auto& e : event_catalog()) {
    const std::string name(e.kind->name);
    const std::string prefix = name.substr(0, name.find('.'));
    INFO(name);
    if (name.find("non_conforming") != std::string::npos) CHECK((e.id >= 5001 && e.id < 6000));
    else if (prefix == "modbus") CHECK((e.id >= 1001 && e.id < 2000));
    else if (prefix == "s7comm") CHECK((e.id >= 2001 && e.id < 3000));
    else if (prefix == "opcua") CHECK((e.id >= 3001 && e.id < 4000));
    else if (prefix == "dnp3") CHECK((e.id >= 4001 && e.id < 5000));
    else if (prefix == "rate" || prefix == "baseline" || prefix == "behaviour") CHECK(e.id >= 8001);
    if (e.conformance) CHECK((prefix == "modbus" || prefix == "s7comm" || prefix == "opcua" || prefix == "dnp3"));
  }
}

TEST_CASE("kinds are found by name and by address") {
  const CatalogEntry* e = find_event("dnp3.bad_link_crc");
  REQUIRE(e != nullptr);
  CHECK(e->kind == &fg::dnp3::kBadLinkCrc);
  CHECK(find_event(&fg::dnp3::kBadLinkCrc) == e);
  CHECK(e->conformance);
  CHECK(find_event("dnp3.bad_link_cr") == nullptr);
}

TEST_CASE("responses to no request keep their published ids and are conformance kinds") {
  // Ids are a contract (docs/ANOMALY.md): these two were added after 3014 and 4012.
  const CatalogEntry* d = find_event(&fg::dnp3::kUnmatchedResponse);
  const CatalogEntry* o = find_event(&fg::opcua::kUnmatchedResponse);
  REQUIRE(d != nullptr);
  REQUIRE(o != nullptr);
  CHECK(d->id == 4013);
  CHECK(o->id == 3015);
  CHECK(d->conformance);
  CHECK(o->conformance);
  CHECK(find_event("dnp3.unmatched_response") == d);
  CHECK(find_event("opcua.unmatched_response") == o);
}
