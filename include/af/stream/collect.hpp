// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::collect()`: a future of a `std::vector` of every item, completing when `s`
/// ends; `collect<C>()` fills container `C` instead (anything with `push_back` or `insert`).
///
///     std::vector<int> all = co_await (std::move(numbers) | af::streams::collect());
///     auto unique = co_await (std::move(numbers) | af::streams::collect<std::set<int>>());
///
/// Items that are ready at once are collected inside one poll. An endless stream never
/// completes: bound it with `take` first.
///
/// Cancellation: destroying the future destroys `s` and the items collected so far.
/// Errors: from `s`; the future is then finished. Thread safety: as `s`.
#include <cassert>      // polled-after-ready check
#include <iterator>     // std::end
#include <type_traits>  // std::conditional_t
#include <utility>      // std::move
#include <vector>       // the default container

#include "af/stream/detail/adaptor.hpp"

namespace af::detail {
struct vector_of_items {};  // collect()'s default: a std::vector of the stream's item type
}  // namespace af::detail

namespace af::streams {

/// The future made by `af::streams::collect`.
template <stream S, class C>
class [[nodiscard("a future does nothing until it is awaited")]] collect_future {
public:
    using output = C;

    explicit collect_future(S s) : s_(std::move(s)) {}

    af::poll<C> poll(context& cx) {
        assert(!done_ && "af::streams::collect polled after it completed");
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) {
                done_ = true;
                return af::poll<C>(std::in_place, std::move(out_));
            }
            if constexpr (requires { out_.push_back(std::move(*p.value())); }) {
                out_.push_back(std::move(*p.value()));
            } else {
                out_.insert(std::end(out_), std::move(*p.value()));
            }
        }
    }

private:
    S s_;
    // A plain member, not std::optional<C>: GCC 12 at -O2 warns (maybe-uninitialized) through
    // an optional container moved out of a future.
    C out_{};
    bool done_ = false;
};

template <class C = detail::vector_of_items>
auto collect() {
    return detail::make_stream_adaptor([]<stream S>(S s) {
        using container = std::conditional_t<std::is_same_v<C, detail::vector_of_items>, std::vector<item_of<S>>, C>;
        return collect_future<S, container>(std::move(s));
    });
}

}  // namespace af::streams
