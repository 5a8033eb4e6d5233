// Pulling a Wasm filter image into a Store: resolve the reference (an index
// to its wasm entry), find the module layer by media type, download what the
// store lacks (streamed, digest-verified), extract plugin.wasm from a compat
// layer, and store manifest, config and module as blobs.
#pragma once

#include <string>

#include "base/status.h"
#include "oci/reference.h"
#include "oci/registry_client.h"
#include "oci/store.h"
#include "oci/wasm_image.h"

namespace weir::oci {

struct PulledImage {
  std::string manifest_digest;      // of the image manifest (what a pin should name)
  std::string top_digest;           // of what the reference resolved to (an index, or == manifest_digest)
  std::string top_media_type;
  std::string manifest_media_type;
  std::string manifest;             // bytes
  std::string config;               // bytes
  std::string module_digest;        // sha256 of the module bytes
  uint64_t module_size = 0;
  WasmFormat format = WasmFormat::kWasmOciVariant;
};

Result<PulledImage> pullImage(RegistryClient& client, const Reference& ref, Store& store, uint64_t max_module_bytes);

}  // namespace weir::oci
