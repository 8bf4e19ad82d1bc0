// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::peekable()`: `s` with a one-item look-ahead: `poll_peek(cx)` (or
/// `co_await p.peek()`) shows the next item without consuming it; the next `poll_next` returns
/// that same item.
///
///     auto p = std::move(tokens) | af::streams::peekable();
///     if (const token* t = co_await p.peek(); t && t->kind == kind::comment) (void)co_await af::next(p);
///
/// `peek` gives a pointer to the item kept inside the stream (`nullptr` at the end); it stays
/// valid until the next `poll_next`. Fused if `s` is. Cancellation: destroying it destroys `s`
/// and a peeked item. Errors: from `s`. Thread safety: as `s`.
#include <optional>  // the peeked item
#include <utility>   // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::peekable`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] peekable_stream {
public:
    using item = item_of<S>;

    explicit peekable_stream(S s) : s_(std::move(s)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (peeked_) {
            std::optional<item> out = std::move(peeked_);
            peeked_.reset();
            return out;
        }
        return s_.poll_next(cx);
    }

    /// Ready with a pointer to the next item (kept for the next poll_next), or nullptr at the end.
    af::poll<item*> poll_peek(context& cx) {
        if (!peeked_) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) return static_cast<item*>(nullptr);
            peeked_.emplace(std::move(*p.value()));
        }
        return &*peeked_;
    }

    /// The future form of `poll_peek`; it borrows the stream.
    class [[nodiscard("a future does nothing until it is awaited")]] peek_future {
    public:
        using output = item*;
        explicit peek_future(peekable_stream& s) noexcept : s_(&s) {}
        af::poll<item*> poll(context& cx) { return s_->poll_peek(cx); }

    private:
        peekable_stream* s_;
    };
    peek_future peek() noexcept { return peek_future(*this); }

private:
    S s_;
    // Only a real item is kept: a peeked end is asked for again, which a fused input answers.
    std::optional<item> peeked_;
};

inline auto peekable() {
    return detail::make_stream_adaptor([]<stream S>(S s) { return peekable_stream<S>(std::move(s)); });
}

}  // namespace af::streams
