// Instance: one instantiation of a Module, used by one thread at a time. It
// owns (or imports) memories, tables and globals, and its own value stack.
//
//   runtime::Engine engine;
//   auto module = engine.compile(bytes);               // once, shared
//   runtime::Linker linker;
//   linker.defineFunc("env", "log", {{ValType::kI32}, {}}, &hostLog, &state);
//   auto inst = runtime::Instance::instantiate(*module, linker);
//   auto r = (*inst)->call<int32_t>("add", 1, 2);      // r.ok(), r.value() / r.trap()
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "base/status.h"
#include "wasm/aot/aot_instance.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/objects.h"
#include "wasm/runtime/trap.h"
#include "wasm/runtime/value.h"

namespace weir::wasm::interp {
struct ExecContext;
}

namespace weir::wasm::runtime {

struct InstanceLimits {
  uint32_t max_memory_pages = kMaxMemoryPages;
  uint32_t max_table_size = 10'000'000;
  // Wasm frames (host frames count too). Deeper recursion traps with
  // kCallStackExhausted; the interpreter never recurses natively per Wasm call.
  uint32_t max_call_depth = 20'000;
  // Value stack in 8-byte slots (reserved lazily on the first call).
  uint32_t max_stack_slots = 1u << 20;
};

// Finds the object for an import. Linking checks the returned object's type
// against the import (with the spec's subtyping rules for limits).
class ImportResolver {
 public:
  virtual ~ImportResolver() = default;
  virtual std::optional<Extern> resolve(std::string_view module, std::string_view field,
                                        ExternKind kind) = 0;
};

class Instance;

// A name → object table; the usual resolver.
class Linker : public ImportResolver {
 public:
  void define(std::string module, std::string field, Extern object);
  void defineFunc(std::string module, std::string field, FuncType type, HostFn fn,
                  void* user_data = nullptr);
  // A host function called with slots (SlotHostFn); `type` must be scalar.
  void defineSlotFunc(std::string module, std::string field, FuncType type, SlotHostFn fn,
                      void* user_data = nullptr);
  // Every export of `instance` under module name `module` (spec-test "register").
  void defineInstance(const std::string& module, const Instance& instance);
  std::optional<Extern> resolve(std::string_view module, std::string_view field,
                                ExternKind kind) override;

 private:
  std::map<std::pair<std::string, std::string>, Extern, std::less<>> entries_;
};

// What a host function sees of its caller.
class Caller {
 public:
  explicit Caller(Instance* instance) : instance_(instance) {}
  Instance& instance() { return *instance_; }
  // The caller's memory 0, or null when it has none.
  Memory* memory();
  // Ends the program (WASI proc_exit): the call unwinds with TrapKind::kExit.
  void exit(int32_t code) { exit_code_ = code; exiting_ = true; }
  bool exiting() const { return exiting_; }
  int32_t exitCode() const { return exit_code_; }

 private:
  Instance* instance_;
  bool exiting_ = false;
  int32_t exit_code_ = 0;
};

// Either a value or the trap that prevented it.
template <typename T>
class [[nodiscard]] CallResult {
 public:
  CallResult(T v) : v_(std::move(v)) {}       // NOLINT: implicit by design
  CallResult(Trap t) : v_(std::move(t)) {}    // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const Trap& trap() const { return std::get<1>(v_); }

 private:
  std::variant<T, Trap> v_;
};
struct Unit {};

class Instance {
 public:
  // Links imports, allocates memories/tables/globals, applies element and data
  // segments (2.0 semantics: in order, bounds-checked, failing at the first
  // out-of-range one with earlier writes kept) and runs the start function.
  // A trap during instantiation comes back as a Status whose message starts
  // with the trap message; unlinkable imports as kNotFound/kInvalidArgument
  // with "unknown import" / "incompatible import type".
  static Result<std::unique_ptr<Instance>> instantiate(std::shared_ptr<const Module> module,
                                                       ImportResolver& resolver,
                                                       const InstanceLimits& limits = {});
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  const Module& module() const { return *module_; }
  // The tier this instance's code runs on (its module's).
  Tier tier() const { return module_->tier(); }
  const InstanceLimits& limits() const { return limits_; }

  std::optional<Extern> exportByName(std::string_view name) const;
  std::shared_ptr<Function> exportedFunction(std::string_view name) const;
  Memory* memory(uint32_t index = 0) const {
    return index < memories_.size() ? memories_[index].get() : nullptr;
  }

  // Calls `func` (from this or any instance) on this instance's stack.
  // args/results must match func.type(). Returns the trap, if any.
  [[nodiscard]] std::optional<Trap> call(Function& func, std::span<const Value> args,
                                         std::span<Value> results);
  // The same call for embedders that call a few functions many times and
  // checked their types once (hasScalarSignature): arguments and results in
  // 8-byte slots, encoded as valueToSlots does (an i32 zero-extended), params
  // in and results out of the same array of max(params, results, 1) slots. No
  // Value boxing and no per-call type checks: a wrong signature is the
  // caller's bug.
  [[nodiscard]] std::optional<Trap> callSlots(Function& func, uint64_t* slots);

  // Typed helper: call<int32_t>("add", 1, 2). R may be Unit for no result.
  template <typename R, typename... A>
  CallResult<R> call(std::string_view export_name, A... args) {
    std::shared_ptr<Function> f = exportedFunction(export_name);
    if (!f) return Trap{TrapKind::kHostError, "no exported function " + std::string(export_name), {}, 0};
    Value in[sizeof...(A) + 1] = {toValue(args)...};
    constexpr size_t kResults = std::is_same_v<R, Unit> ? 0 : 1;
    if (!signatureMatches(f->type(), in, sizeof...(A), kResults == 1 ? resultType<R>() : ValType::kI32,
                          kResults)) {
      return Trap{TrapKind::kHostError, "signature mismatch calling " + std::string(export_name), {}, 0};
    }
    Value out[1];
    if (auto trap = call(*f, std::span<const Value>(in, sizeof...(A)), std::span<Value>(out, kResults))) {
      return std::move(*trap);
    }
    if constexpr (std::is_same_v<R, Unit>) return Unit{};
    else return fromValue<R>(out[0]);
  }

  // Stops running code at the next loop back-edge or call with kInterrupted.
  // Safe from any thread; sticky until clearInterrupt().
  void interrupt() { interrupt_.store(true, std::memory_order_relaxed); }
  void clearInterrupt() { interrupt_.store(false, std::memory_order_relaxed); }
  // Fuel: one unit per call and per loop iteration; kOutOfFuel at zero.
  void setFuel(std::optional<uint64_t> fuel);
  std::optional<uint64_t> fuel() const;

  // Internal state read directly by the interpreter.
  std::shared_ptr<const Module> module_;
  InstanceLimits limits_;
  std::vector<std::shared_ptr<Function>> funcs_;
  std::vector<Function*> func_ptrs_;
  std::vector<std::shared_ptr<Table>> tables_;
  std::vector<Table*> table_ptrs_;
  std::vector<std::shared_ptr<Memory>> memories_;
  Memory* memory0_ = nullptr;
  std::vector<std::shared_ptr<Global>> globals_;
  std::vector<uint64_t*> global_slots_;
  std::vector<std::vector<Ref>> elem_segments_;  // emptied by elem.drop
  std::vector<bool> data_dropped_;
  const uint32_t* type_ids_ = nullptr;
  std::atomic<bool> interrupt_{false};
  bool fuel_enabled_ = false;
  int64_t fuel_ = 0;
  std::unique_ptr<interp::ExecContext> exec_;
  aot::InstanceStatePtr aot_;  // compiled-tier state (tier() == kAot)

 private:
  Instance() = default;
  static bool signatureMatches(const FuncType& t, const Value* args, size_t nargs, ValType result,
                               size_t nresults);
  template <typename R>
  static constexpr ValType resultType() {
    if constexpr (std::is_same_v<R, Unit>) return ValType::kI32;
    else return WasmTypeOf<R>::kType;
  }
  Status initialize(ImportResolver& resolver);
  Status initializeSegments(const std::function<Value(const ConstExpr&)>& eval);
  bool escaped_ = false;  // references to this instance may outlive a failed instantiation
};

}  // namespace weir::wasm::runtime
