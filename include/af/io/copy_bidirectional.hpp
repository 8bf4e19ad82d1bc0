// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::copy_bidirectional(a, b)`: a future that copies `a` to `b` and `b` to `a` at the
/// same time, as a proxy does, and gives `{bytes a to b, bytes b to a}`.
///
///     auto [up, down] = co_await af::io::copy_bidirectional(client, upstream);
///
/// When one side's reads end, the other side is flushed and shut down (its peer sees end of
/// stream); the future is ready once both directions have ended. Each direction has its own 8
/// KiB buffer. An error in either direction throws out of the future and abandons both.
///
/// The future borrows `a` and `b`: both must outlive it, and each must allow a read and a write
/// to be pending at the same time (separate waker slots, as `af::io::duplex` has).
/// Cancellation: NOT safe; up to 8 KiB per direction read but not yet written are lost.
/// Thread safety: as `a` and `b`.
#include <cstdint>  // std::uint64_t
#include <memory>   // std::addressof
#include <utility>  // std::pair

#include "af/io/detail/copy_buffer.hpp"

namespace af::io {

/// The future made by `af::io::copy_bidirectional`.
template <class A, class B>
    requires async_read<A> && async_write<A> && async_read<B> && async_write<B>
class [[nodiscard("a future does nothing until it is awaited")]] copy_bidirectional_future {
public:
    using output = std::pair<std::uint64_t, std::uint64_t>;
    copy_bidirectional_future(A& a, B& b) : a_(std::addressof(a)), b_(std::addressof(b)), ab_(true), ba_(true) {}

    af::poll<output> poll(context& cx) {
        // Both directions are polled every time: each registers its own wakers.
        if (!ab_done_) {
            auto p = ab_.poll_copy(cx, *a_, *b_);
            if (p.is_ready()) {
                ab_done_ = true;
                ab_n_ = *p;
            }
        }
        if (!ba_done_) {
            auto p = ba_.poll_copy(cx, *b_, *a_);
            if (p.is_ready()) {
                ba_done_ = true;
                ba_n_ = *p;
            }
        }
        if (ab_done_ && ba_done_) return output(ab_n_, ba_n_);
        return pending;
    }

private:
    A* a_;
    B* b_;
    detail::copy_buffer ab_;
    detail::copy_buffer ba_;
    std::uint64_t ab_n_ = 0;
    std::uint64_t ba_n_ = 0;
    bool ab_done_ = false;
    bool ba_done_ = false;
};

template <class A, class B>
    requires async_read<A> && async_write<A> && async_read<B> && async_write<B>
copy_bidirectional_future<A, B> copy_bidirectional(A& a, B& b) {
    return copy_bidirectional_future<A, B>(a, b);
}

}  // namespace af::io
