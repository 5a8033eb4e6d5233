// Repository names, tags and image references, validated with the grammar of
// the OCI distribution spec. Validation is hand-written (linear, no regex
// engine) and strict: a name that passes contains only [a-z0-9._-/] in the
// spec's shape, so "..", leading "/" and percent-escapes can never reach a
// file path or an SQL query.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace weir::oci {

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
// and at most 255 characters.
bool isValidRepositoryName(std::string_view name);
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool isValidTag(std::string_view tag);
// host[:port], host being a DNS name, IPv4 or [IPv6].
bool isValidRegistryHost(std::string_view host);

// registry/repository[:tag][@digest]. One of tag/digest is always set after
// parseReference (tag "latest" when neither was given).
struct Reference {
  std::string registry;    // "localhost:5000", "ghcr.io", "docker.io"
  std::string repository;  // "team/filter"
  std::string tag;         // may be empty when digest is set
  std::string digest;      // "sha256:..." or empty

  // The tag or, when set, the digest: what goes after /manifests/.
  std::string identifier() const { return digest.empty() ? tag : digest; }
  // "registry/repository:tag@digest" (only the parts that are set).
  std::string str() const;
  // "registry/repository"
  std::string name() const { return registry + "/" + repository; }
};

// Accepts an optional "oci://" or "docker://" prefix. Without a registry
// (first component has no '.' or ':' and is not "localhost") the registry is
// WEIR_DEFAULT_REGISTRY when set, else "docker.io" (with "library/" for
// one-component names, as docker does).
Result<Reference> parseReference(std::string_view text);

// True for registries the client talks plain HTTP to by default:
// localhost, 127.0.0.0/8 and [::1], with or without a port.
bool isLoopbackRegistry(std::string_view registry);

}  // namespace weir::oci
