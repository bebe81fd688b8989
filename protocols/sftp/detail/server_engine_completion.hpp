// The completion templates the ServerEngine source files share (internal).
#pragma once

#include "protocols/sftp/server_engine.hpp"

#include <memory>
#include <stdexcept>
#include <utility>

namespace wharf::sftp {

template <class T, class OnResult>
Filesystem::Done<T> ServerEngine::settle(std::uint32_t id, OnResult on_result) {
    ++m_outstanding;
    return [this, alive = std::weak_ptr<int>(m_alive), id, on_result = std::move(on_result),
            called = false](Result<T> result) mutable {
        // A completion after the engine is gone, or a second call, has nobody to answer.
        if (alive.expired() || called) return;
        called = true;
        --m_outstanding;
        if (!failed()) {
            try {
                on_result(result);
            } catch (const std::length_error&) {
                // A reply too large for one packet (a path of 200 KiB, attributes with huge
                // extensions): nothing was written, and the client still needs an answer.
                send_status(id, StatusCode::failure);
            }
        }
        pump();
    };
}

template <class T, class OnOk>
Filesystem::Done<T> ServerEngine::completion(std::uint32_t id, OnOk on_ok) {
    return settle<T>(id, [this, id, on_ok = std::move(on_ok)](Result<T>& result) mutable {
        if (result) {
            on_ok(result);
        } else {
            send_failure(id, result.failure());
        }
    });
}

template <class Payload>
Filesystem::Done<Payload> ServerEngine::reply_extended(std::uint32_t id) {
    return completion<Payload>(id, [this, id](Result<Payload>& r) {
        m_out.write(make_extended_reply(id, r.value(), *m_version), *m_version);
    });
}

}  // namespace wharf::sftp
