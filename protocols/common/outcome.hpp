// Outcome<T, Failure>: a value or the Failure that stopped it, for the completions the
// protocol engines receive from their file systems (std::expected is C++23; g++ 12 builds
// C++20). `Failure` is a protocol's own {error, message} pair: the engine picks the wire code
// from `error` and may show `message` instead of the code's standard text.
#pragma once

#include <optional>
#include <utility>
#include <variant>

namespace wharf::protocol {

template <class T, class Failure>
class Outcome {
public:
    using ErrorType = decltype(Failure{}.error);

    Outcome(T value) : m_value(std::move(value)) {}                  // NOLINT: implicit, like expected
    Outcome(ErrorType error) : m_value(Failure{error, {}}) {}        // NOLINT
    Outcome(Failure failure) : m_value(std::move(failure)) {}        // NOLINT
    [[nodiscard]] bool ok() const noexcept { return m_value.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] T& value() { return std::get<0>(m_value); }
    [[nodiscard]] const T& value() const { return std::get<0>(m_value); }
    [[nodiscard]] const Failure& failure() const { return std::get<1>(m_value); }
    [[nodiscard]] ErrorType error() const { return failure().error; }
    // Empty: the error's standard text.
    [[nodiscard]] const auto& message() const { return failure().message; }

private:
    std::variant<T, Failure> m_value;
};

// Success carries nothing.
template <class Failure>
class Outcome<void, Failure> {
public:
    using ErrorType = decltype(Failure{}.error);

    Outcome() = default;
    Outcome(ErrorType error) : m_failure(Failure{error, {}}) {}  // NOLINT
    Outcome(Failure failure) : m_failure(std::move(failure)) {}  // NOLINT
    [[nodiscard]] bool ok() const noexcept { return !m_failure.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] const Failure& failure() const { return m_failure.value(); }
    [[nodiscard]] ErrorType error() const { return failure().error; }
    [[nodiscard]] const auto& message() const { return failure().message; }

private:
    std::optional<Failure> m_failure;
};

}  // namespace wharf::protocol
