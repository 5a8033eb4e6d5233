// weir hub --listen ADDR --data DIR — the filter registry (OCI Distribution
// 1.1) on weir's own event loop and HTTP/1.1 stack; weir hub gc — removes
// unreferenced blobs, safely while the hub serves. Logic: src/hub.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "cli/command.h"
#include "hub/accounts.h"
#include "hub/auth.h"
#include "hub/gc.h"
#include "hub/http_server.h"
#include "hub/registry.h"
#include "hub/web_ui.h"
#include "net/address.h"

namespace {

constexpr const char* kUsage =
    "usage: weir hub --listen ADDR --data DIR [options]\n"
    "  Serves the OCI Distribution 1.1 API (push, pull, tags, referrers, catalog).\n"
    "  --listen ADDR            IP:PORT, :PORT or localhost:PORT (port 0 picks one; the\n"
    "                           bound address is printed as 'weir hub: listening on ...')\n"
    "  --data DIR               blobs, upload sessions and meta.db live here\n"
    "  --workers N              event-loop threads (default: number of cores)\n"
    "  --htpasswd FILE          require credentials (bcrypt entries, htpasswd -B)\n"
    "  --allow-anonymous-pull   with --htpasswd: pulls need no credentials\n"
    "  --accounts               hub accounts: sign-up, API tokens, organizations, private\n"
    "                           repositories, the web UI and /api/v1 (docs/hub.md); anonymous\n"
    "                           pulls of public repositories; not with --htpasswd\n"
    "  --kdf-iterations N       with --accounts: PBKDF2-HMAC-SHA256 iterations for new\n"
    "                           passwords (default 600000: 0.6 s a hash measured on a\n"
    "                           loaded 2-core machine; minimum 1000)\n"
    "  --login-attempts N       with --accounts: failed logins per user and address in 5\n"
    "                           minutes before 429 (default 10)\n"
    "  --public-host HOST       with --accounts: registry host in deploy snippets\n"
    "                           (default: the request's Host)\n"
    "  --secure-cookies         with --accounts: mark session cookies Secure (behind TLS)\n"
    "  --basic-auth             with --htpasswd: challenge with Basic, no token endpoint\n"
    "  --token-realm URL        realm in the Bearer challenge (default http://<Host>/token)\n"
    "  --token-key KEY          HMAC key for tokens (default: random per start)\n"
    "  --max-blob-size BYTES    largest accepted blob (default 2 GiB)\n"
    "  --no-delete              answer 405 to manifest/blob DELETE\n"
    "  --log-level LEVEL        trace|debug|info|warning|error (default info)\n"
    "\n"
    "usage: weir hub gc --data DIR [--grace SECONDS] [--dry-run]\n"
    "  Removes blobs no manifest references and untouched for --grace seconds\n"
    "  (default 3600), files without metadata, and upload sessions older than a day.\n"
    "  Safe to run while the hub serves the same DIR.\n";

bool parseListen(const std::string& s, weir::net::Address& out) {
  std::string v = s;
  if (!v.empty() && v[0] == ':') v = "0.0.0.0" + v;
  if (v.rfind("localhost:", 0) == 0) v = "127.0.0.1" + v.substr(9);
  auto a = weir::net::Address::parse(v);
  if (!a) return false;
  out = *a;
  return true;
}

bool parseUint(const std::string& s, uint64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (*end != '\0') return false;
  out = v;
  return true;
}

int runHub(const std::vector<std::string>& args) {
  weir::hub::RegistryOptions ro;
  weir::hub::AuthOptions ao;
  weir::hub::HttpServerOptions so;
  weir::hub::AccountsOptions acc;
  weir::hub::FrontendOptions fo;
  bool accounts_mode = false;
  std::string listen;
  so.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "weir hub: %s needs a value\n", a.c_str());
        return false;
      }
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--listen") {
      if (!value(listen)) return 2;
    } else if (a == "--data") {
      if (!value(ro.data_dir)) return 2;
    } else if (a == "--workers") {
      uint64_t n = 0;
      if (!value(v) || !parseUint(v, n) || n == 0 || n > 256) {
        std::fprintf(stderr, "weir hub: --workers needs a number 1..256\n");
        return 2;
      }
      so.workers = static_cast<int>(n);
    } else if (a == "--htpasswd") {
      if (!value(ao.htpasswd_path)) return 2;
    } else if (a == "--allow-anonymous-pull") {
      ao.allow_anonymous_pull = true;
    } else if (a == "--accounts") {
      accounts_mode = true;
    } else if (a == "--kdf-iterations" || a == "--login-attempts") {
      uint64_t n = 0;
      if (!value(v) || !parseUint(v, n) || n > 100000000 ||
          (a == "--kdf-iterations" && n < static_cast<uint64_t>(weir::hub::kMinPbkdf2Iterations)) || n == 0) {
        std::fprintf(stderr, "weir hub: %s needs a number (iterations at least %d)\n", a.c_str(),
                     weir::hub::kMinPbkdf2Iterations);
        return 2;
      }
      (a == "--kdf-iterations" ? acc.kdf_iterations : acc.max_failures) = static_cast<int>(n);
    } else if (a == "--public-host") {
      if (!value(fo.public_host)) return 2;
    } else if (a == "--secure-cookies") {
      fo.secure_cookies = true;
    } else if (a == "--basic-auth") {
      ao.token_auth = false;
    } else if (a == "--token-realm") {
      if (!value(ao.realm)) return 2;
    } else if (a == "--token-key") {
      if (!value(ao.token_key)) return 2;
    } else if (a == "--max-blob-size") {
      if (!value(v) || !parseUint(v, ro.max_blob_bytes)) {
        std::fprintf(stderr, "weir hub: --max-blob-size needs a byte count\n");
        return 2;
      }
    } else if (a == "--no-delete") {
      ro.allow_delete = false;
    } else if (a == "--log-level") {
      if (!value(v)) return 2;
      auto l = weir::log::parseLevel(v);
      if (!l) {
        std::fprintf(stderr, "weir hub: unknown log level %s\n", v.c_str());
        return 2;
      }
      weir::log::setLevel(*l);
    } else {
      std::fprintf(stderr, "weir hub: unknown argument '%s'\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (listen.empty() || ro.data_dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!parseListen(listen, so.address)) {
    std::fprintf(stderr, "weir hub: invalid --listen address '%s' (IP:PORT)\n", listen.c_str());
    return 2;
  }
  if (accounts_mode && !ao.htpasswd_path.empty()) {
    std::fprintf(stderr, "weir hub: --accounts and --htpasswd are two different auth modes; pick one\n");
    return 2;
  }
  if (accounts_mode && (ao.allow_anonymous_pull || !ao.token_auth)) {
    // Accounts always allow anonymous pulls of public repositories and speak the token flow.
    std::fprintf(stderr, "weir hub: --allow-anonymous-pull and --basic-auth go with --htpasswd, not --accounts\n");
    return 2;
  }
  std::unique_ptr<weir::hub::Authorizer> authorizer;
  if (accounts_mode) {
    // Built below, once the registry has opened the store the accounts live in.
  } else if (!ao.htpasswd_path.empty()) {
    auto a = weir::hub::makeHtpasswdAuthorizer(ao);
    if (!a) {
      std::fprintf(stderr, "weir hub: %s\n", a.status().message().c_str());
      return 1;
    }
    authorizer = std::move(a).value();
  } else if (ao.allow_anonymous_pull) {
    std::fprintf(stderr, "weir hub: --allow-anonymous-pull needs --htpasswd\n");
    return 2;
  }
  auto registry = weir::hub::Registry::open(ro, std::move(authorizer));
  if (!registry) {
    std::fprintf(stderr, "weir hub: %s\n", registry.status().message().c_str());
    return 1;
  }
  // Signals are taken by this thread only (sigwait below); workers never see them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<weir::hub::Accounts> accounts;
  std::unique_ptr<weir::hub::HubFrontend> frontend;
  weir::hub::HttpHandler* handler = registry->get();
  if (accounts_mode) {
    weir::hub::AccountStore* store = (*registry)->metadata().accounts();
    if (!store) {
      std::fprintf(stderr, "weir hub: this metadata store keeps no accounts\n");
      return 1;
    }
    accounts = std::make_unique<weir::hub::Accounts>(*store, acc);
    (*registry)->setAuthorizer(weir::hub::makePolicyAuthorizer(ao, weir::hub::makeAccountsPolicy(*accounts)));
    frontend = std::make_unique<weir::hub::HubFrontend>(**registry, *accounts, fo);
    handler = frontend.get();
  }
  weir::hub::HttpServer server(so, *handler);
  if (auto s = server.start(); !s.isOk()) {
    std::fprintf(stderr, "weir hub: cannot listen on %s: %s\n", listen.c_str(), s.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "weir hub: listening on %s (data %s, %d workers%s)\n", server.address().asString().c_str(),
               ro.data_dir.c_str(), so.workers,
               accounts_mode ? ", accounts" : ao.htpasswd_path.empty() ? ", no auth" : ", htpasswd");
  std::fflush(stderr);
  int sig = 0;
  sigwait(&set, &sig);
  std::fprintf(stderr, "weir hub: signal %d, stopping\n", sig);
  server.stop();
  return 0;
}

int runGc(const std::vector<std::string>& args) {
  std::string data;
  weir::hub::GcOptions opts;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--data" && i + 1 < args.size()) {
      data = args[++i];
    } else if (a == "--grace" && i + 1 < args.size()) {
      uint64_t g = 0;
      if (!parseUint(args[++i], g)) {
        std::fprintf(stderr, "weir hub gc: --grace needs seconds\n");
        return 2;
      }
      opts.grace_seconds = static_cast<int64_t>(g);
    } else if (a == "--dry-run") {
      opts.dry_run = true;
    } else {
      std::fprintf(stderr, "weir hub gc: unknown argument '%s'\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (data.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  weir::hub::RegistryOptions ro;
  ro.data_dir = data;
  auto registry = weir::hub::Registry::open(ro, nullptr);
  if (!registry) {
    std::fprintf(stderr, "weir hub gc: %s\n", registry.status().message().c_str());
    return 1;
  }
  auto report = weir::hub::runGc((*registry)->metadata(), (*registry)->blobs(), opts);
  if (!report) {
    std::fprintf(stderr, "weir hub gc: %s\n", report.status().message().c_str());
    return 1;
  }
  std::printf("%sremoved %llu blobs (%llu bytes), %llu files without metadata, %llu stale uploads; kept %llu\n",
              opts.dry_run ? "dry run: would have " : "", static_cast<unsigned long long>(report->blobs_removed),
              static_cast<unsigned long long>(report->bytes_removed),
              static_cast<unsigned long long>(report->orphan_files_removed),
              static_cast<unsigned long long>(report->uploads_removed),
              static_cast<unsigned long long>(report->blobs_kept));
  return 0;
}

weir::cli::CommandRegistration reg("hub", "run the filter registry (OCI Distribution 1.1)", runHub);
weir::cli::CommandRegistration reg_gc("hub gc", "remove unreferenced blobs from a hub's data directory", runGc);

}  // namespace
