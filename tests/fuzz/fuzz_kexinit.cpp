// libFuzzer harness: KEXINIT decoding (messages.hpp) and algorithm negotiation (kex.hpp).
//
// The input is a whole KEXINIT payload, message number first, so a captured peer KEXINIT is a
// seed as it is. Knobs come from the cookie, which carries no meaning of its own: cookie[0]
// picks the strict KEX mode and cookie[1] whether this is the initial exchange.
// Invariants: decode succeeds or throws DecodeError; a decoded KEXINIT encodes and decodes
// back to the same bytes; negotiate() against our default KEXINIT, in either role, returns
// algorithms both sides listed (never a marker, and always one we can key) or throws
// ProtocolError. Anything else escapes and crashes the fuzzer; a broken invariant traps.
#include "protocols/ssh/compression.hpp"
#include "protocols/ssh/kex.hpp"
#include "protocols/ssh/messages.hpp"
#include "protocols/ssh/transport.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ssh = wharf::ssh;

[[noreturn]] void invariant_broken(const char* what) {
    std::fprintf(stderr, "fuzz_kexinit: invariant broken: %s\n", what);
    __builtin_trap();
}

bool lists(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_marker(std::string_view name) {
    return name == ssh::ext_info_client || name == ssh::ext_info_server ||
           name == ssh::strict_kex_client || name == ssh::strict_kex_server;
}

void check_choice(const std::string& chosen, const std::vector<std::string>& client,
                  const std::vector<std::string>& server) {
    if (!lists(client, chosen) || !lists(server, chosen)) {
        invariant_broken("negotiated an algorithm one side did not list");
    }
    if (is_marker(chosen)) {
        invariant_broken("negotiated a feature marker as an algorithm");
    }
}

void check_negotiated(const ssh::NegotiatedAlgorithms& chosen, const ssh::KexInit& client,
                      const ssh::KexInit& server) {
    check_choice(chosen.kex, client.kex_algorithms, server.kex_algorithms);
    check_choice(chosen.host_key, client.host_key_algorithms, server.host_key_algorithms);
    check_choice(chosen.cipher_client_to_server, client.ciphers_client_to_server,
                 server.ciphers_client_to_server);
    check_choice(chosen.cipher_server_to_client, client.ciphers_server_to_client,
                 server.ciphers_server_to_client);
    if (!chosen.mac_client_to_server.empty()) {
        check_choice(chosen.mac_client_to_server, client.macs_client_to_server,
                     server.macs_client_to_server);
    }
    if (!chosen.mac_server_to_client.empty()) {
        check_choice(chosen.mac_server_to_client, client.macs_server_to_client,
                     server.macs_server_to_client);
    }
    check_choice(chosen.compression_client_to_server, client.compression_client_to_server,
                 server.compression_client_to_server);
    check_choice(chosen.compression_server_to_client, client.compression_server_to_client,
                 server.compression_server_to_client);
    // One side is ours, so everything chosen must be something we implement: these throw
    // std::invalid_argument (and crash the fuzzer) otherwise.
    (void)ssh::key_material_sizes(chosen.cipher_client_to_server, chosen.mac_client_to_server);
    (void)ssh::key_material_sizes(chosen.cipher_server_to_client, chosen.mac_server_to_client);
    if (!ssh::find_compression(chosen.compression_client_to_server) ||
        !ssh::find_compression(chosen.compression_server_to_client)) {
        invariant_broken("negotiated a compression we do not implement");
    }
}

const ssh::KexInit& our_kexinit(ssh::Role role, ssh::StrictKexMode mode, bool initial) {
    // Built once per combination; KexInit holds no Botan memory, so statics are safe at exit.
    static const auto table = [] {
        std::array<ssh::KexInit, 16> all{};
        for (std::size_t i = 0; i < all.size(); ++i) {
            const auto r = (i & 8) != 0 ? ssh::Role::client : ssh::Role::server;
            const auto m = static_cast<ssh::StrictKexMode>(i & 3);
            all[i] = ssh::make_kexinit(r, ssh::default_algorithm_preferences(), m, (i & 4) != 0, {});
        }
        return all;
    }();
    const std::size_t index = (role == ssh::Role::client ? 8 : 0) | (initial ? 4 : 0) |
                              static_cast<std::size_t>(mode);
    return table[index];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ssh::ByteView payload(data, size);
    std::optional<ssh::KexInit> peer;
    try {
        peer = ssh::KexInit::decode(payload);
    } catch (const ssh::DecodeError&) {
        return 0;
    }

    // encode() refuses names decode() accepted only if the two disagree on what a name is.
    const ssh::Bytes once = peer->encode();
    if (ssh::KexInit::decode(once).encode() != once) {
        invariant_broken("KEXINIT does not survive decode(encode())");
    }
    if (once.size() != payload.size()) {
        invariant_broken("re-encoding a KEXINIT changed its length");
    }

    const auto mode = static_cast<ssh::StrictKexMode>(peer->cookie[0] & 3);
    const bool initial = (peer->cookie[1] & 1) == 0;

    // We are the server and the input is the client's KEXINIT ...
    const ssh::KexInit& server = our_kexinit(ssh::Role::server, mode, initial);
    try {
        check_negotiated(ssh::negotiate(*peer, server, initial, ssh::Role::server, mode), *peer,
                         server);
    } catch (const ssh::ProtocolError& error) {
        if (error.reason() != ssh::DisconnectReason::key_exchange_failed) {
            invariant_broken("negotiation failed with a reason other than KEY_EXCHANGE_FAILED");
        }
    }
    (void)ssh::first_kex_guess_correct(*peer, server);

    // ... and we are the client and the input is the server's.
    const ssh::KexInit& client = our_kexinit(ssh::Role::client, mode, initial);
    try {
        check_negotiated(ssh::negotiate(client, *peer, initial, ssh::Role::client, mode), client,
                         *peer);
    } catch (const ssh::ProtocolError& error) {
        if (error.reason() != ssh::DisconnectReason::key_exchange_failed) {
            invariant_broken("negotiation failed with a reason other than KEY_EXCHANGE_FAILED");
        }
    }
    (void)ssh::first_kex_guess_correct(client, *peer);
    return 0;
}
