// Parsing and validation of OCI image manifests, OCI image indexes, Docker v2
// manifests and Docker manifest lists. Input is untrusted (a registry's PUT
// body, a remote registry's reply): the size is capped by the caller, the
// JSON nesting depth is capped here (kMaxJsonDepth) and every descriptor is
// checked (media type shape, digest grammar, non-negative size).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir::oci {

inline constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;
inline constexpr int kMaxJsonDepth = 64;

struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::string artifact_type;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> urls;
  std::optional<Platform> platform;
};

struct Manifest {
  enum class Kind { kImage, kIndex };
  Kind kind = Kind::kImage;
  std::string media_type;     // effective media type (field, else Content-Type, else inferred)
  std::string artifact_type;  // manifest's artifactType field
  Descriptor config;          // images
  std::vector<Descriptor> layers;     // images
  std::vector<Descriptor> manifests;  // indexes
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;

  bool isIndex() const { return kind == Kind::kIndex; }
  // What the referrers API reports: artifactType, else the config media type.
  std::string effectiveArtifactType() const;
};

bool isManifestMediaType(std::string_view media_type);
bool isIndexMediaType(std::string_view media_type);
// type "/" subtype, RFC 6838 restricted-name characters; no parameters.
bool isValidMediaType(std::string_view media_type);

// `content_type` is the Content-Type of the PUT (or of a GET reply), "" when
// unknown; parameters after ';' are ignored. When the body has a mediaType
// field it must equal a non-empty content_type (spec: MANIFEST_INVALID).
Result<Manifest> parseManifest(std::string_view bytes, std::string_view content_type = "");

// Serialization of a descriptor as the referrers index carries it.
std::string descriptorJson(const Descriptor& d);

}  // namespace weir::oci
