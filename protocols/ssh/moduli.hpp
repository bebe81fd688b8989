// Diffie-Hellman groups for the server side of group exchange (RFC 4419): an OpenSSH moduli file
// (moduli(5), /etc/ssh/moduli) and the RFC 3526 MODP groups as the built-in fallback. The caller
// reads the file; this only sees its text.
#pragma once

#include "protocols/ssh/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Botan {
class RandomNumberGenerator;
}

namespace wharf::ssh {

// A safe prime p and generator g, both unsigned big-endian without leading zero bytes.
struct DhGroup {
    std::size_t bits = 0;  // of p
    Bytes prime;
    Bytes generator;
};

class ModuliFile {
public:
    // Reads "timestamp type tests tries size generator modulus" records. A line is kept only if
    // it is a safe prime (type 2) that passed primality testing (tests has no 0x01 "composite" bit
    // and some other bit set), tries is non-zero, size + 1 is the modulus's bit length (OpenSSH
    // writes 2047 for a 2048-bit prime), p is odd and 2048..8192 bits, and 1 < g < p-1. Other
    // lines are skipped and counted, never fatal; '#' comments and blank lines are ignored.
    // Bounded: text past 16 MiB, lines over 4 KiB and records past 100,000 are not read (and say
    // so in problems()). Never throws except std::bad_alloc.
    [[nodiscard]] static ModuliFile parse(std::string_view text);

    // The RFC 3526 groups of 2048, 3072, 4096, 6144 and 8192 bits (generator 2, safe primes).
    [[nodiscard]] static const ModuliFile& builtin();

    [[nodiscard]] const std::vector<DhGroup>& groups() const noexcept { return m_groups; }
    [[nodiscard]] std::size_t skipped_lines() const noexcept { return m_skipped; }
    // "line 7: generator is not in 2..p-2", at most 16 of them, for the log.
    [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return m_problems; }

    // The group for a GEX request, as sshd chooses: among groups of min..max bits, the smallest
    // size at least `preferred`, or failing that the largest below it; uniformly at random among
    // the groups of that size. nullopt if no group fits.
    [[nodiscard]] std::optional<DhGroup> choose(std::uint32_t min, std::uint32_t preferred,
                                                std::uint32_t max,
                                                Botan::RandomNumberGenerator& rng) const;

private:
    void note_problem(std::size_t line_number, std::string_view what);

    std::vector<DhGroup> m_groups;
    std::size_t m_skipped = 0;
    std::vector<std::string> m_problems;
};

}  // namespace wharf::ssh
