// RFC 5424 messages in RFC 5425 octet-counted framing, and the reader of framed queue data.
#include <catch2/catch.hpp>

#include "daemon/export/syslog_message.hpp"

using namespace fg::daemon;

TEST_CASE("an audit record becomes an octet-counted RFC 5424 message with the record as MSG") {
  const std::string rec = R"({"frame":9,"ts":"2022-10-06T16:40:07.368415Z","proto":"modbus","seq":1})";
  const std::string f = frame_syslog({"gw-1", "4242"}, true, rec);
  const std::size_t sp = f.find(' ');
  const std::string msg = f.substr(sp + 1);
  CHECK(std::stoul(f.substr(0, sp)) == msg.size());
  // facility 13 (log audit), severity 6 (info): PRI 110
  CHECK(msg == "<110>1 2022-10-06T16:40:07.368415Z gw-1 fieldguardd 4242 audit - " + rec);
}

TEST_CASE("an event's severity sets the syslog severity (facility 4, security)") {
  const std::string high = frame_syslog({"gw", "1"}, false, R"({"ts":"2026-01-01T00:00:00.000000Z","severity":"high"})");
  CHECK(high.find(" <35>1 2026-01-01T00:00:00.000000Z gw fieldguardd 1 event - {") != std::string::npos);
  const std::string crit = frame_syslog({"gw", "1"}, false, R"({"ts":"x","severity":"critical"})");
  CHECK(crit.find("<34>1 ") != std::string::npos);
  const std::string none = frame_syslog({"", ""}, false, R"({"detail":"no time"})");
  CHECK(none.find("<38>1 ") != std::string::npos);  // info
  CHECK(none.find(" - fieldguardd - event - ") != std::string::npos);  // nil hostname and procid
}

TEST_CASE("complete_frames takes whole frames only and rejects what is not framing") {
  const std::string a = frame_syslog({"h", "1"}, true, "{\"a\":1}");
  const std::string b = frame_syslog({"h", "1"}, true, "{\"b\":2}");
  CHECK(complete_frames(a + b) == static_cast<long>(a.size() + b.size()));
  CHECK(complete_frames(a + b.substr(0, 5)) == static_cast<long>(a.size()));
  CHECK(complete_frames(a + "12") == static_cast<long>(a.size()));  // length still arriving
  CHECK(complete_frames("") == 0);
  CHECK(complete_frames("x12 abc") == -1);
  CHECK(complete_frames(a + "12x") == -1);
}
