// weir pull REF [-o FILE.wasm] — fetch a filter image in any supported
// format into the local store (and optionally write the module out).
#include <cstdio>
#include <fstream>

#include "cli/command.h"
#include "cli/oci_common.h"
#include "oci/pull.h"
#include "oci/reference.h"

namespace {

using namespace weir;

constexpr const char* kUsage =
    "usage: weir pull REF [-o FILE.wasm] [options]\n"
    "  REF: registry/repository:tag or registry/repository@sha256:... (oci:// optional)\n"
    "  Reads weir/wasme \"oci\" images, Istio \"compat\" images (plugin.wasm in the last\n"
    "  tar+gzip layer), wasm-to-oci and CNCF application/wasm artifacts, and image indexes.\n"
    "  -o FILE             also write the module to FILE\n"
    "  --max-size BYTES    largest module accepted (default 256 MiB)\n";

int runPull(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  std::string out;
  std::string max_size;
  bool help = false;
  bool ok = flags.parse(args, [&](const std::string& a, const std::string* next) -> int {
    if (a == "-h" || a == "--help") return help = true, 1;
    if (a == "-o" || a == "--output") {
      if (!next) return -1;
      out = *next;
      return 2;
    }
    if (a == "--max-size") {
      if (!next) return -1;
      max_size = *next;
      return 2;
    }
    return 0;
  });
  if (help) {
    std::printf("%s%s", kUsage, cli::kCommonOciFlags);
    return 0;
  }
  if (!ok || flags.positional.size() != 1) {
    if (!flags.error.empty()) std::fprintf(stderr, "weir pull: %s\n", flags.error.c_str());
    std::fprintf(stderr, "%s%s", kUsage, cli::kCommonOciFlags);
    return 2;
  }
  auto ref = oci::parseReference(flags.positional[0]);
  if (!ref) {
    std::fprintf(stderr, "weir pull: %s\n", ref.status().message().c_str());
    return 2;
  }
  uint64_t max = 256ull << 20;
  if (!max_size.empty()) max = std::strtoull(max_size.c_str(), nullptr, 10);
  oci::Store store(flags.store);
  oci::RegistryClient client(ref->registry, flags.clientOptions());
  auto pulled = oci::pullImage(client, *ref, store, max);
  if (!pulled) {
    std::fprintf(stderr, "weir pull: %s\n", pulled.status().message().c_str());
    return 1;
  }
  oci::StoreEntry e{ref->str(), pulled->manifest_digest, pulled->manifest_media_type,
                    static_cast<int64_t>(pulled->manifest.size()), pulled->module_digest,
                    static_cast<int64_t>(pulled->module_size), oci::wasmFormatName(pulled->format)};
  if (auto s = store.setRef(e); !s.isOk()) {
    std::fprintf(stderr, "weir pull: %s\n", s.message().c_str());
    return 1;
  }
  if (!out.empty()) {
    auto bytes = store.readBlob(pulled->module_digest, max);
    if (!bytes) {
      std::fprintf(stderr, "weir pull: %s\n", bytes.status().message().c_str());
      return 1;
    }
    const std::string tmp = out + ".part";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
      if (!f) {
        std::fprintf(stderr, "weir pull: cannot write %s\n", out.c_str());
        return 1;
      }
    }
    std::rename(tmp.c_str(), out.c_str());
  }
  std::printf("pulled %s\n", ref->str().c_str());
  std::printf("format:          %s\n", oci::wasmFormatName(pulled->format));
  if (pulled->top_digest != pulled->manifest_digest) std::printf("index digest:    %s\n", pulled->top_digest.c_str());
  std::printf("manifest digest: %s\n", pulled->manifest_digest.c_str());
  std::printf("module digest:   %s (%llu bytes)\n", pulled->module_digest.c_str(),
              static_cast<unsigned long long>(pulled->module_size));
  if (!out.empty()) std::printf("wrote %s\n", out.c_str());
  return 0;
}

weir::cli::CommandRegistration reg("pull", "fetch a filter image (any Wasm OCI format) into the local store", runPull);

}  // namespace
