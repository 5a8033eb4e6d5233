#include "filters/header_mutation/header_mutation_filter.h"

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "filters/header_options.h"
#include "http/header_map.h"

namespace weir::filters::header_mutation {
namespace {

using json = nlohmann::json;
using AppendAction = config::HeaderValueOption::AppendAction;

Status fieldError(const std::string& where, const std::string& what) { return invalidArgument(where + ": " + what); }

bool validHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    // RFC 9110 tchar, lower case (weir's maps are case-insensitive; names
    // are stored lower-cased like the loader's).
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || std::string_view("!#$%&'*+-.^_`|~").find(c) !=
                                                                            std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Result<std::string> headerName(const json& v, const std::string& where) {
  if (!v.is_string()) return fieldError(where, "expected a header name");
  std::string name = lower(v.get<std::string>());
  if (name == "host" || (!name.empty() && name.front() == ':')) {
    return fieldError(where, "pseudo-headers and host cannot be mutated by this filter");
  }
  if (!validHeaderName(name)) return fieldError(where, "invalid header name '" + v.get<std::string>() + "'");
  return name;
}

Result<Mutation> parseMutation(const json& m, const std::string& where) {
  if (!m.is_object() || m.size() != 1) return fieldError(where, "expected exactly one of remove, append");
  Mutation out;
  if (auto r = m.find("remove"); r != m.end()) {
    auto name = headerName(*r, where + ".remove");
    if (!name) return name.status();
    out.remove = true;
    out.option.key = std::move(name.value());
    return out;
  }
  auto a = m.find("append");
  if (a == m.end()) return fieldError(where + "." + m.begin().key(), "not supported by weir (remove, append)");
  if (!a->is_object()) return fieldError(where + ".append", "expected an object");
  for (const auto& [key, value] : a->items()) {
    const std::string at = where + ".append." + key;
    if (key == "header") {
      if (!value.is_object()) return fieldError(at, "expected {key, value}");
      for (const auto& [hk, hv] : value.items()) {
        if (hk != "key" && hk != "value") return fieldError(at + "." + hk, "not supported by weir (key, value)");
      }
      auto name = headerName(value.value("key", json()), at + ".key");
      if (!name) return name.status();
      out.option.key = std::move(name.value());
      const json v = value.value("value", json(""));
      if (!v.is_string()) return fieldError(at + ".value", "expected a string");
      out.option.value = v.get<std::string>();
      if (out.option.value.find('%') != std::string::npos) {
        return fieldError(at + ".value", "substitution formatters (%...%) are not supported by weir");
      }
      for (char c : out.option.value) {
        if (c == '\r' || c == '\n' || c == '\0') return fieldError(at + ".value", "CR, LF and NUL are not allowed");
      }
    } else if (key == "append_action") {
      const std::string action = value.is_string() ? value.get<std::string>() : "";
      if (action == "APPEND_IF_EXISTS_OR_ADD") out.option.append_action = AppendAction::kAppendIfExistsOrAdd;
      else if (action == "ADD_IF_ABSENT") out.option.append_action = AppendAction::kAddIfAbsent;
      else if (action == "OVERWRITE_IF_EXISTS_OR_ADD") out.option.append_action = AppendAction::kOverwriteIfExistsOrAdd;
      else if (action == "OVERWRITE_IF_EXISTS") out.option.append_action = AppendAction::kOverwriteIfExists;
      else return fieldError(at, "unknown append_action");
    } else if (key == "keep_empty_value") {
      if (!value.is_boolean()) return fieldError(at, "expected a boolean");
      out.option.keep_empty_value = value.get<bool>();
    } else {
      return fieldError(at, "not supported by weir (header, append_action, keep_empty_value)");
    }
  }
  if (out.option.key.empty()) return fieldError(where + ".append.header.key", "required");
  return out;
}

void apply(http::HeaderMap& headers, const std::vector<Mutation>& mutations) {
  for (const Mutation& m : mutations) {
    if (m.remove) {
      headers.remove(m.option.key);
      continue;
    }
    applyHeaderOption(headers, m.option);
  }
}

class HeaderMutationFactory : public proxy::NamedHttpFilterConfigFactory {
 public:
  std::string name() const override { return std::string(kHeaderMutationFilterName); }
  std::string configTypeUrl() const override { return std::string(kHeaderMutationTypeUrl); }
  Result<proxy::FilterFactoryCb> createFilterFactory(const proxy::FilterConfigTree& typed_config,
                                                     proxy::FactoryContext&) override {
    auto config = parseHeaderMutationConfig(typed_config);
    if (!config) return Status(config.status().code(), std::string(kHeaderMutationFilterName) + ": " +
                                                           config.status().message());
    std::shared_ptr<const HeaderMutationConfig> shared = std::move(config.value());
    return proxy::FilterFactoryCb([shared](proxy::FilterChainFactoryCallbacks& callbacks) {
      callbacks.addStreamFilter(std::make_shared<HeaderMutationFilter>(shared));
    });
  }
};

}  // namespace

Result<std::shared_ptr<const HeaderMutationConfig>> parseHeaderMutationConfig(const proxy::FilterConfigTree& tc) {
  auto config = std::make_shared<HeaderMutationConfig>();
  if (tc.is_null()) return std::shared_ptr<const HeaderMutationConfig>(std::move(config));
  if (!tc.is_object()) return invalidArgument("typed_config must be an object");
  for (const auto& [key, value] : tc.items()) {
    if (key != "mutations") return fieldError(key, "not supported by weir (mutations)");
    if (!value.is_object()) return fieldError("mutations", "expected an object");
    for (const auto& [list_name, list] : value.items()) {
      const std::string where = "mutations." + list_name;
      std::vector<Mutation>* target = nullptr;
      if (list_name == "request_mutations") target = &config->request;
      else if (list_name == "response_mutations") target = &config->response;
      else return fieldError(where, "not supported by weir (request_mutations, response_mutations)");
      if (!list.is_array()) return fieldError(where, "expected a list");
      for (size_t i = 0; i < list.size(); ++i) {
        auto m = parseMutation(list[i], where + "[" + std::to_string(i) + "]");
        if (!m) return m.status();
        target->push_back(std::move(m.value()));
      }
    }
  }
  return std::shared_ptr<const HeaderMutationConfig>(std::move(config));
}

proxy::FilterHeadersStatus HeaderMutationFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  apply(headers, config_->request);
  return proxy::FilterHeadersStatus::kContinue;
}

proxy::FilterHeadersStatus HeaderMutationFilter::encodeHeaders(http::HeaderMap& headers, bool) {
  apply(headers, config_->response);
  return proxy::FilterHeadersStatus::kContinue;
}

void registerHeaderMutationFilter(proxy::FilterRegistry& registry) {
  Status s = registry.registerFactory(std::make_unique<HeaderMutationFactory>());
  if (!s.isOk()) WEIR_ERROR("header_mutation filter registration: {}", s.message());
}

}  // namespace weir::filters::header_mutation
