// libFuzzer target for the config loader: arbitrary bytes as bootstrap YAML.
// The loader must never crash, hang or recurse without bound; any input ends
// as a Bootstrap or a list of errors.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  weir::config::LoadOptions options;
  options.max_file_bytes = 256 * 1024;
  options.max_nodes = 20000;
  weir::config::LoadReport report = weir::config::loadBootstrapReport(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml", options);
  // Every error must render (exercises the message paths too).
  for (const auto& e : report.errors) (void)e.toString();
  return 0;
}
