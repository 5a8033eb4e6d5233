// Files compiled into the `weir` binary (cmake/embed_files.cmake), so an
// installed weir needs no source tree: the `weir init` templates.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace weir::cli {

struct EmbeddedFile {
  const char* path;  // relative to the embedded folder ("rust/add-header/Cargo.toml")
  const unsigned char* data;
  size_t size;
  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

// templates/, every file.
std::span<const EmbeddedFile> embeddedTemplates();

}  // namespace weir::cli
