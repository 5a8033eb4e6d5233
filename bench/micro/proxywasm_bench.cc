// Proxy-Wasm host costs that bound a Wasm filter's overhead:
//   BM_VmStart/<module>        instantiate + module start + root context
//                              (on_context_create, on_vm_start, on_configure):
//                              what each worker pays once per plugin
//   BM_StreamContext/<module>/live:<n>  a stream context's life without the
//                              request: on_context_create, then on_log,
//                              on_done, on_delete — what every request pays
//                              on top of the callbacks that do the filter's
//                              work — with n other stream contexts open (as
//                              under n concurrent requests)
// Modules are built from their sources when the benchmark starts:
// bench/wasm-filter/header_filter.c (tiny), a generated ~150 KB C filter
// (bench/wasm-filter/big_filter.py) and the AssemblyScript SDK filter, also
// built by bench/wasm-filter/as_quiet.sh.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "proxywasm/context.h"
#include "proxywasm/tier.h"
#include "proxywasm/plugin.h"
#include "proxywasm/wasm_vm.h"

namespace weir::proxywasm {
namespace {

namespace fs = std::filesystem;

const fs::path& sourceRoot() {
  static const fs::path root = fs::path(__FILE__).parent_path().parent_path().parent_path();
  return root;
}

void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// name → module path, built once per process into a temporary directory.
const std::map<std::string, std::string>& modules() {
  static const std::map<std::string, std::string> built = [] {
    const fs::path out = fs::temp_directory_path() / ("weir-proxywasm-bench-" + std::to_string(::getpid()));
    fs::create_directories(out);
    const fs::path root = sourceRoot();
    const std::string cflags = "clang --target=wasm32-wasi -O2 -nostdlib -Wl,--no-entry -I'" +
                               (root / "tests/testdata/proxywasm").string() + "' ";
    const std::string malloc_c = "'" + (root / "bench/wasm-filter/bump_malloc.c").string() + "'";
    run(cflags + "-o '" + (out / "header.wasm").string() + "' '" +
        (root / "bench/wasm-filter/header_filter.c").string() + "' " + malloc_c);
    run("python3 '" + (root / "bench/wasm-filter/big_filter.py").string() + "' > '" + (out / "big.c").string() + "'");
    run(cflags + "-o '" + (out / "big.wasm").string() + "' '" + (out / "big.c").string() + "' " + malloc_c);
    std::map<std::string, std::string> m{{"header", (out / "header.wasm").string()},
                                         {"big150k", (out / "big.wasm").string()}};
    const fs::path as = root / "tests/testdata/proxywasm/assemblyscript";
    if (fs::exists(as / "node_modules/.bin/asc")) {
      run("'" + (as / "build.sh").string() + "' '" + (out / "as.wasm").string() + "' > /dev/null 2>&1");
      m.emplace("assemblyscript", (out / "as.wasm").string());
      // The same filter on the SDK without its per-callback debug messages.
      run("'" + (root / "bench/wasm-filter/as_quiet.sh").string() + "' '" + (out / "as_quiet.wasm").string() +
          "' > /dev/null 2>&1");
      m.emplace("assemblyscript-quiet", (out / "as_quiet.wasm").string());
    }
    return m;
  }();
  return built;
}

struct Loaded {
  std::shared_ptr<const VmCode> code;
  std::shared_ptr<const PluginConfig> plugin;
  size_t bytes = 0;
};

// `aot`: the module compiled by the compiled tier first (runtime weir.aot).
Loaded load(const std::string& name, bool aot) {
  std::ifstream in(modules().at(name), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Loaded l;
  l.bytes = bytes.size();
  auto code = compileVmCode(std::move(bytes));
  if (!code) throw std::runtime_error(name + ": " + code.status().message());
  if (aot) {
    code.value()->runtime = "weir.aot";
    if (Status s = applyTierPolicy(*code.value()); !s.isOk()) throw std::runtime_error(name + ": " + s.message());
  }
  auto plugin = std::make_shared<PluginConfig>();
  plugin->name = "bench";
  plugin->root_id = name.starts_with("assemblyscript") ? "bench_header" : "";
  // Non-empty, as deployed filters have: with an empty configuration the
  // AssemblyScript SDK (0.1.8) reads a stale buffer in onConfigure (it
  // passes the size as the size pointer) and logs megabytes of garbage.
  plugin->configuration = "bench";
  plugin->vm = std::move(code.value());
  plugin->stats = makePluginStats(nullptr, "bench");
  l.code = plugin->vm;
  l.plugin = std::move(plugin);
  return l;
}

// A VM with the plugin's root context, or null (and the benchmark marked
// failed).
struct Started {
  std::shared_ptr<WasmVm> vm;
  RootContext* root = nullptr;
};

Started startVm(benchmark::State& state, const Loaded& l) {
  auto vm = WasmVm::create(l.code, VmEnvironment{});
  if (!vm) {
    state.SkipWithError(vm.status().message().c_str());
    return {};
  }
  auto root = vm.value()->startPlugin(l.plugin);
  if (!root) {
    state.SkipWithError(root.status().message().c_str());
    return {};
  }
  return {std::move(vm.value()), root.value()};
}

void BM_VmStart(benchmark::State& state, const std::string& name, bool aot) {
  Loaded l = load(name, aot);
  for (auto _ : state) {
    Started s = startVm(state, l);
    if (!s.vm) return;
    benchmark::DoNotOptimize(s.root);
  }
  state.counters["module_bytes"] = static_cast<double>(l.bytes);
}

void BM_StreamContext(benchmark::State& state, const std::string& name, bool aot) {
  Loaded l = load(name, aot);
  Started s = startVm(state, l);
  if (!s.vm) return;
  std::vector<std::unique_ptr<Context>> live;
  for (int64_t i = 0; i < state.range(0); ++i) {
    live.push_back(std::make_unique<Context>(*s.vm, s.vm->allocateContextId(), s.root));
    if (!s.vm->createStreamContext(*live.back())) {
      state.SkipWithError("on_context_create failed");
      return;
    }
  }
  for (auto _ : state) {
    Context ctx(*s.vm, s.vm->allocateContextId(), s.root);
    if (!s.vm->createStreamContext(ctx)) {
      state.SkipWithError("on_context_create failed");
      return;
    }
    s.vm->destroyStreamContext(ctx, true);
  }
  for (auto& ctx : live) s.vm->destroyStreamContext(*ctx, true);
}

void registerAll() {
  for (bool aot : {false, true}) {
    const std::string suffix = aot ? "-aot" : "";
    for (const auto& [name, path] : modules()) {
      benchmark::RegisterBenchmark(("BM_VmStart/" + name + suffix).c_str(), BM_VmStart, name, aot)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("BM_StreamContext/" + name + suffix).c_str(), BM_StreamContext, name, aot)
          ->ArgName("live")
          ->Arg(0)
          ->Arg(32)
          ->Unit(benchmark::kNanosecond);
    }
  }
}

}  // namespace
}  // namespace weir::proxywasm

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  weir::proxywasm::registerAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
