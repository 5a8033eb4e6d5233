// {{name}}: lets a request through only when it carries
// "authorization: Bearer <plugin configuration>"; anything else is answered
// here with 401 and never reaches the upstream. Written with the
// AssemblyScript Proxy-Wasm SDK (@solo-io/proxy-runtime).
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context, send_local_response,
  GrpcStatusValues, Headers, HeaderPair, log, LogLevelValues
} from "@solo-io/proxy-runtime";

class AuthRoot extends RootContext {
  token: string = "";
  createContext(context_id: u32): Context {
    return new Auth(context_id, this);
  }
  onConfigure(configuration_size: u32): bool {
    // SDK 0.1.8 reads a stale buffer for an empty configuration: read only a
    // non-empty one.
    if (configuration_size == 0) return true;
    const ok = super.onConfigure(configuration_size);
    this.token = this.getConfiguration();
    return ok;
  }
}

class Auth extends Context {
  root: AuthRoot;
  constructor(context_id: u32, root_context: AuthRoot) {
    super(context_id, root_context);
    this.root = root_context;
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const token = this.root.token;
    const given = stream_context.headers.request.get("authorization");
    // No configured token means nothing can pass: fail closed.
    if (token != "" && given == "Bearer " + token) {
      stream_context.headers.request.remove("authorization");
      return FilterHeadersStatusValues.Continue;
    }
    log(LogLevelValues.info, "rejected " + stream_context.headers.request.get(":path"));
    const headers: Headers = [];
    headers.push(new HeaderPair(String.UTF8.encode("www-authenticate"), String.UTF8.encode("Bearer")));
    send_local_response(401, "{{root_id}}_unauthorized", String.UTF8.encode("unauthorized\n"), headers,
                        GrpcStatusValues.Unknown);
    return FilterHeadersStatusValues.StopIteration;
  }
}

registerRootContext((context_id: u32) => { return new AuthRoot(context_id); }, "{{root_id}}");
