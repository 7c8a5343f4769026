// Control-plane events are one JSON line each, with the extra members inside the object.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "daemon/export/record_writer.hpp"

using namespace fg::daemon;

TEST_CASE("a control event is written at once as one JSON object") {
  char path[] = "/tmp/fg-control-event-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    JsonlFile events;
    REQUIRE(events.open(path));
    RecordWriter w(nullptr, &events, FormatContext{});
    w.control_event({"identity", "identity.admitted", "info", "device plc-3 admitted for 300 s",
                     "\"device\":\"plc-3\",\"lease_s\":300"});
    w.control_event({"health", "health.worker_stalled", "high", "worker 1 made no progress", ""});
    std::ifstream in(path);
    std::string l1, l2;
    REQUIRE(std::getline(in, l1));
    REQUIRE(std::getline(in, l2));
    const YAML::Node a = YAML::Load(l1), b = YAML::Load(l2);
    CHECK(a["event"].as<std::string>() == "identity");
    CHECK(a["name"].as<std::string>() == "identity.admitted");
    CHECK(a["device"].as<std::string>() == "plc-3");
    CHECK(a["lease_s"].as<int>() == 300);
    CHECK(a["ts"].as<std::string>().size() == 27);
    CHECK(b["severity"].as<std::string>() == "high");
    CHECK(l1.front() == '{');
    CHECK(l1.back() == '}');
    CHECK(w.event_count() == 2);
  }
  std::remove(path);
}
