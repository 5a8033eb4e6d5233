// A filter written with the real AssemblyScript Proxy-Wasm SDK
// (@solo-io/proxy-runtime 0.1.8). root_id must be "add_header".
//  - every response gets "x-as-hello: <plugin configuration>";
//  - a request carrying "x-as-deny" is answered locally with 403;
//  - with configuration "rewrite", the response body is replaced by
//    "as-rewritten" (the SDK has no body setter, so the import is declared here).
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, FilterDataStatusValues,
  stream_context, send_local_response, GrpcStatusValues, Headers, HeaderPair, Counter
} from "@solo-io/proxy-runtime";

@external("env", "proxy_set_buffer_bytes")
declare function proxy_set_buffer_bytes(typ: u32, start: u32, length: u32, data: usize, size: usize): u32;

const kResponseBody: u32 = 1;

class AddHeaderRoot extends RootContext {
  requests: Counter | null = null;
  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
  }
  onConfigure(configuration_size: u32): bool {
    const ok = super.onConfigure(configuration_size);
    this.requests = new Counter("as_requests");
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
    const requests = this.root.requests;
    if (requests) requests.increment(1);
    if (stream_context.headers.request.get("x-as-deny") != "") {
      const headers: Headers = [];
      headers.push(new HeaderPair(String.UTF8.encode("x-denied-by"), String.UTF8.encode("assemblyscript")));
      send_local_response(403, "as_denied", String.UTF8.encode("denied by assemblyscript"), headers,
                          GrpcStatusValues.Unknown);
      return FilterHeadersStatusValues.StopIteration;
    }
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const config = this.root.getConfiguration();
    stream_context.headers.response.add("x-as-hello", config);
    if (config == "rewrite") stream_context.headers.response.remove("content-length");
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    if (this.root.getConfiguration() != "rewrite") return FilterDataStatusValues.Continue;
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    const body = String.UTF8.encode("as-rewritten");
    proxy_set_buffer_bytes(kResponseBody, 0, <u32>body_buffer_length, changetype<usize>(body), body.byteLength);
    return FilterDataStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new AddHeaderRoot(context_id); }, "add_header");
