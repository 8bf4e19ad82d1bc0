// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The state machine shared by `af::io::copy` and `af::io::copy_bidirectional`: move bytes from
/// a reader to a writer through a fixed buffer.
///
/// Each poll loops: refill the buffer when it is empty and the reader has not ended, then write
/// it out. When the reader is pending, flush the writer if bytes went out since the last flush,
/// so a slow trickle of input still reaches a buffering writer. After the end of the reader:
/// flush, and for copy_bidirectional also shut the writer down (the peer then sees the end).
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint64_t
#include <memory>        // std::unique_ptr
#include <span>          // buffer views
#include <system_error>  // write_zero

#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"
#include "af/io/error.hpp"

namespace af::io::detail {

class copy_buffer {
public:
    static constexpr std::size_t size = 8192;

    explicit copy_buffer(bool shutdown_at_end) : buf_(new std::byte[size]), shutdown_at_end_(shutdown_at_end) {}

    template <async_read R, async_write W>
    poll<std::uint64_t> poll_copy(context& cx, R& r, W& w) {
        for (;;) {
            if (pos_ == cap_ && !read_done_) {
                auto p = r.poll_read(cx, std::span(buf_.get(), size));
                if (p.is_pending()) {
                    if (need_flush_) {
                        if (w.poll_flush(cx).is_ready()) need_flush_ = false;
                    }
                    return pending;
                }
                if (*p == 0) {
                    read_done_ = true;
                } else {
                    pos_ = 0;
                    cap_ = *p;
                }
            }
            while (pos_ < cap_) {
                auto p = w.poll_write(cx, std::span<const std::byte>(buf_.get() + pos_, cap_ - pos_));
                if (p.is_pending()) return pending;
                if (*p == 0) throw af::error(error::write_zero, "copy");
                pos_ += *p;
                amount_ += *p;
                need_flush_ = true;
            }
            if (read_done_) {
                if (w.poll_flush(cx).is_pending()) return pending;
                if (shutdown_at_end_ && w.poll_shutdown(cx).is_pending()) return pending;
                return amount_;
            }
        }
    }

private:
    std::unique_ptr<std::byte[]> buf_;
    std::size_t pos_ = 0;
    std::size_t cap_ = 0;
    std::uint64_t amount_ = 0;
    bool read_done_ = false;
    bool need_flush_ = false;
    bool shutdown_at_end_;
};

}  // namespace af::io::detail
