// The receiving side (`scp -t`): reads records and file data from the client, writes files
// through the Filesystem, answers each record with \0 or an error line. Internal to wharf_scp.
#pragma once

#include "protocols/scp/engine.hpp"
#include "protocols/scp/records.hpp"

#include <optional>
#include <string>
#include <vector>

namespace wharf::scp::detail {

class Sink final : public Engine {
public:
    Sink(const Command& command, Filesystem& fs, EngineLimits limits) : Engine(command, fs, limits) {}
    ~Sink() override;
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;

private:
    enum class State {
        checking_target,  // stat of the target before the first \0
        records,          // waiting for the next control record
        data,             // file data of the current upload
        data_status,      // the client's status byte after the data
        done,
    };

    // One directory level: the top one is the command's target; D records push, E pops.
    struct Level {
        std::string path;
        bool is_directory = false;
        AttributeChanges at_end;  // applied when its E arrives (-p mode and times)
    };

    // The file being received.
    struct Upload {
        std::string path;
        std::uint32_t mode = 0;
        std::uint64_t size = 0;
        std::uint64_t received = 0;  // data bytes read from the client
        std::optional<FileTimes> times;
        std::optional<FileId> file;
        std::optional<Failure> write_failure;  // later data is read and discarded
    };

    void on_start() override;
    bool step() override;
    void on_abandon() override;

    void on_target(Result<FileInfo> target);
    bool step_records();
    bool step_data();
    bool step_data_status();

    bool on_record(FileRecord record);
    bool on_record(DirectoryRecord record);
    bool on_record(EndRecord record);
    bool on_record(TimesRecord record);
    bool on_record(ErrorRecord record);
    bool on_record(MalformedRecord record);

    void on_directory_stat(std::string path, std::uint32_t mode, std::optional<FileTimes> times,
                           Result<FileInfo> existing);
    void enter_directory(std::string path, AttributeChanges at_end);
    void on_file_created(Result<FileId> file);
    void finish_upload();
    void on_committed(Result<void> committed);
    void end_upload(bool ok, std::string error, std::optional<Error> code = std::nullopt);
    void end_upload(const Failure& failure) { end_upload(false, std::string(failure.text()), failure.error); }
    void lose_connection();

    [[nodiscard]] std::string destination_of(const std::string& name) const;

    State m_state = State::checking_target;
    std::vector<Level> m_levels;
    std::optional<FileTimes> m_pending_times;
    std::optional<Upload> m_upload;
};

}  // namespace wharf::scp::detail
