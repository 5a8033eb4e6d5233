#include "wasm/aot/aot_code.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string_view>

#include "base/logging.h"
#include "wasm/aot/cache.h"
#include "wasm/aot/codegen.h"
#include "wasm/aot/emitter.h"
#include "wasm/aot/prepare.h"
#include "wasm/aot/simd_prelude.h"
#include "wasm/aot/toolchain.h"
#include "wasm/runtime/objects.h"

namespace weir::wasm::aot {

namespace {

// wasm2c's type codes (wasm_rt_type_t) to weir's.
uint32_t registerType(uint32_t nparams, uint32_t nresults, const uint8_t* types) {
  static constexpr ValType kTypes[] = {ValType::kI32, ValType::kI64, ValType::kF32,
                                       ValType::kF64, ValType::kFuncRef, ValType::kExternRef};
  std::vector<ValType> v;
  for (uint32_t i = 0; i < nparams + nresults; ++i) v.push_back(types[i] < 6 ? kTypes[types[i]] : ValType::kI32);
  return runtime::canonicalTypeId(FuncType(std::span<const ValType>(v.data(), nparams),
                                           std::span<const ValType>(v.data() + nparams, nresults)));
}

bool readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool writeFile(const std::string& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(out);
}

template <typename F>
bool bind(void* handle, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  return out != nullptr;
}

}  // namespace

AotCode::~AotCode() {
  if (handle_) dlclose(handle_);
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<AotCode>> AotCode::load(std::span<const uint8_t> object, const wasm::Module& module) {
  int fd = memfd_create("weir-aot", MFD_CLOEXEC);
  if (fd < 0) return ioError("memfd_create failed");
  size_t done = 0;
  while (done < object.size()) {
    ssize_t n = write(fd, object.data() + done, object.size() - done);
    if (n <= 0) {
      close(fd);
      return ioError("cannot write the compiled object to a memfd");
    }
    done += static_cast<size_t>(n);
  }
  // The fd stays open while the object is loaded: the dynamic loader matches
  // already-loaded objects by path, so a reused fd number must never name two
  // live objects (the digest check below catches it if it ever did).
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    close(fd);
    const char* err = dlerror();
    return internalError(std::string("dlopen of the compiled module failed: ") + (err ? err : "?"));
  }
  std::unique_ptr<AotCode> code(new AotCode());
  code->handle_ = handle;
  code->fd_ = fd;
  ModuleDigestFn digest = nullptr;
  if (!bind(handle, "weir_aot_module_digest", digest) || sha256Hex(module.bytes) != digest()) {
    return failedPrecondition("compiled object was built for another module");
  }
  // An object built for an instruction-set level this CPU lacks would die
  // of SIGILL: only a hand-installed one can get here (the level is in the
  // cache key).
  using IsaFn = const char* (*)();
  IsaFn isa = nullptr;
  if (!bind(handle, "weir_aot_isa", isa)) return failedPrecondition("compiled module lacks weir's entry points");
  if (std::string_view(isa()) != hostIsa()) {
    return failedPrecondition(std::string("compiled module was built for ") + (*isa() ? isa() : "baseline x86-64") +
                              ", this CPU runs " + (hostIsa().empty() ? "baseline code only" : hostIsa()));
  }
  AbiVersionFn abi = nullptr;
  InstanceSizeFn size = nullptr;
  InitModuleFn init = nullptr;
  FuncPtrsFn ptrs = nullptr;
  if (!bind(handle, "weir_aot_abi_version", abi) || !bind(handle, "weir_aot_trap_oob", code->raise_oob) || !bind(handle, "weir_aot_instance_size", size) ||
      !bind(handle, "weir_aot_init_module", init) || !bind(handle, "weir_aot_instantiate", code->instantiate) ||
      !bind(handle, "weir_aot_free", code->free) || !bind(handle, "weir_aot_invoke", code->invoke) ||
      !bind(handle, "weir_aot_func_ptrs", ptrs)) {
    return failedPrecondition("compiled module lacks weir's entry points");
  }
  if (abi() != kAbiVersion) return failedPrecondition("compiled module has ABI version " + std::to_string(abi()));
  code->instance_size = size();
  init(&registerType);
  uint32_t count = 0;
  const wasm_rt_function_ptr_t* p = ptrs(&count);
  uint32_t want = module.num_imported_funcs + static_cast<uint32_t>(module.functions.size());
  if (count < want) return failedPrecondition("compiled module does not match its Wasm module");
  code->func_ptrs.assign(p, p + want);
  for (uint32_t i = 0; i < want; ++i) code->index_of_[reinterpret_cast<void*>(p[i])] = i;
  if (!bind(handle, "weir_aot_trap_backtrace", code->trap_backtrace)) {
    return failedPrecondition("compiled module lacks weir's entry points");
  }
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(digest), &info) != 0 && info.dli_fbase != nullptr) {
    code->readCodeRanges(object, reinterpret_cast<uintptr_t>(info.dli_fbase), module.num_imported_funcs);
  }
  return code;
}

namespace {

// "<prefix><N>", or a part gcc split off it ("<prefix><N>.cold", ".part.0", ...).
bool symbolIndex(std::string_view name, std::string_view prefix, uint32_t& index) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  size_t i = prefix.size();
  uint64_t v = 0;
  size_t digits = 0;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && digits < 10) {
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || v > UINT32_MAX || (i < name.size() && name[i] != '.')) return false;
  index = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

// The object is one weir built and verified, but it is read defensively: a
// table that does not parse just leaves traps without a backtrace.
void AotCode::readCodeRanges(std::span<const uint8_t> object, uintptr_t load_base, uint32_t num_imported_funcs) {
  auto fits = [&](uint64_t off, uint64_t len) { return off <= object.size() && len <= object.size() - off; };
  if (!fits(0, sizeof(Elf64_Ehdr))) return;
  Elf64_Ehdr eh;
  std::memcpy(&eh, object.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_shentsize != sizeof(Elf64_Shdr) || !fits(eh.e_shoff, uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr))) {
    return;
  }
  auto section = [&](uint32_t i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, object.data() + eh.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr), sizeof sh);
    return sh;
  };
  for (uint32_t i = 0; i < eh.e_shnum; ++i) {
    const Elf64_Shdr symtab = section(i);
    if (symtab.sh_type != SHT_SYMTAB || symtab.sh_entsize != sizeof(Elf64_Sym) || symtab.sh_link >= eh.e_shnum ||
        !fits(symtab.sh_offset, symtab.sh_size)) {
      continue;
    }
    const Elf64_Shdr strtab = section(symtab.sh_link);
    if (!fits(strtab.sh_offset, strtab.sh_size)) continue;
    const char* strings = reinterpret_cast<const char*>(object.data() + strtab.sh_offset);
    for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= symtab.sh_size; off += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      std::memcpy(&sym, object.data() + symtab.sh_offset + off, sizeof sym);
      if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_size == 0 || sym.st_name >= strtab.sh_size) continue;
      const char* name = strings + sym.st_name;
      const size_t len = strnlen(name, strtab.sh_size - sym.st_name);
      // w2c_f<function index>; weir_entry_<defined index> calls it (glue).
      const std::string_view sv(name, len);
      uint32_t index = 0;
      bool entry = false;
      if (symbolIndex(sv, "weir_entry_", index)) {
        if (index > UINT32_MAX - num_imported_funcs) continue;
        index += num_imported_funcs;
        entry = true;
      } else if (!symbolIndex(sv, "w2c_f", index)) {
        continue;
      }
      ranges_.push_back({load_base + sym.st_value, load_base + sym.st_value + sym.st_size, index, entry});
    }
  }
  std::sort(ranges_.begin(), ranges_.end(), [](const CodeRange& a, const CodeRange& b) { return a.begin < b.begin; });
}

AotCode::CodeAt AotCode::functionAt(uintptr_t pc) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), pc,
                             [](uintptr_t v, const CodeRange& r) { return v < r.begin; });
  if (it == ranges_.begin()) return {};
  --it;
  if (pc >= it->end) return {};
  return {static_cast<int64_t>(it->func_index), it->entry};
}

namespace {

// Whether environment variable `name` selects `alternative` over
// `usual` (anything else set there is warned about once and ignored).
bool envSelects(const char* name, std::string_view usual, std::string_view alternative) {
  const char* v = std::getenv(name);
  if (v && v == alternative) return true;
  if (v && *v && v != usual) WEIR_WARN("wasm: {}={} is not {} or {}; using {}", name, v, alternative, usual, usual);
  return false;
}

}  // namespace

MemoryChecks resolveMemoryChecks(MemoryChecks checks) {
  // Guard pages need 8 GiB of address space per memory.
  if constexpr (sizeof(void*) < 8) return MemoryChecks::kExplicit;
  if (checks != MemoryChecks::kDefault) return checks;
  static const MemoryChecks from_env = envSelects("WEIR_AOT_BOUNDS_CHECKS", "guard", "explicit")
                                           ? MemoryChecks::kExplicit
                                           : MemoryChecks::kGuardPages;
  return from_env;
}

Emitter resolveEmitter(Emitter emitter) {
  if (emitter != Emitter::kDefault) return emitter;
  static const Emitter from_env = envSelects("WEIR_AOT_EMITTER", "simd", "all") ? Emitter::kAll : Emitter::kSimd;
  return from_env;
}

Result<const AotCode*> AotCode::explicitChecksVariant() const {
  if (memory_checks == MemoryChecks::kExplicit) return this;
  std::lock_guard<std::mutex> lock(variant_mu_);
  if (!variant_ && variant_status_.isOk()) {
    if (!module_) return failedPrecondition("compiled module has no explicitly checked build");
    AotOptions options = options_;
    options.memory_checks = MemoryChecks::kExplicit;
    options.emit_c_dir.clear();
    auto code = compileModule(*module_, options);
    if (code) {
      variant_ = std::move(code.value());
    } else {
      variant_status_ = code.status();
    }
  }
  if (!variant_) return variant_status_;
  return static_cast<const AotCode*>(variant_.get());
}

Result<std::vector<uint8_t>> buildObject(const wasm::Module& module, int opt_level, const std::string& emit_c_dir,
                                         MemoryChecks checks, Emitter emitter) {
  checks = resolveMemoryChecks(checks);
  emitter = resolveEmitter(emitter);
  const Result<Toolchain>& tools = toolchain();
  if (!tools) return tools.status();
  // Functions wasm2c cannot translate (and, for tests, every one the emitter
  // can) are translated by weir and spliced in place of wasm2c's stubs.
  std::vector<bool> stubbed(module.functions.size());
  std::vector<std::pair<uint32_t, std::string>> own;
  bool simd = false;
  if (v128InSignatures(module)) {
    return unimplemented("the compiled tier does not support SIMD values (v128) in function types, globals or imports");
  }
  for (uint32_t i = 0; i < module.functions.size(); ++i) {
    const bool needed = usesSimd(module, i);
    if (!needed && emitter != Emitter::kAll) continue;
    auto c = emitFunction(module, i, checks);
    if (!c) {
      if (needed) return c.status();
      continue;
    }
    stubbed[i] = true;
    simd |= needed;
    own.emplace_back(module.num_imported_funcs + i, std::move(c.value()));
  }
  auto prepared = prepareModule(module, stubbed);
  if (!prepared) return prepared.status();
  auto dir = TempDir::create();
  if (!dir) return dir.status();
  const std::string& d = dir.value().path();
  if (!writeFile(d + "/module.wasm", prepared.value().binary.data(), prepared.value().binary.size())) {
    return ioError("cannot write to " + d);
  }
  Status s = runTool({tools.value().wasm2c, "--no-debug-names", "-n", "m", "module.wasm", "-o", "module.c"}, d,
                     d + "/wasm2c.log");
  if (!s.isOk()) return unimplemented("wasm2c cannot translate this module: " + s.message());
  std::string c, h;
  if (!readFile(d + "/module.c", c) || !readFile(d + "/module.h", h)) return internalError("wasm2c wrote no module.c");
  if (Status p = patchGeneratedSource(c, h, checks); !p.isOk()) return p;
  if (Status p = spliceFunctions(c, own, simd ? kSimdPrelude : ""); !p.isOk()) return p;
  c += glueSource(module, sha256Hex(module.bytes));
  std::string rt = runtimeHeader(checks);
  if (!writeFile(d + "/module.c", c.data(), c.size()) || !writeFile(d + "/module.h", h.data(), h.size()) ||
      !writeFile(d + "/wasm-rt.h", rt.data(), rt.size())) {
    return ioError("cannot write to " + d);
  }
  if (!emit_c_dir.empty()) {
    if (!writeFile(emit_c_dir + "/module.c", c.data(), c.size()) ||
        !writeFile(emit_c_dir + "/module.h", h.data(), h.size()) ||
        !writeFile(emit_c_dir + "/wasm-rt.h", rt.data(), rt.size())) {
      return ioError("cannot write the generated C to " + emit_c_dir);
    }
  }
  // Fixed flags: no fast-math or FP contraction (Wasm float semantics), hidden
  // symbols except the weir_aot_* entry points.
  std::vector<std::string> argv = {tools.value().cc, "-O" + std::to_string(opt_level), "-fPIC", "-shared",
                                   "-fvisibility=hidden", "-ffp-contract=off", "-DNDEBUG", "-w", "-I."};
  if (!hostIsa().empty()) argv.push_back("-march=" + hostIsa());
  argv.insert(argv.end(), {"-o", "module.so", "module.c", "-lm"});
  s = runTool(argv, d, d + "/cc.log");
  if (!s.isOk()) return s;
  std::string so;
  if (!readFile(d + "/module.so", so)) return internalError("the C compiler wrote no module.so");
  return std::vector<uint8_t>(so.begin(), so.end());
}

Result<std::unique_ptr<AotCode>> compileModule(const wasm::Module& module, const AotOptions& options) {
  const Result<Toolchain>& tools = toolchain();
  if (!tools) {
    static std::once_flag once;
    std::call_once(once, [&] { WEIR_WARN("wasm: compiled tier unavailable ({}); modules run on the interpreter where allowed",
                                      tools.status().message()); });
    return tools.status();
  }
  const MemoryChecks checks = resolveMemoryChecks(options.memory_checks);
  std::string key = cacheKey(module.bytes, tools.value().identity, options.opt_level, checks, options.emitter);
  // Records how the object was built; for explicitChecksVariant().
  auto finish = [&](std::unique_ptr<AotCode>& code) {
    code->memory_checks = checks;
    code->module_ = &module;
    code->options_ = options;
  };
  std::string path;
  if (options.use_cache) {
    auto dir = cacheDirectory(options);
    if (!dir) return dir.status();
    path = dir.value() + "/" + key + ".so";
    // Emitting the C needs a real compile.
    auto cached = options.emit_c_dir.empty() ? readVerified(path) : Result<std::vector<uint8_t>>(notFound(""));
    if (cached) {
      auto code = AotCode::load(cached.value(), module);
      if (code) {
        code.value()->cache_key = key;
        code.value()->loaded_from_cache = true;
        finish(code.value());
        return code;
      }
      WEIR_WARN("wasm: cached object {} unusable ({}), recompiling", path, code.status().message());
    } else if (cached.status().code() != StatusCode::kNotFound) {
      WEIR_WARN("wasm: {}, recompiling", cached.status().message());
    }
  }
  auto object = buildObject(module, options.opt_level, options.emit_c_dir, checks, options.emitter);
  if (!object) return object.status();
  if (options.use_cache) {
    if (Status s = writeArtifact(path, object.value()); !s.isOk()) {
      WEIR_WARN("wasm: cannot cache the compiled module: {}", s.message());
    }
  }
  auto code = AotCode::load(object.value(), module);
  if (!code) return code;
  if (options.use_cache) code.value()->cache_key = key;
  finish(code.value());
  return code;
}

}  // namespace weir::wasm::aot
