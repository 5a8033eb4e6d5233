// The config `weir proxy` serves when started without -c: a listener on
// 0.0.0.0:10000 answering every request directly with "Hello from weir",
// through a Wasm filter (examples/filters/hello.wat, embedded at build time)
// that adds "x-weir-filter: hello from wasm" to every response, and the
// admin API on 127.0.0.1:9901. It is ordinary YAML, loaded by the same
// loader as a user's file (a unit test keeps it valid).
#pragma once

#include <string_view>

namespace weir::config {

extern const std::string_view kDefaultBootstrapYaml;

}  // namespace weir::config
