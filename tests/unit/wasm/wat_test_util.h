// Builds Wasm modules from WAT at test time with wabt's wat2wasm.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace weir::wasm::testing {

inline std::vector<uint8_t> watToWasm(const std::string& wat) {
  char dir[] = "/tmp/weir-wat-XXXXXX";
  if (!mkdtemp(dir)) return {};
  std::string in = std::string(dir) + "/m.wat", out = std::string(dir) + "/m.wasm";
  std::ofstream(in) << wat;
  std::string cmd = "wat2wasm --enable-all --debug-names " + in + " -o " + out;
  std::vector<uint8_t> bytes;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream f(out, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  std::remove(in.c_str());
  std::remove(out.c_str());
  rmdir(dir);
  return bytes;
}

}  // namespace weir::wasm::testing
