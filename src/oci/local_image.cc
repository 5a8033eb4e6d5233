#include "oci/local_image.h"

#include "oci/manifest.h"
#include "oci/media_types.h"

namespace weir::oci {

Result<BuiltArtifact> storeWasmImage(Store& store, const Reference& ref, const std::string& module_bytes,
                                     const WasmArtifactInfo& info) {
  if (auto s = store.init(); !s.isOk()) return s;
  BuiltArtifact art = buildWasmArtifact(module_bytes, info);
  // Blobs before the reference: a reader never sees a ref to missing blobs.
  for (const std::string* blob : std::initializer_list<const std::string*>{&module_bytes, &art.config, &art.manifest}) {
    if (auto d = store.writeBlob(*blob); !d) return d.status();
  }
  StoreEntry e{ref.str(), art.manifest_digest, std::string(media::kOciManifest),
               static_cast<int64_t>(art.manifest.size()), art.module_digest,
               static_cast<int64_t>(module_bytes.size()), "weir"};
  if (auto s = store.setRef(e); !s.isOk()) return s;
  return art;
}

Result<LocalImage> readLocalImage(const Store& store, const Reference& ref) {
  auto e = store.getRef(ref.str());
  if (!e) return e.status();
  if (!*e) return notFound(ref.str() + " is not in the local store (weir images lists it)");
  auto m = store.readBlob((*e)->manifest_digest, kMaxManifestBytes);
  if (!m) return m.status();
  return LocalImage{**e, std::move(m.value())};
}

}  // namespace weir::oci
