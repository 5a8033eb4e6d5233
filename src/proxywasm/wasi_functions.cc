// WASI preview1 for Proxy-Wasm modules, registered under both
// wasi_snapshot_preview1 and wasi_unstable. A filter has no files, sockets or
// arguments: stdout/stderr go to weir's log, the environment is only what
// vm_config.environment_variables configured, clocks and randomness are real,
// and everything else answers the errno a sandboxed WASI host gives (as the
// Proxy-Wasm C++ host does), so Go and TinyGo runtimes start.
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <openssl/rand.h>

#include "proxywasm/wasm_vm.h"
#include "wasm/runtime/instance.h"

namespace weir::proxywasm {

using wasm::ValType;
using wasm::runtime::Caller;

namespace {

constexpr ValType I32 = ValType::kI32;
constexpr ValType I64 = ValType::kI64;

wasm::FuncType signature(const std::vector<ValType>& params, bool returns_i32) {
  static const ValType kResult[1] = {ValType::kI32};
  return wasm::FuncType(std::span<const ValType>(params), std::span<const ValType>(kResult, returns_i32 ? 1 : 0));
}

enum Errno : uint32_t {
  kSuccess = 0,
  kBadf = 8,
  kFault = 21,
  kInval = 28,
  kNoent = 44,
  kNosys = 52,
  kNotdir = 20,
  kNotsup = 58,
};

constexpr uint32_t kMaxRandomBytes = 64 * 1024;
constexpr uint32_t kMaxIovecs = 1024;

// A WASI call's arguments, in the slots the engine passes.
struct Wasi {
  WasmVm& vm;
  Caller& caller;
  const uint64_t* args;
  uint32_t u32(int i) const { return static_cast<uint32_t>(args[i]); }
};

using WasiFn = uint32_t (*)(Wasi&);

template <WasiFn F>
Status adapt(Caller& caller, void* user_data, uint64_t* slots) {
  auto* vm = static_cast<WasmVm*>(user_data);
  if (!vm->memory()) vm->setMemory(caller.memory());
  Wasi w{*vm, caller, slots};
  const uint32_t result = F(w);
  slots[0] = result;  // the i32 result, zero-extended
  return Status::ok();
}

bool isStdio(uint32_t fd) { return fd == 1 || fd == 2; }

uint32_t fdWrite(Wasi& w) {
  uint32_t fd = w.u32(0), iovs = w.u32(1), n = w.u32(2), ret = w.u32(3);
  if (!isStdio(fd)) return kBadf;
  if (n > kMaxIovecs) return kInval;
  std::string text;
  for (uint32_t i = 0; i < n; ++i) {
    auto iov = w.vm.readBytes(iovs + i * 8, 8);
    if (!iov) return kFault;
    uint32_t ptr, len;
    std::memcpy(&ptr, iov->data(), 4);
    std::memcpy(&len, iov->data() + 4, 4);
    auto data = w.vm.readBytes(ptr, len);
    if (!data) return kFault;
    text.append(*data);
  }
  size_t written = text.size();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  w.vm.log(fd == 1 ? 2 : 4, text);
  return w.vm.writeU32(ret, static_cast<uint32_t>(written)) ? kSuccess : kFault;
}

uint32_t fdPwrite(Wasi& w) {
  // (fd, iovs, iovs_len, i64 offset, ret): the offset means nothing for a log.
  uint64_t shifted[4] = {w.args[0], w.args[1], w.args[2], w.args[4]};
  Wasi inner{w.vm, w.caller, shifted};
  return fdWrite(inner);
}

uint32_t nosys(Wasi&) { return kNosys; }
uint32_t success(Wasi&) { return kSuccess; }
uint32_t badf(Wasi&) { return kBadf; }
uint32_t notsup(Wasi&) { return kNotsup; }
uint32_t noent(Wasi&) { return kNoent; }
uint32_t successForStdio(Wasi& w) { return isStdio(w.u32(0)) ? kSuccess : kBadf; }

uint32_t fdFdstatGet(Wasi& w) {
  if (!isStdio(w.u32(0))) return kBadf;
  // filetype(u8) pad flags(u16) pad rights_base(u64) rights_inheriting(u64)
  uint8_t stat[24] = {};
  stat[8] = 64;  // FD_WRITE
  auto* mem = w.vm.memory();
  return mem && mem->write(w.u32(1), stat, sizeof(stat)) ? kSuccess : kFault;
}

uint32_t fdTell(Wasi& w) {
  if (!isStdio(w.u32(0))) return kBadf;
  return w.vm.writeU64(w.u32(1), 0) ? kSuccess : kFault;
}

uint32_t fdRenumber(Wasi& w) { return isStdio(w.u32(0)) && isStdio(w.u32(1)) ? kNotsup : kBadf; }

uint32_t fdReaddir(Wasi& w) { return w.vm.writeU32(w.u32(4), 0) ? kNotdir : kFault; }

uint32_t zeroOutputNotsup(Wasi& w, int ret_index) { return w.vm.writeU32(w.u32(ret_index), 0) ? kNotsup : kFault; }
uint32_t pathReadlink(Wasi& w) { return zeroOutputNotsup(w, 5); }
uint32_t sockRecv(Wasi& w) {
  if (!w.vm.writeU32(w.u32(4), 0) || !w.vm.writeU32(w.u32(5), 0)) return kFault;
  return kNotsup;
}
uint32_t sockSend(Wasi& w) { return zeroOutputNotsup(w, 4); }
uint32_t sockAccept(Wasi& w) { return zeroOutputNotsup(w, 2); }

// environ: "KEY=VALUE\0" strings and one u32 pointer per entry.
uint32_t environSizesGet(Wasi& w) {
  const auto& env = w.vm.code().environment;
  uint32_t bytes = 0;
  for (const auto& [k, v] : env) bytes += static_cast<uint32_t>(k.size() + v.size() + 2);
  if (!w.vm.writeU32(w.u32(0), static_cast<uint32_t>(env.size())) || !w.vm.writeU32(w.u32(1), bytes)) return kFault;
  return kSuccess;
}

uint32_t environGet(Wasi& w) {
  const auto& env = w.vm.code().environment;
  uint32_t ptrs = w.u32(0), buf = w.u32(1);
  auto* mem = w.vm.memory();
  if (!mem) return kFault;
  for (size_t i = 0; i < env.size(); ++i) {
    std::string entry = env[i].first + "=" + env[i].second;
    entry.push_back('\0');
    if (!w.vm.writeU32(ptrs + static_cast<uint32_t>(i) * 4, buf)) return kFault;
    if (!mem->write(buf, entry.data(), entry.size())) return kFault;
    buf += static_cast<uint32_t>(entry.size());
  }
  return kSuccess;
}

uint32_t argsSizesGet(Wasi& w) {
  return w.vm.writeU32(w.u32(0), 0) && w.vm.writeU32(w.u32(1), 0) ? kSuccess : kFault;
}

uint32_t clockTimeGet(Wasi& w) {
  uint32_t id = w.u32(0);
  uint64_t ns;
  if (id == 0) {
    ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count());
  } else if (id == 1) {
    ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch()).count());
  } else {
    return kNotsup;
  }
  return w.vm.writeU64(w.u32(2), ns) ? kSuccess : kFault;
}

uint32_t clockResGet(Wasi& w) {
  if (w.u32(0) > 1) return kNotsup;
  return w.vm.writeU64(w.u32(1), 1) ? kSuccess : kFault;
}

uint32_t randomGet(Wasi& w) {
  uint32_t len = w.u32(1);
  if (len > kMaxRandomBytes) return kInval;
  if (len == 0) return kSuccess;
  std::vector<uint8_t> bytes(len);
  if (RAND_bytes(bytes.data(), static_cast<int>(len)) != 1) return kNosys;
  auto* mem = w.vm.memory();
  return mem && mem->write(w.u32(0), bytes.data(), len) ? kSuccess : kFault;
}

uint32_t pollOneoff(Wasi& w) {
  // Go's runtime sleeps through poll_oneoff and dies on an error: report
  // that no event happened.
  return w.vm.writeU32(w.u32(3), 0) ? kSuccess : kFault;
}

Status procExit(Caller& caller, void* user_data, uint64_t* slots) {
  auto* vm = static_cast<WasmVm*>(user_data);
  const auto code = static_cast<int32_t>(slots[0]);
  if (code != 0) vm->log(4, "proc_exit(" + std::to_string(code) + ")");
  caller.exit(code);
  return Status::ok();
}

struct WasiFunction {
  const char* name;
  std::vector<ValType> params;
  wasm::runtime::SlotHostFn fn;
};

}  // namespace

void registerWasiImports(wasm::runtime::Linker& linker, WasmVm* vm) {
  static const WasiFunction kFunctions[] = {
      {"fd_write", {I32, I32, I32, I32}, &adapt<fdWrite>},
      {"fd_pwrite", {I32, I32, I32, I64, I32}, &adapt<fdPwrite>},
      {"fd_read", {I32, I32, I32, I32}, &adapt<nosys>},
      {"fd_pread", {I32, I32, I32, I64, I32}, &adapt<nosys>},
      {"fd_fdstat_set_flags", {I32, I32}, &adapt<nosys>},
      {"fd_prestat_dir_name", {I32, I32, I32}, &adapt<nosys>},
      {"fd_seek", {I32, I64, I32, I32}, &adapt<success>},
      {"fd_close", {I32}, &adapt<success>},
      {"fd_fdstat_get", {I32, I32}, &adapt<fdFdstatGet>},
      {"fd_prestat_get", {I32, I32}, &adapt<badf>},
      {"fd_filestat_get", {I32, I32}, &adapt<badf>},
      {"fd_advise", {I32, I64, I64, I32}, &adapt<success>},
      {"fd_allocate", {I32, I64, I64}, &adapt<successForStdio>},
      {"fd_datasync", {I32}, &adapt<successForStdio>},
      {"fd_sync", {I32}, &adapt<successForStdio>},
      {"fd_fdstat_set_rights", {I32, I64, I64}, &adapt<successForStdio>},
      {"fd_filestat_set_size", {I32, I64}, &adapt<successForStdio>},
      {"fd_filestat_set_times", {I32, I64, I64, I32}, &adapt<successForStdio>},
      {"fd_tell", {I32, I32}, &adapt<fdTell>},
      {"fd_renumber", {I32, I32}, &adapt<fdRenumber>},
      {"fd_readdir", {I32, I32, I32, I64, I32}, &adapt<fdReaddir>},
      {"path_open", {I32, I32, I32, I32, I32, I64, I64, I32, I32}, &adapt<noent>},
      {"path_filestat_get", {I32, I32, I32, I32, I32}, &adapt<notsup>},
      {"path_filestat_set_times", {I32, I32, I32, I32, I64, I64, I32}, &adapt<notsup>},
      {"path_create_directory", {I32, I32, I32}, &adapt<notsup>},
      {"path_link", {I32, I32, I32, I32, I32, I32, I32}, &adapt<notsup>},
      {"path_readlink", {I32, I32, I32, I32, I32, I32}, &adapt<pathReadlink>},
      {"path_remove_directory", {I32, I32, I32}, &adapt<notsup>},
      {"path_rename", {I32, I32, I32, I32, I32, I32}, &adapt<notsup>},
      {"path_symlink", {I32, I32, I32, I32, I32}, &adapt<notsup>},
      {"path_unlink_file", {I32, I32, I32}, &adapt<notsup>},
      {"sock_accept", {I32, I32, I32}, &adapt<sockAccept>},
      {"sock_recv", {I32, I32, I32, I32, I32, I32}, &adapt<sockRecv>},
      {"sock_send", {I32, I32, I32, I32, I32}, &adapt<sockSend>},
      {"sock_shutdown", {I32, I32}, &adapt<notsup>},
      {"environ_sizes_get", {I32, I32}, &adapt<environSizesGet>},
      {"environ_get", {I32, I32}, &adapt<environGet>},
      {"args_sizes_get", {I32, I32}, &adapt<argsSizesGet>},
      {"args_get", {I32, I32}, &adapt<success>},
      {"clock_time_get", {I32, I64, I32}, &adapt<clockTimeGet>},
      {"clock_res_get", {I32, I32}, &adapt<clockResGet>},
      {"random_get", {I32, I32}, &adapt<randomGet>},
      {"sched_yield", {}, &adapt<success>},
      {"poll_oneoff", {I32, I32, I32, I32}, &adapt<pollOneoff>},
  };
  for (const char* module : {"wasi_snapshot_preview1", "wasi_unstable"}) {
    for (const WasiFunction& f : kFunctions) {
      linker.defineSlotFunc(module, f.name, signature(f.params, true), f.fn, vm);
    }
    linker.defineSlotFunc(module, "proc_exit", wasm::FuncType({I32}, {}), &procExit, vm);
  }
}

}  // namespace weir::proxywasm
