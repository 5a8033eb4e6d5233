// {{name}}: rewrites response bodies. The plugin configuration is
// "FROM=>TO": every FROM in a response body becomes TO. The body is buffered
// until its end, then replaced in one piece. Written with the AssemblyScript
// Proxy-Wasm SDK (@solo-io/proxy-runtime).
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, FilterDataStatusValues, stream_context
} from "@solo-io/proxy-runtime";
import { get_buffer_bytes, BufferTypeValues } from "@solo-io/proxy-runtime/runtime";

// SDK 0.1.8 has no body setter, so the host function is declared here.
@external("env", "proxy_set_buffer_bytes")
declare function proxy_set_buffer_bytes(typ: u32, start: u32, length: u32, data: usize, size: usize): u32;

class RewriteRoot extends RootContext {
  from: string = "";
  to: string = "";
  createContext(context_id: u32): Context {
    return new Rewrite(context_id, this);
  }
  onConfigure(configuration_size: u32): bool {
    // Nothing to rewrite is a mistake: refuse to load. (Also: SDK 0.1.8 reads
    // a stale buffer for an empty configuration.)
    if (configuration_size == 0) return false;
    const ok = super.onConfigure(configuration_size);
    const config = this.getConfiguration();
    const arrow = config.indexOf("=>");
    // A configuration without "=>" is a mistake: refuse to load.
    if (arrow <= 0) return false;
    this.from = config.substring(0, arrow);
    this.to = config.substring(arrow + 2);
    return ok;
  }
}

class Rewrite extends Context {
  root: RewriteRoot;
  constructor(context_id: u32, root_context: RewriteRoot) {
    super(context_id, root_context);
    this.root = root_context;
  }

  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    // The new body has another length.
    stream_context.headers.response.remove("content-length");
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    const old = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.HttpResponseBody, 0, <u32>body_buffer_length));
    const body = String.UTF8.encode(old.replaceAll(this.root.from, this.root.to));
    proxy_set_buffer_bytes(BufferTypeValues.HttpResponseBody, 0, <u32>body_buffer_length, changetype<usize>(body),
                           body.byteLength);
    return FilterDataStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new RewriteRoot(context_id); }, "{{root_id}}");
