// weir login / logout — registry credentials in the docker config.json.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/oci_common.h"
#include "oci/docker_config.h"
#include "oci/reference.h"

namespace {

using namespace weir;

constexpr const char* kLoginUsage =
    "usage: weir login REGISTRY [-u USER] [-p PASSWORD | --password-stdin] [options]\n"
    "  Checks the credentials against REGISTRY (GET /v2/ through its auth flow) and\n"
    "  saves them in the docker config.json (or its credential helper).\n";

int runLogin(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  std::string user, password;
  bool password_stdin = false, help = false;
  bool ok = flags.parse(args, [&](const std::string& a, const std::string* next) -> int {
    if (a == "-h" || a == "--help") return help = true, 1;
    if (a == "-u" || a == "--username") return next ? (user = *next, 2) : -1;
    if (a == "-p" || a == "--password") return next ? (password = *next, 2) : -1;
    if (a == "--password-stdin") return password_stdin = true, 1;
    return 0;
  });
  if (!ok || help || flags.positional.size() != 1) {
    std::fprintf(help ? stdout : stderr, "%s%s", kLoginUsage, cli::kCommonOciFlags);
    return help ? 0 : 2;
  }
  const std::string registry = flags.positional[0];
  if (!oci::isValidRegistryHost(registry)) {
    std::fprintf(stderr, "weir login: invalid registry host %s\n", registry.c_str());
    return 2;
  }
  if (user.empty()) {
    std::fprintf(stderr, "Username: ");
    std::getline(std::cin, user);
  }
  if (password_stdin) {
    std::getline(std::cin, password);
  } else if (password.empty()) {
    char* p = getpass("Password: ");
    password = p ? p : "";
  }
  oci::ClientOptions co = flags.clientOptions();
  co.credentials = oci::Credentials{user, password, ""};
  oci::RegistryClient client(registry, co);
  if (auto s = client.ping(); !s.isOk()) {
    std::fprintf(stderr, "weir login: %s\n", s.message().c_str());
    return 1;
  }
  const std::string path = oci::dockerConfigPath(flags.auth_config);
  if (auto s = oci::storeCredentials(registry, *co.credentials, path); !s.isOk()) {
    std::fprintf(stderr, "weir login: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("Login Succeeded (credentials saved in %s)\n", path.c_str());
  return 0;
}

int runLogout(const std::vector<std::string>& args) {
  cli::OciFlags flags;
  bool help = false;
  bool ok = flags.parse(args, [&](const std::string& a, const std::string*) -> int {
    if (a == "-h" || a == "--help") return help = true, 1;
    return 0;
  });
  if (!ok || help || flags.positional.size() != 1) {
    std::fprintf(help ? stdout : stderr, "usage: weir logout REGISTRY [options]\n%s", cli::kCommonOciFlags);
    return help ? 0 : 2;
  }
  auto r = oci::eraseCredentials(flags.positional[0], oci::dockerConfigPath(flags.auth_config));
  if (!r) {
    std::fprintf(stderr, "weir logout: %s\n", r.status().message().c_str());
    return 1;
  }
  std::printf(*r ? "Removed login credentials for %s\n" : "Not logged in to %s\n", flags.positional[0].c_str());
  return 0;
}

weir::cli::CommandRegistration reg_login("login", "save registry credentials (docker config.json)", runLogin);
weir::cli::CommandRegistration reg_logout("logout", "remove saved registry credentials", runLogout);

}  // namespace
