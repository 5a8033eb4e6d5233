#include "oci/fetcher.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "oci/digest.h"
#include "oci/pull.h"
#include "oci/reference.h"
#include "oci/store.h"
#include "oci/wasm_image.h"

namespace weir::oci {

namespace {

// "sha256:<hex>" from "<hex>" or "sha256:<hex>"; "" when empty; error when malformed.
Result<std::string> normalizeSha(const std::string& s) {
  if (s.empty()) return std::string();
  std::string d = s.rfind("sha256:", 0) == 0 ? s : "sha256:" + s;
  if (!isValidDigest(d) || d.rfind("sha256:", 0) != 0) return invalidArgument("sha256 must be 64 lowercase hex digits");
  return d;
}

// cache_dir/refs/<hex of manifest or index digest> holds the module digest
// and the image manifest digest, one per line.
std::string pinPath(const std::string& root, const std::string& digest) {
  auto d = parseDigest(digest);
  return root + "/refs/" + d->algorithm() + "-" + d->hex();
}

}  // namespace

ModuleFetcher::ModuleFetcher(Options options) : options_(std::move(options)) {}

Result<FetchedModule> ModuleFetcher::fetch(const FetchRequest& request) const {
  if (options_.cache_dir.empty()) return invalidArgument("ModuleFetcher needs a cache_dir");
  auto want = normalizeSha(request.sha256);
  if (!want) return want.status();
  if (request.url.rfind("http://", 0) == 0 || request.url.rfind("https://", 0) == 0) {
    if (want->empty()) return invalidArgument("an http(s) module URL needs the module's sha256");
    return fetchHttp(request, *want);
  }
  if (request.url.rfind("oci://", 0) == 0) return fetchOci(request, *want);
  return invalidArgument("unsupported module URL (want oci://, http:// or https://): " + request.url.substr(0, 200));
}

Result<FetchedModule> ModuleFetcher::fetchHttp(const FetchRequest& request, const std::string& want) const {
  Store cache(options_.cache_dir);
  WEIR_RETURN_IF_ERROR(cache.init());
  FetchedModule out;
  out.module_digest = want;
  if (cache.hasBlob(want)) {
    auto bytes = cache.readBlob(want, options_.max_module_bytes);
    if (bytes && sha256Digest(*bytes) == want) {
      out.bytes = std::move(bytes).value();
      out.from_cache = true;
      return out;
    }
  }
  std::string host = request.url.substr(request.url.find("//") + 2);
  host = host.substr(0, host.find('/'));
  ClientOptions co;
  co.auth_config_path = options_.auth_config_path;
  co.tls_verify = options_.tls_verify;
  co.retry = options_.retry;
  co.timeout = options_.timeout;
  RegistryClient client(host, co);
  const std::string tmp = cache.tempPath();
  auto got = client.downloadUrl(request.url, tmp, options_.max_module_bytes);
  if (!got) return got.status();
  if (*got != want) {
    ::unlink(tmp.c_str());
    return invalidArgument(request.url + ": sha256 mismatch: got " + *got + ", expected " + want);
  }
  WEIR_RETURN_IF_ERROR(cache.importFile(tmp, want));
  auto bytes = cache.readBlob(want, options_.max_module_bytes);
  if (!bytes) return bytes.status();
  if (!looksLikeWasm(*bytes)) return invalidArgument(request.url + ": not a WebAssembly module");
  out.bytes = std::move(bytes).value();
  return out;
}

Result<FetchedModule> ModuleFetcher::fetchOci(const FetchRequest& request, const std::string& want) const {
  auto ref = parseReference(request.url);
  if (!ref) return ref.status();
  Store cache(options_.cache_dir);
  WEIR_RETURN_IF_ERROR(cache.init());
  std::error_code ec;
  std::filesystem::create_directories(options_.cache_dir + "/refs", ec);
  FetchedModule out;
  // Digest-pinned and seen before: no network.
  if (!ref->digest.empty()) {
    std::ifstream pin(pinPath(options_.cache_dir, ref->digest));
    std::string module_digest, manifest_digest;
    if (pin && std::getline(pin, module_digest) && std::getline(pin, manifest_digest) && cache.hasBlob(module_digest) &&
        (want.empty() || want == module_digest)) {
      auto bytes = cache.readBlob(module_digest, options_.max_module_bytes);
      if (bytes && sha256Digest(*bytes) == module_digest) {
        out.bytes = std::move(bytes).value();
        out.module_digest = module_digest;
        out.manifest_digest = manifest_digest;
        out.resolved = ref->name() + "@" + manifest_digest;
        out.from_cache = true;
        return out;
      }
    }
  }
  ClientOptions co;
  co.auth_config_path = options_.auth_config_path;
  co.tls_verify = options_.tls_verify;
  co.retry = options_.retry;
  co.timeout = options_.timeout;
  co.plain_http = std::find(options_.plain_http_registries.begin(), options_.plain_http_registries.end(),
                            ref->registry) != options_.plain_http_registries.end();
  RegistryClient client(ref->registry, co);
  auto pulled = pullImage(client, *ref, cache, options_.max_module_bytes);
  if (!pulled) return pulled.status();
  if (!want.empty() && pulled->module_digest != want) {
    return invalidArgument(request.url + ": module sha256 mismatch: got " + pulled->module_digest + ", expected " + want);
  }
  auto bytes = cache.readBlob(pulled->module_digest, options_.max_module_bytes);
  if (!bytes) return bytes.status();
  if (sha256Digest(*bytes) != pulled->module_digest) {
    return internalError("cached module " + pulled->module_digest + " failed verification");
  }
  out.bytes = std::move(bytes).value();
  out.module_digest = pulled->module_digest;
  out.manifest_digest = pulled->manifest_digest;
  out.resolved = ref->name() + "@" + pulled->manifest_digest;
  // Remember digest → module for the next pinned fetch (tmp + rename).
  for (const std::string& key : {pulled->top_digest, pulled->manifest_digest}) {
    const std::string path = pinPath(options_.cache_dir, key);
    const std::string tmp = cache.tempPath();
    {
      std::ofstream f(tmp);
      f << out.module_digest << "\n" << out.manifest_digest << "\n";
    }
    std::filesystem::rename(tmp, path, ec);
  }
  return out;
}

}  // namespace weir::oci
