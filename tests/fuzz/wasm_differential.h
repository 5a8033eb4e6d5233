// Runs a generated module (wasm_module_gen.h) on the interpreter and on the
// compiled tier and reports the first difference in results, trap kinds,
// memory size or memory contents. Used by wasm_differential_fuzz.cc and by the
// unit test that replays its seed corpus.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wasm_module_gen.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"

namespace weir::wasm::fuzz {

struct DifferentialConfig {
  aot::AotOptions aot;  // memory_checks picks the build under test
};

class Differential {
 public:
  explicit Differential(DifferentialConfig config) : config_(std::move(config)) {}

  // Empty when both tiers agree; otherwise what differed. A module the
  // compiled tier cannot take is an error too (the generator only emits
  // what it supports).
  std::string run(const uint8_t* data, size_t size) {
    ModuleGenerator gen(data, size);
    std::vector<uint8_t> bytes = gen.generate();
    auto modules = compile(bytes);
    if (!modules.error.empty()) return modules.error;
    runtime::Linker linker;
    auto a = runtime::Instance::instantiate(modules.interp, linker);
    auto b = runtime::Instance::instantiate(modules.aot, linker);
    if (a.isOk() != b.isOk()) {
      return "instantiation: interp " + (a.isOk() ? std::string("ok") : a.status().message()) + ", aot " +
             (b.isOk() ? std::string("ok") : b.status().message());
    }
    if (!a.isOk()) return a.status().message() == b.status().message() ? "" : "instantiation messages differ";
    runtime::Instance& ia = *a.value();
    runtime::Instance& ib = *b.value();
    if (std::string d = compareMemory(ia, ib, true); !d.empty()) return "after instantiation: " + d;
    // Up to 8 calls, each export in turn, arguments from the input.
    for (int call = 0; call < 8; ++call) {
      std::string name = "f" + std::to_string(call % gen.numFunctions());
      runtime::Value args[2] = {runtime::Value::fromI32(gen.argument()), runtime::Value::fromI32(gen.argument())};
      runtime::Value ra[1], rb[1];
      auto ta = ia.call(*ia.exportedFunction(name), args, ra);
      auto tb = ib.call(*ib.exportedFunction(name), args, rb);
      std::string where = name + "(" + std::to_string(args[0].i32) + ", " + std::to_string(args[1].i32) + "): ";
      if (ta.has_value() != tb.has_value()) {
        return where + "interp " + (ta ? ta->message : "returned " + std::to_string(ra[0].i32)) + ", aot " +
               (tb ? tb->message : "returned " + std::to_string(rb[0].i32));
      }
      if (ta && ta->kind != tb->kind) return where + "trap kinds differ: " + ta->message + " vs " + tb->message;
      if (!ta && ra[0].i32 != rb[0].i32) {
        return where + "results differ: " + std::to_string(ra[0].i32) + " vs " + std::to_string(rb[0].i32);
      }
      // With guard pages the C compiler may schedule a store after a later
      // load that faults (docs/wasm-aot.md): after a trap only the sizes
      // must agree there, and the compiled side is resynchronized.
      bool exact = !ta || config_.aot.memory_checks == aot::MemoryChecks::kExplicit;
      if (std::string d = compareMemory(ia, ib, exact); !d.empty()) return where + d;
      if (!exact) {
        auto src = ia.memory()->span(0, ia.memory()->sizeBytes());
        (void)ib.memory()->write(0, src->data(), src->size());
      }
    }
    return "";
  }

 private:
  struct Modules {
    std::shared_ptr<const runtime::Module> interp, aot;
    std::string error;
  };

  // Compiling is slow (a C compiler run): modules are kept by their bytes.
  Modules compile(const std::vector<uint8_t>& bytes) {
    std::string key(bytes.begin(), bytes.end());
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    if (cache_.size() >= 256) cache_.clear();
    Modules m;
    auto a = runtime::Engine().compile(bytes);
    runtime::EngineConfig c;
    c.tier = runtime::Tier::kAot;
    c.aot = config_.aot;
    auto b = runtime::Engine(c).compile(bytes);
    if (!a.isOk() || !b.isOk()) {
      m.error = "compile: interp " + (a.isOk() ? std::string("ok") : a.status().message()) + ", aot " +
                (b.isOk() ? std::string("ok") : b.status().message());
      return m;
    }
    m.interp = a.value();
    m.aot = b.value();
    cache_.emplace(std::move(key), m);
    return m;
  }

  static std::string compareMemory(const runtime::Instance& a, const runtime::Instance& b, bool contents) {
    const runtime::Memory* ma = a.memory();
    const runtime::Memory* mb = b.memory();
    if (ma->pages() != mb->pages()) {
      return "memory pages differ: " + std::to_string(ma->pages()) + " vs " + std::to_string(mb->pages());
    }
    if (!contents) return "";
    auto sa = ma->span(0, ma->sizeBytes());
    auto sb = mb->span(0, mb->sizeBytes());
    for (size_t i = 0; i < sa->size(); ++i) {
      if ((*sa)[i] != (*sb)[i]) {
        return "memory differs at " + std::to_string(i) + ": " + std::to_string((*sa)[i]) + " vs " +
               std::to_string((*sb)[i]);
      }
    }
    return "";
  }

  DifferentialConfig config_;
  std::map<std::string, Modules> cache_;
};

}  // namespace weir::wasm::fuzz
