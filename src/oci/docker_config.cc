#include "oci/docker_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace weir::oci {

namespace {

using nlohmann::json;

std::string registryKey(const std::string& registry) {
  if (registry == "docker.io" || registry == "index.docker.io" || registry == "registry-1.docker.io") {
    return "https://index.docker.io/v1/";
  }
  return registry;
}

Result<json> readConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return json::object();
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalidArgument(path + " is not a JSON object");
  return j;
}

Status writeConfig(const std::string& path, const json& j) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ioError("create " + tmp + ": " + std::strerror(errno));
  const std::string text = j.dump(1, '\t') + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return ioError("write " + path + ": " + std::strerror(errno));
  }
  return Status::ok();
}

// Runs docker-credential-NAME ACTION with `input` on stdin; returns stdout.
Result<std::string> runHelper(const std::string& name, const std::string& action, const std::string& input) {
  for (char c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return invalidArgument("invalid credential helper name: " + name);
    }
  }
  int in_pipe[2], out_pipe[2];
  if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0) return ioError("pipe");
  pid_t pid = ::fork();
  if (pid < 0) return ioError("fork");
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    const std::string prog = "docker-credential-" + name;
    ::execlp(prog.c_str(), prog.c_str(), action.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  (void)!::write(in_pipe[1], input.data(), input.size());
  ::close(in_pipe[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(out_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      return unavailable("credential helper docker-credential-" + name + " not found");
    }
    if (out.find("credentials not found") != std::string::npos) return notFound("credentials not found");
    return unavailable("docker-credential-" + name + " " + action + " failed: " + out.substr(0, 200));
  }
  return out;
}

Result<std::optional<Credentials>> fromHelper(const std::string& helper, const std::string& key) {
  auto out = runHelper(helper, "get", key);
  if (!out) {
    if (out.status().code() == StatusCode::kNotFound) return std::optional<Credentials>();
    return out.status();
  }
  json j = json::parse(*out, nullptr, false);
  if (!j.is_object()) return invalidArgument("credential helper " + helper + " returned no JSON");
  Credentials c;
  c.username = j.value("Username", "");
  c.password = j.value("Secret", "");
  if (c.username == "<token>") {
    c.identity_token = c.password;
    c.password.clear();
  }
  return std::optional<Credentials>(c);
}

}  // namespace

std::string base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64Decode(std::string_view in) {
  std::string s(in);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() % 4) return std::nullopt;
  std::string out(3 * s.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  for (size_t i = s.size(); i > 0 && s[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string dockerConfigPath(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) return std::string(d) + "/config.json";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.docker/config.json";
}

Result<std::optional<Credentials>> lookupCredentials(const std::string& registry, const std::string& config_path) {
  auto cfg = readConfig(config_path);
  if (!cfg) return cfg.status();
  const std::string key = registryKey(registry);
  const json& j = *cfg;
  if (auto h = j.find("credHelpers"); h != j.end() && h->is_object()) {
    if (auto e = h->find(key); e != h->end() && e->is_string()) return fromHelper(e->get<std::string>(), key);
  }
  if (auto a = j.find("auths"); a != j.end() && a->is_object()) {
    auto e = a->find(key);
    if (e == a->end()) e = a->find("https://" + key);
    if (e == a->end()) e = a->find("http://" + key);
    if (e != a->end() && e->is_object()) {
      Credentials c;
      if (auto au = e->find("auth"); au != e->end() && au->is_string() && !au->get<std::string>().empty()) {
        auto dec = base64Decode(au->get<std::string>());
        if (!dec || dec->find(':') == std::string::npos) return invalidArgument(config_path + ": bad auth for " + key);
        c.username = dec->substr(0, dec->find(':'));
        c.password = dec->substr(dec->find(':') + 1);
      }
      if (c.username.empty()) c.username = e->value("username", "");
      if (c.password.empty()) c.password = e->value("password", "");
      c.identity_token = e->value("identitytoken", "");
      if (!c.username.empty() || !c.identity_token.empty()) return std::optional<Credentials>(c);
    }
  }
  if (auto s = j.find("credsStore"); s != j.end() && s->is_string() && !s->get<std::string>().empty()) {
    return fromHelper(s->get<std::string>(), key);
  }
  return std::optional<Credentials>();
}

Status storeCredentials(const std::string& registry, const Credentials& creds, const std::string& config_path) {
  auto cfg = readConfig(config_path);
  if (!cfg) return cfg.status();
  json j = std::move(cfg).value();
  const std::string key = registryKey(registry);
  std::string helper;
  if (j.contains("credHelpers") && j["credHelpers"].is_object() && j["credHelpers"].contains(key)) {
    helper = j["credHelpers"][key].get<std::string>();
  } else if (j.contains("credsStore") && j["credsStore"].is_string()) {
    helper = j["credsStore"].get<std::string>();
  }
  if (!helper.empty()) {
    json in{{"ServerURL", key}, {"Username", creds.username}, {"Secret", creds.password}};
    auto r = runHelper(helper, "store", in.dump());
    if (!r) return r.status();
    // Docker records the registry with an empty entry.
    j["auths"][key] = json::object();
    return writeConfig(config_path, j);
  }
  j["auths"][key] = json{{"auth", base64Encode(creds.username + ":" + creds.password)}};
  return writeConfig(config_path, j);
}

Result<bool> eraseCredentials(const std::string& registry, const std::string& config_path) {
  auto cfg = readConfig(config_path);
  if (!cfg) return cfg.status();
  json j = std::move(cfg).value();
  const std::string key = registryKey(registry);
  bool removed = false;
  std::string helper;
  if (j.contains("credHelpers") && j["credHelpers"].is_object() && j["credHelpers"].contains(key)) {
    helper = j["credHelpers"][key].get<std::string>();
  } else if (j.contains("credsStore") && j["credsStore"].is_string()) {
    helper = j["credsStore"].get<std::string>();
  }
  if (!helper.empty()) {
    auto r = runHelper(helper, "erase", key);
    removed = r.isOk();
  }
  if (j.contains("auths") && j["auths"].is_object() && j["auths"].contains(key)) {
    j["auths"].erase(key);
    removed = true;
    WEIR_RETURN_IF_ERROR(writeConfig(config_path, j));
  }
  return removed;
}

}  // namespace weir::oci
