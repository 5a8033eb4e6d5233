#include "wasm/aot/toolchain.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace weir::wasm::aot {

const std::string& hostIsa() {
  static const std::string isa = [] {
#if defined(__x86_64__)
    // x86-64-v2 also has CMPXCHG16B and LAHF/SAHF, present on every CPU with SSE4.2.
    if (__builtin_cpu_supports("sse3") && __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1") &&
        __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt")) {
      return std::string("x86-64-v2");
    }
#endif
    return std::string();
  }();
  return isa;
}

namespace {

std::string findInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::stringstream ss(p);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty() || dir[0] != '/') continue;  // relative PATH entries are not trusted
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string firstLineOf(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

Result<Toolchain> findToolchain() {
  Toolchain t;
  t.wasm2c = findInPath("wasm2c");
  if (t.wasm2c.empty()) return unavailable("wasm2c not found on PATH (Debian package wabt)");
  for (const char* name : {"cc", "gcc", "clang"}) {
    t.cc = findInPath(name);
    if (!t.cc.empty()) break;
  }
  if (t.cc.empty()) return unavailable("no C compiler (cc, gcc or clang) found on PATH");
  auto dir = TempDir::create();
  if (!dir) return dir.status();
  std::string log = dir.value().path() + "/version";
  if (Status s = runTool({t.cc, "--version"}, dir.value().path(), log); !s.isOk()) {
    return unavailable("the C compiler " + t.cc + " does not run: " + s.message());
  }
  std::error_code ec;
  std::string real_cc = std::filesystem::canonical(t.cc, ec).string();
  t.identity = real_cc + "|" + firstLineOf(log);
  if (Status s = runTool({t.wasm2c, "--version"}, dir.value().path(), log); !s.isOk()) {
    return unavailable("wasm2c does not run: " + s.message());
  }
  t.identity += "|wasm2c " + firstLineOf(log);
  return t;
}

}  // namespace

const Result<Toolchain>& toolchain() {
  static const Result<Toolchain> t = findToolchain();
  return t;
}

Status runTool(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // A fixed environment: CPATH, GCC_EXEC_PREFIX and friends must not change
  // what gets compiled; the compiler still finds its own helpers by PATH.
  std::string path_env = "PATH=/usr/local/bin:/usr/bin:/bin";
  char lang[] = "LC_ALL=C";
  char* envp[] = {path_env.data(), lang, nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return unavailable("cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return internalError("waitpid failed for " + argv[0]);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::ok();
  std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "signal " + std::to_string(WTERMSIG(status));
  std::ifstream in(log_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 2000) text = text.substr(0, 2000) + "...";
  return internalError(argv[0] + " failed (" + why + ")" + (text.empty() ? "" : ": " + text));
}

Result<TempDir> TempDir::create() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp == '/' ? tmp : "/tmp") + "/weir-aot-XXXXXX";
  if (!mkdtemp(pattern.data())) return ioError("mkdtemp failed for " + pattern);
  return TempDir(pattern);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace weir::wasm::aot
