#include "daemon/server/sd_notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <fmt/format.h>

#include <string>

namespace wharf::daemon {

namespace {

void send(const std::string& message) { sd_notify(0, message.c_str()); }

std::string status_line(std::string_view status) {
    std::string line(status);
    for (auto& c : line) if (c == '\n') c = ' ';
    return "STATUS=" + line;
}

}  // namespace

void notify_ready(std::string_view status) { send("READY=1\n" + status_line(status)); }

void notify_reloading() {
    // Type=notify-reload (systemd 253+) wants a CLOCK_MONOTONIC stamp with RELOADING=1.
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ull +
                      static_cast<unsigned long long>(now.tv_nsec) / 1000ull;
    send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading configuration", usec));
}

void notify_stopping(std::string_view status) { send("STOPPING=1\n" + status_line(status)); }

void notify_status(std::string_view status) { send(status_line(status)); }

}  // namespace wharf::daemon
