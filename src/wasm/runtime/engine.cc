#include "wasm/runtime/engine.h"

#include "wasm/aot/aot_code.h"
#include "wasm/interp/translator.h"
#include "wasm/runtime/objects.h"

namespace weir::wasm::runtime {

std::string_view tierName(Tier tier) {
  switch (tier) {
    case Tier::kInterpreter: return "interp";
    case Tier::kAot: return "aot";
  }
  return "?";
}

Result<std::shared_ptr<const Module>> Engine::compile(std::span<const uint8_t> binary) const {
  auto decoded = decodeModule(binary, config_.decode_limits);
  if (!decoded) return decoded.status();
  return compile(std::move(decoded.value()));
}

Result<std::shared_ptr<const Module>> Engine::compile(std::shared_ptr<const wasm::Module> decoded) const {
  std::vector<uint32_t> type_ids;
  type_ids.reserve(decoded->types.size());
  for (const FuncType& t : decoded->types) type_ids.push_back(canonicalTypeId(t));
  std::string fallback_reason;
  if (config_.tier == Tier::kAot) {
    auto code = aot::compileModule(*decoded, config_.aot);
    if (code) {
      return std::shared_ptr<const Module>(
          std::make_shared<Module>(std::move(decoded), std::move(code.value()), std::move(type_ids)));
    }
    if (!config_.fall_back_to_interpreter) return code.status();
    fallback_reason = code.status().message();
  }
  auto code = interp::translateModule(*decoded);
  if (!code) return code.status();
  return std::shared_ptr<const Module>(std::make_shared<Module>(std::move(decoded), std::move(code.value()),
                                                                std::move(type_ids), std::move(fallback_reason)));
}

std::shared_ptr<BackgroundCompile> BackgroundCompile::start(std::shared_ptr<const wasm::Module> decoded,
                                                            aot::AotOptions options, Executor executor,
                                                            Callback on_ready) {
  std::shared_ptr<BackgroundCompile> job(new BackgroundCompile());
  job->decoded_ = std::move(decoded);
  job->options_ = std::move(options);
  job->on_ready_ = std::move(on_ready);
  if (executor) {
    executor([job] { job->run(); });  // the task keeps the job alive
  } else {
    BackgroundCompile* raw = job.get();
    job->thread_ = std::thread([raw] { raw->run(); });
  }
  return job;
}

BackgroundCompile::~BackgroundCompile() {
  if (thread_.joinable()) thread_.join();
}

void BackgroundCompile::run() {
  EngineConfig config;
  config.tier = Tier::kAot;
  config.aot = options_;
  Result<std::shared_ptr<const Module>> r = Engine(config).compile(decoded_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    result_ = std::move(r);
    ready_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
  if (on_ready_) on_ready_(result_);
}

void BackgroundCompile::wait() const {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return ready(); });
}

}  // namespace weir::wasm::runtime
