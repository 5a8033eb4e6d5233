#include "oci/manifest.h"

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/media_types.h"

namespace weir::oci {

namespace {

using nlohmann::json;

bool isRestrictedNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' || c == '#' ||
         c == '$' || c == '&' || c == '-' || c == '^' || c == '_' || c == '.' || c == '+';
}

Result<std::map<std::string, std::string>> parseAnnotations(const json& j, std::string_view where) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return invalidArgument(std::string(where) + ".annotations must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) return invalidArgument(std::string(where) + ".annotations values must be strings");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

Result<Descriptor> parseDescriptor(const json& j, const std::string& where) {
  if (!j.is_object()) return invalidArgument(where + " must be an object");
  Descriptor d;
  auto mt = j.find("mediaType");
  if (mt == j.end() || !mt->is_string()) return invalidArgument(where + ".mediaType missing");
  d.media_type = mt->get<std::string>();
  if (!isValidMediaType(d.media_type)) return invalidArgument(where + ".mediaType invalid: " + d.media_type);
  auto dg = j.find("digest");
  if (dg == j.end() || !dg->is_string()) return invalidArgument(where + ".digest missing");
  d.digest = dg->get<std::string>();
  if (!isValidDigest(d.digest)) return invalidArgument(where + ".digest invalid: " + d.digest.substr(0, 140));
  auto sz = j.find("size");
  if (sz == j.end() || !sz->is_number_integer()) return invalidArgument(where + ".size missing or not an integer");
  d.size = sz->get<int64_t>();
  if (d.size < 0) return invalidArgument(where + ".size is negative");
  if (auto at = j.find("artifactType"); at != j.end()) {
    if (!at->is_string() || !isValidMediaType(at->get<std::string>())) return invalidArgument(where + ".artifactType invalid");
    d.artifact_type = at->get<std::string>();
  }
  if (auto an = j.find("annotations"); an != j.end() && !an->is_null()) {
    auto a = parseAnnotations(*an, where);
    if (!a) return a.status();
    d.annotations = std::move(a).value();
  }
  if (auto u = j.find("urls"); u != j.end() && !u->is_null()) {
    if (!u->is_array()) return invalidArgument(where + ".urls must be an array");
    for (const auto& e : *u) {
      if (!e.is_string()) return invalidArgument(where + ".urls must hold strings");
      d.urls.push_back(e.get<std::string>());
    }
  }
  if (auto p = j.find("platform"); p != j.end() && !p->is_null()) {
    if (!p->is_object()) return invalidArgument(where + ".platform must be an object");
    Platform pl;
    if (auto a = p->find("architecture"); a != p->end() && a->is_string()) pl.architecture = a->get<std::string>();
    if (auto o = p->find("os"); o != p->end() && o->is_string()) pl.os = o->get<std::string>();
    if (auto v = p->find("variant"); v != p->end() && v->is_string()) pl.variant = v->get<std::string>();
    d.platform = pl;
  }
  if (auto data = j.find("data"); data != j.end() && !data->is_string()) return invalidArgument(where + ".data must be a string");
  return d;
}

std::string_view stripParams(std::string_view ct) {
  auto semi = ct.find(';');
  ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  return ct;
}

}  // namespace

std::string Manifest::effectiveArtifactType() const {
  if (!artifact_type.empty()) return artifact_type;
  if (kind == Kind::kImage) return config.media_type;
  return "";
}

bool isManifestMediaType(std::string_view m) {
  return m == media::kOciManifest || m == media::kDockerManifest || m == media::kOciIndex ||
         m == media::kDockerManifestList;
}

bool isIndexMediaType(std::string_view m) { return m == media::kOciIndex || m == media::kDockerManifestList; }

bool isValidMediaType(std::string_view m) {
  auto slash = m.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= m.size() || m.size() > 255) return false;
  for (size_t i = 0; i < m.size(); ++i) {
    if (i == slash) continue;
    if (!isRestrictedNameChar(m[i])) return false;
  }
  return isRestrictedNameChar(m[0]) && isRestrictedNameChar(m[slash + 1]);
}

Result<Manifest> parseManifest(std::string_view bytes, std::string_view content_type_in) {
  if (bytes.size() > kMaxManifestBytes) return invalidArgument("manifest larger than 4 MiB");
  std::string_view content_type = stripParams(content_type_in);
  json j;
  bool too_deep = false;
  try {
    // The callback sees every depth change; deeper documents are refused
    // (discarding also keeps nlohmann from building the deep tree at all).
    json::parser_callback_t cb = [&too_deep](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth) {
        too_deep = true;
        return false;
      }
      return true;
    };
    j = json::parse(bytes.begin(), bytes.end(), cb, /*allow_exceptions=*/true);
  } catch (const json::exception& e) {
    return invalidArgument(std::string("manifest is not valid JSON: ") + e.what());
  }
  if (too_deep) return invalidArgument("manifest nests deeper than 64 levels");
  if (!j.is_object()) return invalidArgument("manifest must be a JSON object");
  auto sv = j.find("schemaVersion");
  if (sv == j.end() || !sv->is_number_integer() || sv->get<int64_t>() != 2) {
    return invalidArgument("schemaVersion must be 2 (Docker schema 1 is not supported)");
  }
  Manifest m;
  std::string field_type;
  if (auto mt = j.find("mediaType"); mt != j.end()) {
    if (!mt->is_string()) return invalidArgument("mediaType must be a string");
    field_type = mt->get<std::string>();
  }
  if (!field_type.empty() && !content_type.empty() && field_type != content_type &&
      content_type != "application/json" && content_type != "application/octet-stream") {
    return invalidArgument("Content-Type " + std::string(content_type) + " does not match mediaType " + field_type);
  }
  if (!field_type.empty()) {
    m.media_type = field_type;
  } else if (isManifestMediaType(content_type)) {
    m.media_type = std::string(content_type);
  } else if (j.contains("manifests")) {
    m.media_type = std::string(media::kOciIndex);
  } else {
    m.media_type = std::string(media::kOciManifest);
  }
  if (!isManifestMediaType(m.media_type)) return invalidArgument("unsupported manifest media type: " + m.media_type);
  m.kind = isIndexMediaType(m.media_type) ? Manifest::Kind::kIndex : Manifest::Kind::kImage;

  if (auto at = j.find("artifactType"); at != j.end()) {
    if (!at->is_string() || !isValidMediaType(at->get<std::string>())) return invalidArgument("artifactType invalid");
    m.artifact_type = at->get<std::string>();
  }
  if (auto an = j.find("annotations"); an != j.end() && !an->is_null()) {
    auto a = parseAnnotations(*an, "manifest");
    if (!a) return a.status();
    m.annotations = std::move(a).value();
  }
  if (auto s = j.find("subject"); s != j.end() && !s->is_null()) {
    auto d = parseDescriptor(*s, "subject");
    if (!d) return d.status();
    m.subject = std::move(d).value();
  }
  if (m.kind == Manifest::Kind::kImage) {
    if (j.contains("manifests")) return invalidArgument("an image manifest must not have 'manifests'");
    auto c = j.find("config");
    if (c == j.end()) return invalidArgument("config missing");
    auto d = parseDescriptor(*c, "config");
    if (!d) return d.status();
    m.config = std::move(d).value();
    auto layers = j.find("layers");
    if (layers != j.end() && !layers->is_null()) {
      if (!layers->is_array()) return invalidArgument("layers must be an array");
      size_t i = 0;
      for (const auto& l : *layers) {
        auto ld = parseDescriptor(l, "layers[" + std::to_string(i++) + "]");
        if (!ld) return ld.status();
        m.layers.push_back(std::move(ld).value());
      }
    } else if (m.media_type == media::kDockerManifest) {
      return invalidArgument("layers missing");
    }
  } else {
    auto ms = j.find("manifests");
    if (ms == j.end() || !ms->is_array()) return invalidArgument("manifests missing or not an array");
    size_t i = 0;
    for (const auto& e : *ms) {
      auto d = parseDescriptor(e, "manifests[" + std::to_string(i++) + "]");
      if (!d) return d.status();
      m.manifests.push_back(std::move(d).value());
    }
  }
  return m;
}

std::string descriptorJson(const Descriptor& d) {
  json j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  return j.dump();
}

}  // namespace weir::oci
