// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by af's fuzz targets: splitting an input into pieces at boundaries the input
// chooses, and a check that fails loudly (libFuzzer then saves the input as a crash).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace af::fuzz {

// What a failed check prints after its reason (the output a target was checking), escaped.
inline std::string_view& check_context() {
    static std::string_view c;
    return c;
}

// An invariant of a target: on failure, print why and abort, so libFuzzer reports a crash.
inline void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    if (!check_context().empty()) {
        std::fprintf(stderr, "while checking (%zu bytes):\n", check_context().size());
        for (char c : check_context()) {
            if (c == '\n') {
                std::fputs("\\n\n", stderr);
            } else if (c == '\r') {
                std::fputs("\\r", stderr);
            } else if (c >= 32 && c < 127) {
                std::fputc(c, stderr);
            } else {
                std::fprintf(stderr, "\\x%02x", static_cast<unsigned char>(c));
            }
        }
        std::fputc('\n', stderr);
    }
    std::abort();
}

// Calls f(piece) for consecutive pieces covering `data`. Seed 0: one piece. Otherwise the
// piece sizes (1..16 bytes, and now and then a long one) come from a small xorshift generator
// seeded by `seed`: the same input always splits the same way, and a mutated seed byte tries
// another split.
template <class F>
void for_each_piece(std::string_view data, unsigned seed, F&& f) {
    if (seed == 0) {
        f(data);
        return;
    }
    std::uint32_t x = seed * 2654435761u | 1u;
    while (!data.empty()) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        std::size_t len = (x & 7) == 0 ? 64 + (x >> 8) % 512 : 1 + (x >> 8) % 16;
        if (len > data.size()) len = data.size();
        f(data.substr(0, len));
        data.remove_prefix(len);
    }
}

}  // namespace af::fuzz
