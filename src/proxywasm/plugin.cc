#include "proxywasm/plugin.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "oci/reference.h"
#include "wasm/runtime/engine.h"

namespace weir::proxywasm {
namespace {

using json = nlohmann::json;

// Wasm files bigger than this are refused before reading them whole.
constexpr size_t kMaxModuleBytes = 64u << 20;

const json* field(const json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(name));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> stringField(const json& obj, std::string_view name, std::string_view where) {
  const json* v = field(obj, name);
  if (!v) return std::string();
  if (!v->is_string()) return invalidArgument(std::string(where) + "." + std::string(name) + ": expected a string");
  return v->get<std::string>();
}

// PluginConfig.configuration / VmConfig.configuration: a google.protobuf.Any.
// StringValue and BytesValue deliver their raw bytes, Struct (and any other
// JSON value) is delivered as JSON text, as Envoy does. A bare string is
// accepted too (weir's shorthand).
Result<std::string> anyToBytes(const json& v, std::string_view where) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_object()) return v.dump();
  std::string type;
  if (auto t = v.find("@type"); t != v.end() && t->is_string()) type = t->get<std::string>();
  auto value = v.find("value");
  if (type.ends_with("google.protobuf.StringValue")) {
    if (value == v.end()) return std::string();
    if (!value->is_string()) return invalidArgument(std::string(where) + ".value: expected a string");
    return value->get<std::string>();
  }
  if (type.ends_with("google.protobuf.BytesValue")) {
    if (value == v.end()) return std::string();
    if (!value->is_string()) return invalidArgument(std::string(where) + ".value: expected base64 text");
    auto bytes = base64Decode(value->get<std::string>());
    if (!bytes) return invalidArgument(std::string(where) + ".value: " + bytes.status().message());
    return std::move(bytes.value());
  }
  if (type.ends_with("google.protobuf.Struct") || type.ends_with("xds.type.v3.TypedStruct") ||
      type.ends_with("udpa.type.v1.TypedStruct")) {
    if (value == v.end()) return std::string("{}");
    return value->dump();
  }
  json copy = v;
  copy.erase("@type");
  return copy.dump();
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return notFound("cannot open '" + path + "'");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return ioError("cannot read '" + path + "'");
  if (static_cast<uint64_t>(size) > kMaxModuleBytes) return invalidArgument("'" + path + "' is larger than 64 MiB");
  in.seekg(0);
  std::string data(static_cast<size_t>(size), '\0');
  if (!in.read(data.data(), size)) return ioError("cannot read '" + path + "'");
  return data;
}

std::string normalizedSha256(std::string text) {
  if (text.starts_with("sha256:")) text.erase(0, 7);
  return text;
}

bool isLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::chrono::milliseconds> durationField(const json& obj, std::string_view name, std::string_view where,
                                                std::chrono::milliseconds fallback) {
  const json* v = field(obj, name);
  if (!v) return fallback;
  auto d = parseDuration(v->is_string() ? v->get<std::string>() : std::string("?"));
  if (!d) return invalidArgument(std::string(where) + "." + std::string(name) + ": " + d.status().message());
  return d.value();
}

// vm_config.code.remote: the shape only; nothing is fetched here (that is
// RemoteCode's job, off the config-loading path).
Result<std::shared_ptr<RemoteSource>> parseRemoteSource(const json& remote) {
  constexpr std::string_view kWhere = "config.vm_config.code.remote";
  if (!remote.is_object()) return invalidArgument(std::string(kWhere) + ": expected an object");
  for (auto it = remote.begin(); it != remote.end(); ++it) {
    static constexpr std::string_view kKnown[] = {"http_uri", "sha256", "retry_policy", "weir_refresh_interval"};
    if (std::find(std::begin(kKnown), std::end(kKnown), it.key()) == std::end(kKnown)) {
      return invalidArgument(std::string(kWhere) + "." + it.key() +
                             ": unknown field (http_uri, sha256, retry_policy, weir_refresh_interval)");
    }
  }
  auto source = std::make_shared<RemoteSource>();
  const json* uri = field(remote, "http_uri");
  if (!uri || !uri->is_object()) return invalidArgument(std::string(kWhere) + ".http_uri: required");
  const std::string where_uri = std::string(kWhere) + ".http_uri";
  auto url = stringField(*uri, "uri", where_uri);
  if (!url) return url.status();
  if (url->empty()) return invalidArgument(where_uri + ".uri: required");
  source->uri = std::move(url.value());
  auto cluster = stringField(*uri, "cluster", where_uri);
  if (!cluster) return cluster.status();
  source->cluster = std::move(cluster.value());
  auto timeout = durationField(*uri, "timeout", where_uri, source->timeout);
  if (!timeout) return timeout.status();
  if (timeout->count() <= 0) return invalidArgument(where_uri + ".timeout: must be positive");
  source->timeout = timeout.value();

  auto sha = stringField(remote, "sha256", kWhere);
  if (!sha) return sha.status();
  source->sha256 = normalizedSha256(std::move(sha.value()));
  if (!source->sha256.empty() && !isLowerHex64(source->sha256)) {
    return invalidArgument(std::string(kWhere) + ".sha256: expected 64 lowercase hex digits");
  }
  const bool http = source->uri.starts_with("http://") || source->uri.starts_with("https://");
  if (http) {
    if (source->sha256.empty()) {
      return invalidArgument(std::string(kWhere) + ".sha256: required for an http(s) uri (as in Envoy)");
    }
  } else if (source->uri.starts_with("oci://")) {
    auto ref = oci::parseReference(source->uri);
    if (!ref) return invalidArgument(where_uri + ".uri: " + ref.status().message());
  } else {
    return invalidArgument(where_uri + ".uri: expected oci://REGISTRY/REPO:TAG, oci://REGISTRY/REPO@sha256:... "
                           "or an http(s) URL");
  }

  if (const json* rp = field(remote, "retry_policy")) {
    const std::string where = std::string(kWhere) + ".retry_policy";
    if (!rp->is_object()) return invalidArgument(where + ": expected an object");
    if (const json* n = field(*rp, "num_retries")) {
      // UInt32Value: a number, or its JSON string form.
      uint32_t count = 0;
      bool ok = n->is_number_integer();
      if (ok) {
        ok = n->get<int64_t>() >= 0 && n->get<int64_t>() <= 100;
        count = static_cast<uint32_t>(n->get<int64_t>());
      } else if (n->is_string()) {
        const std::string text = n->get<std::string>();
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
        ok = ec == std::errc() && end == text.data() + text.size() && count <= 100;
      }
      if (!ok) return invalidArgument(where + ".num_retries: expected an integer from 0 to 100");
      source->num_retries = count;
    }
    if (const json* b = field(*rp, "retry_back_off")) {
      auto base = durationField(*b, "base_interval", where + ".retry_back_off", source->retry_base_interval);
      if (!base) return base.status();
      if (base->count() <= 0) return invalidArgument(where + ".retry_back_off.base_interval: must be positive");
      source->retry_base_interval = base.value();
      // Envoy's default maximum is ten times the base.
      auto max = durationField(*b, "max_interval", where + ".retry_back_off", 10 * source->retry_base_interval);
      if (!max) return max.status();
      if (max.value() < source->retry_base_interval) {
        return invalidArgument(where + ".retry_back_off.max_interval: must not be below base_interval");
      }
      source->retry_max_interval = max.value();
    }
  }
  auto refresh = durationField(remote, "weir_refresh_interval", kWhere, source->refresh_interval);
  if (!refresh) return refresh.status();
  source->refresh_interval = refresh.value();
  return source;
}

}  // namespace

bool RemoteSource::pinned() const { return !uri.starts_with("oci://") || uri.find('@') != std::string::npos; }

std::string vmCodeKey(const VmCode& code) {
  return code.vm_id + "||" + sha256Hex(code.vm_configuration) + "||" + code.digest + "||" +
         std::to_string(code.max_memory_pages) + "||" + std::to_string(code.callback_deadline.count()) + "||" +
         std::string(tierPolicyName(code.tier));
}

std::vector<std::string> localModuleFiles(const nlohmann::json& bootstrap) {
  std::vector<std::string> files;
  // Iterative walk: the loader bounds the depth, but no recursion on input.
  std::vector<const json*> pending{&bootstrap};
  while (!pending.empty()) {
    const json* node = pending.back();
    pending.pop_back();
    if (node->is_object()) {
      if (const json* vm = field(*node, "vm_config")) {
        const json* code = field(*vm, "code");
        const json* local = code ? field(*code, "local") : nullptr;
        const json* name = local ? field(*local, "filename") : nullptr;
        if (name && name->is_string()) files.push_back(name->get<std::string>());
      }
    }
    if (node->is_structured()) {
      for (const json& child : *node) pending.push_back(&child);
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

Result<std::string> base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : in) {
    if (c == '=') { ++padding; continue; }
    if (c == '\n' || c == '\r' || c == ' ') continue;
    if (padding) return invalidArgument("invalid base64: data after padding");
    int v = value(c);
    if (v < 0) return invalidArgument("invalid base64 character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (padding > 2 || bits >= 6) return invalidArgument("invalid base64 length");
  return out;
}

std::string base64Encode(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                       static_cast<uint8_t>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (const size_t left = in.size() - i; left > 0) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (left == 2) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  std::string_view num = text;
  double scale = 1000.0;
  if (num.ends_with("ms")) { num.remove_suffix(2); scale = 1.0; }
  else if (num.ends_with("s")) num.remove_suffix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
  if (ec != std::errc() || end != num.data() + num.size() || value < 0 || value > 1e9) {
    return invalidArgument("invalid duration '" + std::string(text) + "'");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(value * scale));
}

Result<std::shared_ptr<VmCode>> compileVmCode(std::string bytes) {
  auto code = std::make_shared<VmCode>();
  code->digest = "sha256:" + sha256Hex(bytes);
  wasm::runtime::Engine engine;
  auto module = engine.compile(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!module) return Status(module.status().code(), "invalid Wasm module: " + module.status().message());
  code->abi = detectAbiVersion(module.value()->decoded());
  if (code->abi == AbiVersion::kUnknown) {
    return invalidArgument(
        "missing or unknown Proxy-Wasm ABI version (no proxy_abi_version_0_1_0/0_2_0/0_2_1 export)");
  }
  code->module = std::move(module.value());
  return code;
}

Result<std::shared_ptr<const PluginConfig>> parsePluginConfig(const nlohmann::json& typed_config) {
  // Envoy's Wasm filter wraps the PluginConfig in `config`; accept a bare
  // PluginConfig too.
  const json* cfg_ptr = field(typed_config, "config");
  const json& cfg = cfg_ptr ? *cfg_ptr : typed_config;
  if (!cfg.is_object()) return invalidArgument("config: expected an object");
  auto plugin = std::make_shared<PluginConfig>();

  auto name = stringField(cfg, "name", "config");
  if (!name) return name.status();
  plugin->name = std::move(name.value());
  auto root_id = stringField(cfg, "root_id", "config");
  if (!root_id) return root_id.status();
  plugin->root_id = std::move(root_id.value());
  if (const json* c = field(cfg, "configuration")) {
    auto bytes = anyToBytes(*c, "config.configuration");
    if (!bytes) return bytes.status();
    plugin->configuration = std::move(bytes.value());
  }
  bool fail_open = false;
  if (const json* f = field(cfg, "fail_open")) {
    if (!f->is_boolean()) return invalidArgument("config.fail_open: expected a bool");
    fail_open = f->get<bool>();
  }
  plugin->failure_policy = fail_open ? FailurePolicy::kFailOpen : FailurePolicy::kFailClosed;
  if (const json* p = field(cfg, "failure_policy")) {
    std::string policy = p->is_string() ? p->get<std::string>() : std::string();
    if (policy == "FAIL_RELOAD") plugin->failure_policy = FailurePolicy::kFailReload;
    else if (policy == "FAIL_OPEN") plugin->failure_policy = FailurePolicy::kFailOpen;
    else if (policy == "FAIL_CLOSED") plugin->failure_policy = FailurePolicy::kFailClosed;
    else if (policy != "UNSPECIFIED" && !policy.empty()) {
      return invalidArgument("config.failure_policy: unknown value (FAIL_CLOSED, FAIL_OPEN, FAIL_RELOAD)");
    }
  }
  if (const json* rc = field(cfg, "reload_config")) {
    if (const json* b = field(*rc, "backoff")) {
      if (const json* base = field(*b, "base_interval")) {
        auto d = parseDuration(base->is_string() ? base->get<std::string>() : std::string("?"));
        if (!d) return invalidArgument("config.reload_config.backoff.base_interval: " + d.status().message());
        plugin->reload_backoff = d.value();
      }
    }
  }

  const json* vm = field(cfg, "vm_config");
  if (!vm || !vm->is_object()) return invalidArgument("config.vm_config: required");
  auto vm_id = stringField(*vm, "vm_id", "config.vm_config");
  if (!vm_id) return vm_id.status();
  auto runtime = stringField(*vm, "runtime", "config.vm_config");
  if (!runtime) return runtime.status();
  if (auto policy = tierPolicyOf(runtime.value()); !policy) {
    return invalidArgument("config.vm_config.runtime: " + policy.status().message());
  }

  const json* code = field(*vm, "code");
  if (!code) return invalidArgument("config.vm_config.code: required");
  std::string bytes;
  if (const json* local = field(*code, "local")) {
    if (const json* f = field(*local, "filename")) {
      if (!f->is_string()) return invalidArgument("config.vm_config.code.local.filename: expected a string");
      auto data = readFile(f->get<std::string>());
      if (!data) return Status(data.status().code(), "config.vm_config.code.local.filename: " + data.status().message());
      bytes = std::move(data.value());
    } else if (const json* b = field(*local, "inline_bytes")) {
      if (!b->is_string()) return invalidArgument("config.vm_config.code.local.inline_bytes: expected base64 text");
      auto data = base64Decode(b->get<std::string>());
      if (!data) return invalidArgument("config.vm_config.code.local.inline_bytes: " + data.status().message());
      bytes = std::move(data.value());
    } else if (const json* s = field(*local, "inline_string")) {
      if (!s->is_string()) return invalidArgument("config.vm_config.code.local.inline_string: expected a string");
      bytes = s->get<std::string>();
    } else {
      return invalidArgument("config.vm_config.code.local: needs filename, inline_bytes or inline_string");
    }
  } else if (const json* remote = field(*code, "remote")) {
    auto source = parseRemoteSource(*remote);
    if (!source) return source.status();
    plugin->remote = std::move(source.value());
  } else {
    return invalidArgument("config.vm_config.code: needs local or remote");
  }

  // Remote code: the settings now, the module when RemoteCode has fetched it.
  auto vm_code = plugin->remote ? Result<std::shared_ptr<VmCode>>(std::make_shared<VmCode>())
                                : compileVmCode(std::move(bytes));
  if (!vm_code) return Status(vm_code.status().code(), "config.vm_config.code: " + vm_code.status().message());
  VmCode& vc = *vm_code.value();
  vc.vm_id = std::move(vm_id.value());
  vc.runtime = std::move(runtime.value());
  if (const json* c = field(*vm, "configuration")) {
    auto cbytes = anyToBytes(*c, "config.vm_config.configuration");
    if (!cbytes) return cbytes.status();
    vc.vm_configuration = std::move(cbytes.value());
  }
  if (const json* env = field(*vm, "environment_variables")) {
    if (const json* keys = field(*env, "host_env_keys")) {
      if (!keys->is_array()) return invalidArgument("config.vm_config.environment_variables.host_env_keys: expected a list");
      for (const json& k : *keys) {
        if (!k.is_string()) continue;
        std::string key = k.get<std::string>();
        if (const char* v = std::getenv(key.c_str())) vc.environment.emplace_back(key, v);
      }
    }
    if (const json* kv = field(*env, "key_values")) {
      if (!kv->is_object()) return invalidArgument("config.vm_config.environment_variables.key_values: expected a map");
      for (auto it = kv->begin(); it != kv->end(); ++it) {
        if (!it.value().is_string()) return invalidArgument("config.vm_config.environment_variables.key_values: values must be strings");
        vc.environment.emplace_back(it.key(), it.value().get<std::string>());
      }
    }
  }
  // weir's limits (Envoy has no equivalent): vm_config.limits.
  if (const json* limits = field(*vm, "limits")) {
    if (!limits->is_object()) return invalidArgument("config.vm_config.limits: expected an object");
    for (auto it = limits->begin(); it != limits->end(); ++it) {
      const std::string where = "config.vm_config.limits." + it.key();
      if (it.key() == "callback_deadline") {
        auto d = parseDuration(it.value().is_string() ? it.value().get<std::string>() : std::string("?"));
        if (!d) return invalidArgument(where + ": " + d.status().message());
        vc.callback_deadline = d.value();
      } else if (it.key() == "max_memory_bytes") {
        const bool count = it.value().is_number_integer() && it.value().get<int64_t>() >= 0;
        if (!count && !it.value().is_string()) return invalidArgument(where + ": expected a byte count");
        uint64_t bytes = 0;
        if (it.value().is_string()) {
          const std::string text = it.value().get<std::string>();
          auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes);
          if (ec != std::errc() || end != text.data() + text.size()) return invalidArgument(where + ": expected a byte count");
        } else {
          bytes = it.value().get<uint64_t>();
        }
        if (bytes < 65536 || bytes > (uint64_t{4} << 30)) {
          return invalidArgument(where + ": must be between 65536 (one page) and 4294967296");
        }
        vc.max_memory_pages = static_cast<uint32_t>(bytes / 65536);
      } else {
        return invalidArgument(where + ": unknown field (callback_deadline, max_memory_bytes)");
      }
    }
  }
  if (Status tier = applyTierPolicy(vc); !tier.isOk()) return tier;
  if (!plugin->remote) vc.key = vmCodeKey(vc);
  plugin->vm = std::move(vm_code.value());
  return std::shared_ptr<const PluginConfig>(std::move(plugin));
}

}  // namespace weir::proxywasm
