// SPDX-License-Identifier: MIT
// Fuzzes af::io::lines_codec and af::io::length_delimited_codec, alone (the input arrives in
// pieces, boundaries chosen by the input, `decode` is called after each piece until it has no
// more frames, then `decode_eof` at the end) or inside af::io::framed over a reader that hands
// out the same pieces, pending once before each (polled by hand with a no-op waker). Every run is checked
// against a reference that splits the whole input at once: the same frames in the same order,
// the same error (frame_too_long, truncated_frame) and never a frame over the maximum; frames
// are re-encoded and must decode to themselves.
//
// Input: [codec+split seed] [max length] [data...]
//   byte 0, bit 0: 0 lines_codec, 1 length_delimited_codec; bit 1: through af::io::framed;
//     bits 2-7: seed of the piece sizes (0: everything in one piece)
//   byte 1: the maximum frame length (255 means no limit: SIZE_MAX, clamped by the codec)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "af/bytes/bytes_mut.hpp"
#include "af/core/context.hpp"
#include "af/core/waker.hpp"
#include "af/io/framed.hpp"
#include "af/io/error.hpp"
#include "af/io/length_delimited_codec.hpp"
#include "af/io/lines_codec.hpp"
#include "support.hpp"

namespace {

using af::fuzz::check;

// What a codec produced: frames as strings, then the error that stopped it (or none).
struct outcome {
    std::vector<std::string> frames;
    std::optional<af::io::error> err;
};

std::string to_string(const std::string& s) { return s; }
std::string to_string(const af::bytes& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// Feeds `data` in pieces as framed does.
template <class Codec>
outcome run_codec(Codec& codec, std::string_view data, unsigned seed) {
    outcome out;
    af::bytes_mut in;
    try {
        af::fuzz::for_each_piece(data, seed, [&](std::string_view piece) {
            in.put(piece);
            while (auto f = codec.decode(in)) out.frames.push_back(to_string(*f));
        });
        while (auto f = codec.decode_eof(in)) out.frames.push_back(to_string(*f));
    } catch (const af::io::frame_error& e) {
        out.err = static_cast<af::io::error>(e.code().value());
    }
    return out;
}

// A reader that returns `data` in the given pieces (a read never spans two), pending once
// before each piece, then the end of stream.
class piece_reader {
public:
    explicit piece_reader(std::vector<std::string_view> pieces) : pieces_(std::move(pieces)) {}
    af::poll<std::size_t> poll_read(af::context& cx, std::span<std::byte> buf) {
        if (next_ == pieces_.size()) return std::size_t{0};
        if (!ready_) {
            ready_ = true;
            cx.waker().wake_by_ref();
            return af::pending;
        }
        std::string_view& piece = pieces_[next_];
        const std::size_t n = std::min(buf.size(), piece.size());
        std::memcpy(buf.data(), piece.data(), n);
        piece.remove_prefix(n);
        if (piece.empty()) {
            ++next_;
            ready_ = false;
        }
        return n;
    }

private:
    std::vector<std::string_view> pieces_;
    std::size_t next_ = 0;
    bool ready_ = false;
};

// Reads `data` through framed(reader, codec), polled until the end or an error.
template <class Codec>
outcome run_framed(Codec codec, std::string_view data, unsigned seed) {
    std::vector<std::string_view> pieces;
    af::fuzz::for_each_piece(data, seed, [&](std::string_view piece) {
        if (!piece.empty()) pieces.push_back(piece);
    });
    outcome out;
    auto fr = af::io::framed(piece_reader(std::move(pieces)), std::move(codec));
    af::waker w = af::waker::noop();
    af::context cx(w);
    try {
        for (int spins = 0;; ++spins) {
            check(spins < 1'000'000, "framed never ends");
            auto p = fr.poll_next(cx);
            if (p.is_pending()) continue;  // the reader is ready on the next poll
            if (!p->has_value()) break;
            out.frames.push_back(to_string(**p));
        }
    } catch (const af::io::frame_error& e) {
        out.err = static_cast<af::io::error>(e.code().value());
    }
    return out;
}

// The lines of `data` as the codec documents them, computed on the whole input.
outcome reference_lines(std::string_view data, std::size_t max) {
    outcome out;
    while (!data.empty()) {
        auto nl = data.find('\n');
        std::string_view line = data.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > max) {
            out.err = af::io::error::frame_too_long;
            return out;
        }
        out.frames.emplace_back(line);
        data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
    }
    return out;
}

outcome reference_length_delimited(std::string_view data, std::size_t max) {
    outcome out;
    for (;;) {
        if (data.empty()) return out;
        if (data.size() < 4) break;
        std::size_t len = 0;
        for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(data[static_cast<std::size_t>(i)]);
        if (len > max) {
            out.err = af::io::error::frame_too_long;
            return out;
        }
        if (data.size() - 4 < len) break;
        out.frames.emplace_back(data.substr(4, len));
        data.remove_prefix(4 + len);
    }
    out.err = af::io::error::truncated_frame;
    return out;
}

void check_same(const outcome& got, const outcome& want) {
    check(got.frames == want.frames, "decoded frames differ from the reference");
    check(got.err == want.err, "decode error differs from the reference");
}

void fuzz_lines(std::string_view data, std::size_t max, unsigned seed, bool framed) {
    af::io::lines_codec codec(max);
    outcome got = framed ? run_framed(af::io::lines_codec(max), data, seed) : run_codec(codec, data, seed);
    check_same(got, reference_lines(data, max));
    for (const auto& line : got.frames) {
        check(line.size() <= max, "a line over the maximum was decoded");
        check(line.find('\n') == std::string::npos, "a decoded line holds a newline");
        // "x\r" cannot round-trip: decoding strips the "\r" of the "\r\n" its encoding makes.
        if (!line.empty() && line.back() == '\r') continue;
        af::bytes_mut enc;
        codec.encode(line, enc);
        af::io::lines_codec again(max);
        auto back = again.decode(enc);
        check(back && *back == line && enc.empty(), "an encoded line does not decode to itself");
    }
}

void fuzz_length_delimited(std::string_view data, std::size_t max, unsigned seed, bool framed) {
    const af::io::length_delimited_codec codec(max);
    outcome got = framed ? run_framed(codec, data, seed) : run_codec(codec, data, seed);
    check_same(got, reference_length_delimited(data, codec.max_frame_length()));
    // Re-encoding the frames gives back the bytes they were decoded from.
    af::bytes_mut enc;
    for (const auto& f : got.frames) {
        check(f.size() <= codec.max_frame_length(), "a frame over the maximum was decoded");
        codec.encode(af::bytes::copy_from(f), enc);
    }
    std::string_view re(reinterpret_cast<const char*>(enc.as_span().data()), enc.size());
    check(data.starts_with(re), "re-encoded frames differ from the input");
    // Encoding a frame one byte over the maximum throws and writes nothing.
    if (codec.max_frame_length() < 4096) {
        af::bytes_mut out;
        bool threw = false;
        try {
            codec.encode(af::bytes::copy_from(std::string(codec.max_frame_length() + 1, 'x')), out);
        } catch (const af::io::frame_error&) {
            threw = true;
        }
        check(threw && out.empty(), "encoding a frame over the maximum did not throw, or wrote bytes");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
    if (n < 2) return 0;
    const unsigned mode = p[0];
    const std::size_t max = p[1] == 255 ? static_cast<std::size_t>(-1) : p[1];
    std::string_view data(reinterpret_cast<const char*>(p + 2), n - 2);
    const bool framed = (mode & 2) != 0;
    if ((mode & 1) == 0) {
        fuzz_lines(data, max, mode >> 2, framed);
    } else {
        fuzz_length_delimited(data, max, mode >> 2, framed);
    }
    return 0;
}
