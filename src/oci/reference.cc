#include "oci/reference.h"

#include <cstdlib>

#include "oci/digest.h"

namespace weir::oci {

namespace {
bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool isValidComponent(std::string_view c) {
  size_t i = 0;
  const size_t n = c.size();
  if (n == 0 || !isLowerAlnum(c[0])) return false;
  while (i < n) {
    while (i < n && isLowerAlnum(c[i])) ++i;
    if (i == n) return true;
    // separator
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < n && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < n && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (i == n || !isLowerAlnum(c[i])) return false;
  }
  return true;
}
}  // namespace

bool isValidRepositoryName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    std::string_view comp = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!isValidComponent(comp)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool isValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag[0])) return false;
  for (char c : tag.substr(1)) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool isValidRegistryHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  std::string_view h = host;
  std::string_view port;
  if (h.front() == '[') {
    auto close = h.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : h.substr(1, close - 1)) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) return false;
    }
    std::string_view rest = h.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
  } else {
    auto colon = h.find(':');
    if (colon != std::string_view::npos) {
      port = h.substr(colon + 1);
      h = h.substr(0, colon);
      if (port.empty()) return false;
    }
    if (h.empty()) return false;
    for (char c : h) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
    }
  }
  if (port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string Reference::str() const {
  std::string s = registry + "/" + repository;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

Result<Reference> parseReference(std::string_view text) {
  std::string_view t = text;
  for (std::string_view prefix : {"oci://", "docker://"}) {
    if (t.substr(0, prefix.size()) == prefix) t.remove_prefix(prefix.size());
  }
  if (t.empty()) return invalidArgument("empty image reference");
  Reference ref;
  if (auto at = t.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(t.substr(at + 1));
    if (!isValidDigest(ref.digest)) return invalidArgument("invalid digest in reference '" + std::string(text) + "'");
    t = t.substr(0, at);
  }
  // registry: the first component when it looks like a host
  auto slash = t.find('/');
  std::string_view first = t.substr(0, slash);
  if (slash != std::string_view::npos &&
      (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
       first == "localhost" || first.front() == '[')) {
    ref.registry = std::string(first);
    t = t.substr(slash + 1);
    if (!isValidRegistryHost(ref.registry)) return invalidArgument("invalid registry host in '" + std::string(text) + "'");
  } else {
    const char* env = std::getenv("WEIR_DEFAULT_REGISTRY");
    ref.registry = env && *env ? env : "docker.io";
  }
  // tag: after the last ':' of the last component
  auto last_slash = t.rfind('/');
  auto colon = t.rfind(':');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(t.substr(colon + 1));
    t = t.substr(0, colon);
    if (!isValidTag(ref.tag)) return invalidArgument("invalid tag '" + ref.tag + "' in '" + std::string(text) + "'");
  }
  ref.repository = std::string(t);
  if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (!isValidRepositoryName(ref.repository)) {
    return invalidArgument("invalid repository name '" + ref.repository +
                           "' (lowercase letters, digits and . _ __ - separators, '/' between components)");
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

bool isLoopbackRegistry(std::string_view registry) {
  std::string_view host = registry;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    host = host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    return host == "::1";
  }
  if (auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  return host == "localhost" || host.substr(0, 4) == "127.";
}

}  // namespace weir::oci
