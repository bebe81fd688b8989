// systemd readiness protocol; a no-op unless NOTIFY_SOCKET is set (i.e. under Type=notify).
#pragma once

#include <string_view>

namespace wharf::daemon {

void notify_ready(std::string_view status);
void notify_reloading();
void notify_stopping(std::string_view status);
void notify_status(std::string_view status);

}  // namespace wharf::daemon
