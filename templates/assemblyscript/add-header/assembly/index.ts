// {{name}}: adds "x-{{name}}: <plugin configuration>" to every response and
// logs the path of each request. Written with the AssemblyScript Proxy-Wasm
// SDK (@solo-io/proxy-runtime); `weir build` compiles it with asc.
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context, log, LogLevelValues
} from "@solo-io/proxy-runtime";

class AddHeaderRoot extends RootContext {
  value: string = "hello";
  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
  }
  onConfigure(configuration_size: u32): bool {
    // SDK 0.1.8 reads a stale buffer for an empty configuration: read only a
    // non-empty one. Without one the header still shows the filter ran.
    if (configuration_size == 0) return true;
    const ok = super.onConfigure(configuration_size);
    this.value = this.getConfiguration();
    return ok;
  }
}

class AddHeader extends Context {
  root: AddHeaderRoot;
  constructor(context_id: u32, root_context: AddHeaderRoot) {
    super(context_id, root_context);
    this.root = root_context;
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    log(LogLevelValues.info, "request " + stream_context.headers.request.get(":path"));
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    stream_context.headers.response.add("x-{{name}}", this.root.value);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new AddHeaderRoot(context_id); }, "{{root_id}}");
