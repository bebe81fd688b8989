// Driving key exchanges: our KEXINIT, the peer's, the negotiated method, NEWKEYS in each
// direction, strict KEX, and the rekey triggers. The method itself (the math) is a KexMethod.
#include <botan/rng.h>

#include <algorithm>

#include "protocols/ssh/engine.hpp"
#include "protocols/ssh/signature.hpp"

namespace wharf::ssh {

namespace {

std::array<std::uint8_t, 16> random_cookie(Botan::RandomNumberGenerator& rng) {
    std::array<std::uint8_t, 16> cookie{};
    rng.randomize(cookie.data(), cookie.size());
    return cookie;
}

const PrivateKey& host_key_for(const std::vector<PrivateKey>& keys, std::string_view algorithm) {
    for (const auto& key : keys) {
        const auto algorithms = signature_algorithms_for(key.type());
        if (std::find(algorithms.begin(), algorithms.end(), algorithm) != algorithms.end()) return key;
    }
    throw ProtocolError(DisconnectReason::key_exchange_failed, "no host key for " + std::string(algorithm));
}

}  // namespace

void Engine::start_kex(TimePoint now) {
    if (m_kex_state != KexState::idle) return;
    const bool initial = m_kex_count == 0;
    const auto init = make_kexinit(m_config.role, m_config.algorithms, m_config.strict_kex, initial, random_cookie(m_rng));
    m_our_kexinit = init.encode();
    m_peer_newkeys = false;
    m_kex_outcome.reset();
    m_kex_state = KexState::sent_kexinit;
    m_last_kex_time = now;
    send_now(m_our_kexinit);
}

KexContext Engine::kex_context() const {
    KexContext context;
    const bool server = m_config.role == Role::server;
    context.role = server ? KexRole::server : KexRole::client;
    context.client_version = server ? m_version.peer() : m_version.ours();
    context.server_version = server ? m_version.ours() : m_version.peer();
    context.client_kexinit = server ? m_peer_kexinit : m_our_kexinit;
    context.server_kexinit = server ? m_our_kexinit : m_peer_kexinit;
    context.rng = &m_rng;
    if (server) {
        const auto& key = host_key_for(m_config.host_keys, m_pending_algorithms.host_key);
        context.host_key = make_host_key_signer(key, m_pending_algorithms.host_key, m_rng);
        context.moduli = m_config.moduli;
    } else {
        context.host_key_algorithm = m_pending_algorithms.host_key;
        context.gex_request = m_config.gex;
    }
    return context;
}

void Engine::on_peer_kexinit(Bytes payload, TimePoint now) {
    if (m_peer_in_kex || m_kex_state == KexState::running || m_kex_state == KexState::waiting_host_key) {
        throw ProtocolError(DisconnectReason::protocol_error, "KEXINIT while a key exchange is running");
    }
    const auto peer = KexInit::decode(payload);
    m_peer_kexinit = std::move(payload);
    m_peer_in_kex = true;
    start_kex(now);  // a peer-initiated exchange: answer with ours (no-op if we started it)
    const bool initial = m_kex_count == 0;
    const auto ours = KexInit::decode(m_our_kexinit);
    const bool server = m_config.role == Role::server;
    const KexInit& client = server ? peer : ours;
    const KexInit& server_init = server ? ours : peer;
    m_pending_algorithms = negotiate(client, server_init, initial, m_config.role, m_config.strict_kex);
    if (initial) {
        m_strict_kex = m_pending_algorithms.strict_kex;
        if (m_strict_kex && m_packets_before_kexinit > 0) {
            throw ProtocolError(DisconnectReason::protocol_error, "strict KEX: KEXINIT was not the first packet");
        }
    }
    if (peer.first_kex_packet_follows && !first_kex_guess_correct(client, server_init)) {
        m_ignore_next_kex_packet = true;
    }
    m_kex = make_kex_method(m_pending_algorithms.kex, kex_context());
    m_kex_state = KexState::running;
    if (auto first = m_kex->start()) send_now(*first);
}

void Engine::on_kex_message(ByteView payload, TimePoint now) {
    if (!m_kex || m_kex_state != KexState::running) {
        throw ProtocolError(DisconnectReason::protocol_error,
                            "key exchange message " + std::to_string(payload[0]) + " outside a key exchange");
    }
    if (auto reply = m_kex->handle(payload)) send_now(*reply);
    if (m_kex->finished()) on_kex_finished(now);
}

void Engine::on_kex_finished(TimePoint now) {
    m_kex_outcome = m_kex->take_outcome();
    m_kex.reset();
    if (m_session_id.empty()) m_session_id = m_kex_outcome->exchange_hash;  // H of the first exchange
    if (m_config.role == Role::client) {
        if (m_kex_count == 0) {
            m_host_key_blob = m_kex_outcome->host_key_blob;
            m_kex_state = KexState::waiting_host_key;
            emit(HostKeyReceived{m_pending_algorithms.host_key, m_host_key_blob});
            return;  // NEWKEYS waits for host_key_decision()
        }
        if (m_kex_outcome->host_key_blob != m_host_key_blob) {
            throw ProtocolError(DisconnectReason::host_key_not_verifiable, "the host key changed during a rekey");
        }
    }
    send_newkeys(now);
}

void Engine::send_newkeys(TimePoint now) {
    send_now(NewKeys{}.encode());
    m_transport.set_outgoing_keys(derive_direction(m_config.role == Role::client));
    if (m_strict_kex) m_transport.reset_outgoing_sequence();
    m_kex_state = KexState::sent_newkeys_waiting_peer;
    maybe_finish_kex(now);
}

void Engine::on_peer_newkeys(TimePoint now) {
    if (!m_kex_outcome || !m_peer_in_kex) {
        throw ProtocolError(DisconnectReason::protocol_error, "NEWKEYS before the key exchange finished");
    }
    m_transport.set_incoming_keys(derive_direction(m_config.role == Role::server));
    if (m_strict_kex) m_transport.reset_incoming_sequence();
    m_peer_newkeys = true;
    m_peer_in_kex = false;
    maybe_finish_kex(now);
}

void Engine::maybe_finish_kex(TimePoint now) {
    if (m_kex_state != KexState::sent_newkeys_waiting_peer || !m_peer_newkeys) return;
    const bool initial = m_kex_count == 0;
    m_algorithms = m_pending_algorithms;
    ++m_kex_count;
    m_kex_state = KexState::idle;
    m_kex_outcome.reset();  // K and H are scrubbed with it
    m_last_kex_time = now;
    emit(KexCompleted{*m_algorithms, initial});
    if (initial) after_initial_kex(now);
    flush_queue();
    while (!m_deferred_input.empty() && !m_closed) {
        auto payload = std::move(m_deferred_input.front());
        m_deferred_input.pop_front();
        dispatch(std::move(payload), now);
    }
}

void Engine::after_initial_kex(TimePoint now) {
    if (m_config.role == Role::server) {
        m_server_auth = std::make_unique<ServerAuth>(m_config.server_auth, m_session_id, layer_output());
        // RFC 8308 §2.4: EXT_INFO is the next packet after the server's first NEWKEYS.
        if (m_algorithms->client_ext_info) send_now(m_server_auth->server_sig_algs_ext_info().encode());
        return;
    }
    m_client_auth = std::make_unique<ClientAuth>(m_config.client_auth, m_session_id, layer_output(), m_rng);
    m_client_auth->start(now);
}

DirectionKeys Engine::derive_direction(bool client_to_server) const {
    const auto& names = m_pending_algorithms;
    DirectionKeys keys;
    keys.cipher = client_to_server ? names.cipher_client_to_server : names.cipher_server_to_client;
    keys.mac = client_to_server ? names.mac_client_to_server : names.mac_server_to_client;
    keys.compression = client_to_server ? names.compression_client_to_server : names.compression_server_to_client;
    const auto sizes = key_material_sizes(keys.cipher, keys.mac);
    const auto& outcome = *m_kex_outcome;
    const auto derive = [&](char letter, std::size_t length) {
        const auto secret = derive_key(outcome.hash_name, outcome.shared_secret, outcome.exchange_hash, m_session_id,
                                       letter, length);
        return Bytes(secret.begin(), secret.end());
    };
    // RFC 4253 §7.2: A/B initial IVs, C/D encryption keys, E/F integrity keys.
    keys.iv = derive(client_to_server ? 'A' : 'B', sizes.iv);
    keys.key = derive(client_to_server ? 'C' : 'D', sizes.key);
    keys.mac_key = derive(client_to_server ? 'E' : 'F', sizes.mac_key);
    return keys;
}

void Engine::check_rekey(TimePoint now) {
    if (m_closed || m_kex_count == 0 || kex_in_progress() || m_config.rekey_bytes == 0) return;
    if (m_transport.incoming_counters().bytes >= m_config.rekey_bytes ||
        m_transport.outgoing_counters().bytes >= m_config.rekey_bytes) {
        start_kex(now);
    }
}

}  // namespace wharf::ssh
