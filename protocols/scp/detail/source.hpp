// The sending side (`scp -f`): stats each requested path, sends T/C/D/E records and file data,
// and waits for the client's answer to each. Internal to wharf_scp.
#pragma once

#include "protocols/scp/engine.hpp"

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace wharf::scp::detail {

class Source final : public Engine {
public:
    Source(const Command& command, Filesystem& fs, EngineLimits limits) : Engine(command, fs, limits) {}
    ~Source() override;
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;

private:
    // What the client's next answer is for, so we know how to go on.
    enum class Awaiting {
        nothing,
        first_ack,         // the client's sink starts with \0
        file_times,        // T before a C
        file_record,       // C
        file_status,       // our \0 (or error) after the data
        directory_times,   // T before a D
        directory_record,  // D
        end_record,        // E
    };

    // A directory being sent: its entries go one by one, then E.
    struct Frame {
        std::string path;
        std::vector<std::string> names;
        std::size_t next = 0;
    };

    // The file being sent.
    struct Download {
        std::string path;
        std::optional<FileId> file;  // set once opened, reset once released
        FileInfo info;
        std::uint64_t sent = 0;
        std::optional<Failure> read_failure;  // the rest is padded with zeros
    };

    void on_start() override;
    bool step() override;
    void on_abandon() override;

    bool step_response();
    void on_response(bool ok);
    bool step_next_path();
    bool step_next_argument();
    bool step_streaming();

    void expand_argument(std::string literal, std::string pattern);
    void on_matches(const std::string& directory, const std::string& pattern, const std::string& literal,
                    Result<std::vector<std::string>> names);
    void send_path(std::string path);
    void on_stat(std::string path, Result<FileInfo> info);
    void on_listed(std::string path, FileInfo info, Result<std::vector<std::string>> names);
    void on_opened(std::string path, Result<OpenedFile> opened);
    void send_directory_record();
    void send_file_record();
    void end_download(bool ok, std::string error, std::optional<Error> code = std::nullopt);
    void end_download(const Failure& failure) { end_download(false, std::string(failure.text()), failure.error); }

    Awaiting m_awaiting = Awaiting::first_ack;
    bool m_streaming = false;
    std::size_t m_next_argument = 0;
    std::deque<std::string> m_queued;  // top-level paths (glob matches) still to send
    std::vector<Frame> m_frames;
    std::optional<Frame> m_entering;   // a listed directory whose D awaits its answer
    std::optional<FileInfo> m_entering_info;
    std::optional<Download> m_download;
};

}  // namespace wharf::scp::detail
