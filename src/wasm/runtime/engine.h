// Engine and Module: a Module is the decoded + validated binary plus code
// prepared once for an execution tier; it is immutable and shared by every
// instance on every thread (shared_ptr<const Module>).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "wasm/module.h"

namespace weir::wasm::runtime {

// Execution tiers. Only the interpreter exists today; an ahead-of-time tier
// plugs in as another CodeObject behind the same Module/Instance API.
enum class Tier : uint8_t { kInterpreter };

// The tier-specific prepared code of a module.
class CodeObject {
 public:
  virtual ~CodeObject() = default;
  virtual Tier tier() const = 0;
};

class Module {
 public:
  const wasm::Module& decoded() const { return *decoded_; }
  const std::shared_ptr<const wasm::Module>& decodedPtr() const { return decoded_; }
  const CodeObject& code() const { return *code_; }
  Tier tier() const { return code_->tier(); }
  // Canonical signature id of each type in decoded().types (for call_indirect).
  const std::vector<uint32_t>& typeIds() const { return type_ids_; }

  Module(std::shared_ptr<const wasm::Module> decoded, std::unique_ptr<CodeObject> code,
         std::vector<uint32_t> type_ids)
      : decoded_(std::move(decoded)), code_(std::move(code)), type_ids_(std::move(type_ids)) {}

 private:
  std::shared_ptr<const wasm::Module> decoded_;
  std::unique_ptr<CodeObject> code_;
  std::vector<uint32_t> type_ids_;
};

struct EngineConfig {
  Tier tier = Tier::kInterpreter;
  DecodeLimits decode_limits;
};

// Stateless apart from its configuration; safe to use from several threads.
class Engine {
 public:
  explicit Engine(EngineConfig config = {}) : config_(std::move(config)) {}

  // Decodes, validates and prepares. Errors keep the decoder's wording
  // ("<reason> at offset N") and StatusCode category (see wasm/module.h).
  Result<std::shared_ptr<const Module>> compile(std::span<const uint8_t> binary) const;
  Result<std::shared_ptr<const Module>> compile(std::shared_ptr<const wasm::Module> decoded) const;

  const EngineConfig& config() const { return config_; }

 private:
  EngineConfig config_;
};

}  // namespace weir::wasm::runtime
