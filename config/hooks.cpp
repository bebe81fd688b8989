// Names of the events operation hooks watch, as `hooks:` spells them.
#include "config/config.hpp"

#include <array>

namespace wharf::config {

namespace {

// Indexed by HookEvent; "delete" is the YAML (and permission) word for HookEvent::remove.
constexpr std::array<std::string_view, hook_event_count> hook_event_names{
    "login", "logout", "upload", "download", "delete", "rename", "mkdir", "rmdir", "setstat", "symlink",
};
static_assert(static_cast<std::size_t>(HookEvent::symlink) + 1 == hook_event_count,
              "hook_event_names needs a spelling for every HookEvent");

}  // namespace

std::string_view hook_event_name(HookEvent event) {
    const auto index = static_cast<std::size_t>(event);
    return index < hook_event_names.size() ? hook_event_names[index] : "?";
}

std::optional<HookEvent> hook_event_from_name(std::string_view name) {
    for (std::size_t index = 0; index < hook_event_names.size(); ++index) {
        if (hook_event_names[index] == name) return static_cast<HookEvent>(index);
    }
    return std::nullopt;
}

}  // namespace wharf::config
