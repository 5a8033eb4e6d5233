#include "oci/pull.h"

#include <unistd.h>

#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/media_types.h"

namespace weir::oci {

Result<PulledImage> pullImage(RegistryClient& client, const Reference& ref, Store& store, uint64_t max_module_bytes) {
  WEIR_RETURN_IF_ERROR(store.init());
  PulledImage out;
  auto top = client.getManifest(ref.repository, ref.identifier());
  if (!top) return top.status();
  auto parsed = parseManifest(top->bytes, top->media_type);
  if (!parsed) return invalidArgument(ref.str() + ": " + parsed.status().message());
  out.top_digest = top->digest;
  out.top_media_type = parsed->media_type;
  FetchedManifest image = std::move(top).value();
  Manifest m = std::move(parsed).value();
  if (m.isIndex()) {
    WEIR_RETURN_IF_ERROR(store.writeBlob(image.bytes).status());
    auto pick = selectFromIndex(m);
    if (!pick) return invalidArgument(ref.str() + ": " + pick.status().message());
    auto child = client.getManifest(ref.repository, pick->digest);
    if (!child) return child.status();
    auto cm = parseManifest(child->bytes, child->media_type);
    if (!cm) return invalidArgument(ref.str() + "@" + pick->digest + ": " + cm.status().message());
    if (cm->isIndex()) return invalidArgument(ref.str() + ": nested image indexes are not followed");
    image = std::move(child).value();
    m = std::move(cm).value();
  }
  out.manifest_digest = image.digest;
  out.manifest_media_type = m.media_type;
  out.manifest = image.bytes;
  auto layer = findModuleLayer(m);
  if (!layer) return invalidArgument(ref.str() + ": " + layer.status().message());
  out.format = layer->format;
  if (layer->layer.size < 0 || static_cast<uint64_t>(layer->layer.size) > max_module_bytes) {
    return resourceExhausted(ref.str() + ": module layer of " + std::to_string(layer->layer.size) +
                             " bytes exceeds the limit of " + std::to_string(max_module_bytes));
  }
  // Config: small, kept for inspect (the empty descriptor may be inline-only).
  if (m.config.digest == media::kEmptyDigest) {
    out.config = "{}";
  } else if (m.config.size <= 1024 * 1024) {
    auto cfg = store.hasBlob(m.config.digest) ? store.readBlob(m.config.digest, 1024 * 1024)
                                              : client.getBlob(ref.repository, m.config.digest, 1024 * 1024);
    if (!cfg) return cfg.status();
    out.config = std::move(cfg).value();
    WEIR_RETURN_IF_ERROR(store.writeBlob(out.config).status());
  }
  const std::string& ld = layer->layer.digest;
  if (!store.hasBlob(ld)) {
    const std::string tmp = store.tempPath();
    Status s = client.downloadBlob(ref.repository, ld, layer->layer.size, tmp);
    if (!s.isOk()) {
      ::unlink(tmp.c_str());
      return s;
    }
    WEIR_RETURN_IF_ERROR(store.importFile(tmp, ld));
  }
  if (layer->format == WasmFormat::kCompat) {
    auto module = extractCompatModule(store.blobPath(ld), max_module_bytes);
    if (!module) return Status(module.status().code(), ref.str() + ": " + module.status().message());
    if (!looksLikeWasm(*module)) return invalidArgument(ref.str() + ": plugin.wasm is not a WebAssembly module");
    auto d = store.writeBlob(*module);
    if (!d) return d.status();
    out.module_digest = *d;
    out.module_size = module->size();
  } else {
    auto head = store.readBlob(ld, static_cast<size_t>(max_module_bytes));
    if (!head) return head.status();
    if (!looksLikeWasm(*head)) return invalidArgument(ref.str() + ": module layer is not a WebAssembly module");
    out.module_digest = ld;
    out.module_size = head->size();
  }
  WEIR_RETURN_IF_ERROR(store.writeBlob(image.bytes).status());
  return out;
}

}  // namespace weir::oci
