#include "oci/wasm_image.h"

#include <zlib.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/media_types.h"

namespace weir::oci {

namespace {
using nlohmann::json;

bool isRawWasmLayer(std::string_view mt, WasmFormat& f) {
  if (mt == media::kWasmLayerV1) {
    f = WasmFormat::kWasmOciVariant;
    return true;
  }
  if (mt == media::kWasmToOciLayer) {
    f = WasmFormat::kWasmToOci;
    return true;
  }
  if (mt == media::kCncfWasmLayer) {
    f = WasmFormat::kCncf;
    return true;
  }
  return false;
}

bool isTarGzLayer(std::string_view mt) {
  return mt == media::kOciLayerTarGzip || mt == media::kDockerLayerTarGzip;
}

std::vector<std::string> stringArray(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}
}  // namespace

const char* wasmFormatName(WasmFormat f) {
  switch (f) {
    case WasmFormat::kWasmOciVariant: return "wasm oci variant (application/vnd.module.wasm.content.layer.v1+wasm)";
    case WasmFormat::kWasmToOci: return "wasm-to-oci (application/vnd.wasm.content.layer.v1+wasm)";
    case WasmFormat::kCncf: return "CNCF wasm artifact (application/wasm)";
    case WasmFormat::kCompat: return "compat (plugin.wasm in the last tar+gzip layer)";
  }
  return "unknown";
}

bool looksLikeWasm(std::string_view b) { return b.size() >= 8 && std::memcmp(b.data(), "\0asm\1\0\0\0", 8) == 0; }

std::vector<std::string> abiVersionsFromExports(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (n.rfind("proxy_abi_version_", 0) == 0) out.push_back(n);
  }
  return out;
}

BuiltArtifact buildWasmArtifact(const std::string& module_bytes, const WasmArtifactInfo& info) {
  BuiltArtifact a;
  json cfg{{"type", info.runtime_type}, {"abiVersions", info.abi_versions}, {"config", {{"rootIds", info.root_ids}}}};
  if (!info.language.empty()) cfg["language"] = info.language;
  if (!info.sdk.empty()) cfg["sdk"] = info.sdk;
  // Also at top level: readers of the CNCF / newer layouts look there.
  cfg["rootIds"] = info.root_ids;
  a.config = cfg.dump();
  a.config_digest = sha256Digest(a.config);
  a.module_digest = sha256Digest(module_bytes);
  json layer{{"mediaType", media::kWasmLayerV1},
             {"digest", a.module_digest},
             {"size", module_bytes.size()},
             {"annotations", {{"org.opencontainers.image.title", info.title}}}};
  json ann{{"org.opencontainers.image.title", info.title}};
  if (!info.version.empty()) ann["org.opencontainers.image.version"] = info.version;
  if (!info.source.empty()) ann["org.opencontainers.image.source"] = info.source;
  if (!info.description.empty()) ann["org.opencontainers.image.description"] = info.description;
  if (!info.readme.empty()) ann[kReadmeAnnotation] = info.readme;
  ann["module.wasm.runtime/type"] = info.runtime_type;
  std::string abis;
  for (const auto& v : info.abi_versions) abis += (abis.empty() ? "" : ",") + v;
  ann["module.wasm.runtime/abi_version"] = abis;
  json m{{"schemaVersion", 2},
         {"mediaType", media::kOciManifest},
         {"artifactType", media::kWeirArtifactType},
         {"config", {{"mediaType", media::kWasmConfigV1}, {"digest", a.config_digest}, {"size", a.config.size()}}},
         {"layers", json::array({layer})},
         {"annotations", ann}};
  a.manifest = m.dump();
  a.manifest_digest = sha256Digest(a.manifest);
  return a;
}

Result<ModuleLayer> findModuleLayer(const Manifest& m) {
  if (m.isIndex()) return invalidArgument("an image index has no layers (resolve it first)");
  std::optional<ModuleLayer> found;
  for (const auto& l : m.layers) {
    WasmFormat f;
    if (isRawWasmLayer(l.media_type, f)) {
      if (found) return invalidArgument("manifest has more than one Wasm module layer");
      found = ModuleLayer{f, l};
    }
  }
  if (found) return *found;
  if (!m.layers.empty() && isTarGzLayer(m.layers.back().media_type)) {
    return ModuleLayer{WasmFormat::kCompat, m.layers.back()};
  }
  std::string types;
  for (const auto& l : m.layers) types += (types.empty() ? "" : ", ") + l.media_type;
  return invalidArgument("no Wasm module layer in the manifest (layers: " + (types.empty() ? "none" : types) + ")");
}

Result<Descriptor> selectFromIndex(const Manifest& index) {
  if (index.manifests.empty()) return invalidArgument("image index has no manifests");
  for (const auto& d : index.manifests) {
    if (d.platform && d.platform->architecture == "wasm") return d;
  }
  for (const auto& d : index.manifests) {
    if (d.artifact_type == media::kWeirArtifactType || d.artifact_type == media::kWasmConfigV1 ||
        d.artifact_type == media::kCncfWasmConfig || d.artifact_type == media::kWasmToOciConfig) {
      return d;
    }
  }
  if (index.manifests.size() == 1) return index.manifests.front();
  for (const auto& d : index.manifests) {
    if (d.platform && d.platform->os == "linux" && d.platform->architecture == "amd64") return d;
  }
  return index.manifests.front();
}

Result<std::string> extractCompatModule(const std::string& path, uint64_t max_bytes) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) return ioError("open " + path);
  auto readExact = [&](char* buf, size_t n) -> bool {
    size_t got = 0;
    while (got < n) {
      int r = gzread(gz, buf + got, static_cast<unsigned>(std::min<size_t>(n - got, 1 << 20)));
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  };
  std::string long_name;
  char header[512];
  Status err = notFound("no plugin.wasm in the compat layer");
  for (int entries = 0; entries < 100000; ++entries) {
    if (!readExact(header, 512)) break;
    bool zero = true;
    for (char c : header) zero &= c == 0;
    if (zero) break;
    std::string name(header, strnlen(header, 100));
    std::string prefix(header + 345, strnlen(header + 345, 155));
    if (header[257] == 'u' && std::memcmp(header + 257, "ustar", 5) == 0 && !prefix.empty()) name = prefix + "/" + name;
    if (!long_name.empty()) {
      name = long_name;
      long_name.clear();
    }
    // size: octal, or base-256 when the high bit is set
    uint64_t size = 0;
    if (static_cast<unsigned char>(header[124]) & 0x80) {
      for (int i = 125; i < 136; ++i) size = (size << 8) | static_cast<unsigned char>(header[i]);
    } else {
      for (int i = 124; i < 136 && header[i]; ++i) {
        if (header[i] == ' ') continue;
        if (header[i] < '0' || header[i] > '7') {
          gzclose(gz);
          return invalidArgument("compat layer: corrupt tar header");
        }
        size = size * 8 + static_cast<uint64_t>(header[i] - '0');
      }
    }
    const char type = header[156];
    const uint64_t padded = (size + 511) / 512 * 512;
    if (type == 'L') {  // GNU long name
      if (size > 4096) {
        gzclose(gz);
        return invalidArgument("compat layer: long name too long");
      }
      std::string buf(padded, '\0');
      if (!readExact(buf.data(), padded)) break;
      long_name = std::string(buf.c_str());
      continue;
    }
    std::string base = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
    if ((type == '0' || type == '\0') && base == "plugin.wasm") {
      if (size > max_bytes) {
        gzclose(gz);
        return resourceExhausted("plugin.wasm larger than " + std::to_string(max_bytes) + " bytes");
      }
      std::string out(size, '\0');
      if (!readExact(out.data(), size)) {
        gzclose(gz);
        return invalidArgument("compat layer: truncated plugin.wasm");
      }
      gzclose(gz);
      return out;
    }
    // skip the entry's data
    std::string skip(64 * 1024, '\0');
    uint64_t left = padded;
    while (left > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(left, skip.size()));
      if (!readExact(skip.data(), k)) {
        gzclose(gz);
        return invalidArgument("compat layer: truncated tar");
      }
      left -= k;
    }
  }
  gzclose(gz);
  return err;
}

WasmConfigInfo parseWasmConfig(const std::string& bytes) {
  WasmConfigInfo info;
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object()) return info;
  info.abi_versions = stringArray(j, "abiVersions");
  if (info.abi_versions.empty()) info.abi_versions = stringArray(j, "abi_version");
  if (auto c = j.find("config"); c != j.end() && c->is_object()) {
    info.root_ids = stringArray(*c, "rootIds");
    if (info.root_ids.empty()) info.root_ids = stringArray(*c, "root_ids");
  }
  if (info.root_ids.empty()) info.root_ids = stringArray(j, "rootIds");
  if (auto t = j.find("type"); t != j.end() && t->is_string()) info.type = t->get<std::string>();
  if (auto l = j.find("language"); l != j.end() && l->is_string()) info.language = l->get<std::string>();
  if (auto s = j.find("sdk"); s != j.end() && s->is_string()) info.sdk = s->get<std::string>();
  return info;
}

}  // namespace weir::oci
