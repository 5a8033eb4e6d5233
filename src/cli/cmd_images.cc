// weir images / tag / rmi / inspect — the local store (an OCI image layout),
// and inspect of remote references.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/oci_common.h"
#include "oci/manifest.h"
#include "oci/reference.h"
#include "oci/wasm_image.h"

namespace {

using namespace weir;
using nlohmann::json;

int usage(const char* text, const cli::OciFlags& flags, bool help) {
  if (!help && !flags.error.empty()) std::fprintf(stderr, "weir: %s\n", flags.error.c_str());
  std::fprintf(help ? stdout : stderr, "%s%s", text, cli::kCommonOciFlags);
  return help ? 0 : 2;
}

auto helpFlag(bool& help) {
  return [&help](const std::string& a, const std::string*) -> int {
    if (a == "-h" || a == "--help") return help = true, 1;
    return 0;
  };
}

std::string canonical(const std::string& text) {
  auto r = oci::parseReference(text);
  return r ? r->str() : text;
}

int runImages(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  bool help = false;
  if (!flags.parse(args, helpFlag(help)) || help || !flags.positional.empty()) {
    return usage("usage: weir images [options]\n  Lists the local store.\n", flags, help);
  }
  oci::Store store(flags.store);
  auto list = store.list();
  if (!list) {
    std::fprintf(stderr, "weir images: %s\n", list.status().message().c_str());
    return 1;
  }
  std::printf("%-48s %-14s %-14s %10s  %s\n", "REFERENCE", "MANIFEST", "MODULE", "SIZE", "ABI");
  for (const auto& e : *list) {
    std::string abi;
    if (auto m = store.readBlob(e.manifest_digest, oci::kMaxManifestBytes)) {
      if (auto pm = oci::parseManifest(*m, e.media_type); pm && !pm->isIndex()) {
        if (auto c = store.readBlob(pm->config.digest, 1 << 20)) {
          for (const auto& v : oci::parseWasmConfig(*c).abi_versions) abi += (abi.empty() ? "" : ",") + v;
        }
      }
    }
    std::printf("%-48s %-14s %-14s %10lld  %s\n", e.ref.c_str(), cli::shortDigest(e.manifest_digest).c_str(),
                cli::shortDigest(e.module_digest).c_str(), static_cast<long long>(e.module_size),
                abi.empty() ? "-" : abi.c_str());
  }
  return 0;
}

int runTag(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  bool help = false;
  if (!flags.parse(args, helpFlag(help)) || help || flags.positional.size() != 2) {
    return usage("usage: weir tag SOURCE TARGET [options]\n  Gives a stored image another reference.\n", flags, help);
  }
  oci::Store store(flags.store);
  auto target = oci::parseReference(flags.positional[1]);
  if (!target || target->tag.empty()) {
    std::fprintf(stderr, "weir tag: invalid target %s\n", flags.positional[1].c_str());
    return 2;
  }
  auto e = store.getRef(canonical(flags.positional[0]));
  if (!e || !*e) {
    std::fprintf(stderr, "weir tag: %s is not in the local store\n", flags.positional[0].c_str());
    return 1;
  }
  oci::StoreEntry copy = **e;
  copy.ref = target->str();
  if (auto s = store.setRef(copy); !s.isOk()) {
    std::fprintf(stderr, "weir tag: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("%s -> %s\n", copy.ref.c_str(), copy.manifest_digest.c_str());
  return 0;
}

int runRmi(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  bool help = false;
  if (!flags.parse(args, helpFlag(help)) || help || flags.positional.empty()) {
    return usage("usage: weir rmi REF... [options]\n  Removes references from the local store and the blobs\n"
                 "  no remaining reference uses.\n",
                 flags, help);
  }
  oci::Store store(flags.store);
  int rc = 0;
  for (const auto& r : flags.positional) {
    auto removed = store.removeRef(canonical(r));
    if (!removed || !*removed) {
      std::fprintf(stderr, "weir rmi: %s is not in the local store\n", r.c_str());
      rc = 1;
    } else {
      std::printf("untagged %s\n", canonical(r).c_str());
    }
  }
  auto pruned = store.prune();
  if (pruned && *pruned) std::printf("deleted %zu blobs\n", *pruned);
  return rc;
}

int runInspect(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  bool help = false;
  bool remote = false;
  bool ok = flags.parse(args, [&](const std::string& a, const std::string*) -> int {
    if (a == "-h" || a == "--help") return help = true, 1;
    if (a == "--remote") return remote = true, 1;
    return 0;
  });
  if (!ok || help || flags.positional.size() != 1) {
    return usage("usage: weir inspect REF [--remote] [options]\n"
                 "  Shows manifest, config, ABI versions, root ids, sizes, the manifest digest and\n"
                 "  the module digest. Reads the local store, or the registry with --remote (or\n"
                 "  when the store does not have REF).\n",
                 flags, help);
  }
  auto ref = oci::parseReference(flags.positional[0]);
  if (!ref) {
    std::fprintf(stderr, "weir inspect: %s\n", ref.status().message().c_str());
    return 2;
  }
  oci::Store store(flags.store);
  std::string manifest, media_type, manifest_digest, config, module_digest, where = "local store";
  int64_t module_size = -1;
  std::optional<oci::StoreEntry> entry;
  if (!remote) {
    if (auto e = store.getRef(ref->str()); e && *e) entry = **e;
  }
  std::optional<oci::RegistryClient> client;
  if (entry) {
    auto m = store.readBlob(entry->manifest_digest, oci::kMaxManifestBytes);
    if (!m) {
      std::fprintf(stderr, "weir inspect: %s\n", m.status().message().c_str());
      return 1;
    }
    manifest = *m;
    media_type = entry->media_type;
    manifest_digest = entry->manifest_digest;
    module_digest = entry->module_digest;
    module_size = entry->module_size;
  } else {
    where = "registry " + ref->registry;
    client.emplace(ref->registry, flags.clientOptions());
    auto m = client->getManifest(ref->repository, ref->identifier());
    if (!m) {
      std::fprintf(stderr, "weir inspect: %s\n", m.status().message().c_str());
      return 1;
    }
    manifest = m->bytes;
    media_type = m->media_type;
    manifest_digest = m->digest;
  }
  auto pm = oci::parseManifest(manifest, media_type);
  if (!pm) {
    std::fprintf(stderr, "weir inspect: invalid manifest: %s\n", pm.status().message().c_str());
    return 1;
  }
  std::printf("reference:       %s (%s)\n", ref->str().c_str(), where.c_str());
  std::printf("manifest digest: %s\n", manifest_digest.c_str());
  std::printf("media type:      %s\n", pm->media_type.c_str());
  if (!pm->artifact_type.empty()) std::printf("artifact type:   %s\n", pm->artifact_type.c_str());
  if (!pm->isIndex()) {
    if (store.hasBlob(pm->config.digest)) {
      if (auto c = store.readBlob(pm->config.digest, 1 << 20)) config = *c;
    } else if (client && pm->config.size <= (1 << 20)) {
      if (auto c = client->getBlob(ref->repository, pm->config.digest, 1 << 20)) config = *c;
    }
    auto layer = oci::findModuleLayer(*pm);
    if (layer) {
      std::printf("format:          %s\n", oci::wasmFormatName(layer->format));
      if (module_digest.empty() && layer->format != oci::WasmFormat::kCompat) {
        module_digest = layer->layer.digest;
        module_size = layer->layer.size;
      }
    } else {
      std::printf("format:          not a Wasm filter image (%s)\n", layer.status().message().c_str());
    }
    std::printf("module digest:   %s\n", module_digest.empty() ? "(inside the compat layer; weir pull extracts it)"
                                                               : module_digest.c_str());
    if (module_size >= 0) std::printf("module size:     %lld bytes\n", static_cast<long long>(module_size));
    auto cfg = oci::parseWasmConfig(config);
    std::string abis, roots;
    for (const auto& v : cfg.abi_versions) abis += (abis.empty() ? "" : ", ") + v;
    for (const auto& v : cfg.root_ids) roots += (roots.empty() ? "" : ", ") + v;
    std::printf("abi versions:    %s\n", abis.empty() ? "-" : abis.c_str());
    std::printf("root ids:        %s\n", roots.empty() ? "-" : roots.c_str());
    if (!cfg.language.empty()) std::printf("language:        %s\n", cfg.language.c_str());
    if (!cfg.sdk.empty()) std::printf("sdk:             %s\n", cfg.sdk.c_str());
    int64_t total = static_cast<int64_t>(manifest.size()) + pm->config.size;
    std::printf("config:          %s (%lld bytes)\n", pm->config.digest.c_str(), static_cast<long long>(pm->config.size));
    for (const auto& l : pm->layers) {
      std::printf("layer:           %s %s (%lld bytes)\n", l.digest.c_str(), l.media_type.c_str(),
                  static_cast<long long>(l.size));
      total += l.size;
    }
    std::printf("total size:      %lld bytes\n", static_cast<long long>(total));
  }
  for (const auto& [k, v] : pm->annotations) std::printf("annotation:      %s=%s\n", k.c_str(), v.c_str());
  std::printf("\nmanifest:\n%s\n", json::parse(manifest, nullptr, false).dump(2).c_str());
  if (!config.empty()) std::printf("\nconfig:\n%s\n", json::parse(config, nullptr, false).dump(2).c_str());
  return 0;
}

weir::cli::CommandRegistration reg_images("images", "list the filter images in the local store", runImages);
weir::cli::CommandRegistration reg_tag("tag", "give a stored filter image another reference", runTag);
weir::cli::CommandRegistration reg_rmi("rmi", "remove filter images from the local store", runRmi);
weir::cli::CommandRegistration reg_inspect("inspect", "show a filter image: manifest, config, ABI, digests", runInspect);

}  // namespace
