// WASI preview1 for command modules, registered under both
// "wasi_snapshot_preview1" and "wasi_unstable". File system access is limited
// to directories granted as preopens; paths are resolved component by
// component with openat and O_NOFOLLOW, so neither ".." nor a symlink leaves a
// granted directory. Functions not implemented return ENOSYS.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "wasm/runtime/instance.h"

namespace weir::wasm::wasi {

struct WasiConfig {
  std::vector<std::string> args;  // argv[0] first
  std::vector<std::string> env;   // "KEY=VALUE"
  // (guest path, host directory) pairs, e.g. {".", "/srv/data"}.
  std::vector<std::pair<std::string, std::string>> preopens;
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
};

class WasiContext {
 public:
  // Opens the preopened directories (fails if one cannot be opened).
  static Result<std::unique_ptr<WasiContext>> create(WasiConfig config);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Defines every preview1 function in `linker` under both module names. The
  // context must outlive instances linked against it.
  void define(runtime::Linker& linker);

  struct Fd {
    int host_fd = -1;
    bool is_dir = false;
    bool preopen = false;
    bool owned = true;       // closed on fd_close / destruction
    std::string guest_path;  // preopens: the name the guest sees
  };
  const WasiConfig& config() const { return config_; }
  std::vector<Fd>& fds() { return fds_; }

 private:
  explicit WasiContext(WasiConfig config) : config_(std::move(config)) {}
  WasiConfig config_;
  std::vector<Fd> fds_;
  std::vector<std::shared_ptr<void>> bindings_;  // user data of the host functions
};

// Runs a WASI command module's `_start`: returns the exit code (proc_exit's, or
// 0 when _start returns), or the trap that stopped it.
struct RunOutcome {
  int exit_code = 0;
  std::optional<runtime::Trap> trap;  // set when the program trapped (not for proc_exit)
};
RunOutcome runStart(runtime::Instance& instance);

}  // namespace weir::wasm::wasi
