// Text mode (v4 SSH_FXF_TEXT, v5+ SSH_FXF_TEXT_MODE): offsets ignored, one position per
// handle, newline translation, serialised pipelined requests.
#include "sftp/server_session.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

namespace sftp = wharf::sftp;
namespace ssh = wharf::ssh;
namespace of = sftp::open_flags;
namespace ace = sftp::ace4;
using sftp::StatusCode;
using sftp_test::bytes_of;
using sftp_test::code;
using sftp_test::Session;

constexpr std::uint32_t kReadWrite =
    ace::read_data | ace::read_attributes | ace::write_data | ace::write_attributes;

// A server that does not announce its newline: the wire uses CRLF (-13 5.3).
sftp::ServerConfig crlf_wire(std::string newline = "\n") {
    sftp::ServerConfig config;
    config.newline = std::move(newline);
    config.announce_newline = false;
    return config;
}

std::string data_of(Session& s, std::uint32_t id) {
    const auto reply = s.one();
    if (const auto* status = std::get_if<sftp::Status>(&reply)) {
        FAIL("status " << status->code);
    }
    const auto data = std::get<sftp::Data>(reply);
    CHECK(data.request_id == id);
    return std::string(data.data.begin(), data.data.end());
}

// Reads with `length` until EOF; offsets are nonsense on purpose (text mode ignores them).
std::string read_all(Session& s, const std::string& handle, std::uint32_t length) {
    std::string all;
    for (std::uint32_t id = 100; id < 200; ++id) {
        s.send(sftp::Read{id, handle, 999999, length});
        const auto reply = s.one();
        if (std::holds_alternative<sftp::Status>(reply)) {
            CHECK(std::get<sftp::Status>(reply).code == code(StatusCode::eof));
            break;
        }
        const auto& data = std::get<sftp::Data>(reply).data;
        CHECK(data.size() <= length);
        all.append(data.begin(), data.end());
    }
    return all;
}

}  // namespace

TEST_CASE("server engine text mode: LF files read as CRLF and CRLF writes stored as LF",
          "[sftp_server]") {
    Session s(crlf_wire(), 6);
    s.fs.add_file("/t", "a\nb\n\nlast");
    const auto h = s.open5(1, "/t", kReadWrite, of::open_existing | of::text_mode);
    s.send(sftp::Read{2, h, 12345, 100});
    CHECK(data_of(s, 2) == "a\r\nb\r\n\r\nlast");
    s.send(sftp::Read{3, h, 0, 100});
    CHECK(s.status(3) == code(StatusCode::eof));

    const auto w = s.open5(4, "/w", kReadWrite, of::create_new | of::text_mode);
    s.send(sftp::Write{5, w, 777, bytes_of("one\r\ntwo\r")});
    CHECK(s.status(5) == code(StatusCode::ok));
    s.send(sftp::Write{6, w, 0, bytes_of("\nthree\n")});  // a lone LF is written through
    CHECK(s.status(6) == code(StatusCode::ok));
    CHECK(s.fs.text("/w") == "one\ntwo\r\nthree\n");
}

TEST_CASE("server engine text mode: short reads never pass the length", "[sftp_server]") {
    Session s(crlf_wire(), 5);
    s.fs.add_file("/t", "a\nb\n");
    const auto h = s.open5(1, "/t", kReadWrite, of::open_existing | of::text_mode);
    CHECK(read_all(s, h, 3) == "a\r\nb\r\n");
    const auto again = s.open5(2, "/t", kReadWrite, of::open_existing | of::text_mode);
    s.send(sftp::Read{3, again, 0, 1});
    CHECK(data_of(s, 3) == "a");
    s.send(sftp::Read{4, again, 0, 1});  // a separator cannot be sent in one byte
    CHECK(s.status(4) == code(StatusCode::bad_message));
}

TEST_CASE("server engine text mode: a separator cut by the read size waits for the next read",
          "[sftp_server]") {
    Session s(crlf_wire("\n\r"), 6);  // a two-byte server newline (LF CR)
    s.fs.add_file("/t", "a\n\rb\n\r");
    const auto h = s.open5(1, "/t", kReadWrite, of::open_existing | of::text_mode);
    s.send(sftp::Read{2, h, 0, 2});  // the file gives "a\n": the LF is held back
    CHECK(data_of(s, 2) == "a");
    CHECK(read_all(s, h, 2) == "\r\nb\r\n");
}

TEST_CASE("server engine text mode: announced newline means no translation", "[sftp_server]") {
    Session s({}, 4);  // v4 TEXT pflag; "newline" announced as "\n"
    s.fs.add_file("/t", "x\ny\r\n");
    const auto h = s.open(1, "/t", sftp::pflags::read | sftp::pflags::text);
    s.send(sftp::Read{2, h, 3, 100});
    CHECK(data_of(s, 2) == "x\ny\r\n");  // offset 3 ignored
}

TEST_CASE("server engine text mode: v3 has no text flag, offsets count", "[sftp_server]") {
    Session s(crlf_wire(), 3);
    s.fs.add_file("/t", "x\ny");
    const auto h = s.open(1, "/t", sftp::pflags::read | sftp::pflags::text);
    s.send(sftp::Read{2, h, 2, 100});
    CHECK(data_of(s, 2) == "y");
}

TEST_CASE("server engine text mode: pipelined requests run one at a time, in order",
          "[sftp_server]") {
    Session s(crlf_wire(), 6);
    s.fs.add_file("/t", "");
    const auto h = s.open5(1, "/t", kReadWrite, of::open_existing | of::text_mode);
    s.fs.defer = true;
    s.send(sftp::Write{2, h, 0, bytes_of("ab\r\n")});
    s.send(sftp::Write{3, h, 0, bytes_of("cd")});
    s.send(sftp::Write{4, h, 0, bytes_of("ef")});
    CHECK(s.fs.queued.size() == 1);          // the second and third wait their turn
    CHECK(s.engine->outstanding() == 3);     // and count towards max_outstanding
    s.fs.complete(0);
    REQUIRE(s.fs.queued.size() == 2);
    s.fs.complete(1);
    REQUIRE(s.fs.queued.size() == 3);
    s.fs.complete(2);
    CHECK(s.fs.text("/t") == "ab\ncdef");
    CHECK(s.engine->outstanding() == 0);
    const auto replies = s.replies();
    REQUIRE(replies.size() == 3);
    for (std::uint32_t i = 0; i < 3; ++i) {
        CHECK(std::get<sftp::Status>(replies[i]).request_id == 2 + i);
    }

    SECTION("CLOSE answers what still waits with INVALID_HANDLE") {
        s.send(sftp::Write{5, h, 0, bytes_of("g")});
        s.send(sftp::Write{6, h, 0, bytes_of("h")});
        s.send(sftp::Close{7, h});
        CHECK(s.engine->outstanding() == 2);  // the running WRITE and the CLOSE
        const auto early = s.replies();
        REQUIRE(early.size() == 1);
        CHECK(std::get<sftp::Status>(early[0]).request_id == 6);
        CHECK(std::get<sftp::Status>(early[0]).code == code(StatusCode::invalid_handle));
        for (std::size_t i = 3; i < s.fs.queued.size(); ++i) s.fs.complete(i);
        CHECK(s.engine->outstanding() == 0);
        CHECK(s.fs.text("/t") == "ab\ncdefg");
    }
}
