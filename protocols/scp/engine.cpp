#include "protocols/scp/engine.hpp"

#include "protocols/scp/detail/sink.hpp"
#include "protocols/scp/detail/source.hpp"
#include "protocols/scp/records.hpp"

#include <algorithm>

namespace wharf::scp {

std::unique_ptr<Engine> Engine::create(const Command& command, Filesystem& fs, EngineLimits limits) {
    limits.io_chunk = std::max<std::size_t>(limits.io_chunk, 1);
    limits.max_buffered_output = std::max<std::size_t>(limits.max_buffered_output, 1);  // 0 would stall the source
    if (command.direction == Direction::sink) return std::make_unique<detail::Sink>(command, fs, limits);
    return std::make_unique<detail::Source>(command, fs, limits);
}

Engine::Engine(const Command& command, Filesystem& fs, EngineLimits limits)
    : m_command(command), m_fs(fs), m_limits(limits) {}

Engine::~Engine() = default;

void Engine::start() {
    m_pumping = true;  // a completion arriving inside on_start() is picked up by pump() below
    on_start();
    m_pumping = false;
    pump();
}

void Engine::receive(std::span<const std::uint8_t> bytes) {
    if (m_finished) {
        m_consumed += bytes.size();  // nobody will read them: keep the window open
        return;
    }
    m_in.insert(m_in.end(), bytes.begin(), bytes.end());
    pump();
}

void Engine::receive_eof() {
    m_eof = true;
    pump();
}

std::size_t Engine::take_consumed() noexcept { return std::exchange(m_consumed, 0); }

std::span<const std::uint8_t> Engine::pending_output() const noexcept {
    return std::span<const std::uint8_t>(m_out).subspan(m_out_pos);
}

void Engine::consume_output(std::size_t n) {
    m_out_pos += std::min(n, buffered_output());
    if (m_out_pos == m_out.size()) {
        m_out.clear();
        m_out_pos = 0;
    }
    pump();  // the source may have been waiting for room
}

std::optional<Event> Engine::next_event() {
    if (m_events.empty()) return std::nullopt;
    Event event = std::move(m_events.front());
    m_events.pop_front();
    return event;
}

std::span<const std::uint8_t> Engine::input() const noexcept {
    return std::span<const std::uint8_t>(m_in).subspan(m_in_pos);
}

void Engine::drop_input(std::size_t n) {
    m_in_pos += std::min(n, m_in.size() - m_in_pos);
    // Compact once the handled prefix dominates, so the buffer stays near the window size.
    if (m_in_pos == m_in.size()) {
        m_in.clear();
        m_in_pos = 0;
    } else if (m_in_pos > 64 * 1024 && m_in_pos > m_in.size() / 2) {
        m_in.erase(m_in.begin(), m_in.begin() + static_cast<std::ptrdiff_t>(m_in_pos));
        m_in_pos = 0;
    }
}

void Engine::consume_input(std::size_t n) {
    n = std::min(n, m_in.size() - m_in_pos);
    drop_input(n);
    count_consumed(n);
}

Engine::LineStatus Engine::take_line(std::string& line) {
    const auto available = input();
    const auto searched = available.first(std::min(available.size(), kMaxControlLine));
    const auto newline = std::find(searched.begin(), searched.end(), std::uint8_t{'\n'});
    if (newline == searched.end()) {
        return searched.size() == kMaxControlLine ? LineStatus::too_long : LineStatus::need_more;
    }
    line.assign(searched.begin(), newline);
    consume_input(line.size() + 1);
    return LineStatus::complete;
}

void Engine::send(std::string_view bytes) {
    m_out.insert(m_out.end(), bytes.begin(), bytes.end());
}

void Engine::send(std::span<const std::uint8_t> bytes) {
    m_out.insert(m_out.end(), bytes.begin(), bytes.end());
}

void Engine::send_ok() { m_out.push_back(0); }

void Engine::send_warning(std::string_view message) {
    note_error();
    send(encode_error_record(message, false));
}

void Engine::fail(std::string_view message) {
    note_error();
    send(encode_error_record(message, true));
    on_abandon();
    finish();
}

void Engine::finish() {
    if (m_finished) return;
    m_finished = true;
    // Whatever the peer still sends is not read: count it handled so the window stays open.
    m_consumed += m_in.size() - m_in_pos;
    m_in.clear();
    m_in_pos = 0;
}

void Engine::pump() {
    if (m_pumping) return;
    m_pumping = true;
    while (!m_finished && !m_busy && step()) {
    }
    m_pumping = false;
}

void Engine::resume() {
    if (m_pumping) return;  // the running pump() loop picks the work up
    pump();
    if (m_wake) m_wake();
}

std::string join_path(std::string_view directory, std::string_view name) {
    std::string path(directory);
    if (path.empty() || path.back() != '/') path += '/';
    path += name;
    return path;
}

std::string_view last_component(std::string_view path) noexcept {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace wharf::scp
