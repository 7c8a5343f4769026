#include "rules/compiled/compile.hpp"

#include <algorithm>
#include <atomic>

namespace fg::rules {

namespace {

std::atomic<std::uint64_t> g_next_id{1};  // 0 means "not judged yet" in FlowPolicy

IndexKey key_of(const dp::IpAddr& a) {
  IndexKey k = 0;
  for (std::uint8_t b : a.bytes) k = k << 8 | b;
  return k;
}

void cidr_range(const Cidr& c, IndexKey& lo, IndexKey& hi) {
  const IndexKey all = ~IndexKey{0};
  const IndexKey host = c.prefix_bits >= 128 ? 0 : (c.prefix_bits == 0 ? all : (IndexKey{1} << (128 - c.prefix_bits)) - 1);
  lo = key_of(c.addr) & ~host;
  hi = lo | host;
}

void set_bit(std::vector<std::uint64_t>& bits, std::uint32_t i) { bits[i >> 6] |= 1ull << (i & 63); }

void fill_codes(CompiledRule& r, const FieldCondition& f) {
  if (!f.set) return;
  r.code_set = true;
  for (const Interval& iv : f.values.items())
    for (std::uint32_t v = iv.lo; v <= iv.hi && v <= 255; ++v) r.codes[v >> 6] |= 1ull << (v & 63);
}

}  // namespace

class RuleCompiler {
 public:
  static std::unique_ptr<const CompiledRules> run(const RuleSet& set, const CompileOptions& opt, RuleNames& names,
                                                  std::string& error) {
    if (set.rules.size() > kMaxRules) {
      error = std::to_string(set.rules.size()) + " rules, at most " + std::to_string(kMaxRules) + " can be compiled";
      return nullptr;
    }
    auto out = std::make_unique<CompiledRules>();
    CompiledRules& c = *out;
    c.id_ = g_next_id.fetch_add(1, std::memory_order_relaxed);
    c.default_action_ = set.default_action;
    const auto n = static_cast<std::uint32_t>(set.rules.size());
    c.words_ = (n + 63) / 64;
    c.flow_only_.assign(c.words_ + 1, 0);
    c.sectioned_.assign(c.words_ + 1, 0);
    for (IntervalIndex* ix : {&c.proto_, &c.src_addr_, &c.src_if_, &c.dst_addr_, &c.dst_if_, &c.src_port_, &c.dst_port_})
      ix->reset(n);
    c.rules_.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      const Rule& src = set.rules[i];
      CompiledRule r;
      r.action = src.action;
      r.section = src.section;
      r.direction = src.direction;
      r.log = src.log;
      r.protect = src.protect;
      r.rate_action = src.rate_action;
      r.rate_limit = src.rate_limit;
      r.rate_per_ns = src.rate_per_ns;
      r.name_id = names.intern(src.name);
      r.modbus = src.modbus;
      r.s7comm = src.s7comm;
      r.s7comm_plus = src.s7comm_plus;
      r.opcua = src.opcua;
      r.dnp3 = src.dnp3;
      switch (src.section) {
        case Section::Modbus: fill_codes(r, src.modbus.function); break;
        case Section::S7comm: fill_codes(r, src.s7comm.function); break;
        case Section::S7commPlus: fill_codes(r, src.s7comm_plus.opcode); break;
        case Section::Opcua: fill_codes(r, src.opcua.msg_type); break;
        case Section::Dnp3: fill_codes(r, src.dnp3.function); break;
        case Section::None: break;
      }
      r.ip_proto = src.ip_proto;
      r.src_port = src.src_port;
      r.dst_port = src.dst_port;
      endpoints(set, opt, src.from, r.from_any, r.from_cidrs, r.from_ifs);
      endpoints(set, opt, src.to, r.to_any, r.to_cidrs, r.to_ifs);

      if (r.ip_proto == 0) c.proto_.any(i);
      else c.proto_.add(i, r.ip_proto, r.ip_proto);
      side(i, r.from_any, r.from_cidrs, r.from_ifs, c.src_addr_, c.src_if_);
      side(i, r.to_any, r.to_cidrs, r.to_ifs, c.dst_addr_, c.dst_if_);
      ports(i, r.src_port, c.src_port_);
      ports(i, r.dst_port, c.dst_port_);
      if (r.section == Section::None) set_bit(c.flow_only_, i);
      else {
        set_bit(c.sectioned_, i);
        c.by_section_[static_cast<int>(r.section)].push_back(i);
      }
      c.rules_.push_back(std::move(r));
    }
    for (IntervalIndex* ix : {&c.proto_, &c.src_addr_, &c.src_if_, &c.dst_addr_, &c.dst_if_, &c.src_port_, &c.dst_port_})
      ix->build();
    return out;
  }

 private:
  static void endpoints(const RuleSet& set, const CompileOptions& opt, const std::vector<Endpoint>& list, bool& any,
                        std::vector<Cidr>& cidrs, std::uint64_t& ifs) {
    any = list.empty();
    for (const Endpoint& e : list) {
      switch (e.kind) {
        case Endpoint::Kind::Any: any = true; break;
        case Endpoint::Kind::Cidr: cidrs.push_back(e.cidr); break;
        case Endpoint::Kind::Device:
          if (const Device* d = set.inventory.find(e.name))
            for (const auto& ip : d->ips) cidrs.push_back(Cidr{ip, 128});
          break;
        case Endpoint::Kind::Zone:
          if (const Zone* z = set.find_zone(e.name))
            for (const std::string& port : z->ports) {
              const auto it = std::find(opt.port_names.begin(), opt.port_names.end(), port);
              const auto k = it - opt.port_names.begin();
              if (it != opt.port_names.end() && k < 64) ifs |= 1ull << k;
            }
          break;
      }
    }
  }

  static void side(std::uint32_t i, bool any, const std::vector<Cidr>& cidrs, std::uint64_t ifs, IntervalIndex& addr,
                   IntervalIndex& iface) {
    if (any) {
      addr.any(i);
      return;
    }
    for (const Cidr& cidr : cidrs) {
      IndexKey lo, hi;
      cidr_range(cidr, lo, hi);
      addr.add(i, lo, hi);
    }
    for (std::uint32_t k = 0; k < 64; ++k)
      if (ifs >> k & 1) iface.add(i, k, k);
  }

  static void ports(std::uint32_t i, const FieldCondition& f, IntervalIndex& ix) {
    if (!f.set) {
      ix.any(i);
      return;
    }
    for (const Interval& iv : f.values.items()) ix.add(i, iv.lo, iv.hi);
  }
};

std::unique_ptr<const CompiledRules> compile_rules(const RuleSet& set, const CompileOptions& opt, RuleNames& names,
                                                   std::string& error) {
  return RuleCompiler::run(set, opt, names, error);
}

RuleSet rule_set_from_acl(const Acl& acl) {
  RuleSet s;
  s.default_action = acl.default_action;
  s.default_given = true;
  for (const AclRule& a : acl.rules) {
    Rule r;
    r.name = a.name;
    r.action = a.action;
    r.ip_proto = a.ip_proto;
    if (a.src.prefix_bits != 0) r.from.push_back({Endpoint::Kind::Cidr, {}, a.src, {}});
    if (a.dst.prefix_bits != 0) r.to.push_back({Endpoint::Kind::Cidr, {}, a.dst, {}});
    if (a.sport.lo != 0 || a.sport.hi != 65535) {
      r.src_port.set = true;
      r.src_port.values.add(a.sport.lo, a.sport.hi);
    }
    if (a.dport.lo != 0 || a.dport.hi != 65535) {
      r.dst_port.set = true;
      r.dst_port.values.add(a.dport.lo, a.dport.hi);
    }
    s.rules.push_back(std::move(r));
  }
  return s;
}

}  // namespace fg::rules
