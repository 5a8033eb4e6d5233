// weir build DIR [-t REF] — run a filter project's toolchain (weir.yaml's
// build command) and, with -t, store the module as an image in the local
// store with its metadata (ABI version from the module's exports, root ids,
// language and SDK from the project), ready for `weir push REF`.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/command.h"
#include "cli/module_info.h"
#include "cli/oci_common.h"
#include "cli/project.h"
#include "oci/local_image.h"
#include "oci/reference.h"
#include "proxywasm/plugin.h"

namespace {

using namespace weir;

constexpr const char* kUsage =
    "usage: weir build [DIR] [-t REF] [options]\n"
    "  Runs the build command of DIR/weir.yaml (default DIR: .) in DIR, checks the module\n"
    "  it writes (valid Wasm, a Proxy-Wasm ABI version) and, with -t, stores it in the local\n"
    "  store as REF (registry/repository:tag) for `weir push REF`.\n"
    "  -t, --tag REF       store the image as REF\n"
    "  --version V         org.opencontainers.image.version (default: weir.yaml's version)\n"
    "  --source URL        org.opencontainers.image.source\n";

int fail(const std::string& msg) {
  std::fprintf(stderr, "weir build: %s\n", msg.c_str());
  return 1;
}

bool onPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t colon = dirs.find(':', pos);
    std::string dir = dirs.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (!dir.empty() && ::access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  return false;
}

// The tools each language's build needs, and how to get them: checked first
// so a missing toolchain is one clear line, not a shell's "not found".
struct Tool {
  const char* name;
  const char* hint;
};
std::vector<Tool> toolsFor(const std::string& language) {
  if (language == "assemblyscript") return {{"npm", "install Node.js and npm (Debian: apt-get install npm)"}};
  if (language == "rust") {
    return {{"cargo", "install Rust (https://rustup.rs), then: rustup target add wasm32-wasip1"}};
  }
  if (language == "cpp") {
    return {{"make", "install make"},
            {"em++", "install Emscripten (https://emscripten.org, emsdk) and put em++ on PATH"}};
  }
  if (language == "tinygo") return {{"tinygo", "install TinyGo (https://tinygo.org) and Go"}};
  return {};
}

Status checkToolchain(const std::string& dir, const cli::ProjectFile& p) {
  for (const Tool& t : toolsFor(p.language)) {
    if (!onPath(t.name)) {
      return failedPrecondition("the " + p.language + " toolchain is missing: '" + t.name + "' is not on PATH (" +
                                t.hint + ")");
    }
  }
  if (p.language == "assemblyscript" && ::access((dir + "/node_modules/.bin/asc").c_str(), X_OK) != 0) {
    return failedPrecondition("the AssemblyScript compiler is not installed in " + dir +
                              ": run `npm install` there first");
  }
  return Status::ok();
}

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

int runBuild(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  std::string tag, version, source;
  bool help = false;
  bool ok = flags.parse(args, [&](const std::string& a, const std::string* next) -> int {
    auto take = [next](std::string& out) { return cli::takeValue(next, out); };
    if (a == "-h" || a == "--help") return help = true, 1;
    if (a == "-t" || a == "--tag") return take(tag);
    if (a == "--version") return take(version);
    if (a == "--source") return take(source);
    return 0;
  });
  if (help) {
    std::printf("%s%s", kUsage, cli::kCommonOciFlags);
    return 0;
  }
  if (!ok || flags.positional.size() > 1) {
    if (!flags.error.empty()) std::fprintf(stderr, "weir build: %s\n", flags.error.c_str());
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  const std::string dir = flags.positional.empty() ? "." : flags.positional[0];
  std::optional<oci::Reference> ref;
  if (!tag.empty()) {
    auto r = oci::parseReference(tag);
    if (!r) return fail(r.status().message());
    if (r->tag.empty()) return fail("-t needs a tag (REF:tag)");
    ref = *r;
  }
  auto project = cli::loadProjectFile(dir);
  if (!project) return fail(project.status().message());
  if (auto s = checkToolchain(dir, *project); !s.isOk()) return fail(s.message());

  std::fprintf(stderr, "building %s (%s): %s\n", project->name.c_str(), project->language.c_str(),
               project->build.c_str());
  std::fflush(stderr);
  // The build's own output goes to the terminal (stderr), so ours on stdout
  // stays the result.
  const std::string cmd = "cd " + shellQuote(dir) + " && { " + project->build + " ; } 1>&2";
  int rc = std::system(cmd.c_str());
  if (rc == -1) return fail("cannot run the build command");
  if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    return fail("the build command failed (exit " + std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) +
                "): " + project->build);
  }
  const std::string output = dir + "/" + project->output;
  auto read = cli::readFileUpTo(output, cli::kMaxModuleFileBytes);
  if (!read) {
    return fail(read.status().code() == StatusCode::kNotFound
                    ? "the build did not write " + output + " (weir.yaml's output)"
                    : read.status().message());
  }
  const std::string& bytes = *read;
  auto abis = cli::proxyWasmAbiVersions(bytes);
  if (!abis) return fail(output + " is " + abis.status().message());
  // Compiled as the proxy will: an invalid module fails here, not at deploy.
  auto code = proxywasm::compileVmCode(bytes);
  if (!code) return fail(output + ": " + code.status().message());
  std::printf("built %s (%zu bytes, ABI %s)\n", output.c_str(), bytes.size(),
              std::string(proxywasm::abiVersionName((*code)->abi)).c_str());
  std::printf("module digest:   %s\n", (*code)->digest.c_str());
  if (!ref) return 0;

  oci::WasmArtifactInfo info;
  info.abi_versions = *abis;
  info.root_ids = project->root_ids;
  info.language = project->language;
  info.sdk = project->sdk;
  auto slash = project->output.rfind('/');
  info.title = slash == std::string::npos ? project->output : project->output.substr(slash + 1);
  info.version = version.empty() ? project->version : version;
  info.source = source;
  info.description = project->description;
  oci::Store store(flags.store);
  auto art = oci::storeWasmImage(store, *ref, bytes, info);
  if (!art) return fail(art.status().message());
  std::printf("stored %s\n", ref->str().c_str());
  std::printf("manifest digest: %s\n", art->manifest_digest.c_str());
  std::printf("next: weir push %s\n", ref->str().c_str());
  return 0;
}

weir::cli::CommandRegistration reg("build", "build a filter project (weir.yaml) and store its image locally",
                                   runBuild);

}  // namespace
