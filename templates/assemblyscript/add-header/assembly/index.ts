// {{name}}: adds "x-{{name}}: <plugin configuration>" to every response and
// logs the path of each request. Written with the AssemblyScript Proxy-Wasm
// SDK (@solo-io/proxy-runtime); `weir build` compiles it with asc.
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context, log, LogLevelValues
} from "@solo-io/proxy-runtime";

class AddHeaderRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
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
    let value = this.root.getConfiguration();
    // An empty configuration still shows the filter ran.
    if (value == "") value = "hello";
    stream_context.headers.response.add("x-{{name}}", value);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new AddHeaderRoot(context_id); }, "{{root_id}}");
