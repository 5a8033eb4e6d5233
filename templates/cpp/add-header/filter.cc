// {{name}}: adds "x-{{name}}: <plugin configuration>" to every response and
// logs the path of each request. Written with the C++ Proxy-Wasm SDK
// (proxy-wasm-cpp-sdk), compiled with Emscripten (see Makefile).
#include <string>
#include <string_view>

#include "proxy_wasm_intrinsics.h"

class AddHeaderRoot : public RootContext {
 public:
  explicit AddHeaderRoot(uint32_t id, std::string_view root_id) : RootContext(id, root_id) {}

  bool onConfigure(size_t configuration_size) override {
    auto data = getBufferBytes(WasmBufferType::PluginConfiguration, 0, configuration_size);
    value_ = data ? data->toString() : std::string();
    // An empty configuration still shows the filter ran.
    if (value_.empty()) value_ = "hello";
    return true;
  }

  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

class AddHeader : public Context {
 public:
  explicit AddHeader(uint32_t id, RootContext* root) : Context(id, root) {}

  FilterHeadersStatus onRequestHeaders(uint32_t headers, bool end_of_stream) override {
    auto path = getRequestHeader(":path");
    logInfo("request " + path->toString());
    return FilterHeadersStatus::Continue;
  }

  FilterHeadersStatus onResponseHeaders(uint32_t headers, bool end_of_stream) override {
    addResponseHeader("x-{{name}}", static_cast<AddHeaderRoot*>(root())->value());
    return FilterHeadersStatus::Continue;
  }
};

static RegisterContextFactory register_AddHeader(CONTEXT_FACTORY(AddHeader), ROOT_FACTORY(AddHeaderRoot),
                                                 "{{root_id}}");
