// WASI preview1 with real programs: C compiled by clang for wasm32-wasi (with
// Debian's wasi-libc) at test time, run on the interpreter with stdout going
// to a temporary file.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <gtest/gtest.h>

#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"
#include "wasm/wasi/wasi.h"

namespace weir::wasm::wasi {
namespace {

namespace fs = std::filesystem;

class WasiRun : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/weir-wasi-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Compiles C source to a module; empty when no wasm32-wasi toolchain.
  std::shared_ptr<const runtime::Module> compileC(const std::string& source) {
    std::string c = dir_ + "/prog.c", wasm = dir_ + "/prog.wasm";
    std::ofstream(c) << source;
    std::string cmd = "clang --target=wasm32-wasi -O2 " + c + " -o " + wasm + " 2>&1";
    if (std::system(cmd.c_str()) != 0) return nullptr;
    std::ifstream f(wasm, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    runtime::Engine engine;
    auto m = engine.compile(bytes);
    EXPECT_TRUE(m.isOk()) << m.status().message();
    return m.isOk() ? m.value() : nullptr;
  }

  // Runs _start; returns the exit code and fills out_ with what the program printed.
  int run(const std::shared_ptr<const runtime::Module>& m, WasiConfig cfg) {
    std::string out_path = dir_ + "/stdout.txt";
    int out_fd = open(out_path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    cfg.stdout_fd = out_fd;
    auto ctx = WasiContext::create(cfg);
    EXPECT_TRUE(ctx.isOk());
    runtime::Linker linker;
    ctx.value()->define(linker);
    auto inst = runtime::Instance::instantiate(m, linker);
    EXPECT_TRUE(inst.isOk()) << inst.status().message();
    RunOutcome r = runStart(*inst.value());
    close(out_fd);
    std::ifstream f(out_path);
    out_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    trap_ = r.trap;
    return r.exit_code;
  }

  std::string dir_;
  std::string out_;
  std::optional<runtime::Trap> trap_;
};

TEST_F(WasiRun, CommandSeesArgsAndEnvironmentAndReturnsExitCode) {
  auto m = compileC(R"(
    #include <stdio.h>
    #include <stdlib.h>
    int main(int argc, char** argv) {
      printf("argc=%d last=%s env=%s\n", argc, argv[argc - 1], getenv("GREETING"));
      exit(atoi(argv[1]));
    })");
  if (!m) GTEST_SKIP() << "clang --target=wasm32-wasi unavailable";
  WasiConfig cfg;
  cfg.args = {"prog", "42", "tail"};
  cfg.env = {"GREETING=hello"};
  EXPECT_EQ(run(m, cfg), 42);
  EXPECT_FALSE(trap_.has_value());
  EXPECT_EQ(out_, "argc=3 last=tail env=hello\n");
}

TEST_F(WasiRun, FilesAreReadAndWrittenOnlyInsideGrantedDirectory) {
  auto m = compileC(R"(
    #include <stdio.h>
    #include <dirent.h>
    int main(void) {
      FILE* in = fopen("box/in.txt", "r");
      char buf[32] = {0};
      if (in) { fgets(buf, sizeof buf, in); fclose(in); }
      printf("read=%s", in ? buf : "none\n");
      FILE* out = fopen("box/out.txt", "w");
      if (out) { fputs("from wasm", out); fclose(out); }
      printf("dotdot=%s\n", fopen("box/../secret.txt", "r") ? "open" : "denied");
      printf("symlink=%s\n", fopen("box/link", "r") ? "open" : "denied");
      DIR* d = opendir("box");
      int n = 0;
      if (d) { while (readdir(d)) ++n; closedir(d); }
      printf("entries=%d\n", n);
      return 0;
    })");
  if (!m) GTEST_SKIP() << "clang --target=wasm32-wasi unavailable";
  fs::create_directory(dir_ + "/box");
  std::ofstream(dir_ + "/box/in.txt") << "inside\n";
  std::ofstream(dir_ + "/secret.txt") << "outside\n";
  fs::create_symlink(dir_ + "/secret.txt", dir_ + "/box/link");
  WasiConfig cfg;
  cfg.args = {"prog"};
  cfg.preopens = {{"box", dir_ + "/box"}};
  EXPECT_EQ(run(m, cfg), 0);
  EXPECT_EQ(out_, "read=inside\ndotdot=denied\nsymlink=denied\nentries=5\n");
  std::ifstream written(dir_ + "/box/out.txt");
  std::string content((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "from wasm");
}

TEST_F(WasiRun, GuestTrapIsReportedWithExitCode134) {
  auto m = compileC(R"(
    #include <stdio.h>
    int main(void) { __builtin_trap(); })");
  if (!m) GTEST_SKIP() << "clang --target=wasm32-wasi unavailable";
  WasiConfig cfg;
  cfg.args = {"prog"};
  EXPECT_EQ(run(m, cfg), 134);
  ASSERT_TRUE(trap_.has_value());
  EXPECT_EQ(trap_->kind, runtime::TrapKind::kUnreachable);
}

}  // namespace
}  // namespace weir::wasm::wasi
