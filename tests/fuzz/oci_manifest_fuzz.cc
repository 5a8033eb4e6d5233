// libFuzzer target: OCI manifest / index parsing and module-layer selection
// (untrusted bytes from registries and from PUT bodies).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci/manifest.h"
#include "oci/wasm_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // First byte picks the Content-Type the bytes claim.
  static const char* kTypes[] = {"", "application/vnd.oci.image.manifest.v1+json",
                                 "application/vnd.oci.image.index.v1+json",
                                 "application/vnd.docker.distribution.manifest.v2+json",
                                 "application/vnd.docker.distribution.manifest.list.v2+json"};
  const char* ct = size ? kTypes[data[0] % 5] : "";
  auto m = weir::oci::parseManifest(size ? in.substr(1) : in, ct);
  if (m.isOk()) {
    if (m->isIndex()) {
      (void)weir::oci::selectFromIndex(*m);
    } else {
      (void)weir::oci::findModuleLayer(*m);
    }
    (void)m->effectiveArtifactType();
  }
  return 0;
}
