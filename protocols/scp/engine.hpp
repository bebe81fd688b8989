// The SCP server side as a sans-I/O engine: channel bytes in, channel bytes out, file work
// through scp::Filesystem. `scp -t` makes a sink (the client uploads), `scp -f` a source (the
// client downloads). No socket, thread or clock of its own.
//
// Driving it (daemon/scp/scp_handler.cpp does this):
//   auto engine = Engine::create(command, fs);
//   engine->set_wake(...);       // called after an asynchronous completion made progress
//   engine->start();
//   on channel data:  engine->receive(bytes);   on EOF: engine->receive_eof();
//   after every call and every wake:
//     write pending_output() to the channel, consume_output(written);
//     open the channel window by take_consumed();
//     drain next_event() (logs, post hooks);
//     once finished() and the output is written: exit with exit_status().
//
// Back-pressure: input is only consumed (take_consumed) once handled, so a peer is held by its
// window while a write is outstanding; the source reads the disk only while pending output is
// below EngineLimits::max_buffered_output. Peer errors never throw: they end the session with
// a fatal error line and exit status 1.
#pragma once

#include "protocols/scp/command.hpp"
#include "protocols/scp/filesystem.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wharf::scp {

/// A file transfer begins: a C record arrived (sink) or a file is about to be opened (source).
struct TransferStarted {
    Direction direction = Direction::sink;
    std::string path;
    std::uint64_t size = 0;  ///< announced (sink) or 0 before the file is opened (source)
};

/// A file transfer ended, one way or another. Every TransferStarted gets exactly one.
struct TransferFinished {
    Direction direction = Direction::sink;
    std::string path;
    std::uint64_t bytes = 0;  ///< file data carried
    bool ok = false;
    std::string error;  ///< why it failed ("Permission denied", the peer's message, ...)
    /// The file system's error when that is why; empty for the peer's errors and lost links.
    std::optional<Error> error_code;
};

using Event = std::variant<TransferStarted, TransferFinished>;

struct EngineLimits {
    std::size_t io_chunk = 64 * 1024;              ///< bytes per read or write call
    std::size_t max_buffered_output = 256 * 1024;  ///< the source stops reading beyond this
};

class Engine {
public:
    /// A sink or a source for `command`. `fs` must outlive the engine.
    [[nodiscard]] static std::unique_ptr<Engine> create(const Command& command, Filesystem& fs,
                                                        EngineLimits limits = {});
    virtual ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Begins the protocol (the sink checks its target and sends its first \0).
    void start();
    /// Buffers channel bytes and handles what it can. The caller bounds how much arrives
    /// unconsumed (the SSH window does).
    void receive(std::span<const std::uint8_t> bytes);
    /// The peer sent EOF: at a record boundary this ends the transfer, inside one it is an
    /// error.
    void receive_eof();

    /// Input bytes handled since the last call: the peer may send that many more.
    [[nodiscard]] std::size_t take_consumed() noexcept;
    [[nodiscard]] std::span<const std::uint8_t> pending_output() const noexcept;
    /// `n` bytes of pending_output() were sent.
    void consume_output(std::size_t n);
    [[nodiscard]] std::optional<Event> next_event();

    /// Nothing more will be done; exit_status() is final (pending output may remain).
    [[nodiscard]] bool finished() const noexcept { return m_finished; }
    /// 0 when every file went through, 1 when anything failed (as OpenSSH's scp exits).
    [[nodiscard]] std::uint32_t exit_status() const noexcept { return m_errors == 0 ? 0 : 1; }
    /// Errors counted so far (ours and those the peer reported).
    [[nodiscard]] std::size_t error_count() const noexcept { return m_errors; }

    /// Called after a Filesystem completion that arrived outside any engine call was handled.
    void set_wake(std::function<void()> wake) { m_wake = std::move(wake); }

protected:
    Engine(const Command& command, Filesystem& fs, EngineLimits limits);

    enum class LineStatus { complete, need_more, too_long };

    // --- for the sink and source ----------------------------------------------------------
    virtual void on_start() = 0;
    /// Does the next piece of work; false when it must wait (input, output room, completion).
    virtual bool step() = 0;
    /// The session is over early (fatal error, lost peer): release whatever is open.
    virtual void on_abandon() {}

    [[nodiscard]] std::span<const std::uint8_t> input() const noexcept;
    [[nodiscard]] bool input_ended() const noexcept { return m_eof; }
    /// Removes `n` input bytes and counts them as handled.
    void consume_input(std::size_t n);
    /// Removes `n` input bytes now; count_consumed() once they are dealt with (written).
    void drop_input(std::size_t n);
    void count_consumed(std::size_t n) noexcept { m_consumed += n; }
    /// The line at the front of the input, up to kMaxControlLine bytes with its newline;
    /// on `complete` it is removed from the input and stored without the newline.
    [[nodiscard]] LineStatus take_line(std::string& line);

    void send(std::string_view bytes);
    void send(std::span<const std::uint8_t> bytes);
    void send_ok();
    /// A warning line for the peer (this file failed, the transfer goes on); counts an error.
    void send_warning(std::string_view message);
    /// A fatal error line, then finished with exit status 1.
    void fail(std::string_view message);
    void note_error() noexcept { ++m_errors; }
    /// Done; with output still to flush.
    void finish();
    void emit(Event event) { m_events.push_back(std::move(event)); }

    [[nodiscard]] std::size_t buffered_output() const noexcept { return m_out.size() - m_out_pos; }
    [[nodiscard]] Filesystem& fs() noexcept { return m_fs; }
    [[nodiscard]] const Command& command() const noexcept { return m_command; }
    [[nodiscard]] const EngineLimits& limits() const noexcept { return m_limits; }

    /// Wraps a completion handler: dropped if the engine is gone, marks the engine idle, runs
    /// `handler(result)`, then continues the work (and wakes the driver if it was not in a
    /// call of ours). Call it right before the Filesystem call: the engine is busy until then.
    template <class T, class Handler>
    Filesystem::Done<T> completion(Handler handler) {
        m_busy = true;
        return [this, alive = std::weak_ptr<int>(m_alive), handler = std::move(handler)](Result<T> result) mutable {
            if (alive.expired()) return;
            m_busy = false;
            if (!m_finished) handler(std::move(result));
            resume();
        };
    }

private:
    void pump();
    void resume();

    const Command m_command;
    Filesystem& m_fs;
    const EngineLimits m_limits;
    std::shared_ptr<int> m_alive = std::make_shared<int>(0);  // completions hold a weak_ptr
    std::function<void()> m_wake;

    std::vector<std::uint8_t> m_in;
    std::size_t m_in_pos = 0;
    std::size_t m_consumed = 0;
    bool m_eof = false;

    std::vector<std::uint8_t> m_out;
    std::size_t m_out_pos = 0;
    std::deque<Event> m_events;

    bool m_busy = false;      // a Filesystem operation is outstanding
    bool m_pumping = false;   // inside pump(): completions that arrive now need no wake
    bool m_finished = false;
    std::size_t m_errors = 0;
};

/// `directory` + "/" + `name`, without doubling a trailing slash.
[[nodiscard]] std::string join_path(std::string_view directory, std::string_view name);
/// What follows the last '/' of `path` (all of it when there is none).
[[nodiscard]] std::string_view last_component(std::string_view path) noexcept;

}  // namespace wharf::scp
