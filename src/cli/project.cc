#include "cli/project.h"

#include <yaml-cpp/yaml.h>

#include "cli/module_info.h"

namespace weir::cli {
namespace {

Status stringKey(const YAML::Node& node, const std::string& key, std::string& out) {
  if (!node.IsScalar()) return invalidArgument(std::string(kProjectFileName) + ": " + key + ": expected a string");
  out = node.as<std::string>();
  return Status::ok();
}

}  // namespace

Result<ProjectFile> parseProjectFile(std::string_view text) {
  if (text.size() > kMaxProjectFileBytes) return invalidArgument(std::string(kProjectFileName) + " is too large");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalidArgument(std::string(kProjectFileName) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) return invalidArgument(std::string(kProjectFileName) + ": expected a mapping");
  ProjectFile p;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) return invalidArgument(std::string(kProjectFileName) + ": keys must be strings");
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    Status s = Status::ok();
    if (key == "name") s = stringKey(v, key, p.name);
    else if (key == "language") s = stringKey(v, key, p.language);
    else if (key == "sdk") s = stringKey(v, key, p.sdk);
    else if (key == "build") s = stringKey(v, key, p.build);
    else if (key == "output") s = stringKey(v, key, p.output);
    else if (key == "description") s = stringKey(v, key, p.description);
    else if (key == "version") s = stringKey(v, key, p.version);
    else if (key == "root_ids") {
      if (!v.IsSequence()) return invalidArgument(std::string(kProjectFileName) + ": root_ids: expected a list");
      for (const auto& id : v) {
        std::string one;
        if (s = stringKey(id, "root_ids[]", one); !s.isOk()) return s;
        p.root_ids.push_back(std::move(one));
      }
    } else {
      return invalidArgument(std::string(kProjectFileName) + ": unknown key '" + key + "'");
    }
    if (!s.isOk()) return s;
  }
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"name", &p.name}, {"language", &p.language},
                            {"build", &p.build}, {"output", &p.output}}) {
    if (value->empty()) return invalidArgument(std::string(kProjectFileName) + ": '" + key + "' is required");
  }
  // The output is read relative to the project: it must stay inside it.
  if (p.output.front() == '/' || p.output.find("..") != std::string::npos) {
    return invalidArgument(std::string(kProjectFileName) + ": output must be a path inside the project");
  }
  return p;
}

Result<ProjectFile> loadProjectFile(const std::string& dir) {
  const std::string path = dir + "/" + kProjectFileName;
  auto text = readFileUpTo(path, kMaxProjectFileBytes);
  if (!text && text.status().code() == StatusCode::kNotFound) {
    return notFound(path + " not found (is " + dir + " a weir project? `weir init` makes one)");
  }
  if (!text) return text.status();
  auto p = parseProjectFile(*text);
  if (!p) return Status(p.status().code(), dir + "/" + p.status().message());
  return p;
}

}  // namespace weir::cli
