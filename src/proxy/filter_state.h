// Per-stream typed key/value store shared by the filters of one stream (and
// readable by the access log). Keys are conventionally reverse-DNS names
// ("weir.wasm.my_key"). Lives and dies with the stream; single-threaded.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::proxy {

class FilterState {
 public:
  // Base of every stored value. serializeAsString() is what the access log
  // (%FILTER_STATE(key)%) and the Proxy-Wasm property API see.
  class Object {
   public:
    virtual ~Object() = default;
    virtual std::optional<std::string> serializeAsString() const { return std::nullopt; }
  };

  // A plain string value, the common case.
  class StringObject : public Object {
   public:
    explicit StringObject(std::string value) : value_(std::move(value)) {}
    const std::string& value() const { return value_; }
    std::optional<std::string> serializeAsString() const override { return value_; }

   private:
    std::string value_;
  };

  // Replaces an existing value with the same name.
  void setData(std::string_view name, std::unique_ptr<Object> value);
  bool hasData(std::string_view name) const { return find(name) != nullptr; }
  const Object* getData(std::string_view name) const { return find(name); }
  // nullptr when absent or of another type.
  template <typename T>
  T* getDataMutable(std::string_view name) {
    return dynamic_cast<T*>(const_cast<Object*>(find(name)));
  }
  template <typename T>
  const T* getDataReadOnly(std::string_view name) const {
    return dynamic_cast<const T*>(find(name));
  }
  void removeData(std::string_view name);

  template <typename F>
  void forEach(F&& f) const {
    for (const auto& [k, v] : entries_) f(std::string_view(k), *v);
  }

 private:
  const Object* find(std::string_view name) const;
  // A handful of entries per stream at most: a vector beats a map here.
  std::vector<std::pair<std::string, std::unique_ptr<Object>>> entries_;
};

}  // namespace weir::proxy
