// Filters written with the real AssemblyScript Proxy-Wasm SDK
// (@solo-io/proxy-runtime 0.1.8), one per root_id:
// "add_header":
//  - every response gets "x-as-hello: <plugin configuration>";
//  - a request carrying "x-as-deny" is answered locally with 403;
//  - with configuration "rewrite", the response body is replaced by
//    "as-rewritten" (the SDK has no body setter, so the import is declared here).
// "authz": asks the cluster named by the configuration (GET /auth, with the
//   request's x-user) through http_call and lets the request through on a 200
//   (adding "x-authz: allowed"), else answers 403 "denied by authz".
// "bench_header": adds "x-bench: wasm" to every response (bench/wasm-filter).
// "ticker": a 20 ms tick counts in shared data ("as_ticks") and in a gauge;
//   every response gets "x-ticks: <count>"; a histogram records response
//   header counts. The SDK's shared-data helpers pass the wrong pointers
//   (0.1.8), so the two imports are declared here.
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, FilterDataStatusValues,
  stream_context, send_local_response, GrpcStatusValues, Headers, HeaderPair, Counter, Gauge, Histogram,
  continue_request
} from "@solo-io/proxy-runtime";
import { get_header_map_value, HeaderMapTypeValues, set_tick_period_milliseconds } from "@solo-io/proxy-runtime/runtime";

@external("env", "proxy_set_buffer_bytes")
declare function proxy_set_buffer_bytes(typ: u32, start: u32, length: u32, data: usize, size: usize): u32;
@external("env", "proxy_set_shared_data")
declare function proxy_set_shared_data(key: usize, key_size: usize, value: usize, value_size: usize, cas: u32): u32;
@external("env", "proxy_get_shared_data")
declare function proxy_get_shared_data(key: usize, key_size: usize, value_ptr: usize, value_size_ptr: usize,
                                       cas_ptr: usize): u32;

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

// ---- authz: an external authorization check through http_call

class AuthzRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new Authz(context_id, this);
  }
}

function onAuthzResponse(origin: Context, headers: u32, body_size: usize, trailers: u32): void {
  const status = String.UTF8.decode(get_header_map_value(HeaderMapTypeValues.HttpCallResponseHeaders,
                                                         String.UTF8.encode(":status")));
  if (status == "200") {
    stream_context.headers.request.add("x-authz", "allowed");
    continue_request();
    return;
  }
  const extra: Headers = [];
  extra.push(new HeaderPair(String.UTF8.encode("x-authz-status"), String.UTF8.encode(status)));
  send_local_response(403, "authz_denied", String.UTF8.encode("denied by authz"), extra, GrpcStatusValues.Unknown);
}

class Authz extends Context {
  root: AuthzRoot;
  constructor(context_id: u32, root_context: AuthzRoot) {
    super(context_id, root_context);
    this.root = root_context;
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const headers: Headers = [];
    headers.push(new HeaderPair(String.UTF8.encode(":method"), String.UTF8.encode("GET")));
    headers.push(new HeaderPair(String.UTF8.encode(":path"), String.UTF8.encode("/auth")));
    headers.push(new HeaderPair(String.UTF8.encode(":authority"), String.UTF8.encode("authz")));
    headers.push(new HeaderPair(String.UTF8.encode("x-user"),
                                String.UTF8.encode(stream_context.headers.request.get("x-user"))));
    const trailers: Headers = [];
    this.root.httpCall(this.root.getConfiguration(), headers, new ArrayBuffer(0), trailers, 1000, this,
                       onAuthzResponse);
    return FilterHeadersStatusValues.StopIteration;
  }
}

// ---- ticker: tick timer, shared data and every metric type

function ticksKey(): ArrayBuffer {
  return String.UTF8.encode("as_ticks");
}

function readTicks(): string {
  const key = ticksKey();
  const ptr = new ArrayBuffer(4);
  const size = new ArrayBuffer(4);
  const cas = new ArrayBuffer(4);
  if (proxy_get_shared_data(changetype<usize>(key), key.byteLength, changetype<usize>(ptr), changetype<usize>(size),
                            changetype<usize>(cas)) != 0) {
    return "0";
  }
  const data_ptr = load<u32>(changetype<usize>(ptr));
  const data_size = load<u32>(changetype<usize>(size));
  return String.UTF8.decodeUnsafe(<usize>data_ptr, <usize>data_size);
}

class TickerRoot extends RootContext {
  ticks: i64 = 0;
  gauge: Gauge | null = null;
  header_counts: Histogram | null = null;
  createContext(context_id: u32): Context {
    return new Ticker(context_id, this);
  }
  onConfigure(configuration_size: u32): bool {
    const ok = super.onConfigure(configuration_size);
    this.gauge = new Gauge("as_ticks");
    this.header_counts = new Histogram("as_response_headers");
    set_tick_period_milliseconds(20);
    return ok;
  }
  onTick(): void {
    this.ticks += 1;
    const value = String.UTF8.encode(this.ticks.toString());
    const key = ticksKey();
    proxy_set_shared_data(changetype<usize>(key), key.byteLength, changetype<usize>(value), value.byteLength, 0);
    const gauge = this.gauge;
    if (gauge) gauge.increment(1);
  }
}

class Ticker extends Context {
  root: TickerRoot;
  constructor(context_id: u32, root_context: TickerRoot) {
    super(context_id, root_context);
    this.root = root_context;
  }
  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    stream_context.headers.response.add("x-ticks", readTicks());
    const h = this.root.header_counts;
    if (h) h.record(h.metric_id, <u64>a);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new AuthzRoot(context_id); }, "authz");
registerRootContext((context_id: u32) => { return new TickerRoot(context_id); }, "ticker");

// ---- bench_header: the benchmark's header filter (one response header)

class BenchHeaderRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new BenchHeader(context_id, this);
  }
}

class BenchHeader extends Context {
  constructor(context_id: u32, root_context: BenchHeaderRoot) {
    super(context_id, root_context);
  }
  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    stream_context.headers.response.add("x-bench", "wasm");
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new BenchHeaderRoot(context_id); }, "bench_header");
