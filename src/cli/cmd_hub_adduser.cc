// `weir hub adduser --data DIR NAME [--password-stdin] [--token NAME --scopes S]`
// — creates an account of an --accounts hub from the command line: the first
// account of a new hub, accounts for CI, the demo's publisher. The password is
// read from stdin (never from argv, where `ps` shows it) or, without
// --password-stdin, generated and not printed (the account then signs in with
// tokens only). With --token an API token is created and printed once.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <openssl/rand.h>

#include "cli/command.h"
#include "hub/accounts.h"
#include "hub/registry.h"

namespace {

constexpr const char* kUsage =
    "usage: weir hub adduser --data DIR NAME [--password-stdin] [--token TOKEN_NAME]\n"
    "                        [--scopes pull,push,delete] [--kdf-iterations N]\n"
    "  Creates account NAME in the hub's data directory (the hub may be running).\n"
    "  --password-stdin  read the password from stdin (at least 8 bytes); without\n"
    "                    it the account gets a random password and uses tokens\n"
    "  --token NAME      also create an API token (default scopes pull,push),\n"
    "                    printed once on stdout\n";

std::vector<std::string> splitScopes(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string randomPassword() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

int runAddUser(const std::vector<std::string>& args) {
  std::string data, name, token_name, scopes = "pull,push";
  bool password_stdin = false;
  weir::hub::AccountsOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--data" && has_value) {
      data = args[++i];
    } else if (a == "--password-stdin") {
      password_stdin = true;
    } else if (a == "--token" && has_value) {
      token_name = args[++i];
    } else if (a == "--scopes" && has_value) {
      scopes = args[++i];
    } else if (a == "--kdf-iterations" && has_value) {
      try {
        options.kdf_iterations = std::stoi(args[++i]);
      } catch (const std::exception&) {
        options.kdf_iterations = 0;
      }
      if (options.kdf_iterations < 1) {
        std::fprintf(stderr, "weir hub adduser: --kdf-iterations needs a positive integer\n");
        return 2;
      }
    } else if (!a.starts_with("-") && name.empty()) {
      name = a;
    } else {
      std::fprintf(stderr, "weir hub adduser: unexpected argument '%s'\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (data.empty() || name.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string password;
  if (password_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    password = randomPassword();
    if (password.empty()) {
      std::fprintf(stderr, "weir hub adduser: no randomness for a password\n");
      return 1;
    }
  }
  const std::vector<std::string> scope_list = splitScopes(scopes);
  for (const std::string& s : scope_list) {
    if (!weir::hub::Accounts::isValidScope(s)) {
      std::fprintf(stderr, "weir hub adduser: unknown scope '%s' (pull, push, delete)\n", s.c_str());
      return 2;
    }
  }

  weir::hub::RegistryOptions ro;
  ro.data_dir = data;
  auto registry = weir::hub::Registry::open(ro, nullptr);
  if (!registry) {
    std::fprintf(stderr, "weir hub adduser: %s\n", registry.status().message().c_str());
    return 1;
  }
  weir::hub::AccountStore* store = (*registry)->metadata().accounts();
  if (!store) {
    std::fprintf(stderr, "weir hub adduser: this metadata store keeps no accounts\n");
    return 1;
  }
  weir::hub::Accounts accounts(*store, options);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  weir::Status created = accounts.signUp(name, password, now);
  if (!created.isOk()) {
    std::fprintf(stderr, "weir hub adduser: %s\n", created.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "weir hub adduser: created account '%s'\n", name.c_str());
  if (!token_name.empty()) {
    auto token = accounts.createToken(name, token_name, scope_list, now);
    if (!token) {
      std::fprintf(stderr, "weir hub adduser: token: %s\n", token.status().message().c_str());
      return 1;
    }
    std::printf("%s\n", token.value().c_str());
  }
  return 0;
}

weir::cli::CommandRegistration reg_adduser("hub adduser", "create an account of an --accounts hub", runAddUser);

}  // namespace
