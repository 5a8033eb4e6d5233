// Compiled as C++17 (see wabt_runner.h).
#include "wabt_runner.h"

#include <wabt/binary-reader.h>
#include <wabt/error.h>
#include <wabt/feature.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>

namespace weir::wasm::fuzz {

struct WabtRunner::State {
  explicit State(const wabt::Features& f) : store(f) {}
  wabt::interp::Store store;
  wabt::interp::ModuleDesc desc;
  wabt::interp::Instance::Ptr instance;
};

WabtRunner::WabtRunner(std::unique_ptr<State> state) : state_(std::move(state)) {}
WabtRunner::~WabtRunner() = default;

std::unique_ptr<WabtRunner> WabtRunner::create(const std::vector<uint8_t>& bytes, std::string* error) {
  wabt::Features features;
  features.EnableAll();
  auto st = std::make_unique<State>(features);
  wabt::Errors errors;
  const wabt::ReadBinaryOptions options(features, nullptr, false, true, true);
  if (wabt::Failed(
          wabt::interp::ReadBinaryInterp("module.wasm", bytes.data(), bytes.size(), options, &errors, &st->desc))) {
    *error = "wabt rejects the module";
    return nullptr;
  }
  auto module = wabt::interp::Module::New(st->store, st->desc);
  wabt::interp::Trap::Ptr trap;
  st->instance = wabt::interp::Instance::Instantiate(st->store, module.ref(), {}, &trap);
  if (!st->instance) {
    *error = trap ? trap->message() : std::string("instantiation failed");
    return nullptr;
  }
  return std::unique_ptr<WabtRunner>(new WabtRunner(std::move(st)));
}

std::optional<WabtRunner::CallResult> WabtRunner::call(const std::string& name, const std::vector<uint32_t>& args) {
  wabt::interp::Func::Ptr func;
  for (size_t i = 0; i < state_->desc.exports.size(); ++i) {
    if (state_->desc.exports[i].type.name == name) {
      func = state_->store.UnsafeGet<wabt::interp::Func>(state_->instance->exports()[i]);
    }
  }
  if (!func) return std::nullopt;
  wabt::interp::Values params;
  for (uint32_t a : args) params.push_back(wabt::interp::Value::Make(a));
  wabt::interp::Values results;
  wabt::interp::Trap::Ptr trap;
  CallResult r;
  if (wabt::Failed(func->Call(state_->store, params, results, &trap))) {
    r.trapped = true;
    r.trap_message = trap ? trap->message() : std::string("call failed");
    return r;
  }
  for (const auto& v : results) r.results.push_back(v.Get<uint32_t>());
  return r;
}

std::optional<WabtRunner::MemoryView> WabtRunner::memory() const {
  if (state_->instance->memories().empty()) return std::nullopt;
  auto mem = state_->store.UnsafeGet<wabt::interp::Memory>(state_->instance->memories()[0]);
  return MemoryView{mem->UnsafeData(), static_cast<size_t>(mem->ByteSize())};
}

}  // namespace weir::wasm::fuzz
