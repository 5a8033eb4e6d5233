// The env.proxy_* host functions. Every guest pointer goes through WasmVm's
// bounds-checked accessors; statuses follow what the SDKs accept (see
// docs/proxy-wasm.md): a Rust filter panics on a status it does not expect,
// so "not available in this phase" answers NotFound / Ok-empty where Envoy's
// answer would kill the filter.
#include "proxywasm/host_functions.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "base/logging.h"
#include "base/stats.h"
#include "http/header_map.h"
#include "proxywasm/context.h"
#include "proxywasm/http_callout.h"
#include "proxywasm/pairs.h"
#include "proxywasm/shared_data.h"
#include "proxywasm/wasm_vm.h"
#include "upstream/cluster_manager.h"

namespace weir::proxywasm {

using wasm::ValType;
using wasm::runtime::Caller;

void registerWasiImports(wasm::runtime::Linker& linker, WasmVm* vm);  // wasi_functions.cc

namespace {

constexpr ValType I32 = ValType::kI32;
constexpr ValType I64 = ValType::kI64;

wasm::FuncType signature(const std::vector<ValType>& params, bool returns_i32) {
  static const ValType kResult[1] = {ValType::kI32};
  return wasm::FuncType(std::span<const ValType>(params), std::span<const ValType>(kResult, returns_i32 ? 1 : 0));
}

// A host call's arguments, in the slots the engine passes (every Proxy-Wasm
// host function has an i32/i64 signature).
struct Call {
  WasmVm& vm;
  const uint64_t* args;
  uint32_t u32(int i) const { return static_cast<uint32_t>(args[i]); }
  uint64_t u64(int i) const { return args[i]; }
  int64_t i64(int i) const { return static_cast<int64_t>(args[i]); }
  // A (ptr, size) argument pair as bytes in guest memory.
  std::optional<std::string_view> bytes(int ptr_index) const { return vm.readBytes(u32(ptr_index), u32(ptr_index + 1)); }
};

using ProxyFn = WasmResult (*)(Call&);

template <ProxyFn F>
Status adapt(Caller& caller, void* user_data, uint64_t* slots) {
  auto* vm = static_cast<WasmVm*>(user_data);
  // Host calls can come from the start section, before the VM knows its memory.
  if (!vm->memory()) vm->setMemory(caller.memory());
  Call call{*vm, slots};
  const auto result = static_cast<uint32_t>(F(call));
  slots[0] = result;  // the i32 result, zero-extended
  return Status::ok();
}

// ---------------------------------------------------------------- logging

WasmResult proxyLog(Call& c) {
  uint32_t level = c.u32(0);
  if (level > kMaxLogLevel) return WasmResult::kBadArgument;
  auto msg = c.bytes(1);
  if (!msg) return WasmResult::kInvalidMemoryAccess;
  c.vm.log(level, *msg);
  return WasmResult::kOk;
}

WasmResult proxyGetLogLevel(Call& c) {
  // weir's "off" (6) is not a level SDKs know: report critical instead.
  uint32_t level = std::min<uint32_t>(static_cast<uint32_t>(log::level()), kMaxLogLevel);
  return c.vm.writeU32(c.u32(0), level) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

WasmResult proxyGetCurrentTime(Call& c) {
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  return c.vm.writeU64(c.u32(0), static_cast<uint64_t>(now.count())) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

WasmResult proxySetTickPeriod(Call& c) {
  RootContext* root = c.vm.activeContext().root();
  if (!root) return WasmResult::kBadArgument;
  root->setTickPeriod(std::chrono::milliseconds(c.u32(0)));
  return WasmResult::kOk;
}

// ---------------------------------------------------------------- buffers

std::optional<std::string_view> resolveBuffer(WasmVm& vm, uint32_t type) {
  Context& ctx = vm.activeContext();
  switch (static_cast<BufferType>(type)) {
    case BufferType::kVmConfiguration:
      return std::string_view(vm.code().vm_configuration);
    case BufferType::kPluginConfiguration:
      if (const PluginConfig* p = ctx.plugin()) return std::string_view(p->configuration);
      return std::nullopt;
    case BufferType::kHttpCallResponseBody:
      if (const CalloutResponse* r = vm.calloutResponse()) return r->body;
      return std::nullopt;
    case BufferType::kCallData:
      return vm.foreignCallData();
    case BufferType::kHttpRequestBody:
    case BufferType::kHttpResponseBody:
    case BufferType::kDownstreamData:
    case BufferType::kUpstreamData:
      return ctx.bodyBuffer(static_cast<BufferType>(type));
    default:
      return std::nullopt;
  }
}

WasmResult proxyGetConfiguration(Call& c) {
  // 0.1.0: the VM configuration during on_vm_start, else the plugin's.
  Context& ctx = c.vm.activeContext();
  std::string_view data;
  if (c.vm.inVmStart() || !ctx.plugin()) data = c.vm.code().vm_configuration;
  else data = ctx.plugin()->configuration;
  return c.vm.copyOut(data, c.u32(0), c.u32(1));
}

WasmResult proxyGetBufferBytes(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxBufferType) return WasmResult::kBadArgument;
  auto buffer = resolveBuffer(c.vm, type);
  if (!buffer) return WasmResult::kNotFound;
  // SDKs pass max_size = 0xFFFFFFFF: clamp in 64 bits, never reject.
  uint64_t start = c.u32(1);
  uint64_t max = c.u32(2);
  // Nothing to return: Ok, and the return pointers are left alone, as in
  // Envoy. The AssemblyScript SDK depends on it: for an empty plugin
  // configuration it passes size_ptr = 0 and reads a stale size otherwise.
  if (start >= buffer->size() || max == 0) return WasmResult::kOk;
  uint64_t len = std::min<uint64_t>(max, buffer->size() - start);
  return c.vm.copyOut(buffer->substr(start, len), c.u32(3), c.u32(4));
}

WasmResult proxyGetBufferStatus(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxBufferType) return WasmResult::kBadArgument;
  auto buffer = resolveBuffer(c.vm, type);
  if (!buffer) return WasmResult::kNotFound;
  if (!c.vm.writeU32(c.u32(1), static_cast<uint32_t>(buffer->size())) || !c.vm.writeU32(c.u32(2), 0)) {
    return WasmResult::kInvalidMemoryAccess;
  }
  return WasmResult::kOk;
}

WasmResult proxySetBufferBytes(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxBufferType) return WasmResult::kBadArgument;
  auto data = c.bytes(3);
  if (!data) return WasmResult::kInvalidMemoryAccess;
  switch (static_cast<BufferType>(type)) {
    case BufferType::kHttpRequestBody:
    case BufferType::kHttpResponseBody:
    case BufferType::kDownstreamData:
    case BufferType::kUpstreamData:
      return c.vm.activeContext().setBodyBuffer(static_cast<BufferType>(type), c.u32(1), c.u32(2), std::string(*data));
    case BufferType::kGrpcReceiveBuffer:
      return WasmResult::kNotFound;
    default:
      return WasmResult::kBadArgument;  // configuration, call data, callout body: read-only
  }
}

// ---------------------------------------------------------------- maps

http::HeaderMap* resolveMap(WasmVm& vm, uint32_t type, bool& writable) {
  writable = false;
  switch (static_cast<MapType>(type)) {
    case MapType::kHttpCallResponseHeaders:
      return vm.calloutResponse() ? vm.calloutResponse()->headers : nullptr;
    case MapType::kHttpCallResponseTrailers:
      return vm.calloutResponse() ? vm.calloutResponse()->trailers : nullptr;
    case MapType::kGrpcReceiveInitialMetadata:
    case MapType::kGrpcReceiveTrailingMetadata:
      return nullptr;
    default:
      return vm.activeContext().headerMap(static_cast<MapType>(type), writable);
  }
}

WasmResult proxyGetHeaderMapSize(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxMapType) return WasmResult::kBadArgument;
  bool writable;
  http::HeaderMap* map = resolveMap(c.vm, type, writable);
  // Envoy's value: the sum of name and value lengths.
  uint32_t size = map ? static_cast<uint32_t>(map->byteSize()) : 0;
  return c.vm.writeU32(c.u32(1), size) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

WasmResult proxyGetHeaderMapPairs(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxMapType) return WasmResult::kBadArgument;
  bool writable;
  http::HeaderMap* map = resolveMap(c.vm, type, writable);
  // An absent map is Ok + empty: the Rust SDK accepts nothing else here.
  if (!map || map->empty()) return c.vm.copyOut({}, c.u32(1), c.u32(2));
  std::vector<PairView> pairs = headerMapPairs(*map);
  std::string encoded = encodePairs(pairs);
  return c.vm.copyOut(encoded, c.u32(1), c.u32(2));
}

WasmResult proxySetHeaderMapPairs(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxMapType) return WasmResult::kBadArgument;
  auto data = c.bytes(1);
  if (!data) return WasmResult::kInvalidMemoryAccess;
  bool writable;
  http::HeaderMap* map = resolveMap(c.vm, type, writable);
  if (!map || !writable) return WasmResult::kBadArgument;
  auto pairs = decodePairs(*data);
  if (!pairs) return WasmResult::kBadArgument;
  http::HeaderMap replacement;
  for (const PairView& p : pairs.value()) replacement.add(p.first, p.second);
  *map = std::move(replacement);
  return WasmResult::kOk;
}

WasmResult proxyGetHeaderMapValue(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxMapType) return WasmResult::kBadArgument;
  auto key = c.bytes(1);
  if (!key) return WasmResult::kInvalidMemoryAccess;
  bool writable;
  http::HeaderMap* map = resolveMap(c.vm, type, writable);
  std::optional<std::string_view> value;
  if (map) value = map->get(*key);
  if (!value) {
    if (c.vm.abi() == AbiVersion::k0_1_0) return c.vm.copyOut({}, c.u32(3), c.u32(4));
    return WasmResult::kNotFound;
  }
  // The allocator runs guest code; copy before it can touch anything.
  std::string copy(*value);
  return c.vm.copyOut(copy, c.u32(3), c.u32(4));
}

WasmResult mutateMap(Call& c, bool with_value, void (*op)(http::HeaderMap&, std::string_view, std::string_view)) {
  uint32_t type = c.u32(0);
  if (type > kMaxMapType) return WasmResult::kBadArgument;
  auto key = c.bytes(1);
  if (!key) return WasmResult::kInvalidMemoryAccess;
  std::optional<std::string_view> value = std::string_view();
  if (with_value) value = c.bytes(3);
  if (!value) return WasmResult::kInvalidMemoryAccess;
  bool writable;
  http::HeaderMap* map = resolveMap(c.vm, type, writable);
  if (!map || !writable) return WasmResult::kBadArgument;
  op(*map, *key, *value);
  return WasmResult::kOk;
}

WasmResult proxyAddHeaderMapValue(Call& c) {
  return mutateMap(c, true, [](http::HeaderMap& m, std::string_view k, std::string_view v) { m.add(k, v); });
}
WasmResult proxyReplaceHeaderMapValue(Call& c) {
  return mutateMap(c, true, [](http::HeaderMap& m, std::string_view k, std::string_view v) { m.set(k, v); });
}
WasmResult proxyRemoveHeaderMapValue(Call& c) {
  return mutateMap(c, false, [](http::HeaderMap& m, std::string_view k, std::string_view) { m.remove(k); });
}

// ---------------------------------------------------------------- stream control

WasmResult proxyContinueStream(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxStreamType) return WasmResult::kBadArgument;
  return c.vm.activeContext().continueStream(static_cast<StreamType>(type));
}
WasmResult proxyCloseStream(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxStreamType) return WasmResult::kBadArgument;
  return c.vm.activeContext().closeStream(static_cast<StreamType>(type));
}
WasmResult proxyContinueRequest(Call& c) { return c.vm.activeContext().continueStream(StreamType::kRequest); }
WasmResult proxyContinueResponse(Call& c) { return c.vm.activeContext().continueStream(StreamType::kResponse); }
WasmResult proxyClearRouteCache(Call&) { return WasmResult::kOk; }  // weir re-evaluates routes on header change

WasmResult proxySendLocalResponse(Call& c) {
  auto details = c.bytes(1);
  auto body = c.bytes(3);
  auto headers = c.bytes(5);
  if (!details || !body || !headers) return WasmResult::kInvalidMemoryAccess;
  auto pairs = decodePairs(*headers);
  if (!pairs) return WasmResult::kBadArgument;
  HeaderPairs owned;
  owned.reserve(pairs->size());
  for (const PairView& p : pairs.value()) owned.emplace_back(p.first, p.second);
  return c.vm.activeContext().sendLocalResponse(c.u32(0), *details, *body, std::move(owned), c.u32(7));
}

WasmResult proxyGetStatus(Call& c) {
  WasmVm::GrpcStatus& s = c.vm.lastStatus();
  if (!c.vm.writeU32(c.u32(0), s.code)) return WasmResult::kInvalidMemoryAccess;
  std::string message = s.message;
  return c.vm.copyOut(message, c.u32(1), c.u32(2));
}

// ---------------------------------------------------------------- callouts

WasmResult proxyHttpCall(Call& c) {
  auto upstream = c.bytes(0);
  auto headers = c.bytes(2);
  auto body = c.bytes(4);
  auto trailers = c.bytes(6);
  if (!upstream || !headers || !body || !trailers) return WasmResult::kInvalidMemoryAccess;
  uint32_t timeout_ms = c.u32(8);
  uint32_t ret_token = c.u32(9);
  if (!c.vm.writeU32(ret_token, 0)) return WasmResult::kInvalidMemoryAccess;
  RootContext* root = c.vm.activeContext().root();
  if (!root) return WasmResult::kBadArgument;
  auto header_pairs = decodePairs(*headers);
  auto trailer_pairs = decodePairs(*trailers);
  if (!header_pairs || !trailer_pairs) return WasmResult::kBadArgument;
  auto request = std::make_unique<http::HeaderMap>();
  for (const PairView& p : header_pairs.value()) request->add(p.first, p.second);
  if (!request->has(http::KnownHeader::kMethod) || !request->has(http::KnownHeader::kPath) ||
      !request->has(http::KnownHeader::kAuthority)) {
    return WasmResult::kBadArgument;
  }
  upstream::ThreadLocalClusterManager* clusters = c.vm.environment().clusters;
  if (!clusters || !c.vm.environment().dispatcher) return WasmResult::kInternalFailure;
  upstream::ThreadLocalCluster* cluster = clusters->get(*upstream);
  if (!cluster) return WasmResult::kBadArgument;
  std::unique_ptr<http::HeaderMap> request_trailers;
  if (!trailer_pairs->empty()) {
    request_trailers = std::make_unique<http::HeaderMap>();
    for (const PairView& p : trailer_pairs.value()) request_trailers->add(p.first, p.second);
  }
  if (!body->empty()) request->setContentLength(body->size());
  uint32_t token = c.vm.nextCalloutToken();
  auto callout = std::make_unique<HttpCallout>(c.vm, *root, token);
  HttpCallout* raw = callout.get();
  root->callouts().emplace(token, std::move(callout));
  raw->start(*cluster, std::move(request), std::string(*body), std::move(request_trailers), timeout_ms);
  return c.vm.writeU32(ret_token, token) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

// gRPC needs HTTP/2 upstreams, which weir does not have yet. Calls answer
// Unimplemented; the stream operations can only name unknown tokens.
WasmResult proxyGrpcUnimplemented(Call&) { return WasmResult::kUnimplemented; }
WasmResult proxyGrpcNoSuchToken(Call&) { return WasmResult::kNotFound; }

// ---------------------------------------------------------------- shared data & queues

WasmResult proxyGetSharedData(Call& c) {
  auto key = c.bytes(0);
  if (!key) return WasmResult::kInvalidMemoryAccess;
  std::string value;
  uint32_t cas = 0;
  WasmResult r = SharedData::global().get(c.vm.code().vm_id, *key, value, cas);
  if (r != WasmResult::kOk) return r;
  if (!c.vm.writeU32(c.u32(4), cas)) return WasmResult::kInvalidMemoryAccess;
  return c.vm.copyOut(value, c.u32(2), c.u32(3));
}

WasmResult proxySetSharedData(Call& c) {
  auto key = c.bytes(0);
  auto value = c.bytes(2);
  if (!key || !value) return WasmResult::kInvalidMemoryAccess;
  return SharedData::global().set(c.vm.code().vm_id, *key, *value, c.u32(4));
}

WasmResult proxyRegisterSharedQueue(Call& c) {
  auto name = c.bytes(0);
  if (!name) return WasmResult::kInvalidMemoryAccess;
  RootContext* root = c.vm.activeContext().root();
  uint32_t token = SharedQueues::global().registerQueue(c.vm.code().vm_id, *name, c.vm.environment().dispatcher,
                                                        c.vm.weak_from_this(), root ? root->id() : 0);
  return c.vm.writeU32(c.u32(2), token) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

WasmResult proxyResolveSharedQueue(Call& c) {
  auto vm_id = c.bytes(0);
  auto name = c.bytes(2);
  if (!vm_id || !name) return WasmResult::kInvalidMemoryAccess;
  std::string_view id = vm_id->empty() ? std::string_view(c.vm.code().vm_id) : *vm_id;
  auto token = SharedQueues::global().resolve(id, *name);
  if (!token) return WasmResult::kNotFound;
  return c.vm.writeU32(c.u32(4), *token) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

WasmResult proxyEnqueueSharedQueue(Call& c) {
  auto value = c.bytes(1);
  if (!value) return WasmResult::kInvalidMemoryAccess;
  return SharedQueues::global().enqueue(c.u32(0), *value);
}

WasmResult proxyDequeueSharedQueue(Call& c) {
  std::string value;
  WasmResult r = SharedQueues::global().dequeue(c.u32(0), value);
  if (r != WasmResult::kOk) return r;
  return c.vm.copyOut(value, c.u32(1), c.u32(2));
}

// ---------------------------------------------------------------- metrics

WasmResult proxyDefineMetric(Call& c) {
  uint32_t type = c.u32(0);
  if (type > kMaxMetricType) return WasmResult::kBadArgument;
  auto name = c.bytes(1);
  if (!name) return WasmResult::kInvalidMemoryAccess;
  uint32_t id = c.vm.defineMetric(static_cast<MetricType>(type), *name);
  return c.vm.writeU32(c.u32(3), id) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

WasmResult proxyIncrementMetric(Call& c) {
  WasmVm::Metric* m = c.vm.findMetric(c.u32(0));
  if (!m) return WasmResult::kNotFound;
  int64_t delta = c.i64(1);
  switch (m->type) {
    case MetricType::kCounter:
      if (delta <= 0) return WasmResult::kBadArgument;
      if (m->counter) m->counter->add(static_cast<uint64_t>(delta));
      else m->local_value += delta;
      return WasmResult::kOk;
    case MetricType::kGauge:
      if (m->gauge) m->gauge->add(static_cast<uint64_t>(delta));  // wraps: signed add in two's complement
      else m->local_value += delta;
      return WasmResult::kOk;
    case MetricType::kHistogram:
      return WasmResult::kBadArgument;
  }
  return WasmResult::kBadArgument;
}

WasmResult proxyRecordMetric(Call& c) {
  WasmVm::Metric* m = c.vm.findMetric(c.u32(0));
  if (!m) return WasmResult::kNotFound;
  uint64_t value = c.u64(1);
  switch (m->type) {
    case MetricType::kCounter:  // Envoy adds
      if (m->counter) m->counter->add(value);
      else m->local_value += static_cast<int64_t>(value);
      return WasmResult::kOk;
    case MetricType::kGauge:
      if (m->gauge) m->gauge->set(value);
      else m->local_value = static_cast<int64_t>(value);
      return WasmResult::kOk;
    case MetricType::kHistogram:
      if (m->histogram) m->histogram->recordValue(value);
      return WasmResult::kOk;
  }
  return WasmResult::kBadArgument;
}

WasmResult proxyGetMetric(Call& c) {
  WasmVm::Metric* m = c.vm.findMetric(c.u32(0));
  if (!m) return WasmResult::kNotFound;
  uint64_t value = 0;
  switch (m->type) {
    case MetricType::kCounter: value = m->counter ? m->counter->value() : static_cast<uint64_t>(m->local_value); break;
    case MetricType::kGauge: value = m->gauge ? m->gauge->value() : static_cast<uint64_t>(m->local_value); break;
    case MetricType::kHistogram: return WasmResult::kBadArgument;
  }
  return c.vm.writeU64(c.u32(1), value) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
}

// ---------------------------------------------------------------- properties

constexpr size_t kMaxPropertySegments = 32;

WasmResult proxyGetProperty(Call& c) {
  auto path = c.bytes(0);
  if (!path) return WasmResult::kInvalidMemoryAccess;
  // Segments joined by NUL; the C++ SDK adds a trailing NUL.
  std::vector<std::string_view> segments;
  std::string_view rest = *path;
  while (!rest.empty() && segments.size() < kMaxPropertySegments) {
    size_t nul = rest.find('\0');
    segments.push_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  if (segments.empty()) return WasmResult::kNotFound;
  Context& ctx = c.vm.activeContext();
  std::optional<std::string> value;
  const PluginConfig* plugin = ctx.plugin();
  if (segments.size() == 1 && segments[0] == "plugin_name") {
    if (plugin) value = plugin->name;
  } else if (segments.size() == 1 && segments[0] == "plugin_root_id") {
    if (plugin) value = plugin->root_id;
  } else if (segments.size() == 1 && segments[0] == "plugin_vm_id") {
    value = c.vm.code().vm_id;
  } else {
    value = ctx.streamProperty(segments);
  }
  if (!value) return WasmResult::kNotFound;
  return c.vm.copyOut(*value, c.u32(2), c.u32(3));
}

WasmResult proxySetProperty(Call& c) {
  auto path = c.bytes(0);
  auto value = c.bytes(2);
  if (!path || !value) return WasmResult::kInvalidMemoryAccess;
  std::string_view p = *path;
  while (!p.empty() && p.back() == '\0') p.remove_suffix(1);
  return c.vm.activeContext().setProperty(p, *value);
}

// ---------------------------------------------------------------- contexts, ffi

WasmResult proxySetEffectiveContext(Call& c) {
  return c.vm.setEffectiveContext(c.u32(0)) ? WasmResult::kOk : WasmResult::kBadArgument;
}

WasmResult proxyDone(Call&) {
  // weir completes root contexts synchronously at shutdown; nothing waits.
  return WasmResult::kNotFound;
}

WasmResult proxyCallForeignFunction(Call& c) {
  auto name = c.bytes(0);
  if (!name) return WasmResult::kInvalidMemoryAccess;
  return WasmResult::kNotFound;  // weir registers no foreign functions yet
}

// emscripten helpers.
Status pthreadEqual(Caller&, void*, uint64_t* slots) {
  slots[0] = static_cast<uint32_t>(slots[0]) == static_cast<uint32_t>(slots[1]) ? 1 : 0;
  return Status::ok();
}
Status emscriptenNotifyMemoryGrowth(Caller&, void*, uint64_t*) { return Status::ok(); }

struct HostFunction {
  const char* name;
  std::vector<ValType> params;
  wasm::runtime::SlotHostFn fn;
};

const std::vector<HostFunction>& hostFunctions() {
  static const std::vector<HostFunction> kFunctions = {
      {"proxy_log", {I32, I32, I32}, &adapt<proxyLog>},
      {"proxy_get_log_level", {I32}, &adapt<proxyGetLogLevel>},
      {"proxy_get_current_time_nanoseconds", {I32}, &adapt<proxyGetCurrentTime>},
      {"proxy_set_tick_period_milliseconds", {I32}, &adapt<proxySetTickPeriod>},
      {"proxy_get_configuration", {I32, I32}, &adapt<proxyGetConfiguration>},
      {"proxy_get_buffer_bytes", {I32, I32, I32, I32, I32}, &adapt<proxyGetBufferBytes>},
      {"proxy_get_buffer_status", {I32, I32, I32}, &adapt<proxyGetBufferStatus>},
      {"proxy_set_buffer_bytes", {I32, I32, I32, I32, I32}, &adapt<proxySetBufferBytes>},
      {"proxy_get_header_map_size", {I32, I32}, &adapt<proxyGetHeaderMapSize>},
      {"proxy_get_header_map_pairs", {I32, I32, I32}, &adapt<proxyGetHeaderMapPairs>},
      {"proxy_set_header_map_pairs", {I32, I32, I32}, &adapt<proxySetHeaderMapPairs>},
      {"proxy_get_header_map_value", {I32, I32, I32, I32, I32}, &adapt<proxyGetHeaderMapValue>},
      {"proxy_add_header_map_value", {I32, I32, I32, I32, I32}, &adapt<proxyAddHeaderMapValue>},
      {"proxy_replace_header_map_value", {I32, I32, I32, I32, I32}, &adapt<proxyReplaceHeaderMapValue>},
      {"proxy_remove_header_map_value", {I32, I32, I32}, &adapt<proxyRemoveHeaderMapValue>},
      {"proxy_continue_stream", {I32}, &adapt<proxyContinueStream>},
      {"proxy_close_stream", {I32}, &adapt<proxyCloseStream>},
      {"proxy_continue_request", {}, &adapt<proxyContinueRequest>},
      {"proxy_continue_response", {}, &adapt<proxyContinueResponse>},
      {"proxy_clear_route_cache", {}, &adapt<proxyClearRouteCache>},
      {"proxy_send_local_response", {I32, I32, I32, I32, I32, I32, I32, I32}, &adapt<proxySendLocalResponse>},
      {"proxy_get_status", {I32, I32, I32}, &adapt<proxyGetStatus>},
      {"proxy_http_call", {I32, I32, I32, I32, I32, I32, I32, I32, I32, I32}, &adapt<proxyHttpCall>},
      {"proxy_grpc_call", {I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32}, &adapt<proxyGrpcUnimplemented>},
      {"proxy_grpc_stream", {I32, I32, I32, I32, I32, I32, I32, I32, I32}, &adapt<proxyGrpcUnimplemented>},
      {"proxy_grpc_send", {I32, I32, I32, I32}, &adapt<proxyGrpcNoSuchToken>},
      {"proxy_grpc_cancel", {I32}, &adapt<proxyGrpcNoSuchToken>},
      {"proxy_grpc_close", {I32}, &adapt<proxyGrpcNoSuchToken>},
      {"proxy_get_shared_data", {I32, I32, I32, I32, I32}, &adapt<proxyGetSharedData>},
      {"proxy_set_shared_data", {I32, I32, I32, I32, I32}, &adapt<proxySetSharedData>},
      {"proxy_register_shared_queue", {I32, I32, I32}, &adapt<proxyRegisterSharedQueue>},
      {"proxy_resolve_shared_queue", {I32, I32, I32, I32, I32}, &adapt<proxyResolveSharedQueue>},
      {"proxy_enqueue_shared_queue", {I32, I32, I32}, &adapt<proxyEnqueueSharedQueue>},
      {"proxy_dequeue_shared_queue", {I32, I32, I32}, &adapt<proxyDequeueSharedQueue>},
      {"proxy_define_metric", {I32, I32, I32, I32}, &adapt<proxyDefineMetric>},
      {"proxy_increment_metric", {I32, I64}, &adapt<proxyIncrementMetric>},
      {"proxy_record_metric", {I32, I64}, &adapt<proxyRecordMetric>},
      {"proxy_get_metric", {I32, I32}, &adapt<proxyGetMetric>},
      {"proxy_get_property", {I32, I32, I32, I32}, &adapt<proxyGetProperty>},
      {"proxy_set_property", {I32, I32, I32, I32}, &adapt<proxySetProperty>},
      {"proxy_set_effective_context", {I32}, &adapt<proxySetEffectiveContext>},
      {"proxy_done", {}, &adapt<proxyDone>},
      {"proxy_call_foreign_function", {I32, I32, I32, I32, I32, I32}, &adapt<proxyCallForeignFunction>},
  };
  return kFunctions;
}

}  // namespace

std::vector<std::string_view> proxyHostFunctionNames() {
  std::vector<std::string_view> names;
  for (const HostFunction& f : hostFunctions()) names.emplace_back(f.name);
  return names;
}

void registerProxyWasmImports(wasm::runtime::Linker& linker, WasmVm* vm) {
  for (const HostFunction& f : hostFunctions()) {
    linker.defineSlotFunc("env", f.name, signature(f.params, true), f.fn, vm);
  }
  linker.defineSlotFunc("env", "pthread_equal", wasm::FuncType({I32, I32}, {I32}), &pthreadEqual, vm);
  linker.defineSlotFunc("env", "emscripten_notify_memory_growth", wasm::FuncType({I32}, {}),
                    &emscriptenNotifyMemoryGrowth, vm);
  registerWasiImports(linker, vm);
}

}  // namespace weir::proxywasm
