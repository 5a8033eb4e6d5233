// For the proxywasm unit tests: builds this folder's test filters once per
// test binary (build.sh: wat2wasm + clang for wasm32-wasi) and hands out
// their bytes. Modules are never committed; they are built at test time.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>

#include <unistd.h>

namespace weir::proxywasm {

inline const std::filesystem::path& testModuleDir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path src = std::filesystem::path(__FILE__).parent_path();
    std::filesystem::path out =
        std::filesystem::temp_directory_path() / ("weir-proxywasm-test-" + std::to_string(::getpid()));
    std::string cmd = "'" + (src / "build.sh").string() + "' '" + out.string() + "' >/dev/null";
    // Removed when the test binary exits.
    static struct Cleanup {
      std::filesystem::path dir;
      ~Cleanup() {
        std::error_code ec;
        if (!dir.empty()) std::filesystem::remove_all(dir, ec);
      }
    } cleanup;
    cleanup.dir = out;
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error("building the test filters failed (needs wat2wasm and clang for wasm32-wasi): " + cmd);
    }
    return out;
  }();
  return dir;
}

inline std::string testModulePath(const std::string& name) { return (testModuleDir() / name).string(); }

// The AssemblyScript SDK filter, or "" when the SDK is not installed
// (`npm ci` in assemblyscript/, which scripts/setup.sh runs).
inline std::string assemblyScriptModulePath() {
  static const std::string path = []() -> std::string {
    std::filesystem::path src = std::filesystem::path(__FILE__).parent_path() / "assemblyscript";
    if (!std::filesystem::exists(src / "node_modules" / ".bin" / "asc")) return "";
    std::filesystem::path out = testModuleDir() / "as_filter.wasm";
    std::string cmd = "'" + (src / "build.sh").string() + "' '" + out.string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("building the AssemblyScript filter failed: " + cmd);
    return out.string();
  }();
  return path;
}

inline const std::string& testModule(const std::string& name) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  std::ifstream in(testModulePath(name), std::ios::binary);
  if (!in) throw std::runtime_error("missing test module " + name);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cache.emplace(name, std::move(bytes)).first->second;
}

inline std::string base64Encode(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace weir::proxywasm
