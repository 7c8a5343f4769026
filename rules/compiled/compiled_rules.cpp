#include "rules/compiled/compiled_rules.hpp"

#include "rules/compiled/pdu_match.hpp"

namespace fg::rules {

namespace {

IndexKey key_of(const dp::IpAddr& a) noexcept {
  IndexKey k = 0;
  for (std::uint8_t b : a.bytes) k = k << 8 | b;
  return k;
}

}  // namespace

std::size_t CompiledRules::index_bytes() const noexcept {
  return proto_.bytes() + src_addr_.bytes() + src_if_.bytes() + dst_addr_.bytes() + dst_if_.bytes() +
         src_port_.bytes() + dst_port_.bytes() + (flow_only_.size() + sectioned_.size()) * 8;
}

void CompiledRules::judge_flow(const FlowTuple& t, FlowPolicy& fp) const noexcept {
  fp.set_id = id_;
  fp.tuple = t;
  fp.fallthrough = 0;
  fp.count = 0;
  fp.overflow = false;
  for (RateBucket& b : fp.buckets) b = RateBucket{};
  auto p = proto_.lookup(t.ip_proto);
  auto sa = src_addr_.lookup(key_of(t.client));
  auto si = src_if_.lookup(t.client_if);
  auto da = dst_addr_.lookup(key_of(t.server));
  auto di = dst_if_.lookup(t.server_if);
  auto sp = src_port_.lookup(t.client_port);
  auto dpt = dst_port_.lookup(t.server_port);
  // One pass in rule order: the first rule without a protocol section decides the flow;
  // protocol rules before it are the candidates for its PDUs.
  for (std::uint32_t w = 0; w < words_; ++w) {
    // The server side first: it is the most selective in real rule sets, and a zero word
    // skips the other dimensions.
    std::uint64_t x = da.word(w) | di.word(w);
    if (x == 0) continue;
    x &= sa.word(w) | si.word(w);
    if (x == 0) continue;
    x &= p.word(w) & sp.word(w) & dpt.word(w);
    if (x == 0) continue;
    const std::uint64_t decisive = x & flow_only_[w];
    const std::uint64_t below = decisive != 0 ? (decisive & (~decisive + 1)) - 1 : ~0ull;
    for (std::uint64_t c = x & sectioned_[w] & below; c != 0; c &= c - 1) {
      const auto idx = static_cast<std::uint16_t>(w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(c)));
      if (fp.count < kMaxFlowCandidates) fp.cand[fp.count++] = idx;
      else fp.overflow = true;
    }
    if (decisive != 0) {
      fp.fallthrough = w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(decisive)) + 1;
      break;
    }
  }
  if (fp.fallthrough != 0) {
    const CompiledRule& r = rules_[fp.fallthrough - 1];
    fp.fall_action = r.action;
    fp.fall_rule = r.name_id;
    fp.protect = r.protect;
    fp.fall_log = r.log;
  } else {
    fp.fall_action = default_action_;
    fp.fall_rule = 0;
    fp.protect = false;
    fp.fall_log = false;
  }
}

bool CompiledRules::l34_matches(const CompiledRule& r, const FlowTuple& t) const noexcept {
  if (r.ip_proto != 0 && r.ip_proto != t.ip_proto) return false;
  if (!r.src_port.holds(t.client_port) || !r.dst_port.holds(t.server_port)) return false;
  auto side = [](bool any, const std::vector<Cidr>& cidrs, std::uint64_t ifs, const dp::IpAddr& a, std::uint8_t i) {
    if (any) return true;
    if (i < 64 && (ifs >> i & 1)) return true;
    for (const Cidr& c : cidrs)
      if (c.contains(a)) return true;
    return false;
  };
  return side(r.from_any, r.from_cidrs, r.from_ifs, t.client, t.client_if) &&
         side(r.to_any, r.to_cidrs, r.to_ifs, t.server, t.server_if);
}

Decision CompiledRules::decide(std::uint32_t idx, FlowPolicy& fp, std::uint64_t now_ns, MatchStats& st) const noexcept {
  const CompiledRule& r = rules_[idx];
  Decision d{.action = r.action, .judged = true, .log = r.log, .rule = r.name_id};
  if (r.rate_limit == 0) return d;
  // Token bucket per rule per flow: capacity `limit` matches, refilled at limit per period.
  const std::uint64_t cost = r.rate_per_ns;
  const std::uint64_t capacity = std::uint64_t{r.rate_limit} * cost;
  RateBucket* b = nullptr;
  for (RateBucket& x : fp.buckets) {
    if (x.rule == idx + 1) { b = &x; break; }
    if (x.rule == 0 && b == nullptr) b = &x;
  }
  if (b == nullptr) {
    ++st.rate_untracked;
    return d;
  }
  if (b->rule == 0) {
    b->rule = idx + 1;
    b->tokens = capacity;
  } else {
    std::uint64_t elapsed = now_ns > b->last_ns ? now_ns - b->last_ns : 0;
    if (elapsed > cost) elapsed = cost;  // a full period refills everything; avoids overflow
    b->tokens += elapsed * r.rate_limit;
    if (b->tokens > capacity) b->tokens = capacity;
  }
  b->last_ns = now_ns;
  if (b->tokens >= cost) {
    b->tokens -= cost;
    return d;
  }
  d.action = r.rate_action;
  d.rate_limited = true;
  return d;
}

template <class R>
Decision CompiledRules::judge_pdu(const R& rec, Section s, bool response, FlowPolicy& fp, std::uint64_t now_ns,
                                  MatchStats& st) const noexcept {
  const std::uint32_t code = pdu_code(rec);
  auto try_rule = [&](std::uint32_t idx) {
    const CompiledRule& r = rules_[idx];
    if (r.section != s) return false;
    if (r.direction != PduDirection::Any && (r.direction == PduDirection::Response) != response) return false;
    if (r.code_set && (code > 255 || !(r.codes[code >> 6] >> (code & 63) & 1))) return false;
    return fields_match(r, rec);
  };
  for (std::uint8_t i = 0; i < fp.count; ++i)
    if (try_rule(fp.cand[i])) return decide(fp.cand[i], fp, now_ns, st);
  if (fp.overflow) {
    ++st.overflow_scans;
    const std::uint32_t after = fp.cand[kMaxFlowCandidates - 1];
    const std::uint32_t before = fp.fallthrough == 0 ? static_cast<std::uint32_t>(rules_.size()) : fp.fallthrough - 1;
    for (std::uint32_t idx : by_section_[static_cast<int>(s)]) {
      if (idx <= after) continue;
      if (idx >= before) break;
      if (l34_matches(rules_[idx], fp.tuple) && try_rule(idx)) return decide(idx, fp, now_ns, st);
    }
  }
  // A response no response rule matched belongs to the exchange its request opened: on a flow
  // judged PDU by PDU it passes like the flow's transport (rules judge requests by default).
  if (response && fp.inspect()) return flow_decision(fp);
  if (fp.fallthrough != 0) return decide(fp.fallthrough - 1, fp, now_ns, st);
  return {.action = default_action_, .judged = true};
}

Decision CompiledRules::judge(const modbus::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns,
                              MatchStats& st) const noexcept {
  return judge_pdu(r, Section::Modbus, response, fp, now_ns, st);
}

Decision CompiledRules::judge(const s7comm::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns,
                              MatchStats& st) const noexcept {
  if (r.protocol == proto::Protocol::S7commPlus) return judge_pdu(r, Section::S7commPlus, response, fp, now_ns, st);
  if (!r.has_s7) return flow_decision(fp);  // COTP connection set-up and teardown: transport
  return judge_pdu(r, Section::S7comm, response, fp, now_ns, st);
}

Decision CompiledRules::judge(const opcua::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns,
                              MatchStats& st) const noexcept {
  // An intermediate chunk is judged with its message, on the chunk that completes it.
  if (r.chunk == 'C') return flow_decision(fp);
  return judge_pdu(r, Section::Opcua, response, fp, now_ns, st);
}

Decision CompiledRules::judge(const dnp3::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns,
                              MatchStats& st) const noexcept {
  // Link frames without a completed application fragment (link status, transport segments
  // before FIN) are transport; the fragment is judged on the frame that completes it.
  if (!r.has_app) return flow_decision(fp);
  return judge_pdu(r, Section::Dnp3, response, fp, now_ns, st);
}

}  // namespace fg::rules
