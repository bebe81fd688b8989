#include "protocols/ssh/kex.hpp"

#include <algorithm>

#include "protocols/ssh/cipher.hpp"
#include "protocols/ssh/compression.hpp"
#include "protocols/ssh/disconnect.hpp"
#include "protocols/ssh/kex_method.hpp"
#include "protocols/ssh/mac.hpp"

namespace wharf::ssh {

namespace {

bool is_marker(std::string_view name) {
    return name == ext_info_client || name == ext_info_server || name == strict_kex_client ||
           name == strict_kex_server;
}

bool lists(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// First client algorithm the server also offers (RFC 4253 §7.1), markers skipped.
std::string choose(const std::vector<std::string>& client, const std::vector<std::string>& server,
                   std::string_view category) {
    for (const auto& name : client) {
        if (!is_marker(name) && lists(server, name)) return name;
    }
    throw ProtocolError(DisconnectReason::key_exchange_failed, "no common " + std::string(category) + " algorithm");
}

}  // namespace

AlgorithmPreferences default_algorithm_preferences() {
    return AlgorithmPreferences{
        default_kex_algorithms(), default_host_key_algorithms(), default_ciphers(), default_macs(),
        default_compressions(),
    };
}

KexInit make_kexinit(Role role, const AlgorithmPreferences& preferences, StrictKexMode strict_mode, bool initial,
                     const std::array<std::uint8_t, 16>& cookie) {
    KexInit init;
    init.cookie = cookie;
    init.kex_algorithms = preferences.kex;
    if (initial) {
        if (role == Role::client) init.kex_algorithms.emplace_back(ext_info_client);
        if (strict_mode != StrictKexMode::off) {
            init.kex_algorithms.emplace_back(role == Role::client ? strict_kex_client : strict_kex_server);
        }
    }
    init.host_key_algorithms = preferences.host_keys;
    init.ciphers_client_to_server = init.ciphers_server_to_client = preferences.ciphers;
    init.macs_client_to_server = init.macs_server_to_client = preferences.macs;
    init.compression_client_to_server = init.compression_server_to_client = preferences.compression;
    return init;
}

bool terrapin_affected(std::string_view cipher, std::string_view mac) {
    if (cipher == "chacha20-poly1305@openssh.com") return true;
    const auto* cipher_info = find_cipher(cipher);
    if (cipher_info && cipher_info->aead) return false;
    const auto* mac_info = find_mac(mac);
    return mac_info && mac_info->encrypt_then_mac;
}

bool first_kex_guess_correct(const KexInit& client, const KexInit& server) {
    if (client.kex_algorithms.empty() || server.kex_algorithms.empty()) return false;
    if (client.host_key_algorithms.empty() || server.host_key_algorithms.empty()) return false;
    return client.kex_algorithms.front() == server.kex_algorithms.front() &&
           client.host_key_algorithms.front() == server.host_key_algorithms.front();
}

NegotiatedAlgorithms negotiate(const KexInit& client, const KexInit& server, bool initial, Role our_role,
                               StrictKexMode strict_mode) {
    NegotiatedAlgorithms chosen;
    chosen.kex = choose(client.kex_algorithms, server.kex_algorithms, "key exchange");
    chosen.host_key = choose(client.host_key_algorithms, server.host_key_algorithms, "host key");
    chosen.cipher_client_to_server = choose(client.ciphers_client_to_server, server.ciphers_client_to_server,
                                            "client-to-server cipher");
    chosen.cipher_server_to_client = choose(client.ciphers_server_to_client, server.ciphers_server_to_client,
                                            "server-to-client cipher");
    const auto mac_for = [](const std::string& cipher, const std::vector<std::string>& c,
                            const std::vector<std::string>& s, std::string_view category) {
        const auto* info = find_cipher(cipher);
        return info && info->aead ? std::string() : choose(c, s, category);
    };
    chosen.mac_client_to_server = mac_for(chosen.cipher_client_to_server, client.macs_client_to_server,
                                          server.macs_client_to_server, "client-to-server MAC");
    chosen.mac_server_to_client = mac_for(chosen.cipher_server_to_client, client.macs_server_to_client,
                                          server.macs_server_to_client, "server-to-client MAC");
    chosen.compression_client_to_server = choose(client.compression_client_to_server,
                                                 server.compression_client_to_server, "client-to-server compression");
    chosen.compression_server_to_client = choose(client.compression_server_to_client,
                                                 server.compression_server_to_client, "server-to-client compression");
    if (initial) {
        const auto& peer = our_role == Role::server ? client.kex_algorithms : server.kex_algorithms;
        const bool peer_strict = lists(peer, our_role == Role::server ? strict_kex_client : strict_kex_server);
        chosen.strict_kex = strict_mode != StrictKexMode::off && peer_strict;
        chosen.client_ext_info = lists(client.kex_algorithms, ext_info_client);
        chosen.server_ext_info = lists(server.kex_algorithms, ext_info_server);
        if (!chosen.strict_kex && strict_mode == StrictKexMode::required) {
            throw ProtocolError(DisconnectReason::key_exchange_failed,
                                "strict key exchange is required and the peer does not support it");
        }
        if (!chosen.strict_kex && strict_mode == StrictKexMode::reject_vulnerable &&
            (terrapin_affected(chosen.cipher_client_to_server, chosen.mac_client_to_server) ||
             terrapin_affected(chosen.cipher_server_to_client, chosen.mac_server_to_client))) {
            throw ProtocolError(DisconnectReason::key_exchange_failed,
                                "the peer lacks strict key exchange and the negotiated cipher/MAC (" +
                                    chosen.cipher_client_to_server + ") is open to the Terrapin attack");
        }
    }
    return chosen;
}

}  // namespace wharf::ssh
