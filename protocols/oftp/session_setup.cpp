// Session setup (RFC 5024 4.2 and 9.8): SSRM, the SSID exchange and its negotiation, and the
// driver's verdict on the partner (F_CONNECT_IND / F_CONNECT_RS).
#include "protocols/oftp/session.hpp"

#include <algorithm>
#include <stdexcept>

namespace wharf::oftp {

namespace {

bool conflicting(Capability ours, Capability theirs) {
    return ours != Capability::both && ours == theirs;
}

}  // namespace

void Session::send_ssrm() {
    send(Ssrm{});
    m_state = State::wf_ssid;
}

void Session::handle_ssrm() {
    if (m_state != State::wf_ssrm) {
        protocol_error(EsidReason::protocol_violation, "SSRM out of sequence");
    }
    SessionParameters offer;
    offer.level = m_config.level;
    offer.buffer_size = m_config.buffer_size;
    offer.credit = m_config.credit;
    offer.compression = m_config.compression;
    offer.restart = m_config.restart;
    send(our_ssid(offer));
    m_state = State::i_wf_ssid;
}

Ssid Session::our_ssid(const SessionParameters& values) const {
    Ssid ssid;
    ssid.level = values.level;
    ssid.code_id = m_config.ssid_code;
    ssid.password = m_config.password;
    ssid.buffer_size = values.buffer_size;
    ssid.capability = m_config.capability;
    ssid.buffer_compression = values.compression;
    ssid.restart = values.restart;
    ssid.special_logic = false;  // never over TCP (5.3.2 SSIDSPEC)
    ssid.credit = values.credit;
    ssid.secure_authentication = false;
    ssid.user_data = m_config.user_data;
    return ssid;
}

void Session::handle_ssid(const Ssid& ssid) {
    const bool initiator = m_config.role == SessionRole::initiator;
    if (m_state != (initiator ? State::i_wf_ssid : State::wf_ssid)) {
        protocol_error(EsidReason::protocol_violation, "SSID out of sequence");
    }
    // Secure authentication (SECD/AUCH/AURP) comes in a later issue: we never ask for it, and
    // it is not negotiable (5.3.2 SSIDAUTH), so a partner that needs it cannot talk to us yet.
    if (ssid.secure_authentication) {
        protocol_error(EsidReason::secure_authentication_requirements_incompatible,
                       "the partner requires secure authentication, which we do not offer");
    }
    if (conflicting(m_config.capability, ssid.capability)) {
        protocol_error(EsidReason::mode_or_capabilities_incompatible,
                       std::string("both sides are ") +
                           (ssid.capability == Capability::send_only ? "send only" : "receive only"));
    }
    if (initiator) {
        // The responder answers with the smaller values (5.3.2); a larger credit is an error
        // the RFC names, larger level or buffer size we take down and note.
        if (ssid.credit > m_config.credit) {
            protocol_error(EsidReason::protocol_violation,
                           "the responder answered credit " + std::to_string(ssid.credit) +
                               " to our " + std::to_string(m_config.credit));
        }
        if (ssid.buffer_size > m_config.buffer_size) {
            emit(PeerDeviation{"SSID", {"SSIDSDEB", "the responder answered " +
                                                        std::to_string(ssid.buffer_size) +
                                                        " above our " +
                                                        std::to_string(m_config.buffer_size)}});
        }
        if (ssid.level > m_config.level) {
            emit(PeerDeviation{"SSID", {"SSIDLEV", "the responder answered level " +
                                                       std::string(level_name(ssid.level)) +
                                                       " above our " +
                                                       std::string(level_name(m_config.level))}});
        }
    }
    m_partner = ssid;
    m_state = State::wf_partner_rs;
    emit(PartnerIdentified{ssid});
}

SessionParameters Session::negotiate(const Ssid& theirs) const {
    SessionParameters agreed;
    agreed.level = lower_level(m_config.level, theirs.level);
    agreed.buffer_size = std::min(m_config.buffer_size, theirs.buffer_size);
    agreed.credit = std::min(m_config.credit, theirs.credit);
    agreed.compression = m_config.compression && theirs.buffer_compression;
    agreed.restart = m_config.restart && theirs.restart;
    agreed.we_send = m_config.capability != Capability::receive_only &&
                     theirs.capability != Capability::send_only;
    agreed.we_receive = m_config.capability != Capability::send_only &&
                        theirs.capability != Capability::receive_only;
    return agreed;
}

void Session::accept_partner() {
    if (!expect_state(State::wf_partner_rs, "accept_partner")) {
        return;
    }
    restart_timer();
    const SessionParameters agreed = negotiate(*m_partner);
    if (m_config.role == SessionRole::responder) {
        send(our_ssid(agreed));
    }
    m_level = agreed.level;
    m_parameters = agreed;
    start_session();
}

void Session::accept_partner(const SessionConfig& for_partner) {
    if (!expect_state(State::wf_partner_rs, "accept_partner")) {
        return;
    }
    check_limits(for_partner);
    const SessionRole role = m_config.role;
    m_config = for_partner;
    m_config.role = role;
    m_level = m_config.level;
    if (conflicting(m_config.capability, m_partner->capability)) {
        refuse_partner(EsidReason::mode_or_capabilities_incompatible,
                       std::string("both sides are ") +
                           (m_partner->capability == Capability::send_only ? "send only"
                                                                           : "receive only"));
        return;
    }
    accept_partner();
}

void Session::refuse_partner(EsidReason reason, std::string text) {
    if (!expect_state(State::wf_partner_rs, "refuse_partner")) {
        return;
    }
    if (text.empty()) {
        text = std::string(reason_text(reason));
    }
    send(Esid{reason, text});
    end_session(reason, text, EndedBy::us,
                "refused partner '" + m_partner->code_id + "': " + name(reason));
}

void Session::start_session() {
    const bool initiator = m_config.role == SessionRole::initiator;
    emit(SessionStarted{*m_partner, *m_parameters, initiator});
    // The initiator speaks first (4.3.1); nobody handed it the turn.
    if (initiator) {
        become_speaker(false, false);
    } else {
        become_listener();
    }
}

}  // namespace wharf::oftp
