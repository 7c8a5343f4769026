// fieldguardctl update status | check-now | rollback | apply FILE: the update agent
// (docs/UPDATE.md). check-now, rollback and apply wait for the outcome and exit 0 when the
// gateway ended up where asked (applied / rolled back / nothing new), 1 when refused.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"
#include "protocols/common/json_writer.hpp"

namespace fg::ctl {

namespace {

constexpr const char* kUpdateUsage = "usage: fieldguardctl update status | check-now | rollback | apply FILE\n";

std::string s(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

// Waits until the agent has finished `attempt`, then prints its outcome.
int wait_for(const CtlContext& ctx, std::uint64_t attempt) {
  CtlContext quiet = ctx;
  quiet.json = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  for (;;) {
    YAML::Node data;
    if (const int rc = call(quiet, "update.status", "", data); rc != kOk) return rc;
    const YAML::Node last = data["last"];
    if (last && last["attempt"].as<std::uint64_t>(0) >= attempt) {
      if (ctx.json) {
        YAML::Node again;
        call(ctx, "update.status", "", again);  // prints the answer line
      } else {
        std::cout << "update " << s(last["operation"]) << ": " << s(last["outcome"]);
        if (!s(last["reason"]).empty()) std::cout << " (" << s(last["reason"]) << ")";
        if (s(last["version"]) != "0") std::cout << ", version " << s(last["version"]);
        std::cout << "\n";
        if (!s(last["detail"]).empty()) std::cout << "  " << s(last["detail"]) << "\n";
        std::cout << "  running " << s(data["running"]) << "\n";
      }
      const std::string outcome = s(last["outcome"]);
      const bool ok = outcome == "applied" || outcome == "not_modified" ||
                      (outcome == "rolled_back" && s(last["operation"]) == "rollback");
      return ok ? kOk : kCommandFailed;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "fieldguardctl: the update agent did not finish within 5 minutes (see update status)\n";
      return kCommandFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int start_and_wait(const CtlContext& ctx, const std::string& cmd, const std::string& args) {
  CtlContext quiet = ctx;
  quiet.json = false;
  YAML::Node data;
  if (const int rc = call(quiet, cmd, args, data); rc != kOk) return rc;
  return wait_for(ctx, data["attempt"].as<std::uint64_t>(0));
}

}  // namespace

int cmd_update(const CtlContext& ctx) {
  if (ctx.args.empty()) {
    std::cerr << kUpdateUsage;
    return kUsage;
  }
  const std::string& sub = ctx.args[0];
  const std::size_t extra = ctx.args.size() - 1;
  if (sub == "status" && extra == 0) {
    YAML::Node data;
    const int rc = call(ctx, "update.status", "", data);
    if (rc != kOk || ctx.json) return rc;
    std::cout << "update\n";
    print_key_values(data);
    std::string keys;
    for (const auto& k : data["keys"]) keys += (keys.empty() ? "" : ", ") + s(k);
    std::cout << "  keys" << std::string(18, ' ') << keys << "\n";  // lists are not key/values
    return kOk;
  }
  if (sub == "check-now" && extra == 0) return start_and_wait(ctx, "update.check_now", "");
  if (sub == "rollback" && extra == 0) return start_and_wait(ctx, "update.rollback", "");
  if (sub == "apply" && extra == 1) {
    // The daemon opens the file itself: give it a path that does not depend on our cwd.
    std::error_code ec;
    const std::string path = std::filesystem::absolute(ctx.args[1], ec).string();
    if (ec || !std::filesystem::is_regular_file(path, ec)) {
      std::cerr << "fieldguardctl: " << ctx.args[1] << ": not a readable file\n";
      return kUsage;
    }
    std::string args;
    proto::JsonWriter w(args);
    w.begin_object().field("file", path).end_object();
    return start_and_wait(ctx, "update.apply", args);
  }
  std::cerr << kUpdateUsage;
  return kUsage;
}

}  // namespace fg::ctl
