#include "wasm/spectest/runner.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"
#include "wasm/spectest/json.h"

namespace weir::wasm::spectest {

using runtime::Extern;
using runtime::Instance;
using runtime::Trap;
using runtime::TrapKind;
using runtime::Value;

Result<KnownFailures> KnownFailures::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ioError("cannot read " + path);
  KnownFailures kf;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string file;
    uint32_t n = 0;
    if (ss >> file >> n) kf.entries.insert({file, n});
  }
  return kf;
}

namespace {

std::string readFile(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Externref N of the test suite is stored as N+1 so that ref.extern 0 is not null.
runtime::Ref externRef(const std::string& v) { return std::stoull(v) + 1; }

Status spectestPrint(runtime::Caller&, void*, const Value*, Value*) { return Status::ok(); }

bool isCanonicalNan32(uint32_t b) { return (b & 0x7fffffffu) == 0x7fc00000u; }
bool isArithmeticNan32(uint32_t b) { return (b & 0x7fc00000u) == 0x7fc00000u; }
bool isCanonicalNan64(uint64_t b) { return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull; }
bool isArithmeticNan64(uint64_t b) { return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull; }

bool matchF32(const std::string& exp, uint32_t bits) {
  if (exp == "nan:canonical") return isCanonicalNan32(bits);
  if (exp == "nan:arithmetic") return isArithmeticNan32(bits);
  return static_cast<uint32_t>(std::stoul(exp)) == bits;
}
bool matchF64(const std::string& exp, uint64_t bits) {
  if (exp == "nan:canonical") return isCanonicalNan64(bits);
  if (exp == "nan:arithmetic") return isArithmeticNan64(bits);
  return std::stoull(exp) == bits;
}

std::optional<ValType> parseType(const std::string& t) {
  if (t == "i32") return ValType::kI32;
  if (t == "i64") return ValType::kI64;
  if (t == "f32") return ValType::kF32;
  if (t == "f64") return ValType::kF64;
  if (t == "v128") return ValType::kV128;
  if (t == "funcref") return ValType::kFuncRef;
  if (t == "externref") return ValType::kExternRef;
  return std::nullopt;
}

V128 parseV128(const Json& j) {
  V128 v;
  std::string lane = j.str("lane_type");
  const Json* vals = j.get("value");
  if (!vals) return v;
  for (size_t i = 0; i < vals->items.size(); ++i) {
    uint64_t x = std::stoull(vals->items[i].text);
    unsigned idx = static_cast<unsigned>(i);
    if (lane == "i8") v.setLane<uint8_t>(idx, static_cast<uint8_t>(x));
    else if (lane == "i16") v.setLane<uint16_t>(idx, static_cast<uint16_t>(x));
    else if (lane == "i32" || lane == "f32") v.setLane<uint32_t>(idx, static_cast<uint32_t>(x));
    else v.setLane<uint64_t>(idx, x);
  }
  return v;
}

std::optional<Value> parseValue(const Json& j) {
  auto t = parseType(j.str("type"));
  if (!t) return std::nullopt;
  std::string v = j.str("value");
  switch (*t) {
    case ValType::kI32: return Value::fromU32(static_cast<uint32_t>(std::stoull(v)));
    case ValType::kI64: return Value::fromI64(static_cast<int64_t>(std::stoull(v)));
    case ValType::kF32: return Value::fromF32Bits(static_cast<uint32_t>(std::stoull(v)));
    case ValType::kF64: return Value::fromF64Bits(std::stoull(v));
    case ValType::kV128: return Value::fromV128(parseV128(j));
    case ValType::kExternRef: return Value::fromRef(*t, v == "null" ? runtime::kNullRef : externRef(v));
    case ValType::kFuncRef: return Value::fromRef(*t, runtime::kNullRef);
  }
  return std::nullopt;
}

bool matches(const Json& exp, const Value& got) {
  std::string type = exp.str("type");
  if (type == "either") {
    const Json* vals = exp.get("values");
    if (!vals) return false;
    for (const Json& alt : vals->items) {
      if (matches(alt, got)) return true;
    }
    return false;
  }
  auto t = parseType(type);
  if (!t || *t != got.type) return false;
  std::string v = exp.str("value");
  switch (*t) {
    case ValType::kI32: return static_cast<uint32_t>(std::stoull(v)) == static_cast<uint32_t>(got.i32);
    case ValType::kI64: return std::stoull(v) == static_cast<uint64_t>(got.i64);
    case ValType::kF32: return matchF32(v, got.f32Bits());
    case ValType::kF64: return matchF64(v, got.f64Bits());
    case ValType::kV128: {
      std::string lane = exp.str("lane_type");
      const Json* vals = exp.get("value");
      if (!vals) return false;
      for (size_t i = 0; i < vals->items.size(); ++i) {
        const std::string& lv = vals->items[i].text;
        unsigned idx = static_cast<unsigned>(i);
        if (lane == "f32") {
          if (!matchF32(lv, got.v128.u32(idx))) return false;
        } else if (lane == "f64") {
          if (!matchF64(lv, got.v128.u64(idx))) return false;
        } else {
          uint64_t x = std::stoull(lv);
          bool eq = lane == "i8"    ? got.v128.u8(idx) == static_cast<uint8_t>(x)
                    : lane == "i16" ? got.v128.u16(idx) == static_cast<uint16_t>(x)
                    : lane == "i32" ? got.v128.u32(idx) == static_cast<uint32_t>(x)
                                    : got.v128.u64(idx) == x;
          if (!eq) return false;
        }
      }
      return true;
    }
    case ValType::kExternRef:
      if (v.empty()) return got.ref != runtime::kNullRef;
      return got.ref == (v == "null" ? runtime::kNullRef : externRef(v));
    case ValType::kFuncRef:
      if (v == "null") return got.ref == runtime::kNullRef;
      return got.ref != runtime::kNullRef;
  }
  return false;
}

std::string describe(const Json& exp) {
  std::string s = exp.str("type") + ":";
  if (const Json* v = exp.get("value")) {
    if (v->type == Json::Type::kArray) {
      for (const Json& i : v->items) s += i.text + " ";
    } else {
      s += v->text;
    }
  }
  return s;
}

struct ActionResult {
  bool ok = false;
  std::optional<Trap> trap;
  std::string error;  // not a trap: missing export, bad arguments
  std::vector<Value> values;
};

class Runner {
 public:
  Runner(const std::string& dir, const std::string& file, const KnownFailures& known, std::ostream& log,
         FileResult& result, const runtime::EngineConfig& engine)
      : dir_(dir), file_(file), known_(known), log_(log), r_(result), engine_(engine) {
    setupSpectest();
  }

  void run(const Json& commands) {
    for (const Json& cmd : commands.items) {
      line_ = static_cast<uint32_t>(std::stoul(cmd.str("line", "0")));
      std::string type = cmd.str("type");
      std::string err = execute(type, cmd);
      if (err == kSkipped) {
        ++r_.skipped;
      } else if (err.empty()) {
        ++r_.passed;
      } else if (known_.contains(file_, line_)) {
        ++r_.known;
        log_ << file_ << ":" << line_ << ": " << type << ": known failure: " << err << "\n";
      } else {
        ++r_.failed;
        std::string msg = file_ + ":" + std::to_string(line_) + ": " + type + ": " + err;
        r_.failures.push_back(msg);
        log_ << msg << "\n";
      }
    }
  }

 private:
  static constexpr const char* kSkipped = "\x01skipped";

  void setupSpectest() {
    const ValType I32 = ValType::kI32, I64 = ValType::kI64, F32 = ValType::kF32, F64 = ValType::kF64;
    linker_.defineFunc("spectest", "print", FuncType({}, {}), &spectestPrint);
    linker_.defineFunc("spectest", "print_i32", FuncType({I32}, {}), &spectestPrint);
    linker_.defineFunc("spectest", "print_i64", FuncType({I64}, {}), &spectestPrint);
    linker_.defineFunc("spectest", "print_f32", FuncType({F32}, {}), &spectestPrint);
    linker_.defineFunc("spectest", "print_f64", FuncType({F64}, {}), &spectestPrint);
    linker_.defineFunc("spectest", "print_i32_f32", FuncType({I32, F32}, {}), &spectestPrint);
    linker_.defineFunc("spectest", "print_f64_f64", FuncType({F64, F64}, {}), &spectestPrint);
    linker_.define("spectest", "global_i32",
                   Extern::ofGlobal(std::make_shared<runtime::Global>(GlobalType{I32, false}, Value::fromI32(666))));
    linker_.define("spectest", "global_i64",
                   Extern::ofGlobal(std::make_shared<runtime::Global>(GlobalType{I64, false}, Value::fromI64(666))));
    linker_.define("spectest", "global_f32",
                   Extern::ofGlobal(std::make_shared<runtime::Global>(GlobalType{F32, false}, Value::fromF32(666.6f))));
    linker_.define("spectest", "global_f64",
                   Extern::ofGlobal(std::make_shared<runtime::Global>(GlobalType{F64, false}, Value::fromF64(666.6))));
    TableType tt{RefType::kFuncRef, Limits{10, 20, true}};
    linker_.define("spectest", "table", Extern::ofTable(std::make_shared<runtime::Table>(tt, 10'000'000)));
    auto mem = runtime::Memory::create(MemoryType{Limits{1, 2, true}}, kMaxMemoryPages);
    if (mem) linker_.define("spectest", "memory", Extern::ofMemory(std::move(mem.value())));
  }

  bool isText(const Json& cmd) const {
    std::string f = cmd.str("filename");
    return cmd.str("module_type") == "text" || (f.size() > 4 && f.compare(f.size() - 4, 4, ".wat") == 0);
  }

  Result<std::shared_ptr<const runtime::Module>> compile(const Json& cmd) {
    bool ok = false;
    std::string bytes = readFile(dir_ + "/" + cmd.str("filename"), ok);
    if (!ok) return ioError("cannot read " + cmd.str("filename"));
    auto m = engine_.compile(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    if (m && engine_.config().tier == runtime::Tier::kAot) {
      if (m.value()->tier() == runtime::Tier::kAot) ++r_.aot_modules;
      else ++r_.interpreted_modules[m.value()->fallbackReason().substr(0, 120)];
    }
    return m;
  }

  Instance* find(const Json& action) {
    std::string name = action.str("module");
    if (name.empty()) return current_;
    auto it = named_.find(name);
    return it == named_.end() ? nullptr : it->second;
  }

  ActionResult act(const Json& action) {
    ActionResult out;
    Instance* inst = find(action);
    if (!inst) { out.error = "no such module"; return out; }
    std::string field = action.str("field");
    std::string type = action.str("type");
    if (type == "get") {
      auto ext = inst->exportByName(field);
      if (!ext || ext->kind != ExternKind::kGlobal) { out.error = "no exported global " + field; return out; }
      out.values.push_back(ext->global->get());
      out.ok = true;
      return out;
    }
    auto f = inst->exportedFunction(field);
    if (!f) { out.error = "no exported function " + field; return out; }
    std::vector<Value> args;
    if (const Json* a = action.get("args")) {
      for (const Json& j : a->items) {
        auto v = parseValue(j);
        if (!v) { out.error = "bad argument"; return out; }
        args.push_back(*v);
      }
    }
    out.values.resize(f->type().numResults());
    if (auto trap = inst->call(*f, args, out.values)) {
      out.trap = std::move(trap);
      return out;
    }
    out.ok = true;
    return out;
  }

  std::string execute(const std::string& type, const Json& cmd) {
    if (type == "module") {
      if (isText(cmd)) return kSkipped;
      auto mod = compile(cmd);
      if (!mod) return "compile failed: " + mod.status().message();
      auto inst = Instance::instantiate(mod.value(), linker_);
      if (!inst) return "instantiate failed: " + inst.status().message();
      current_ = inst.value().get();
      std::string name = cmd.str("name");
      if (!name.empty()) named_[name] = current_;
      instances_.push_back(std::move(inst.value()));
      return {};
    }
    if (type == "register") {
      std::string name = cmd.str("name");
      Instance* inst = name.empty() ? current_ : (named_.count(name) ? named_[name] : nullptr);
      if (!inst) return "no such module to register";
      linker_.defineInstance(cmd.str("as"), *inst);
      return {};
    }
    if (type == "action" || type == "assert_return") {
      const Json* action = cmd.get("action");
      if (!action) return "missing action";
      ActionResult r = act(*action);
      if (!r.error.empty()) return r.error;
      if (r.trap) return "unexpected trap: " + r.trap->message;
      if (type == "action") return {};
      const Json* expected = cmd.get("expected");
      size_t n = expected ? expected->items.size() : 0;
      if (n != r.values.size()) return "result count mismatch";
      for (size_t i = 0; i < n; ++i) {
        if (!matches(expected->items[i], r.values[i])) {
          return "result " + std::to_string(i) + ": expected " + describe(expected->items[i]) + ", got " +
                 r.values[i].toString();
        }
      }
      return {};
    }
    if (type == "assert_trap" || type == "assert_exhaustion") {
      std::string text = cmd.str("text");
      if (const Json* action = cmd.get("action")) {
        ActionResult r = act(*action);
        if (!r.error.empty()) return r.error;
        if (!r.trap) return "expected trap \"" + text + "\", got a result";
        if (type == "assert_exhaustion" && r.trap->kind != TrapKind::kCallStackExhausted) {
          return "expected stack exhaustion, got " + r.trap->message;
        }
        if (!textMatches(r.trap->message, text)) {
          return "expected trap \"" + text + "\", got \"" + r.trap->message + "\"";
        }
        return {};
      }
      return instantiateExpectingFailure(cmd, /*trap=*/true);
    }
    if (type == "assert_invalid" || type == "assert_malformed") {
      if (isText(cmd)) return kSkipped;
      auto mod = compile(cmd);
      if (mod) return "module was accepted, expected \"" + cmd.str("text") + "\"";
      return {};
    }
    if (type == "assert_unlinkable") return instantiateExpectingFailure(cmd, false);
    if (type == "assert_uninstantiable") return instantiateExpectingFailure(cmd, true);
    return "unknown command type";
  }

  static bool textMatches(const std::string& got, const std::string& want) {
    // The suite's messages are prefixes of (or extend) ours: "uninitialized element 2".
    return got.compare(0, want.size(), want) == 0 || want.compare(0, got.size(), got) == 0;
  }

  std::string instantiateExpectingFailure(const Json& cmd, bool trap) {
    if (isText(cmd)) return kSkipped;
    auto mod = compile(cmd);
    if (!mod) return "compile failed: " + mod.status().message();
    auto inst = Instance::instantiate(mod.value(), linker_);
    if (inst) {
      instances_.push_back(std::move(inst.value()));
      return "instantiation succeeded, expected \"" + cmd.str("text") + "\"";
    }
    bool is_trap = inst.status().message().rfind("trap: ", 0) == 0;
    if (trap != is_trap) return "wrong failure: " + inst.status().message();
    return {};
  }

  std::string dir_;
  std::string file_;
  const KnownFailures& known_;
  std::ostream& log_;
  FileResult& r_;
  uint32_t line_ = 0;
  runtime::Engine engine_;
  runtime::Linker linker_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::map<std::string, Instance*> named_;
  Instance* current_ = nullptr;
};

}  // namespace

FileResult runSpecFile(const std::string& json_path, const KnownFailures& known, std::ostream& log,
                       const runtime::EngineConfig& engine) {
  FileResult result;
  result.file = json_path;
  bool ok = false;
  std::string text = readFile(json_path, ok);
  if (!ok) {
    result.failed = 1;
    result.failures.push_back(json_path + ": cannot read");
    log << result.failures.back() << "\n";
    return result;
  }
  auto json = parseJson(text);
  if (!json) {
    result.failed = 1;
    result.failures.push_back(json_path + ": " + json.status().message());
    log << result.failures.back() << "\n";
    return result;
  }
  std::string dir = ".";
  size_t slash = json_path.rfind('/');
  if (slash != std::string::npos) dir = json_path.substr(0, slash);
  std::string source = json->str("source_filename", json_path);
  size_t s2 = source.rfind('/');
  if (s2 != std::string::npos) source = source.substr(s2 + 1);
  result.file = source;
  const Json* commands = json->get("commands");
  if (!commands) {
    result.failed = 1;
    result.failures.push_back(json_path + ": no commands");
    return result;
  }
  Runner runner(dir, source, known, log, result, engine);
  try {
    runner.run(*commands);
  } catch (const std::exception& e) {
    // Number parsing (std::stoull) on a malformed test file: report, don't crash.
    result.failed += 1;
    result.failures.push_back(json_path + ": malformed command: " + e.what());
    log << result.failures.back() << "\n";
  }
  return result;
}

}  // namespace weir::wasm::spectest
