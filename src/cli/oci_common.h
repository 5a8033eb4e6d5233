// Flags and helpers shared by the registry-facing commands (push, pull,
// images, tag, rmi, inspect, login, logout). The logic is in src/oci.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "oci/registry_client.h"
#include "oci/store.h"

namespace weir::cli {

struct OciFlags {
  std::string store;        // --store, $WEIR_STORE, ~/.weir/store
  std::string auth_config;  // --auth-config, $DOCKER_CONFIG/config.json, ~/.docker/config.json
  bool plain_http = false;  // --plain-http (loopback registries always use HTTP)
  bool insecure = false;    // --insecure: skip TLS verification
  bool quiet = false;       // -q: no progress
  std::vector<std::string> positional;
  std::string error;

  // Consumes the common flags; `extra(arg, next)` may consume others and
  // returns how many args it took (0 = not its flag).
  template <typename Extra>
  bool parse(const std::vector<std::string>& args, Extra&& extra) {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      const std::string* next = i + 1 < args.size() ? &args[i + 1] : nullptr;
      auto need = [&](std::string& out) {
        if (!next) {
          error = a + " needs a value";
          return false;
        }
        out = *next;
        ++i;
        return true;
      };
      if (a == "--store") {
        if (!need(store)) return false;
      } else if (a == "--auth-config") {
        if (!need(auth_config)) return false;
      } else if (a == "--plain-http") {
        plain_http = true;
      } else if (a == "--insecure") {
        insecure = true;
      } else if (a == "-q" || a == "--quiet") {
        quiet = true;
      } else if (int n = extra(a, next); n > 0) {
        i += static_cast<size_t>(n - 1);
      } else if (n < 0) {
        return false;
      } else if (a.size() > 1 && a[0] == '-') {
        error = "unknown flag " + a;
        return false;
      } else {
        positional.push_back(a);
      }
    }
    if (store.empty()) store = oci::Store::defaultRoot();
    return true;
  }

  oci::ClientOptions clientOptions() const {
    oci::ClientOptions o;
    o.auth_config_path = auth_config;
    o.plain_http = plain_http;
    o.tls_verify = !insecure;
    if (!quiet && isatty(2)) {
      o.progress = [](uint64_t done, uint64_t total) {
        if (total > 0) {
          std::fprintf(stderr, "\r  %6.1f%% of %.2f MB", 100.0 * static_cast<double>(done) / static_cast<double>(total),
                       static_cast<double>(total) / 1e6);
        } else {
          std::fprintf(stderr, "\r  %.2f MB", static_cast<double>(done) / 1e6);
        }
        if (done == total) std::fprintf(stderr, "\n");
      };
    }
    return o;
  }
};

// For the `extra` callback of OciFlags::parse: a flag's value goes to
// `out`; returns the args consumed (2), or -1 when the value is missing.
inline int takeValue(const std::string* next, std::string& out) {
  if (!next) return -1;
  out = *next;
  return 2;
}

inline const char* kCommonOciFlags =
    "  --store DIR         local store (OCI image layout; default $WEIR_STORE or ~/.weir/store)\n"
    "  --auth-config FILE  docker-style config.json (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)\n"
    "  --plain-http        talk HTTP to the registry (loopback registries always do)\n"
    "  --insecure          do not verify the registry's TLS certificate\n"
    "  -q, --quiet         no progress output\n";

inline std::string shortDigest(const std::string& d) {
  auto colon = d.find(':');
  return colon == std::string::npos ? d : d.substr(colon + 1, 12);
}

}  // namespace weir::cli
