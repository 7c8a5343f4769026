// DNP3 audit line member: field names follow the audit contract (tshark field in comments).
#include "protocols/dnp3/dnp3.hpp"

namespace fg::dnp3 {

void write_json(const Record& r, proto::JsonWriter& w) {
  w.key("dnp3").begin_object();
  w.field("link_src", unsigned{r.link_src});        // dnp3.src
  w.field("link_dst", unsigned{r.link_dst});        // dnp3.dst
  w.field("link_function", unsigned{r.link_function});  // dnp3.ctl.prifunc / secfunc
  w.field("prm", r.prm);                            // dnp3.ctl.prm
  w.field("dir", r.dir);                            // dnp3.ctl.dir
  w.field(r.prm ? "fcb" : "dfc", r.prm ? r.fcb : r.fcv_dfc);
  if (r.prm) w.field("fcv", r.fcv_dfc);
  w.field("length", unsigned{r.length});            // dnp3.len
  w.field("crc_ok", r.crc_ok);
  if (r.has_transport) {
    w.field("transport_fir", r.transport_fir);      // dnp3.tr.fir
    w.field("transport_fin", r.transport_fin);      // dnp3.tr.fin
    w.field("transport_seq", unsigned{r.transport_seq});  // dnp3.tr.seq
  }
  if (r.has_app) {
    w.field("app_control", unsigned{r.app_control});      // dnp3.al.ctl
    w.field("app_seq", unsigned{r.app_control & 0x0fU});  // dnp3.al.seq
    w.field("fir", (r.app_control & 0x80) != 0);
    w.field("fin", (r.app_control & 0x40) != 0);
    w.field("con", (r.app_control & 0x20) != 0);          // dnp3.al.con
    w.field("uns", (r.app_control & 0x10) != 0);          // dnp3.al.uns
    w.field("app_function", unsigned{r.app_function});    // dnp3.al.func
    if (r.has_iin) w.field("iin", unsigned{r.iin});       // dnp3.al.iin
    w.key("objects").begin_array();
    for (std::uint8_t i = 0; i < r.object_count && i < kMaxObjects; ++i) {
      const ObjectHeader& o = r.objects[i];
      w.begin_object();
      w.field("group", unsigned{o.group}).field("variation", unsigned{o.variation});
      w.field("qualifier", unsigned{o.qualifier});
      if (o.has_range && o.range_is_count) w.field("count", std::uint64_t{o.count});
      if (o.has_range && !o.range_is_count) {
        w.field("start", std::uint64_t{o.start}).field("stop", std::uint64_t{o.stop});
      }
      w.end_object();
    }
    w.end_array();
    if (r.objects_incomplete) w.field("objects_incomplete", true);
    if (r.objects_truncated) w.field("objects_truncated", true);
    if (r.objects_malformed) w.field("objects_malformed", true);
  }
  w.end_object();
}

}  // namespace fg::dnp3
