// Registry credentials in the docker config.json format, shared with docker,
// podman, skopeo, oras and helm:
//
//   {"auths": {"host:port": {"auth": base64("user:password")}},
//    "credHelpers": {"host": "NAME"}, "credsStore": "NAME"}
//
// A helper NAME means the program docker-credential-NAME (protocol: `get`,
// `store`, `erase` with JSON on stdin/stdout). Lookup order for a registry:
// credHelpers[registry], auths[registry] (auth, or username/password, or
// identitytoken), credsStore. Docker Hub is keyed "https://index.docker.io/v1/".
#pragma once

#include <optional>
#include <string>

#include "base/status.h"

namespace weir::oci {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // OAuth refresh token (username "<token>")
};

// `explicit_path` if set, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
std::string dockerConfigPath(const std::string& explicit_path = "");

// nullopt when nothing is configured for the registry.
Result<std::optional<Credentials>> lookupCredentials(const std::string& registry, const std::string& config_path);
// Saves through the configured helper, else into "auths" (file mode 0600,
// written atomically, other keys preserved).
Status storeCredentials(const std::string& registry, const Credentials& creds, const std::string& config_path);
// nullopt-safe: erasing what is not there is ok. Returns whether something was removed.
Result<bool> eraseCredentials(const std::string& registry, const std::string& config_path);

std::string base64Encode(std::string_view in);
std::optional<std::string> base64Decode(std::string_view in);

}  // namespace weir::oci
