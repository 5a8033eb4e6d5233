// Reads a fuzz target's checked-in seed corpus (tests/fuzz/corpus/<name>/,
// found through WEIR_FUZZ_CORPUS_DIR, which CTest sets) so unit tests can
// replay it. Empty when the variable is unset or the folder is missing.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace weir::wasm::testing {

inline std::vector<std::vector<uint8_t>> seedCorpus(const std::string& name) {
  std::vector<std::vector<uint8_t>> out;
  const char* dir = std::getenv("WEIR_FUZZ_CORPUS_DIR");
  if (!dir) return out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(std::string(dir) + "/" + name, ec)) {
    std::ifstream f(e.path(), std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return out;
}

}  // namespace weir::wasm::testing
