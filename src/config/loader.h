// Envoy v3 bootstrap YAML → validated, immutable config::Bootstrap.
//
// The config is untrusted input: the loader bounds the file size, the YAML
// nesting depth and the number of nodes before it builds anything, and turns
// every yaml-cpp exception into a message. It collects ALL errors rather than
// stopping at the first, each as
//   file:line:column: field.path[0].name: what is wrong
// so `weir validate` can show everything at once. A field weir does not
// support is an error that names it — never silently ignored.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/bootstrap.h"

namespace weir::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string field_path;  // "static_resources.clusters[2].connect_timeout"
  std::string message;
  // "file:line:column: field_path: message"
  std::string toString() const;
};

struct LoadOptions {
  size_t max_file_bytes = 4 * 1024 * 1024;
  size_t max_depth = 64;         // YAML nesting depth
  size_t max_nodes = 100000;     // scalars + sequences + maps (aliases count per use)
  size_t max_errors = 200;       // stop collecting after this many
  // Called for every http filter once its generic shape is valid. The filter
  // registry lives above config in the dependency graph, so whoever owns it
  // (the proxy, `weir validate`) passes this in to check filter names and
  // typed_config contents at load time. A non-ok Status becomes an error at
  // the filter's field path.
  std::function<Status(const HttpFilter&)> validate_http_filter;
  // The same for every network filter other than the HTTP connection manager
  // (`last`: it ends its chain, so it must be terminal).
  std::function<Status(const NetworkFilter&, bool last)> validate_network_filter;
  // The same for every bootstrap_extensions entry.
  std::function<Status(const BootstrapExtension&)> validate_bootstrap_extension;
};

// Every error found; empty when the config is valid.
struct LoadReport {
  std::shared_ptr<const Bootstrap> bootstrap;  // null when errors is non-empty
  std::vector<ConfigError> errors;
};

LoadReport loadBootstrapReport(std::string_view yaml, std::string source_name,
                               const LoadOptions& options = {});
LoadReport loadBootstrapFileReport(const std::string& path, const LoadOptions& options = {});

// The same as a Result: on failure the Status (kInvalidArgument, or kIoError
// for an unreadable file) carries every error, one per line.
Result<std::shared_ptr<const Bootstrap>> loadBootstrapString(std::string_view yaml,
                                                             std::string source_name,
                                                             const LoadOptions& options = {});
Result<std::shared_ptr<const Bootstrap>> loadBootstrapFile(const std::string& path,
                                                           const LoadOptions& options = {});

// Parses an Envoy duration: "5s", "0.250s", "100ms" (weir also accepts ms,
// us, m, h suffixes). Exposed for filter factories parsing their typed_config.
Result<Duration> parseDuration(std::string_view text);

}  // namespace weir::config
