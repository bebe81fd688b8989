// The client engine against the real ServerEngine over a FakeFs, for versions 3 to 6:
// negotiation, pipelined transfers (also with completions released out of order and with
// short reads), attributes per version, directory listings.
#include "sftp/client_pair.hpp"

#include <catch2/catch.hpp>

namespace sftp_test {
namespace {

using sftp::StatusCode;

TEST_CASE("client engine: negotiates each version and records VERSION extensions",
          "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    REQUIRE(pair.client.version() == version);
    REQUIRE(pair.server.version() == version);
    const sftp::ServerInfo& info = *pair.client.server();
    CHECK(info.version == version);
    // OpenSSH's extensions go to every version, with their version strings.
    CHECK(info.extension_data("posix-rename@openssh.com") == "1");
    CHECK(info.extension_data("statvfs@openssh.com") == "2");
    CHECK(info.has_extension("limits@openssh.com"));
    CHECK_FALSE(info.has_extension("nonsense@example.com"));
    // The server offers v6, so the v4+ extensions come whatever we asked for.
    REQUIRE(info.vendor.has_value());
    CHECK(info.vendor->product_name == "wharf");
    CHECK(info.newline == "\n");
    REQUIRE(info.versions.has_value());
    CHECK(info.versions->versions == std::vector<std::string>{"3", "4", "5", "6"});
    REQUIRE(info.supported2.has_value());
    CHECK(info.has_extension("copy-data"));
    CHECK(info.has_extension("check-file-name"));
}

TEST_CASE("client engine: a lower server maximum wins", "[sftp][client]") {
    sftp::ServerConfig config;
    config.max_version = 4;
    ClientPair pair(6, config);
    CHECK(pair.client.version() == 4u);
    CHECK(pair.client.server()->supported == std::nullopt);  // offered only from v5 on
}

TEST_CASE("client engine: rejects a bad configuration", "[sftp][client]") {
    CHECK_THROWS_AS(sftp::ClientEngine(sftp::ClientConfig{2, 64, sftp::kDefaultMaxPacketLength}),
                    std::invalid_argument);
    CHECK_THROWS_AS(sftp::ClientEngine(sftp::ClientConfig{7, 64, sftp::kDefaultMaxPacketLength}),
                    std::invalid_argument);
    CHECK_THROWS_AS(sftp::ClientEngine(sftp::ClientConfig{6, 0, sftp::kDefaultMaxPacketLength}),
                    std::invalid_argument);
}

TEST_CASE("client engine: pipelined upload and download round-trip", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    const ssh::Bytes data = pattern(300 * 1000 + 17, version);
    const sftp::TransferOptions options{16, 4096};

    const auto sent = pair.upload("/big.bin", data, options);
    REQUIRE(sent.ok());
    CHECK(sent.value() == data.size());
    CHECK(pair.fs.nodes.at("/big.bin").data == data);
    CHECK(pair.server.open_handles() == 0);

    ssh::Bytes back;
    const auto received = pair.download("/big.bin", back, options);
    REQUIRE(received.ok());
    CHECK(received.value() == data.size());
    CHECK(back == data);
    CHECK(pair.server.open_handles() == 0);
    CHECK(pair.client.idle());
}

TEST_CASE("client engine: transfers survive replies in any order", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    const std::uint32_t seed = GENERATE(1u, 2u, 3u);
    CAPTURE(version, seed);
    ClientPair pair(version);
    pair.fs.defer = true;
    const ssh::Bytes data = pattern(200 * 1000 + 3, seed);
    const sftp::TransferOptions options{32, 3000};

    const auto sent = pair.upload("/shuffled.bin", data, options, seed);
    REQUIRE(sent.ok());
    CHECK(pair.fs.nodes.at("/shuffled.bin").data == data);

    ssh::Bytes back;
    const auto received = pair.download("/shuffled.bin", back, options, seed + 100);
    REQUIRE(received.ok());
    CHECK(received.value() == data.size());
    CHECK(back == data);
}

TEST_CASE("client engine: download re-requests the rest of short reads", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 6u);
    CAPTURE(version);
    sftp::ServerConfig config;
    config.max_read_length = 1000;  // every 4096-byte READ comes back short
    ClientPair pair(version, config);
    pair.fs.defer = true;
    const ssh::Bytes data = pattern(50 * 1000 + 999, 7);
    pair.fs.nodes["/short.bin"] = Node{Node::file, data, {}, 0644, 1700000000};

    ssh::Bytes back;
    const auto received = pair.download("/short.bin", back, {8, 4096}, 42);
    REQUIRE(received.ok());
    CHECK(received.value() == data.size());
    CHECK(back == data);
}

TEST_CASE("client engine: empty files and files of exactly one request", "[sftp][client]") {
    ClientPair pair(6);
    const std::size_t size = GENERATE(0u, 4096u, 8192u);
    CAPTURE(size);
    const ssh::Bytes data = pattern(size, 3);
    REQUIRE(pair.upload("/edge.bin", data, {4, 4096}).ok());
    CHECK(pair.fs.nodes.at("/edge.bin").data == data);
    ssh::Bytes back{1, 2, 3};
    const auto received = pair.download("/edge.bin", back, {4, 4096});
    REQUIRE(received.ok());
    CHECK(received.value() == size);
    CHECK(back == data);
}

TEST_CASE("client engine: transfer failures close the handle and name the status",
          "[sftp][client]") {
    ClientPair pair(5);
    SECTION("opening a missing file") {
        ssh::Bytes back;
        const auto received = pair.download("/missing", back);
        REQUIRE_FALSE(received.ok());
        CHECK(received.error() == StatusCode::no_such_file);
    }
    SECTION("a denied upload keeps the hook's message") {
        pair.fs.denied["/locked"] = sftp::Failure{sftp::Error::permission_denied, "hook says no"};
        const auto sent = pair.upload("/locked", pattern(10));
        REQUIRE_FALSE(sent.ok());
        CHECK(sent.error() == StatusCode::permission_denied);
        CHECK(sent.message() == "hook says no");
        CHECK(sftp::describe(sent.failure()) == "SSH_FX_PERMISSION_DENIED (hook says no)");
    }
    SECTION("a write beyond the quota") {
        pair.fs.max_file_size = 10000;
        const auto sent = pair.upload("/quota.bin", pattern(50000), {8, 4096});
        REQUIRE_FALSE(sent.ok());
        CHECK(sent.error() == StatusCode::quota_exceeded);
        CHECK(pair.server.open_handles() == 0);
        CHECK(pair.client.idle());
    }
    SECTION("the local sink refuses") {
        pair.fs.add_file("/data.bin", std::string(20000, 'x'));
        Answer<std::uint64_t> outcome;
        sftp::download(pair.client, "/data.bin",
                       [](std::uint64_t offset, ssh::ByteView) { return offset < 8192; },
                       {4, 4096}, outcome.callback());
        pair.pump();
        CHECK(outcome.code() == wire(StatusCode::failure));
        CHECK(outcome.result->message() == "local write failed");
        CHECK(pair.server.open_handles() == 0);
    }
}

TEST_CASE("client engine: stat attributes per version", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    ClientPair pair(version);
    pair.fs.add_file("/f.txt", "hello");
    Answer<sftp::FileAttributes> stat;
    pair.call(stat, [&](auto done) { pair.client.stat("/f.txt", std::move(done)); });
    const sftp::FileAttributes& a = stat.value();
    CHECK(a.size == 5u);
    REQUIRE(a.mtime.has_value());
    CHECK(a.mtime->seconds == 1700000000);
    if (version == 3) {
        CHECK(a.permissions == 0100644u);  // S_IFMT bits, as OpenSSH clients expect
        CHECK(a.uid_gid == sftp::UidGid{1000, 100});
        CHECK(a.mtime->nanoseconds == std::nullopt);
        CHECK(a.type == std::nullopt);
    } else {
        CHECK(a.type == sftp::FileType::regular);
        CHECK(a.permissions == 0644u);
        CHECK(a.owner_group == sftp::OwnerGroup{"1000", "100"});
        CHECK(a.mtime->nanoseconds == 500u);
    }
    CHECK(a.file_type() == sftp::FileType::regular);

    Answer<sftp::FileAttributes> dir;
    pair.call(dir, [&](auto done) { pair.client.lstat("/", std::move(done)); });
    CHECK(dir.value().file_type() == sftp::FileType::directory);

    SECTION("fstat and setstat") {
        Answer<std::string> handle;
        pair.call(handle, [&](auto done) {
            pair.client.open("/f.txt", sftp::open_for_reading(), {}, std::move(done));
        });
        Answer<sftp::FileAttributes> fstat;
        pair.call(fstat, [&](auto done) { pair.client.fstat(handle.value(), std::move(done)); });
        CHECK(fstat.value().size == 5u);
        sftp::FileAttributes change;
        change.permissions = 0600;
        Answer<void> set;
        pair.call(set, [&](auto done) { pair.client.setstat("/f.txt", change, std::move(done)); });
        set.ok();
        CHECK(pair.fs.nodes.at("/f.txt").mode == 0600u);
        Answer<void> fset;
        change.permissions = 0640;
        pair.call(fset, [&](auto done) {
            pair.client.fsetstat(handle.value(), change, std::move(done));
        });
        fset.ok();
        CHECK(pair.fs.nodes.at("/f.txt").mode == 0640u);
    }
}

TEST_CASE("client engine: directory listings", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 4u, 5u, 6u);
    CAPTURE(version);
    sftp::ServerConfig config;
    config.readdir_batch = 2;  // several READDIRs
    ClientPair pair(version, config);
    pair.fs.nodes["/d"] = Node{Node::dir, {}, {}, 0755, 1700000000};
    for (const char* name : {"a", "b", "c", "d", "e"}) pair.fs.add_file(std::string("/d/") + name, name);
    const auto entries = pair.list("/d");
    std::vector<std::string> names;
    for (const auto& entry : entries) {
        names.push_back(entry.filename);
        CHECK(entry.attrs.size == 1u);
        CHECK(entry.longname.empty() == (version != 3));  // ls -l lines exist in v3 only
    }
    CHECK(names == std::vector<std::string>{"a", "b", "c", "d", "e"});
    if (version >= 4) CHECK(entries.front().attrs.owner_group == sftp::OwnerGroup{"alice", "staff"});
}

TEST_CASE("client engine: requests beyond max_outstanding wait their turn", "[sftp][client]") {
    sftp::ClientConfig config;
    config.max_outstanding = 4;
    ClientPair pair(6, {}, config);
    pair.fs.add_file("/f", "x");
    pair.fs.defer = true;
    std::vector<Answer<sftp::FileAttributes>> stats(20);
    for (auto& stat : stats) pair.client.stat("/f", stat.callback());
    pair.pump();
    CHECK(pair.fs.calls.size() == 4);
    CHECK(pair.client.outstanding() == 4);
    CHECK(pair.client.queued() == 16);
    pair.complete_shuffled(9);
    for (auto& stat : stats) CHECK(stat.value().size == 1u);
    CHECK(pair.client.idle());
}

TEST_CASE("client engine: realpath and home directory", "[sftp][client]") {
    const std::uint32_t version = GENERATE(3u, 6u);
    ClientPair pair(version);
    pair.fs.home = "/home/alice";
    Answer<sftp::NameEntry> real;
    pair.call(real, [&](auto done) { pair.client.realpath(".", std::move(done)); });
    CHECK(real.value().filename == "/home/alice");
    Answer<std::string> home;
    pair.call(home, [&](auto done) { pair.client.home_directory("bob", std::move(done)); });
    CHECK(home.value() == "/home/bob");
    if (version == 6) {
        Answer<sftp::NameEntry> checked;
        pair.call(checked, [&](auto done) {
            pair.client.realpath("/x/../y", std::move(done), sftp::realpath_control::no_check);
        });
        CHECK(checked.value().filename == "/y");
    } else {
        CHECK_THROWS_AS(pair.client.realpath(".", [](auto) {}, sftp::realpath_control::no_check),
                        std::invalid_argument);
    }
}

TEST_CASE("client engine: take_output fills the spare buffer it is handed", "[sftp][client]") {
    sftp::ClientEngine client(sftp::ClientConfig{3, 64, sftp::kDefaultMaxPacketLength});
    ssh::Bytes spare(4096, 0xee);  // stale bytes of an earlier call
    const std::uint8_t* const storage = spare.data();
    const auto init = client.take_output(std::move(spare));
    REQUIRE(init.has_value());
    CHECK(unframe(*init) == sftp::Packet{1, ssh::Bytes{0, 0, 0, 3}});
    const auto version = sftp::encode_packet(sftp::Version{3, {}}, 3);
    client.receive(ssh::ByteView(version));
    REQUIRE(client.ready());

    Answer<sftp::FileAttributes> first, second;
    client.stat("/a", first.callback());
    client.stat("/b", second.callback());
    const auto requests = client.take_output();
    REQUIRE(requests.has_value());
    CHECK(requests->data() == storage);  // the spare's capacity, not a fresh buffer
    // Exactly the two requests: nothing of the spare's old contents.
    sftp::PacketReader reader;
    reader.feed(ssh::ByteView(*requests));
    for (const char* path : {"/a", "/b"}) {
        const auto packet = reader.next();
        REQUIRE(packet.has_value());
        CHECK(packet->type == static_cast<std::uint8_t>(sftp::PacketType::stat));
        ssh::Reader body("SSH_FXP_STAT", ssh::ByteView(packet->body));
        (void)body.uint32("id");
        CHECK(body.text("path") == path);
    }
    CHECK(reader.buffered() == 0);
    CHECK_FALSE(client.take_output(ssh::Bytes(16, 0xee)).has_value());
    CHECK_FALSE(client.has_output());
}

TEST_CASE("client engine: a queued request is checked when issued, framed when it goes out",
          "[sftp][client]") {
    sftp::ClientEngine client(sftp::ClientConfig{3, 1, sftp::kDefaultMaxPacketLength});
    (void)client.take_output();  // INIT
    const auto version = sftp::encode_packet(sftp::Version{3, {}}, 3);
    client.receive(ssh::ByteView(version));
    REQUIRE(client.ready());
    const auto stat_path = [](const ssh::Bytes& framed) {
        const sftp::Packet packet = unframe(framed);
        CHECK(packet.type == static_cast<std::uint8_t>(sftp::PacketType::stat));
        ssh::Reader body("SSH_FXP_STAT", ssh::ByteView(packet.body));
        const std::uint32_t id = body.uint32("id");
        return std::pair{id, body.text("path")};
    };

    Answer<sftp::FileAttributes> first, second;
    client.stat("/a", first.callback());  // takes the one slot
    const ssh::Bytes too_big(client.max_data_length() + 1, 'x');
    CHECK_THROWS_AS(client.write(std::string(256, 'h'), 0, too_big, [](auto) {}),
                    std::length_error);
    client.stat("/b", second.callback());  // waits for the slot
    CHECK(client.outstanding() == 1);
    CHECK(client.queued() == 1);
    const auto sent = client.take_output();
    REQUIRE(sent.has_value());
    const auto [first_id, first_path] = stat_path(*sent);  // "/a" alone
    CHECK(first_path == "/a");

    const auto reply = sftp::encode_packet(sftp::Attrs{first_id, {}}, 3);
    client.receive(ssh::ByteView(reply));
    CHECK(first.result.has_value());
    CHECK(client.queued() == 0);
    const auto next = client.take_output();
    REQUIRE(next.has_value());
    CHECK(stat_path(*next).second == "/b");
}

}  // namespace
}  // namespace sftp_test

TEST_CASE("describe() keeps a server's control characters off the terminal", "[client]") {
    const wharf::sftp::ClientFailure failure{wharf::sftp::StatusCode::failure, "gone\x1b[2J\r\nFAKE: ok\x7f"};
    CHECK(wharf::sftp::describe(failure) == "SSH_FX_FAILURE (gone\\x1b[2J\\x0d\\x0aFAKE: ok\\x7f)");
    CHECK(wharf::sftp::printable("plain UTF-8 \xc3\xa9 stays") == "plain UTF-8 \xc3\xa9 stays");
    CHECK(wharf::sftp::describe({wharf::sftp::StatusCode::eof, ""}) == "SSH_FX_EOF (End of file)");
}
