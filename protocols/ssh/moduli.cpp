#include "protocols/ssh/moduli.hpp"

#include <botan/bigint.h>
#include <botan/dl_group.h>
#include <botan/rng.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

namespace wharf::ssh {

namespace {

constexpr std::size_t k_max_text = 16u << 20;
constexpr std::size_t k_max_line = 4096;  // an 8192-bit modulus is 2048 hex digits
constexpr std::size_t k_max_groups = 100'000;
constexpr std::size_t k_max_problems = 16;
constexpr std::size_t k_min_bits = 2048;  // RFC 8270
constexpr std::size_t k_max_bits = 8192;  // RFC 4419's upper bound, and OpenSSH's

// moduli(5) field values.
constexpr unsigned k_type_safe = 2;
constexpr unsigned k_tests_composite = 0x01;

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t pos = 0;
    while (pos < line.size()) {
        while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) {
            ++pos;
        }
        const std::size_t start = pos;
        while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') {
            ++pos;
        }
        if (pos > start) {
            fields.push_back(line.substr(start, pos - start));
        }
    }
    return fields;
}

std::optional<unsigned> parse_decimal(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// Hex digits to big-endian bytes with leading zero bytes removed; nullopt for anything else.
std::optional<Bytes> parse_hex(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    Bytes out((text.size() + 1) / 2);
    std::size_t nibble_index = out.size() * 2 - text.size();  // an odd count starts half-way
    for (const char c : text) {
        int value = 0;
        if (c >= '0' && c <= '9') {
            value = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            value = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            value = c - 'A' + 10;
        } else {
            return std::nullopt;
        }
        std::uint8_t& byte = out[nibble_index / 2];
        byte = static_cast<std::uint8_t>(byte | (nibble_index % 2 == 0 ? value << 4 : value));
        ++nibble_index;
    }
    std::size_t zeros = 0;
    while (zeros < out.size() && out[zeros] == 0) {
        ++zeros;
    }
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(zeros));
    return out;
}

std::size_t bit_length(const Bytes& big_endian) {
    if (big_endian.empty()) {
        return 0;
    }
    std::size_t top = 0;
    for (unsigned b = big_endian[0]; b != 0; b >>= 1) {
        ++top;
    }
    return (big_endian.size() - 1) * 8 + top;
}

// Why a record is unusable, or "" if it is fine.
std::string check_record(const std::vector<std::string_view>& fields, DhGroup& group) {
    if (fields.size() != 7) {
        return "expected 7 fields, found " + std::to_string(fields.size());
    }
    const auto type = parse_decimal(fields[1]);
    const auto tests = parse_decimal(fields[2]);
    const auto tries = parse_decimal(fields[3]);
    const auto size = parse_decimal(fields[4]);
    if (fields[0].find_first_not_of("0123456789") != std::string_view::npos) {
        return "timestamp is not a number";  // YYYYMMDDHHMMSS overflows 32 bits, so no from_chars
    }
    if (!type || !tests || !tries || !size) {
        return "type, tests, tries and size must be decimal numbers";
    }
    if (*type != k_type_safe) {
        return "not a safe prime (type " + std::to_string(*type) + ")";
    }
    if ((*tests & k_tests_composite) != 0 || (*tests & ~k_tests_composite) == 0 || *tries == 0) {
        return "not tested as prime";
    }
    auto generator = parse_hex(fields[5]);
    auto prime = parse_hex(fields[6]);
    if (!generator || !prime) {
        return "generator and modulus must be hexadecimal";
    }
    const std::size_t bits = bit_length(*prime);
    if (static_cast<std::size_t>(*size) + 1 != bits) {
        return "size " + std::to_string(*size) + " does not match a " + std::to_string(bits) +
               "-bit modulus";
    }
    if (bits < k_min_bits || bits > k_max_bits) {
        return "modulus of " + std::to_string(bits) + " bits is outside 2048..8192";
    }
    if ((prime->back() & 1) == 0) {
        return "modulus is even";
    }
    const Botan::BigInt p = Botan::BigInt::decode(prime->data(), prime->size());
    const Botan::BigInt g = Botan::BigInt::decode(generator->data(), generator->size());
    if (g <= 1 || g >= p - 1) {
        return "generator is not in 2..p-2";
    }
    group = DhGroup{bits, std::move(*prime), std::move(*generator)};
    return {};
}

}  // namespace

void ModuliFile::note_problem(std::size_t line_number, std::string_view what) {
    ++m_skipped;
    if (m_problems.size() < k_max_problems) {
        m_problems.push_back("line " + std::to_string(line_number) + ": " + std::string(what));
    }
}

ModuliFile ModuliFile::parse(std::string_view text) {
    ModuliFile file;
    if (text.size() > k_max_text) {
        file.m_problems.push_back("file is larger than 16 MiB; only the first 16 MiB are read");
        text = text.substr(0, k_max_text);
    }
    std::size_t line_number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        ++line_number;
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#') {
            continue;
        }
        if (line.size() > k_max_line) {
            file.note_problem(line_number, "line longer than 4096 characters");
            continue;
        }
        if (file.m_groups.size() == k_max_groups) {
            file.note_problem(line_number, "more than 100000 groups; the rest is ignored");
            break;
        }
        DhGroup group;
        const std::string problem = check_record(split_fields(line), group);
        if (problem.empty()) {
            file.m_groups.push_back(std::move(group));
        } else {
            file.note_problem(line_number, problem);
        }
    }
    return file;
}

const ModuliFile& ModuliFile::builtin() {
    static const ModuliFile groups = [] {
        ModuliFile file;
        for (const int bits : {2048, 3072, 4096, 6144, 8192}) {
            const Botan::DL_Group group("modp/ietf/" + std::to_string(bits));
            file.m_groups.push_back(DhGroup{static_cast<std::size_t>(bits),
                                            Botan::BigInt::encode(group.get_p()),
                                            Botan::BigInt::encode(group.get_g())});
        }
        return file;
    }();
    return groups;
}

std::optional<DhGroup> ModuliFile::choose(std::uint32_t min, std::uint32_t preferred,
                                          std::uint32_t max,
                                          Botan::RandomNumberGenerator& rng) const {
    std::size_t best = 0;  // chosen size; 0 = none yet
    for (const DhGroup& group : m_groups) {
        if (group.bits < min || group.bits > max) {
            continue;
        }
        const bool better = best == 0 ||
                            (group.bits >= preferred && (best < preferred || group.bits < best)) ||
                            (best < preferred && group.bits > best);
        if (better) {
            best = group.bits;
        }
    }
    if (best == 0) {
        return std::nullopt;
    }
    std::vector<const DhGroup*> candidates;
    for (const DhGroup& group : m_groups) {
        if (group.bits == best) {
            candidates.push_back(&group);
        }
    }
    std::array<std::uint8_t, 8> random{};
    rng.randomize(random.data(), random.size());
    std::uint64_t value = 0;
    for (const std::uint8_t b : random) {
        value = (value << 8) | b;
    }
    // The modulo bias is below 2^-40 for any count this file can hold.
    return *candidates[value % candidates.size()];
}

}  // namespace wharf::ssh
