#pragma once
// The browser client (server/web/), compiled in: served at / and /web/{name}.
// Immutable; thread-safe.
#include <optional>
#include <span>
#include <string_view>

namespace orator::server {

struct WebAsset {
  std::string_view name;          // file name in server/web/
  std::string_view content_type;
  std::string_view content;
};

[[nodiscard]] std::span<const WebAsset> web_assets();

inline std::optional<WebAsset> find_web_asset(std::string_view name) {
  for (const auto& a : web_assets())
    if (a.name == name) return a;
  return std::nullopt;
}

}  // namespace orator::server
