// The SFTP server fuzz_sftp_server.cpp drives, shared with make_corpus.cpp so the recorded
// seeds meet the same files and limits: the unit tests' in-memory file system, seeded.
#pragma once

#include "protocols/sftp/server_engine.hpp"
#include "tests/unit/sftp/fake_filesystem.hpp"

#include <cstdint>

namespace wharf::fuzz {

inline void seed_sftp_files(sftp_test::FakeFs& fs) {
    using sftp_test::Node;
    fs.home = "/home/alice";
    fs.nodes["/home"] = Node{Node::dir, {}, {}, 0755, 1600000000};
    fs.nodes["/home/alice"] = Node{Node::dir, {}, {}, 0755, 1600000000};
    fs.add_file("/home/alice/a.txt", "line one\nline two\n");
    fs.add_file("/f", "0123456789");
    fs.nodes["/l"] = Node{Node::link, {}, "/f", 0777, 1700000000};
    fs.denied["/secret"] = sftp::Failure{sftp::Error::permission_denied, "denied by hook"};
    fs.max_file_size = 1 << 16;
}

// `translate_text`: leave "newline" unannounced, so text mode turns LF into CRLF and back.
inline sftp::ServerConfig sftp_server_config(bool translate_text) {
    sftp::ServerConfig config;
    config.max_outstanding = 8;
    config.max_handles = 4;
    config.announce_newline = !translate_text;
    config.now = [] { return std::int64_t{1700000000}; };
    return config;
}

}  // namespace wharf::fuzz
