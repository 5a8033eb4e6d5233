// weir deploy REF --admin URL --name NAME — add or replace a Wasm filter in a
// running weir through its admin API (POST /plugins/NAME, docs/admin.md),
// without a restart; weir undeploy NAME — remove what deploy added.
// weir deploy REF --print envoy|istio — print the config instead.
#include <curl/curl.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/module_info.h"
#include "cli/oci_common.h"
#include "oci/local_image.h"
#include "oci/manifest.h"
#include "oci/pull.h"
#include "oci/reference.h"
#include "oci/wasm_image.h"
#include "proxywasm/plugin.h"

namespace {

using namespace weir;
using nlohmann::json;

constexpr const char* kUsage =
    "usage: weir deploy REF|FILE.wasm --admin URL --name NAME [options]\n"
    "       weir deploy REF --print envoy|istio [--name NAME] [options]\n"
    "  Resolves REF (the local store first, else the registry, which pulls it), then adds\n"
    "  the filter to a running weir as plugin NAME, or replaces NAME if it exists (POST\n"
    "  URL/plugins/NAME), without a restart; new streams get it, streams in flight finish\n"
    "  on the old code. Prints the module digest the proxy loaded. A FILE.wasm deploys as is.\n"
    "  --admin URL         the proxy's admin address (http://127.0.0.1:9901)\n"
    "  --name NAME         plugin name (default: the repository's last component)\n"
    "  --config TEXT       plugin configuration (bytes the plugin reads in on_configure)\n"
    "  --root-id ID        root id (default: the image's first root id)\n"
    "  --listener L        listener to add a new plugin to (optional with one listener)\n"
    "  --fail-open         let requests through when the plugin fails (default: 503)\n"
    "  --pull              resolve REF in the registry even when the store has it\n"
    "  --print envoy       print an Envoy v3 http_filters entry (code.remote, oci:// by digest)\n"
    "  --print istio       print an Istio extensions.istio.io/v1alpha1 WasmPlugin\n"
    "  --module-file FILE  with --print envoy: write the module to FILE and use code.local\n";

constexpr const char* kUndeployUsage =
    "usage: weir undeploy NAME --admin URL\n"
    "  Undoes what `weir deploy` did to plugin NAME (DELETE URL/plugins/NAME): an added plugin\n"
    "  goes away, a replaced one runs its config file's code again.\n";

int fail(const char* cmd, const std::string& msg) {
  std::fprintf(stderr, "weir %s: %s\n", cmd, msg.c_str());
  return 1;
}

struct AdminReply {
  long status = 0;
  std::string body;
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One request to the admin API. The admin API is plain HTTP on a trusted
// address (as Envoy's); no auth, no redirects.
Result<AdminReply> adminRequest(const std::string& method, const std::string& url, const std::string& body) {
  CURL* curl = curl_easy_init();
  if (!curl) return internalError("curl_easy_init failed");
  AdminReply reply;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "content-type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return unavailable(url + ": " + curl_easy_strerror(rc));
  return reply;
}

std::string escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

std::string adminError(const AdminReply& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
  return r.body;
}

std::string trimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// What deploy needs about an image.
struct Resolved {
  oci::Reference ref;
  std::string manifest_digest;
  std::string module_digest;
  std::string module;
  std::vector<std::string> root_ids;
};

Result<Resolved> resolve(const cli::OciFlags& flags, const oci::Reference& ref, bool pull) {
  oci::Store store(flags.store);
  if (auto s = store.init(); !s.isOk()) return s;
  auto local = oci::readLocalImage(store, ref);
  if (!local && local.status().code() != StatusCode::kNotFound) return local.status();
  if (!local || pull) {
    oci::RegistryClient client(ref.registry, flags.clientOptions());
    auto pulled = oci::pullImage(client, ref, store, cli::kMaxModuleFileBytes);
    if (!pulled) return Status(pulled.status().code(), "pulling " + ref.str() + ": " + pulled.status().message());
    oci::StoreEntry e{ref.str(), pulled->manifest_digest, pulled->manifest_media_type,
                      static_cast<int64_t>(pulled->manifest.size()), pulled->module_digest,
                      static_cast<int64_t>(pulled->module_size), oci::wasmFormatName(pulled->format)};
    if (auto s = store.setRef(e); !s.isOk()) return s;
    local = oci::readLocalImage(store, ref);
    if (!local) return local.status();
  }
  Resolved r{ref, local->entry.manifest_digest, local->entry.module_digest, "", {}};
  auto module = store.readBlob(r.module_digest, cli::kMaxModuleFileBytes);
  if (!module) return module.status();
  r.module = std::move(module.value());
  auto manifest = oci::parseManifest(local->manifest, local->entry.media_type);
  if (manifest && !manifest->isIndex()) {
    auto config = store.readBlob(manifest->config.digest, oci::kMaxManifestBytes);
    if (config) r.root_ids = oci::parseWasmConfig(*config).root_ids;
  }
  return r;
}

// A module file: no image, so no manifest digest and no recorded root ids.
Result<Resolved> fromFile(const std::string& path) {
  auto bytes = cli::readFileUpTo(path, cli::kMaxModuleFileBytes);
  if (!bytes) return bytes.status();
  Resolved r;
  r.module_digest = "sha256:" + proxywasm::sha256Hex(*bytes);
  r.module = std::move(bytes.value());
  return r;
}

std::string q(const std::string& s) { return json(s).dump(); }

std::string hexOf(const std::string& digest) {
  auto colon = digest.find(':');
  return colon == std::string::npos ? digest : digest.substr(colon + 1);
}

std::string printEnvoy(const Resolved& r, const std::string& name, const std::string& root_id,
                       const std::string& config, bool fail_open, const std::string& module_file) {
  std::string out =
      "# An Envoy v3 http_filters entry (weir reads it too): put it before envoy.filters.http.router.\n"
      "- name: envoy.filters.http.wasm\n"
      "  typed_config:\n"
      "    \"@type\": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm\n"
      "    config:\n"
      "      name: " + q(name) + "\n"
      "      root_id: " + q(root_id) + "\n";
  if (!config.empty()) {
    out += "      configuration:\n"
           "        \"@type\": type.googleapis.com/google.protobuf.StringValue\n"
           "        value: " + q(config) + "\n";
  }
  if (fail_open) out += "      fail_open: true\n";
  out += "      vm_config:\n"
         "        vm_id: " + q(name) + "\n"
         "        runtime: envoy.wasm.runtime.v8\n"
         "        code:\n";
  if (!module_file.empty()) {
    out += "          local:\n"
           "            filename: " + q(module_file) + "\n";
    return out;
  }
  out += "          remote:\n"
         "            http_uri:\n"
         "              uri: " + q("oci://" + r.ref.name() + "@" + r.manifest_digest) + "\n"
         "              cluster: " + q(r.ref.registry) + "  # Envoy fetches through a cluster of this name; weir directly\n"
         "              timeout: 10s\n"
         "            sha256: " + q(hexOf(r.module_digest)) + "\n";
  return out;
}

std::string printIstio(const Resolved& r, const std::string& name, const std::string& root_id,
                       const std::string& config, bool fail_open) {
  std::string out =
      "apiVersion: extensions.istio.io/v1alpha1\n"
      "kind: WasmPlugin\n"
      "metadata:\n"
      "  name: " + q(name) + "\n"
      "spec:\n"
      "  url: " + q("oci://" + r.ref.name() + "@" + r.manifest_digest) + "\n"
      "  imagePullPolicy: IfNotPresent\n"
      "  pluginName: " + q(root_id) + "  # Istio's name for the root id\n";
  if (fail_open) out += "  failStrategy: FAIL_OPEN\n";
  if (!config.empty()) {
    auto j = json::parse(config, nullptr, false);
    // Istio's pluginConfig is a Struct: the plugin receives it as JSON.
    if (j.is_object()) out += "  pluginConfig: " + j.dump() + "\n";
    else out += "  # --config is not a JSON object; Istio's pluginConfig must be one, so it is left out\n";
  }
  return out;
}

int runDeploy(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  std::string admin, name, config, root_id, listener, print, module_file;
  bool fail_open = false, pull = false, help = false, has_config = false;
  bool ok = flags.parse(args, [&](const std::string& a, const std::string* next) -> int {
    auto take = [next](std::string& out) { return cli::takeValue(next, out); };
    if (a == "-h" || a == "--help") return help = true, 1;
    if (a == "--admin") return take(admin);
    if (a == "--name") return take(name);
    if (a == "--config") return has_config = true, take(config);
    if (a == "--root-id") return take(root_id);
    if (a == "--listener") return take(listener);
    if (a == "--print") return take(print);
    if (a == "--module-file") return take(module_file);
    if (a == "--fail-open") return fail_open = true, 1;
    if (a == "--pull") return pull = true, 1;
    return 0;
  });
  if (help) {
    std::printf("%s%s", kUsage, cli::kCommonOciFlags);
    return 0;
  }
  if (!ok || flags.positional.size() != 1 || (admin.empty() && print.empty()) ||
      (!print.empty() && print != "envoy" && print != "istio")) {
    if (!flags.error.empty()) std::fprintf(stderr, "weir deploy: %s\n", flags.error.c_str());
    std::fprintf(stderr, "%s%s", kUsage, cli::kCommonOciFlags);
    return 2;
  }
  const std::string& target = flags.positional[0];
  Result<Resolved> resolved = internalError("unresolved");
  if (target.ends_with(".wasm")) {
    if (!print.empty() && print != "envoy") return fail("deploy", "--print istio needs an image reference");
    if (name.empty()) return fail("deploy", "deploying a module file needs --name");
    resolved = fromFile(target);
  } else {
    auto ref = oci::parseReference(target);
    if (!ref) return fail("deploy", ref.status().message());
    if (name.empty()) {
      auto slash = ref->repository.rfind('/');
      name = slash == std::string::npos ? ref->repository : ref->repository.substr(slash + 1);
    }
    resolved = resolve(flags, *ref, pull);
  }
  if (!resolved) return fail("deploy", resolved.status().message());
  if (resolved->manifest_digest.empty() && !print.empty() && module_file.empty()) module_file = target;
  if (root_id.empty() && !resolved->root_ids.empty()) root_id = resolved->root_ids.front();

  if (print == "envoy") {
    if (!module_file.empty()) {
      std::ofstream f(module_file, std::ios::binary | std::ios::trunc);
      f.write(resolved->module.data(), static_cast<std::streamsize>(resolved->module.size()));
      if (!f) return fail("deploy", "cannot write " + module_file);
    }
    std::printf("%s", printEnvoy(*resolved, name, root_id, config, fail_open, module_file).c_str());
    return 0;
  }
  if (print == "istio") {
    std::printf("%s", printIstio(*resolved, name, root_id, config, fail_open).c_str());
    return 0;
  }

  json plugin{{"name", name},
              {"root_id", root_id},
              {"vm_config",
               {{"vm_id", name},
                {"runtime", "envoy.wasm.runtime.v8"},
                {"code", {{"local", {{"inline_bytes", proxywasm::base64Encode(resolved->module)}}}}}}}};
  if (has_config) {
    plugin["configuration"] = {{"@type", "type.googleapis.com/google.protobuf.StringValue"}, {"value", config}};
  }
  if (fail_open) plugin["fail_open"] = true;
  std::string url = trimSlash(admin) + "/plugins/" + escape(name);
  if (!listener.empty()) url += "?listener=" + escape(listener);
  auto reply = adminRequest("POST", url, plugin.dump());
  if (!reply) return fail("deploy", reply.status().message());
  if (reply->status != 200) {
    return fail("deploy", "the proxy refused plugin '" + name + "' (HTTP " + std::to_string(reply->status) +
                              "): " + adminError(*reply));
  }
  std::string loaded_digest;
  auto j = json::parse(reply->body, nullptr, false);
  if (j.is_object() && j.contains("module_digest") && j["module_digest"].is_string()) {
    loaded_digest = j["module_digest"].get<std::string>();
  }
  if (loaded_digest != resolved->module_digest) {
    return fail("deploy", "the proxy reports module " + (loaded_digest.empty() ? "(none)" : loaded_digest) +
                              ", expected " + resolved->module_digest);
  }
  std::printf("deployed %s as plugin '%s' (root id '%s')\n", target.c_str(), name.c_str(), root_id.c_str());
  if (!resolved->manifest_digest.empty()) {
    std::printf("image:           %s@%s\n", resolved->ref.name().c_str(), resolved->manifest_digest.c_str());
  }
  std::printf("module digest:   %s\n", loaded_digest.c_str());
  return 0;
}

int runUndeploy(const std::vector<std::string>& args) {
  std::string admin, name;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      std::printf("%s", kUndeployUsage);
      return 0;
    }
    if (args[i] == "--admin" && i + 1 < args.size()) {
      admin = args[++i];
    } else if (!args[i].empty() && args[i][0] != '-' && name.empty()) {
      name = args[i];
    } else {
      std::fprintf(stderr, "%s", kUndeployUsage);
      return 2;
    }
  }
  if (admin.empty() || name.empty()) {
    std::fprintf(stderr, "%s", kUndeployUsage);
    return 2;
  }
  auto reply = adminRequest("DELETE", trimSlash(admin) + "/plugins/" + escape(name), "");
  if (!reply) return fail("undeploy", reply.status().message());
  if (reply->status != 200) {
    return fail("undeploy", "HTTP " + std::to_string(reply->status) + ": " + adminError(*reply));
  }
  std::printf("undeployed plugin '%s'\n", name.c_str());
  return 0;
}

weir::cli::CommandRegistration reg("deploy", "add or replace a filter in a running weir (admin API), or print its config",
                                   runDeploy);
weir::cli::CommandRegistration reg_undeploy("undeploy", "remove a filter `weir deploy` added", runUndeploy);

}  // namespace
