// The Proxy-Wasm serialized map decoder (guest bytes: header maps handed to
// proxy_set_header_map_pairs, local-response headers, http_call headers).
// Anything accepted must re-encode to a map that decodes to the same pairs,
// and decoding must stay within its limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxywasm/pairs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using weir::proxywasm::decodePairs;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  weir::proxywasm::PairsLimits limits;
  limits.max_pairs = 1024;
  limits.max_bytes = 64 * 1024;
  auto pairs = decodePairs(input, limits);
  if (!pairs.isOk()) return 0;
  if (pairs.value().size() > limits.max_pairs) std::abort();
  for (const auto& [k, v] : pairs.value()) {
    // Views must point into the input.
    if (k.data() < input.data() || k.data() + k.size() > input.data() + input.size()) std::abort();
    if (v.data() < input.data() || v.data() + v.size() > input.data() + input.size()) std::abort();
  }
  const std::string again = weir::proxywasm::encodePairs(pairs.value());
  if (again.size() != weir::proxywasm::encodedPairsSize(pairs.value())) std::abort();
  auto round = decodePairs(again, limits);
  if (!round.isOk() || round.value() != pairs.value()) std::abort();
  return 0;
}
