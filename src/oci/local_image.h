// Wasm filter images in the local store, as `weir push FILE REF` and
// `weir build -t REF` make them and `weir push REF` / `weir deploy REF` read
// them: one place that writes module, config and manifest blobs and the
// reference, so every command stores images the same way.
#pragma once

#include <string>

#include "base/status.h"
#include "oci/reference.h"
#include "oci/store.h"
#include "oci/wasm_image.h"

namespace weir::oci {

// Packages `module_bytes` as the OCI 1.1 artifact (buildWasmArtifact), stores
// the blobs and points `ref` at the manifest. Returns the digests.
Result<BuiltArtifact> storeWasmImage(Store& store, const Reference& ref, const std::string& module_bytes,
                                     const WasmArtifactInfo& info);

struct LocalImage {
  StoreEntry entry;
  std::string manifest;  // bytes
};

// The image `ref` names in the store; kNotFound when it is not there.
Result<LocalImage> readLocalImage(const Store& store, const Reference& ref);

}  // namespace weir::oci
