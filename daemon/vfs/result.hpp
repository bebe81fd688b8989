// Result<T>: a value or the std::error_code saying why there is none. g++ 12 has no
// std::expected; this is the small part of it the filesystem needs.
#pragma once

#include "daemon/vfs/errors.hpp"

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace wharf::vfs {

template <class T>
class [[nodiscard]] Result {
    static_assert(!std::is_reference_v<T> && !std::is_same_v<T, std::error_code>);

public:
    using value_type = T;

    Result(const T& value) : m_storage(std::in_place_index<0>, value) {}
    Result(T&& value) : m_storage(std::in_place_index<0>, std::move(value)) {}
    /// An empty `error` would read as neither value nor error; it becomes Errc::io_error.
    Result(std::error_code error)
        : m_storage(std::in_place_index<1>, error ? error : make_error_code(Errc::io_error)) {}
    Result(Errc error) : Result(make_error_code(error)) {}

    bool has_value() const noexcept { return m_storage.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    /// The value; throws std::system_error carrying error() when there is none.
    T& value() & { check(); return *std::get_if<0>(&m_storage); }
    const T& value() const& { check(); return *std::get_if<0>(&m_storage); }
    T&& value() && { check(); return std::move(*std::get_if<0>(&m_storage)); }

    T& operator*() & noexcept { return *std::get_if<0>(&m_storage); }
    const T& operator*() const& noexcept { return *std::get_if<0>(&m_storage); }
    T&& operator*() && noexcept { return std::move(*std::get_if<0>(&m_storage)); }
    T* operator->() noexcept { return std::get_if<0>(&m_storage); }
    const T* operator->() const noexcept { return std::get_if<0>(&m_storage); }

    /// The error; an empty code when there is a value.
    std::error_code error() const noexcept {
        const auto* error = std::get_if<1>(&m_storage);
        return error ? *error : std::error_code{};
    }

private:
    void check() const {
        if (!has_value()) throw std::system_error(error());
    }

    std::variant<T, std::error_code> m_storage;
};

/// Success, or the error of an operation that yields no value.
template <>
class [[nodiscard]] Result<void> {
public:
    using value_type = void;

    Result() noexcept = default;
    Result(std::error_code error) noexcept : m_error(error) {}
    Result(Errc error) noexcept : m_error(make_error_code(error)) {}

    bool has_value() const noexcept { return !m_error; }
    explicit operator bool() const noexcept { return has_value(); }
    /// Throws std::system_error carrying error() on failure.
    void value() const {
        if (m_error) throw std::system_error(m_error);
    }
    std::error_code error() const noexcept { return m_error; }

private:
    std::error_code m_error;
};

template <class T>
struct is_result : std::false_type {};
template <class T>
struct is_result<Result<T>> : std::true_type {};
template <class T>
inline constexpr bool is_result_v = is_result<T>::value;

}  // namespace wharf::vfs
