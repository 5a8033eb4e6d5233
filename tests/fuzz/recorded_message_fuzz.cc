// The recorded HTTP messages `weir test` reads from files (line-end
// normalization, an added Content-Length, then the strict HTTP/1 parser):
// any input either fails cleanly or yields a message whose body is no larger
// than the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxywasm/offline_host.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (bool request : {true, false}) {
    auto m = request ? weir::proxywasm::parseRecordedRequest(input) : weir::proxywasm::parseRecordedResponse(input);
    if (m.isOk() && m->body.size() > input.size()) std::abort();
  }
  return 0;
}
