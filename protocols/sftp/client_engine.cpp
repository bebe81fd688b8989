// The client engine's core: INIT/VERSION, intake, matching replies to requests by id, the
// local queue behind `max_outstanding`, and the one failure path.
#include "protocols/sftp/client_engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace wharf::sftp {

namespace {

// Decodes a VERSION extension the server sent, or nullopt when its data is garbled.
template <class Payload>
std::optional<Payload> decoded_extension(const ExtensionPair& pair) {
    try {
        return parse_version_extension<Payload>(pair);
    } catch (const DecodeError&) {
        return std::nullopt;
    }
}

ServerInfo server_info(const Version& version) {
    ServerInfo info;
    info.version = version.version;
    info.extensions = version.extensions;
    for (const auto& pair : version.extensions) {
        if (pair.name == NewlineExtension::kName) {
            if (auto newline = decoded_extension<NewlineExtension>(pair)) {
                info.newline = newline->separator;
            }
        } else if (pair.name == VendorIdExtension::kName) {
            info.vendor = decoded_extension<VendorIdExtension>(pair);
        } else if (pair.name == SupportedExtension::kName) {
            info.supported = decoded_extension<SupportedExtension>(pair);
        } else if (pair.name == Supported2Extension::kName) {
            info.supported2 = decoded_extension<Supported2Extension>(pair);
        } else if (pair.name == VersionsExtension::kName) {
            info.versions = decoded_extension<VersionsExtension>(pair);
        }
    }
    return info;
}

PacketType reply_type(const Reply& reply) {
    return std::visit([](const auto& message) { return message.kType; }, reply);
}

std::uint32_t reply_id(const Reply& reply) {
    return std::visit(
        [](const auto& message) -> std::uint32_t {
            if constexpr (requires { message.request_id; }) {
                return message.request_id;
            } else {
                return 0;
            }
        },
        reply);
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

std::string describe(const ClientFailure& failure) {
    const auto code = static_cast<std::uint32_t>(failure.error);
    std::string name(status_name(code));
    if (name.empty()) name = "SSH_FX_" + std::to_string(code);
    const std::string text =
        failure.message.empty() ? std::string(status_message(code)) : printable(failure.message);
    return name + " (" + text + ")";
}

bool ServerInfo::has_extension(std::string_view name) const {
    if (extension_data(name)) return true;
    const auto listed = [name](const std::vector<std::string>& names) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    return (supported && listed(supported->extension_names)) ||
           (supported2 && listed(supported2->extension_names));
}

std::optional<std::string> ServerInfo::extension_data(std::string_view name) const {
    for (const auto& pair : extensions) {
        if (pair.name == name) return pair.data;
    }
    return std::nullopt;
}

OpenMode open_for_reading() noexcept {
    return OpenMode{ace4::read_data | ace4::read_attributes, open_flags::open_existing};
}

OpenMode open_for_writing() noexcept {
    return OpenMode{ace4::write_data | ace4::write_attributes, open_flags::create_truncate};
}

// ---- lifecycle ----------------------------------------------------------------------------------

ClientEngine::ClientEngine(ClientConfig config)
    : m_config(config), m_reader(config.max_packet_length), m_output(config.max_packet_length),
      m_check(config.max_packet_length) {
    if (config.max_version < kMinVersion || config.max_version > kMaxVersion) {
        throw std::invalid_argument("sftp client: max_version must be 3..6, not " +
                                    std::to_string(config.max_version));
    }
    if (config.max_outstanding == 0) {
        throw std::invalid_argument("sftp client: max_outstanding must be at least 1");
    }
    m_output.write(Init{config.max_version, {}}, config.max_version);
}

ClientEngine::~ClientEngine() = default;

std::optional<std::uint32_t> ClientEngine::version() const noexcept {
    if (!m_server) return std::nullopt;
    return m_server->version;
}

std::uint32_t ClientEngine::encoding_version() const noexcept {
    return m_server ? m_server->version : m_config.max_version;
}

std::uint32_t ClientEngine::max_data_length() const noexcept {
    // type, id, handle (length + 256), offset, data length.
    constexpr std::uint32_t kWriteHeader = 1 + 4 + 4 + kMaxHandleLength + 8 + 4;
    return m_config.max_packet_length - kWriteHeader;
}

std::optional<ssh::Bytes> ClientEngine::take_output(ssh::Bytes spare) {
    if (m_output.pending().empty()) return std::nullopt;
    return m_output.take(std::move(spare));
}

// ---- intake ---------------------------------------------------------------------------------------

void ClientEngine::receive(ssh::ByteView bytes) {
    if (failed()) return;
    // Queued requests wait until every packet of this read is handled, then go out in one go
    // (a callback's request with room and nothing queued goes out at once, see issue()).
    struct Handling {
        bool& flag;
        explicit Handling(bool& f) : flag(f) { flag = true; }
        ~Handling() { flag = false; }
        Handling(const Handling&) = delete;
        Handling& operator=(const Handling&) = delete;
    };
    {
        const Handling handling(m_handling);
        try {
            m_reader.feed(bytes);
            while (!failed()) {
                const auto packet = m_reader.next();
                if (!packet) break;
                handle_packet(*packet);
            }
        } catch (const FramingError& error) {
            fail(error.what());
        }
    }
    if (!failed()) send_queued();
}

void ClientEngine::receive_eof() {
    if (failed()) return;
    if (!m_server) return fail("the server closed the channel before VERSION");
    if (!idle()) return fail("the server closed the channel with requests outstanding");
    if (m_reader.buffered() > 0) return fail("the server closed the channel inside a packet");
}

void ClientEngine::handle_packet(const Packet& packet) {
    std::optional<Reply> reply;
    try {
        reply = decode_reply(packet, encoding_version());
    } catch (const DecodeError& error) {
        return fail(error.what());
    }
    if (auto* version = std::get_if<Version>(&*reply)) return handle_version(*version);
    if (!m_server) return fail(packet_type_name(packet.type) + " before VERSION");
    handle_reply(*reply);
}

void ClientEngine::handle_version(const Version& version) {
    if (m_server) return fail("a second SSH_FXP_VERSION");
    if (version.version < kMinVersion || version.version > m_config.max_version) {
        return fail("the server answered version " + std::to_string(version.version) +
                    " to our " + std::to_string(m_config.max_version));
    }
    m_server = server_info(version);
}

void ClientEngine::handle_reply(Reply& reply) {
    const std::uint32_t id = reply_id(reply);
    const PacketType type = reply_type(reply);
    const auto it = m_outstanding.find(id);
    if (it == m_outstanding.end()) {
        return fail(packet_type_name(static_cast<std::uint8_t>(type)) +
                    " for unknown request id " + std::to_string(id));
    }
    const Outstanding& request = it->second;
    const auto* status = std::get_if<Status>(&reply);
    if (status == nullptr && type != request.expected) {
        return fail(packet_type_name(static_cast<std::uint8_t>(type)) + " in reply to " +
                    request.what);
    }
    if (status != nullptr && status->code == static_cast<std::uint32_t>(StatusCode::ok) &&
        request.expected != PacketType::status) {
        return fail("SSH_FX_OK in reply to " + request.what + ", which expects " +
                    packet_type_name(static_cast<std::uint8_t>(request.expected)));
    }
    std::function<void()> call_user;
    try {
        call_user = request.complete(reply);
    } catch (const DecodeError& error) {
        return fail(request.what + ": " + error.what());
    }
    m_outstanding.erase(it);
    call_user();
}

void ClientEngine::fail(std::string reason) {
    if (failed()) return;
    m_failure = std::move(reason);
    // Complete everything still waiting, oldest first; callbacks may issue more requests,
    // which complete at once now that the engine has failed.
    std::map<std::uint32_t, Outstanding> outstanding;
    outstanding.swap(m_outstanding);
    std::deque<Queued> queue;
    queue.swap(m_queue);
    const ClientFailure failure{StatusCode::connection_lost, "sftp: " + *m_failure};
    for (auto& [id, request] : outstanding) request.abandon(failure);
    for (auto& queued : queue) queued.outstanding.abandon(failure);
}

// ---- issuing --------------------------------------------------------------------------------------

void ClientEngine::check_ready() const {
    if (!m_server && !failed()) {
        throw std::logic_error("sftp client: request issued before SSH_FXP_VERSION");
    }
}

std::uint32_t ClientEngine::issue(Request message, Outstanding outstanding) {
    const std::uint32_t id = m_next_id++;
    std::visit(
        [id, &outstanding](auto& m) {
            if constexpr (requires { m.request_id; }) m.request_id = id;
            outstanding.what = packet_type_name(static_cast<std::uint8_t>(m.kType));
            if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Extended>) {
                outstanding.what = m.name;
            }
        },
        message);
    if (failed()) {
        outstanding.abandon(ClientFailure{StatusCode::connection_lost, "sftp: " + *m_failure});
        return id;
    }
    if (m_queue.empty() && m_outstanding.size() < m_config.max_outstanding) {
        // Room on the wire and nothing queued ahead of it: out now, in issue order still.
        m_output.write(message, m_server->version);
        m_outstanding.emplace(id, std::move(outstanding));
        return id;
    }
    m_check.write(message, m_server->version);
    m_check_buffer = m_check.take(std::move(m_check_buffer));
    m_queue.push_back(Queued{id, std::move(message), std::move(outstanding)});
    if (!m_handling) send_queued();
    return id;
}

void ClientEngine::send_queued() {
    while (!m_queue.empty() && m_outstanding.size() < m_config.max_outstanding) {
        Queued next = std::move(m_queue.front());
        m_queue.pop_front();
        m_output.write(next.message, m_server->version);
        m_outstanding.emplace(next.id, std::move(next.outstanding));
    }
}

std::uint32_t ClientEngine::send_expecting_status(Request message, Done<void> done) {
    Outstanding outstanding;
    outstanding.expected = PacketType::status;
    outstanding.abandon = [done](ClientFailure failure) { done(std::move(failure)); };
    outstanding.complete = [done = std::move(done)](Reply& reply) -> std::function<void()> {
        const auto& status = std::get<Status>(reply);
        if (status.code == static_cast<std::uint32_t>(StatusCode::ok)) {
            return [done] { done(ClientResult<void>()); };
        }
        ClientFailure failure{static_cast<StatusCode>(status.code), status.message};
        return [done, failure = std::move(failure)] { done(failure); };
    };
    return issue(std::move(message), std::move(outstanding));
}

std::uint32_t ClientEngine::send_expecting_one_name(Request message, Done<NameEntry> done) {
    return send_expecting<NameEntry>(
        std::move(message), PacketType::name, std::move(done),
        [](Reply& reply, std::uint32_t) {
            auto& name = std::get<Name>(reply);
            if (name.entries.size() != 1) {
                throw DecodeError("SSH_FXP_NAME", "count",
                                  std::to_string(name.entries.size()) + " entries, not 1",
                                  name.request_id);
            }
            return std::move(name.entries.front());
        });
}

}  // namespace wharf::sftp
