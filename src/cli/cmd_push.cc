// weir push FILE.wasm REF — package a module as an OCI 1.1 artifact and push
// it; weir push REF — push an image already in the local store.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/command.h"
#include "cli/module_info.h"
#include "cli/oci_common.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/reference.h"
#include "oci/local_image.h"
#include "oci/wasm_image.h"

namespace {

using namespace weir;

constexpr const char* kUsage =
    "usage: weir push FILE.wasm REF [options]   package and push a module\n"
    "       weir push REF [options]             push an image from the local store\n"
    "  REF is registry/repository[:tag] (oci:// optional), e.g. localhost:5000/team/auth:v1\n"
    "  --root-id ID        a root id the filter serves (repeatable)\n"
    "  --abi VERSION       ABI version (repeatable; default: detected from the module's\n"
    "                      proxy_abi_version_* exports)\n"
    "  --language L        source language (rust, cpp, go, assemblyscript, ...)\n"
    "  --sdk S             SDK and version\n"
    "  --version V         org.opencontainers.image.version\n"
    "  --source URL        org.opencontainers.image.source\n"
    "  --description D     org.opencontainers.image.description\n"
    "  --readme FILE       Markdown README shown on the hub's repository page (at most 64 KiB)\n";

int fail(const std::string& msg) {
  std::fprintf(stderr, "weir push: %s\n", msg.c_str());
  return 1;
}

int runPush(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  oci::WasmArtifactInfo info;
  std::vector<std::string> abis;
  std::string readme_path;
  bool help = false;
  bool ok = flags.parse(args, [&](const std::string& a, const std::string* next) -> int {
    auto take = [next](std::string& out) { return cli::takeValue(next, out); };
    std::string v;
    if (a == "-h" || a == "--help") return help = true, 1;
    if (a == "--root-id") { int n = take(v); if (n > 0) info.root_ids.push_back(v); return n; }
    if (a == "--abi") { int n = take(v); if (n > 0) abis.push_back(v); return n; }
    if (a == "--language") return take(info.language);
    if (a == "--sdk") return take(info.sdk);
    if (a == "--version") return take(info.version);
    if (a == "--source") return take(info.source);
    if (a == "--description") return take(info.description);
    if (a == "--readme") return take(readme_path);
    return 0;
  });
  if (help) {
    std::printf("%s%s", kUsage, cli::kCommonOciFlags);
    return 0;
  }
  if (!ok || flags.positional.empty() || flags.positional.size() > 2) {
    if (!flags.error.empty()) std::fprintf(stderr, "weir push: %s\n", flags.error.c_str());
    std::fprintf(stderr, "%s%s", kUsage, cli::kCommonOciFlags);
    return 2;
  }
  const std::string ref_text = flags.positional.back();
  auto ref = oci::parseReference(ref_text);
  if (!ref) return fail(ref.status().message());
  if (ref->tag.empty()) return fail("push needs a tag (REF:tag)");
  oci::Store store(flags.store);
  if (auto s = store.init(); !s.isOk()) return fail(s.message());

  std::string manifest, module_digest, manifest_media_type = std::string(oci::media::kOciManifest);
  if (flags.positional.size() == 2) {
    const std::string& file = flags.positional[0];
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail("cannot read " + file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    auto detected = cli::proxyWasmAbiVersions(bytes);
    if (!detected) return fail(file + " is " + detected.status().message());
    info.abi_versions = abis.empty() ? *detected : abis;
    if (info.abi_versions.empty()) {
      std::fprintf(stderr, "weir push: warning: %s exports no proxy_abi_version_* (not a Proxy-Wasm filter?)\n",
                   file.c_str());
    }
    if (!readme_path.empty()) {
      std::ifstream rin(readme_path, std::ios::binary);
      if (!rin) return fail("cannot read " + readme_path);
      std::stringstream rs;
      rs << rin.rdbuf();
      info.readme = rs.str();
      // The hub renders at most 64 KiB; a larger README would only bloat the manifest.
      if (info.readme.size() > 64 * 1024) return fail(readme_path + " is larger than 64 KiB");
    }
    auto slash = file.rfind('/');
    info.title = slash == std::string::npos ? file : file.substr(slash + 1);
    auto art = oci::storeWasmImage(store, *ref, bytes, info);
    if (!art) return fail(art.status().message());
    manifest = art->manifest;
    module_digest = art->module_digest;
  } else {
    auto image = oci::readLocalImage(store, *ref);
    if (!image) return fail(image.status().message());
    manifest = image->manifest;
    manifest_media_type = image->entry.media_type;
    module_digest = image->entry.module_digest;
  }
  auto parsed = oci::parseManifest(manifest, manifest_media_type);
  if (!parsed) return fail("stored manifest is invalid: " + parsed.status().message());
  if (parsed->isIndex()) return fail("pushing an image index is not supported");
  oci::RegistryClient client(ref->registry, flags.clientOptions());
  std::vector<oci::Descriptor> uploads = parsed->layers;
  uploads.insert(uploads.begin(), parsed->config);
  for (const auto& d : uploads) {
    if (!store.hasBlob(d.digest)) return fail("blob " + d.digest + " missing from the local store");
    if (!flags.quiet) std::fprintf(stderr, "pushing %s (%lld bytes)\n", d.digest.c_str(), static_cast<long long>(d.size));
    auto s = client.pushBlob(ref->repository, d.digest, d.size, store.blobPath(d.digest));
    if (!s.isOk()) return fail(s.message());
  }
  auto digest = client.putManifest(ref->repository, ref->tag, manifest, manifest_media_type);
  if (!digest) return fail(digest.status().message());
  std::printf("pushed %s\n", ref->str().c_str());
  std::printf("manifest digest: %s\n", digest->c_str());
  std::printf("module digest:   %s\n", module_digest.c_str());
  std::printf("pin with:        %s@%s\n", ref->name().c_str(), digest->c_str());
  return 0;
}

weir::cli::CommandRegistration reg("push", "package a .wasm filter as an OCI artifact and push it", runPush);

}  // namespace
