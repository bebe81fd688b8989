// Typed, immutable configuration of wharfd, produced by config/loader.hpp.
//
// One struct per YAML section. Every path is absolute (relative paths in the file are resolved
// against the directory of the file that names them). Secrets (password hashes, OFTP passwords)
// live here but are never logged by anyone.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/network.hpp"

namespace wharf::config {

using Duration = std::chrono::milliseconds;

enum class LogLevel { trace, debug, info, warn, error, critical, off };
enum class LogFormat { json, text };

struct LogSettings {
    LogLevel level = LogLevel::info;
    LogFormat format = LogFormat::json;
    std::filesystem::path file;  ///< empty: standard error
};

struct ServerSettings {
    std::filesystem::path state_dir = "/var/lib/wharf";
    unsigned workers = 0;  ///< 0: one per core
    LogSettings log;
    Duration shutdown_grace = std::chrono::seconds(30);
};

struct SshSettings {
    std::vector<ListenAddress> listen;
    /// Explicit host key files; empty means the default set in state_dir, generated when missing.
    std::vector<std::filesystem::path> host_keys;
    std::string banner;
    /// Algorithm lists in preference order; empty means wharf's defaults (OpenSSH 9.x order).
    /// Legacy algorithms (SHA-1 KEX, CBC, 3DES, arcfour, hmac-md5, ssh-rsa, ...) are only used
    /// when listed here.
    std::vector<std::string> kex_algorithms;
    std::vector<std::string> host_key_algorithms;
    std::vector<std::string> ciphers;
    std::vector<std::string> macs;
    std::vector<std::string> compression;
    /// 0 off, 1 on (default), 2 refuse Terrapin-affected algorithms without it, 3 required.
    unsigned strict_kex = 1;
    std::uint64_t rekey_limit = std::uint64_t{1} << 30;  ///< bytes either way; 0: never by volume
    Duration rekey_interval = std::chrono::hours(1);     ///< 0: never by time
    Duration login_grace_time = std::chrono::seconds(120);
    unsigned max_auth_tries = 6;
    Duration auth_failure_delay = std::chrono::milliseconds(300);
    Duration keepalive_interval = std::chrono::seconds(0);  ///< 0: off
    unsigned keepalive_count_max = 3;
    Duration idle_timeout = std::chrono::seconds(0);  ///< 0: off
    std::vector<std::string> accepted_client_versions{"SSH-2.0-*", "SSH-1.99-*"};
    /// Software version in our identification line "SSH-2.0-<this>"; empty: wharf_<version>.
    std::string server_version;
    /// OpenSSH moduli file for diffie-hellman-group-exchange; missing: built-in RFC 3526 groups.
    std::filesystem::path moduli_file = "/etc/ssh/moduli";
    /// OpenSSH's MaxStartups "start:rate:full": past `start` unauthenticated connections, new
    /// ones are dropped with probability rising from rate% to 100% at `full`.
    struct Startups {
        unsigned start = 10;
        unsigned rate = 30;
        unsigned full = 100;
    } max_startups;
    unsigned per_source_max_startups = 0;  ///< unauthenticated connections per address; 0: no limit
};

/// OFTP protocol levels (SSIDLEV), lowest first; a session runs at the lower of both sides'.
enum class OftpVersion { v1_2, v1_3, v1_4, v2_0 };
std::string_view oftp_version_name(OftpVersion version);  ///< "1.2" ... "2.0"

/// SSIDSR: whether a station sends, receives or does both in a session.
enum class OftpCapability { send, receive, both };
std::string_view oftp_capability_name(OftpCapability capability);  ///< "send", "receive", "both"

/// How often a receiver makes received data durable and records the restart point.
struct OftpCheckpoint {
    enum class Unit { bytes, buffers };
    std::uint64_t every = 4 * 1024 * 1024;
    Unit unit = Unit::bytes;
};

/// What we offer in SSID and how we time a session (`oftp.protocol`, and per partner on top).
/// Negotiation lowers each value to the partner's; these are our upper bounds.
struct OftpProtocol {
    OftpVersion max_version = OftpVersion::v2_0;
    unsigned exchange_buffer = 2048;  ///< SSIDSDEB octets, 128..99999
    unsigned credit = 99;             ///< SSIDCRED buffers, 1..999
    bool compression = false;         ///< SSIDCMPR: offer buffer compression (RFC 5024 7.3)
    bool restart = true;              ///< SSIDREST: offer restart of broken transfers
    OftpCapability capability = OftpCapability::both;
    /// The RFC 5024 section 9 "inactivity timer": how long we wait for a response the protocol
    /// requires (SSID, SFPA, EFPA, credit, ...) before ending the session.
    Duration response_timeout = std::chrono::seconds(60);
    /// No octet either way for this long ends the session; 0: off.
    Duration inactivity_timeout = std::chrono::seconds(0);
    OftpCheckpoint checkpoint;
};

/// Our TLS identity for `tls_listen` (and as client certificate when calling partners over TLS).
struct OftpTls {
    std::filesystem::path certificate;  ///< PEM chain, leaf first
    std::filesystem::path private_key;  ///< PEM (PKCS#8)
    std::filesystem::path client_ca;  ///< empty: client certificates are checked against partners' tls only
    bool require_client_cert = false;
};

struct OftpSettings {
    std::vector<ListenAddress> listen;      ///< plain TCP; a port left out is 3305
    std::vector<ListenAddress> tls_listen;  ///< TLS; a port left out is 6619
    std::string ssid;      ///< our Odette identification code (SSIDCODE)
    std::string sfid;      ///< our file destination/origin (SFIDDEST of files for us); default ssid
    /// Further SFIDs we accept files for (departments, systems behind us).
    std::vector<std::string> sub_stations;
    std::string password;  ///< SSIDPSWD we send unless a partner sets its own; may be empty
    std::optional<OftpTls> tls;
    OftpProtocol protocol;  ///< defaults for every partner
    std::filesystem::path state_dir;  ///< restart points, queued EERP/NERP; default <server.state_dir>/oftp
};

/// The SFTP subsystem (`sftp:`), shared by every SSH listener.
struct SftpSettings {
    unsigned max_version = 6;  ///< highest SFTP version offered (3..6); a lower client version wins
    unsigned readdir_batch = 100;  ///< entries per READDIR reply at most (the seeds' DirListBufferSize)
    std::string newline = "\n";  ///< the server's text line separator, announced to v4+ clients
    unsigned max_outstanding_requests = 64;  ///< requests in progress per session; more wait unread
    unsigned max_open_handles = 256;  ///< open files and directories per session
    std::uint64_t max_read_length = 256 * 1024;  ///< bytes one READ returns at most
};

/// Events operation hooks can watch (`hooks:` keys; `delete` is Remove).
enum class HookEvent { login, logout, upload, download, remove, rename, mkdir, rmdir, setstat, symlink };
inline constexpr std::size_t hook_event_count = 10;
std::string_view hook_event_name(HookEvent event);  ///< YAML spelling ("delete" for remove)
std::optional<HookEvent> hook_event_from_name(std::string_view name);

/// An executable run for an event: no shell, arguments as given, killed at the timeout.
struct HookCommand {
    std::filesystem::path command;  ///< absolute path of an existing executable
    std::vector<std::string> args;
    Duration timeout = std::chrono::seconds(30);
};

/// `pre` runs before the operation (exit 0 allows it), `post` after it with the outcome.
struct EventHooks {
    std::optional<HookCommand> pre;
    std::optional<HookCommand> post;
};

/// File operations a user may be granted on a virtual path (inherited by sub-paths).
enum class Permission : std::uint32_t {
    list = 1u << 0,
    download = 1u << 1,
    upload = 1u << 2,
    overwrite = 1u << 3,
    remove = 1u << 4,  ///< spelled `delete` in YAML
    rename = 1u << 5,
    mkdir = 1u << 6,
    rmdir = 1u << 7,
    symlink = 1u << 8,
    chmod = 1u << 9,
    chtimes = 1u << 10,
};
inline constexpr std::uint32_t all_permissions = (1u << 11) - 1;

/// YAML spelling of a permission ("delete" for Permission::remove).
std::string_view permission_name(Permission p);
std::optional<Permission> permission_from_name(std::string_view name);

struct PermissionEntry {
    std::string path;  ///< normalised absolute virtual path
    std::uint32_t permissions = 0;  ///< bits of Permission
};

struct VirtualFolder {
    std::string path;  ///< normalised absolute virtual path where the folder appears
    std::filesystem::path source;
    bool read_only = false;
};

struct Quota {
    std::uint64_t bytes = 0;  ///< 0: unlimited
    std::uint64_t files = 0;  ///< 0: unlimited
};

enum class AuthMethod { password, publickey, keyboard_interactive };
std::string_view auth_method_name(AuthMethod m);

/// Methods that must all succeed, in any order, e.g. publickey+password.
using AuthChain = std::vector<AuthMethod>;

struct User {
    std::string name;
    std::string password_hash;  ///< empty: no password; else $argon2id$, $2b$/$2y$ or $6$
    std::vector<std::string> authorized_keys;  ///< inline OpenSSH authorized_keys lines
    std::filesystem::path authorized_keys_file;  ///< empty: none
    std::filesystem::path root;
    std::string home = "/";
    /// Only `home` and what lies below it may be used; paths still show from the root.
    bool restrict_to_home = false;
    std::vector<VirtualFolder> virtual_folders;
    std::vector<PermissionEntry> permissions;  ///< empty: everything allowed everywhere
    Quota quota;
    unsigned max_sessions = 0;  ///< 0: unlimited
    std::vector<Cidr> allowed_ips;  ///< empty: any address
    std::vector<Cidr> denied_ips;
    std::vector<AuthChain> auth_methods;  ///< alternatives; any one complete chain admits
    bool disabled = false;

    /// Whether `remote` may log in as this user (denied_ips win over allowed_ips).
    bool address_allowed(std::string_view remote) const;
};

/// Calling a partner: whenever outbox files or responses are pending for it, and every
/// `interval` if set; failed calls are retried after `retry_initial`, doubling up to `retry_max`.
struct PartnerConnect {
    ListenAddress address;  ///< a port left out is 3305, or 6619 with tls
    bool tls = false;
    Duration interval = std::chrono::seconds(0);  ///< 0: call only when something is pending
    Duration retry_initial = std::chrono::seconds(30);
    Duration retry_max = std::chrono::minutes(30);
    unsigned max_attempts = 0;  ///< failed calls in a row before giving up until new work; 0: never
};

/// Certificates the partner's TLS peer may present (as server when we call, as client when it
/// calls us): the exact certificate, one issued by the CA, or either when both are set.
struct PartnerTls {
    std::filesystem::path certificate;
    std::filesystem::path ca;
};

/// What happens when a received file's inbox name is taken.
enum class OverwritePolicy { never, always, rename };
std::string_view overwrite_policy_name(OverwritePolicy policy);

/// Placeholders allowed in Partner::inbox_naming, spelled {name}.
inline constexpr std::array<std::string_view, 7> inbox_naming_placeholders{
    "originator", "destination", "dsn", "date", "time", "counter", "partner"};

struct Partner {
    std::string name;
    std::string ssid;  ///< the SSIDCODE it presents
    /// The SSIDPSWD it must present: plain (1-8 characters) or a hash ($argon2id$, $2b$, $6$).
    std::string password;
    std::string send_password;  ///< SSIDPSWD we present to it (oftp.password unless set)
    std::string sfid;  ///< where our outbox files are addressed (SFIDDEST); default ssid
    std::vector<std::string> originators;   ///< SFIDORIG it may use; default [sfid]
    std::vector<std::string> destinations;  ///< SFIDDEST it may address; default oftp.sfid and sub_stations
    std::filesystem::path inbox;   ///< empty only for a send-only partner
    std::string inbox_naming = "{originator}/{dsn}.{date}{time}";  ///< relative to inbox
    OverwritePolicy overwrite = OverwritePolicy::rename;
    bool detect_duplicates = true;  ///< same DSN, date and time again -> SFNA/NERP duplicate
    std::filesystem::path outbox;  ///< empty only for a receive-only partner
    OftpProtocol protocol;  ///< oftp.protocol with this partner's overrides
    std::optional<PartnerTls> tls;
    std::optional<PartnerConnect> connect;

    bool password_is_hash() const { return password.starts_with('$'); }
};

struct Config {
    std::filesystem::path source;  ///< file it was loaded from ("<embedded>" for the demo)
    ServerSettings server;
    std::optional<SshSettings> ssh;    ///< absent: no SSH listener
    std::optional<OftpSettings> oftp;  ///< absent: no OFTP listener
    SftpSettings sftp;
    std::array<EventHooks, hook_event_count> hooks{};  ///< indexed by HookEvent
    std::vector<User> users;
    std::vector<Partner> partners;

    const User* find_user(std::string_view name) const;
    const EventHooks& hooks_for(HookEvent event) const { return hooks.at(static_cast<std::size_t>(event)); }
    const Partner* find_partner(std::string_view name) const;
    const Partner* find_partner_by_ssid(std::string_view ssid) const;
};

}  // namespace wharf::config
