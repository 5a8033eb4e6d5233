// A private compiled-tier cache directory per test binary, removed when the
// tests end.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace weir::wasm::testing {

inline const std::string& aotCacheDir() {
  static const std::string dir = [] {
    char d[] = "/tmp/weir-aot-test-XXXXXX";
    return std::string(mkdtemp(d) ? d : "");
  }();
  return dir;
}

class RemoveAotCacheDir : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(aotCacheDir(), ec);
  }
};

// Registers the removal once per binary, whichever test file asks first.
inline void removeAotCacheDirAtExit() {
  [[maybe_unused]] static ::testing::Environment* const env =
      ::testing::AddGlobalTestEnvironment(new RemoveAotCacheDir);
}

}  // namespace weir::wasm::testing
