// `wharf oftp send`: one OFTP session as initiator that offers the named files, takes the
// partner's EERPs (and files, with --receive-dir) and reports each file.
//
//   wharf oftp send --config FILE --partner NAME [--dsn NAME] FILE...
//   wharf oftp send --to HOST:PORT --ssid OURS --password PW --sfid THEIRS [...] FILE...
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>

#include "config/loader.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/logging/log.hpp"
#include "daemon/oftp/oftp_connection.hpp"
#include "daemon/vfs/disk_pool.hpp"

namespace wharf::cli {

namespace {

namespace net = boost::asio;
using namespace wharf::daemon;

constexpr const char* send_usage =
    "usage: wharf oftp send --config FILE --partner NAME [OPTIONS] FILE...\n"
    "       wharf oftp send --to HOST[:PORT] --ssid OUR_SSID --sfid THEIR_SFID [OPTIONS] FILE...\n"
    "  --config FILE          the station (oftp section) and partner from a wharfd configuration\n"
    "  --partner NAME         the partner to call (its connect.address unless --to is given)\n"
    "  --to HOST[:PORT]       call this address (port 3305, or 6619 with --tls)\n"
    "  --ssid CODE            our SSIDCODE (--to without --config)\n"
    "  --password PW | --password-env VAR   the SSIDPSWD we present\n"
    "  --sfid CODE            the files' destination (SFIDDEST); default the partner's SSID\n"
    "  --partner-ssid CODE    the SSID the partner must answer with (default: any)\n"
    "  --partner-password PW  the password it must present (default: any)\n"
    "  --tls                  TLS 1.2; verify the server with --ca FILE or --cert FILE, or --insecure\n"
    "  --client-cert FILE --client-key FILE   our TLS client certificate and key (PEM)\n"
    "  --version 1.2|1.3|1.4|2.0  highest protocol level offered (default 2.0)\n"
    "  --buffer N --credit N  exchange buffer (128-99999, default 99999) and credit (1-999, default 99)\n"
    "  --compression          offer buffer compression   --no-restart   do not offer restart\n"
    "  --format U|T|F|V       virtual file format (default U)  --record-length N (F, V)\n"
    "  --dsn NAME             dataset name (one file only; default the file name)\n"
    "  --description TEXT     SFIDDESC (2.0)\n"
    "  --stamp YYYYMMDDHHMMSS[cccc]  the file's date and time (default now; one file only)\n"
    "  --receive-dir DIR      store files the partner sends in this session there\n"
    "  --state-dir DIR        restart points and queued responses (default ~/.local/state/wharf/oftp)\n"
    "  --connect-timeout SECONDS (default 30)   --log-format text|json   --verbose\n"
    "exit status: 0 every file delivered, 1 some file refused or not sent, 255 no session\n";

struct SendArguments {
    std::optional<std::filesystem::path> config_file;
    std::string partner_name;
    std::string to;
    std::string ssid;
    std::optional<std::string> password;
    std::string sfid;
    std::string partner_ssid;
    std::string partner_password;
    bool tls = false;
    std::filesystem::path ca, cert, client_cert, client_key;
    bool insecure = false;
    std::optional<config::OftpVersion> version;
    std::optional<unsigned> buffer, credit;
    bool compression = false;
    bool no_restart = false;
    SendOptions file_options;
    std::filesystem::path receive_dir;
    std::filesystem::path state_dir;
    unsigned connect_timeout = 30;
    config::LogFormat log_format = config::LogFormat::text;
    bool verbose = false;
    std::vector<std::filesystem::path> files;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

unsigned parse_number(std::string_view option, std::string_view text, unsigned low, unsigned high) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
        throw UsageError(fmt::format("{}: expected a number {}..{}, got '{}'", option, low, high, text));
    }
    return value;
}

// YYYYMMDDHHMMSS[cccc]: the virtual file's date, time and 2.0 counter.
oftp::FileDateTime parse_stamp(std::string_view text) {
    const auto digits = [&](std::size_t at, std::size_t count) {
        return static_cast<unsigned>(parse_number("--stamp", text.substr(at, count), 0, 9999));
    };
    if ((text.size() != 14 && text.size() != 18) ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw UsageError(fmt::format("--stamp: expected YYYYMMDDHHMMSS[cccc], got '{}'", text));
    }
    oftp::FileDateTime stamp;
    stamp.year = static_cast<std::uint16_t>(digits(0, 4));
    stamp.month = static_cast<std::uint8_t>(digits(4, 2));
    stamp.day = static_cast<std::uint8_t>(digits(6, 2));
    stamp.hour = static_cast<std::uint8_t>(digits(8, 2));
    stamp.minute = static_cast<std::uint8_t>(digits(10, 2));
    stamp.second = static_cast<std::uint8_t>(digits(12, 2));
    stamp.counter = text.size() == 18 ? static_cast<std::uint16_t>(digits(14, 4)) : 0;
    if (!oftp::is_valid_calendar(stamp)) throw UsageError(fmt::format("--stamp: '{}' is no valid date and time", text));
    return stamp;
}

config::OftpVersion parse_version(std::string_view text) {
    if (text == "1.2") return config::OftpVersion::v1_2;
    if (text == "1.3") return config::OftpVersion::v1_3;
    if (text == "1.4") return config::OftpVersion::v1_4;
    if (text == "2.0") return config::OftpVersion::v2_0;
    throw UsageError(fmt::format("--version: expected 1.2, 1.3, 1.4 or 2.0, got '{}'", text));
}

SendArguments parse_send(std::span<const std::string_view> args) {
    SendArguments parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        const auto value = [&]() -> std::string_view {
            if (i + 1 >= args.size()) throw UsageError(fmt::format("{} needs a value", arg));
            return args[++i];
        };
        if (arg == "--config") parsed.config_file = value();
        else if (arg == "--partner") parsed.partner_name = value();
        else if (arg == "--to") parsed.to = value();
        else if (arg == "--ssid") parsed.ssid = value();
        else if (arg == "--password") parsed.password = std::string(value());
        else if (arg == "--password-env") {
            const std::string name(value());
            const char* secret = std::getenv(name.c_str());
            if (!secret) throw UsageError(fmt::format("--password-env: {} is not set", name));
            parsed.password = secret;
        } else if (arg == "--sfid") parsed.sfid = value();
        else if (arg == "--partner-ssid") parsed.partner_ssid = value();
        else if (arg == "--partner-password") parsed.partner_password = value();
        else if (arg == "--tls") parsed.tls = true;
        else if (arg == "--ca") parsed.ca = value();
        else if (arg == "--cert") parsed.cert = value();
        else if (arg == "--insecure") parsed.insecure = true;
        else if (arg == "--client-cert") parsed.client_cert = value();
        else if (arg == "--client-key") parsed.client_key = value();
        else if (arg == "--version") parsed.version = parse_version(value());
        else if (arg == "--buffer") parsed.buffer = parse_number(arg, value(), 128, 99999);
        else if (arg == "--credit") parsed.credit = parse_number(arg, value(), 1, 999);
        else if (arg == "--compression") parsed.compression = true;
        else if (arg == "--no-restart") parsed.no_restart = true;
        else if (arg == "--format") {
            const auto text = value();
            const auto format = text.size() == 1 ? oftp::record_format_from_code(text[0]) : std::nullopt;
            if (!format) throw UsageError(fmt::format("--format: expected U, T, F or V, got '{}'", text));
            parsed.file_options.format = *format;
        } else if (arg == "--record-length") parsed.file_options.record_length = parse_number(arg, value(), 1, 99999);
        else if (arg == "--dsn") parsed.file_options.dataset_name = value();
        else if (arg == "--description") parsed.file_options.description = value();
        else if (arg == "--stamp") parsed.file_options.stamp = parse_stamp(value());
        else if (arg == "--receive-dir") parsed.receive_dir = value();
        else if (arg == "--state-dir") parsed.state_dir = value();
        else if (arg == "--connect-timeout") parsed.connect_timeout = parse_number(arg, value(), 1, 3600);
        else if (arg == "--log-format") {
            const auto text = value();
            if (text != "text" && text != "json") throw UsageError("--log-format: expected text or json");
            parsed.log_format = text == "json" ? config::LogFormat::json : config::LogFormat::text;
        } else if (arg == "--verbose" || arg == "-v") parsed.verbose = true;
        else if (arg.starts_with("--")) throw UsageError(fmt::format("unknown option {}", arg));
        else parsed.files.emplace_back(arg);
    }
    if (parsed.files.empty()) throw UsageError("no file to send");
    if ((!parsed.file_options.dataset_name.empty() || parsed.file_options.stamp) && parsed.files.size() > 1) {
        throw UsageError("--dsn and --stamp name one file; several were given");
    }
    if (parsed.config_file && parsed.partner_name.empty()) throw UsageError("--config needs --partner NAME");
    if (!parsed.config_file && parsed.to.empty()) throw UsageError("give --config FILE --partner NAME or --to HOST:PORT");
    if (!parsed.config_file && parsed.ssid.empty()) throw UsageError("--to needs --ssid (our SSIDCODE)");
    if (parsed.file_options.format == oftp::RecordFormat::fixed && parsed.file_options.record_length == 0) {
        throw UsageError("--format F needs --record-length");
    }
    return parsed;
}

std::filesystem::path default_state_dir() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) {
        return std::filesystem::path(state) / "wharf" / "oftp";
    }
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : "/tmp") / ".local" / "state" / "wharf" / "oftp";
}

// The station and partner of a --to call, as a configuration would give them.
std::shared_ptr<config::Config> ad_hoc_config(const SendArguments& args, config::Partner& partner) {
    auto config = std::make_shared<config::Config>();
    config->source = "<command line>";
    config::OftpSettings station;
    station.ssid = args.ssid;
    station.sfid = args.ssid;
    station.password = args.password.value_or("");
    station.state_dir = args.state_dir.empty() ? default_state_dir() : args.state_dir;
    if (!args.client_cert.empty()) station.tls = config::OftpTls{args.client_cert, args.client_key, {}, false};
    station.protocol.exchange_buffer = 99999;
    config->oftp = station;
    partner.name = "cli";
    partner.ssid = args.partner_ssid;
    partner.password = args.partner_password;
    partner.sfid = !args.sfid.empty() ? args.sfid : args.partner_ssid;
    if (partner.sfid.empty()) throw UsageError("--to needs --sfid (the files' destination) or --partner-ssid");
    partner.originators = {partner.sfid};
    partner.destinations = {station.sfid};
    partner.inbox = args.receive_dir;
    partner.protocol = station.protocol;
    if (!args.ca.empty() || !args.cert.empty()) partner.tls = config::PartnerTls{args.cert, args.ca};
    if (args.receive_dir.empty()) partner.protocol.capability = config::OftpCapability::send;
    return config;
}

std::shared_ptr<const config::Config> load_config(const SendArguments& args, config::Partner& partner) {
    std::shared_ptr<config::Config> config;
    if (args.config_file) {
        config = std::make_shared<config::Config>(*config::load_file(*args.config_file));
        if (!config->oftp) throw std::runtime_error(fmt::format("{}: no oftp section", args.config_file->string()));
        const config::Partner* found = config->find_partner(args.partner_name);
        if (!found) throw std::runtime_error(fmt::format("no partner named '{}'", args.partner_name));
        partner = *found;
        if (!args.sfid.empty()) partner.sfid = args.sfid;
        if (!args.state_dir.empty()) config->oftp->state_dir = args.state_dir;
        if (args.password) partner.send_password = *args.password;
    } else {
        config = ad_hoc_config(args, partner);
    }
    auto& protocol = partner.protocol;
    if (args.version) protocol.max_version = *args.version;
    if (args.buffer) protocol.exchange_buffer = *args.buffer;
    if (args.credit) protocol.credit = *args.credit;
    if (args.compression) protocol.compression = true;
    if (args.no_restart) protocol.restart = false;
    return config;
}

// Where to call: --to, else the partner's connect address.
std::pair<std::string, std::string> call_address(const SendArguments& args, const config::Partner& partner, bool tls) {
    std::string text = args.to;
    if (text.empty()) {
        if (!partner.connect) throw UsageError(fmt::format("partner '{}' has no connect address: give --to", partner.name));
        text = partner.connect->address.to_string();
    }
    const auto address = config::ListenAddress::parse(text);
    if (!address || address->host.empty()) throw UsageError(fmt::format("--to: expected HOST[:PORT], got '{}'", text));
    const auto port = address->port ? address->port : (tls ? 6619 : 3305);
    return {address->host, std::to_string(port)};
}

std::shared_ptr<OftpStream> connect_stream(net::io_context& io, const std::string& host, const std::string& port,
                                           unsigned timeout_seconds, std::shared_ptr<const TlsContext> tls) {
    net::ip::tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(host, port);
    net::ip::tcp::socket socket(io);
    net::steady_timer timer(io, std::chrono::seconds(timeout_seconds));
    boost::system::error_code result = net::error::would_block;
    net::async_connect(socket, endpoints, [&](const boost::system::error_code& ec, const auto&) { result = ec; timer.cancel(); });
    timer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) socket.close();
    });
    io.run();
    io.restart();
    if (result == net::error::would_block || result == net::error::operation_aborted) {
        throw std::runtime_error(fmt::format("connect to {}:{}: timed out after {} s", host, port, timeout_seconds));
    }
    if (result) throw std::runtime_error(fmt::format("connect to {}:{}: {}", host, port, result.message()));
    socket.set_option(net::ip::tcp::no_delay(true));
    return tls ? OftpStream::tls_client(std::move(socket), std::move(tls)) : OftpStream::plain(std::move(socket));
}

void print_report(const OftpConnectionResult& result) {
    for (const auto& file : result.sent) {
        std::string end_to_end;
        if (file.end_to_end) end_to_end = *file.end_to_end ? ", EERP received" : ", NERP received";
        else if (file.delivered) end_to_end = ", no EERP in this session";
        if (file.delivered) {
            fmt::print("{}: sent as {} ({} bytes{}{})\n", file.source.string(), file.dataset_name, file.bytes,
                       file.restart_offset ? fmt::format(", restarted at {}", file.restart_offset) : "", end_to_end);
        } else {
            fmt::print("{}: NOT sent{}: {}\n", file.source.string(),
                       file.dataset_name.empty() ? "" : " as " + file.dataset_name, file.refusal);
        }
    }
    if (result.files_received) fmt::print("received {} file(s)\n", result.files_received);
    fmt::print("session: {}\n", result.end.empty() ? "ended" : result.end);
}

int run_send(const SendArguments& args) {
    config::LogSettings logging;
    logging.format = args.log_format;
    logging.level = args.verbose ? config::LogLevel::debug : config::LogLevel::warn;
    if (args.log_format == config::LogFormat::json) logging.level = args.verbose ? config::LogLevel::debug : config::LogLevel::info;
    log::configure(logging);

    config::Partner partner;
    const auto config = load_config(args, partner);
    const bool tls = args.tls || (args.to.empty() && partner.connect && partner.connect->tls);
    std::shared_ptr<const TlsContext> tls_context;
    if (tls) {
        if (!partner.tls && !args.insecure) throw UsageError("--tls needs --ca FILE, --cert FILE or --insecure");
        tls_context = TlsContext::for_client(config->oftp->tls ? &*config->oftp->tls : nullptr,
                                             args.insecure ? nullptr : &*partner.tls);
    }
    const auto [host, port] = call_address(args, partner, tls);

    net::io_context io;
    vfs::DiskPool disk_pool(2);
    ActivePartners active;
    auto stream = connect_stream(io, host, port, args.connect_timeout, tls_context);

    OftpConnectionSetup setup;
    setup.config = config;
    setup.disk_pool = &disk_pool;
    setup.active_partners = &active;
    setup.conn_id = 1;
    setup.proto = tls ? "oftps" : "oftp";
    OftpCall call;
    call.partner = partner;
    call.send_outbox = false;
    for (const auto& file : args.files) call.files.emplace_back(std::filesystem::absolute(file), args.file_options);
    setup.call = std::move(call);
    OftpConnectionResult result;
    bool finished = false;
    setup.on_finished = [&](const OftpConnectionResult& r) {
        result = r;
        finished = true;
    };
    OftpConnection::create(stream, std::move(setup))->start();
    io.run();
    print_report(result);
    if (!finished || !result.established) return 255;
    const bool all_sent = std::all_of(result.sent.begin(), result.sent.end(), [](const auto& f) { return f.delivered; });
    return all_sent && result.sent.size() == args.files.size() ? 0 : 1;
}

}  // namespace

int oftp_client(std::span<const std::string_view> args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        fmt::print("{}", send_usage);
        return args.empty() ? 2 : 0;
    }
    if (args[0] != "send") {
        fmt::print(stderr, "wharf oftp: unknown command '{}'\n{}", args[0], send_usage);
        return 2;
    }
    const auto rest = args.subspan(1);
    if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
        fmt::print("{}", send_usage);
        return 0;
    }
    try {
        return run_send(parse_send(rest));
    } catch (const UsageError& e) {
        fmt::print(stderr, "wharf oftp send: {}\n{}", e.what(), send_usage);
        return 2;
    } catch (const config::ConfigError& e) {
        for (const auto& diagnostic : e.diagnostics()) fmt::print(stderr, "{}\n", diagnostic.to_string());
        return 255;
    } catch (const std::exception& e) {
        fmt::print(stderr, "wharf oftp send: {}\n", e.what());
        return 255;
    }
}

}  // namespace wharf::cli
