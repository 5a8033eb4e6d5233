// Media types weir writes and reads (OCI image-spec 1.1, Docker v2, the Wasm
// image formats in circulation).
#pragma once

#include <string_view>

namespace weir::oci::media {

// Manifests
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
// Every manifest kind, for Accept headers.
inline constexpr std::string_view kAcceptAll =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

// Configs
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kEmptyDigest =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

// The Wasm "oci" variant (solo-io/wasm spec) — what weir push writes.
inline constexpr std::string_view kWasmConfigV1 = "application/vnd.module.wasm.config.v1+json";
inline constexpr std::string_view kWasmLayerV1 = "application/vnd.module.wasm.content.layer.v1+wasm";
// weir's artifactType for a Proxy-Wasm filter.
inline constexpr std::string_view kWeirArtifactType = "application/vnd.weir.proxy-wasm.filter.v1";
// wasm-to-oci (Deislabs) and Envoy PR #37635
inline constexpr std::string_view kWasmToOciConfig = "application/vnd.wasm.config.v1+json";
inline constexpr std::string_view kWasmToOciLayer = "application/vnd.wasm.content.layer.v1+wasm";
// CNCF TAG-Runtime Wasm artifact
inline constexpr std::string_view kCncfWasmConfig = "application/vnd.wasm.config.v0+json";
inline constexpr std::string_view kCncfWasmLayer = "application/wasm";
// "compat" variant: an ordinary image whose last tar+gzip layer holds plugin.wasm
inline constexpr std::string_view kOciLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kDockerLayerTarGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";

}  // namespace weir::oci::media
