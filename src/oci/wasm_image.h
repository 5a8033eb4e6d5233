// Wasm filter images: the artifact `weir push` writes, and finding the
// module in every format in circulation (docs/oci.md, "Formats"):
//
//   weir / "oci" variant   config application/vnd.module.wasm.config.v1+json,
//                          layer  application/vnd.module.wasm.content.layer.v1+wasm (raw)
//   wasm-to-oci            layer  application/vnd.wasm.content.layer.v1+wasm (raw)
//   CNCF TAG-Runtime       layer  application/wasm (raw)
//   "compat" (Istio)       last tar+gzip layer (OCI or Docker type) holding plugin.wasm
//   image index            resolved to the wasm platform entry, else the only/first one
//
// The module layer is chosen by media type, never by position (except
// compat, whose spec says "last layer").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "oci/manifest.h"

namespace weir::oci {

// Manifest annotation holding the filter's README (Markdown), which the hub
// renders on the repository page; `weir push --readme FILE` sets it.
inline constexpr const char* kReadmeAnnotation = "dev.weir.readme";

struct WasmArtifactInfo {
  std::vector<std::string> abi_versions;  // e.g. "proxy_abi_version_0_2_1"
  std::vector<std::string> root_ids;
  std::string language;
  std::string sdk;
  std::string title = "filter.wasm";
  std::string version;
  std::string source;
  std::string description;
  std::string readme;  // Markdown; "" = none
  std::string runtime_type = "envoy_proxy";
};

struct BuiltArtifact {
  std::string config;        // config blob bytes
  std::string manifest;      // manifest bytes
  std::string config_digest;
  std::string module_digest;
  std::string manifest_digest;
};

// Builds the OCI 1.1 artifact manifest for one module.
BuiltArtifact buildWasmArtifact(const std::string& module_bytes, const WasmArtifactInfo& info);

// The exports of a module that name a Proxy-Wasm ABI version.
std::vector<std::string> abiVersionsFromExports(const std::vector<std::string>& export_names);

enum class WasmFormat { kWasmOciVariant, kWasmToOci, kCncf, kCompat };
const char* wasmFormatName(WasmFormat f);

struct ModuleLayer {
  WasmFormat format;
  Descriptor layer;
};

// Finds the module layer of an image manifest.
Result<ModuleLayer> findModuleLayer(const Manifest& manifest);

// Picks the index entry to follow: platform architecture "wasm" first, then
// an entry whose artifactType is a known wasm type, then the only entry,
// then linux/amd64, then the first.
Result<Descriptor> selectFromIndex(const Manifest& index);

// Reads plugin.wasm (any directory; the first match by base name) out of a
// tar+gzip file, streaming, at most `max_bytes` of module.
Result<std::string> extractCompatModule(const std::string& targz_path, uint64_t max_bytes);

// What a config blob says (the "oci" variant's fields; empty when absent).
struct WasmConfigInfo {
  std::vector<std::string> abi_versions;
  std::vector<std::string> root_ids;
  std::string type;
  std::string language;
  std::string sdk;
};
WasmConfigInfo parseWasmConfig(const std::string& config_bytes);

// True when the bytes start with the Wasm magic and version 1.
bool looksLikeWasm(std::string_view bytes);

}  // namespace weir::oci
