// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::async_generator<T>`: a coroutine that both awaits (`co_await`) and produces
/// (`co_yield`); it is an `af::stream` of `T`.
///
///     af::async_generator<int> evens(af::test::manual_future<int>::future limit) {
///         int n = co_await std::move(limit);     // any af::future, as in af::task
///         for (int i = 0; i < n; i += 2) co_yield i;
///     }
///     auto s = evens(m.get());
///     while (auto v = co_await af::next(s)) use(*v);
///
/// Choose it over `af::generator<T>` when producing a value may have to wait; over a
/// hand-written `poll_next` when the state machine is easier to write as straight-line code.
/// `co_await` behaves exactly as in `af::task` (any future; tasks run on the generator's own
/// await chain; exceptions rethrown at the `co_await`). Items are handed out by value: each
/// `poll_next` moves the yielded object out (an lvalue `co_yield x` copies `x` first).
///
/// It is lazy: nothing runs before the first `poll_next`. After the body returns,
/// `poll_next` answers `std::nullopt` for ever (it is fused) and the frame is already freed.
///
/// Errors: an exception escaping the body is rethrown from the `poll_next` (so from
/// `co_await af::next(s)`) that ran into it; the stream has then ended.
/// Cancellation: destroying the generator destroys its frame where it is suspended: its locals
/// and the future (or task chain) it was awaiting are destroyed; nothing else runs.
/// Thread safety: polled by one thread at a time; may move between threads between polls.
/// Frames come from af's recycling allocator, or from `Alloc` when the coroutine's first
/// parameters are `std::allocator_arg_t, Alloc`.
#include <cassert>      // suspended-without-leaf check
#include <exception>    // std::rethrow_exception
#include <optional>     // items
#include <type_traits>  // std::is_reference_v
#include <utility>      // std::exchange

#include "af/stream/detail/async_generator_promise.hpp"
#include "af/stream/stream.hpp"

namespace af {

template <class T>
class [[nodiscard("an async_generator does nothing until it is polled")]] async_generator {
    static_assert(!std::is_reference_v<T>, "af::async_generator<T>: T must not be a reference; yield values or pointers");

public:
    using item = T;
    using promise_type = detail::async_generator_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;

    async_generator() noexcept = default;
    async_generator(async_generator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    async_generator& operator=(async_generator&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~async_generator() { reset(); }

    /// Runs the body until it yields (ready with the item), returns (ready with nullopt) or waits
    /// on a pending future (pending; that future registered `cx`'s waker).
    af::poll<std::optional<T>> poll_next(context& cx) {
        if (!h_) return detail::stream_end<T>();
        auto& p = h_.promise();
        detail::task_root& r = p.root_state;  // a generator is always the root of its chain
        if (!p.started) {
            p.started = true;
            r.resume_point = h_;
        }
        r.cx = &cx;
        if (r.leaf != nullptr) {
            if (!r.leaf_ops->poll(r.leaf, cx)) return pending;
            r.leaf = nullptr;
        }
        p.item = nullptr;
        detail::run_chain(p);
        if (p.item != nullptr) {
            return af::poll<std::optional<T>>(std::in_place, std::in_place, std::move(*std::exchange(p.item, nullptr)));
        }
        if (!h_.done()) {
            assert(r.leaf != nullptr && "af::async_generator suspended without waiting on a future");
            return pending;
        }
        // Finished: free the frame now so that an ended stream holds no memory.
        std::exception_ptr error = std::exchange(p.exception, nullptr);
        reset();
        if (error) std::rethrow_exception(error);
        return detail::stream_end<T>();
    }

    /// True once the body has returned (or thrown) and the end was reported.
    bool is_done() const noexcept { return !h_; }

    /// For diagnostics (af/core/detail/trace.hpp): appends where the body is suspended (a
    /// `co_await`, with the chain below it, or a `co_yield`); nothing before the first poll or
    /// after the end. Only while nobody polls the generator.
    void trace(detail::trace_sink& out) const {
        if (h_ && !h_.done()) h_.promise().trace_chain(out);
    }

private:
    friend promise_type;
    explicit async_generator(handle_type h) noexcept : h_(h) {}
    void reset() noexcept {
        if (h_) std::exchange(h_, {}).destroy();
    }

    handle_type h_;
};

namespace detail {
template <class T>
async_generator<T> async_generator_promise<T>::get_return_object() noexcept {
    return async_generator<T>(std::coroutine_handle<async_generator_promise>::from_promise(*this));
}
}  // namespace detail

}  // namespace af
