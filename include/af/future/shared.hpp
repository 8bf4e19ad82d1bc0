// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::shared(f)`: a copyable future; every copy completes with (a copy of) `f`'s output.
///
/// Whichever copy is polled drives `f`; the others wait. When `f` completes, every copy that is
/// waiting is woken, and each copy's output is a copy of `f`'s output (so the output type must
/// be copyable: share a `std::shared_ptr` when it is not). An exception from `f` is shared too:
/// every copy rethrows the same `std::exception_ptr`.
///
///     auto config = af::shared(load_config());
///     auto a = use(config);   // each consumer awaits its own copy
///     auto b = use(config);
///
/// Choosing: to hand one value to many tasks after it exists, a watch/broadcast channel is
/// cheaper; `shared` is for sharing the *computation* itself, started lazily by whoever needs it
/// first. A `shared_future` may be moved even after it was polled (its state is on the heap).
///
/// Cancellation: dropping one copy, even mid-poll of its awaiting task, loses nothing for the
/// others; the inner future is destroyed (cancelled) when the last copy is dropped before it
/// completed. Resumes on: the copy that drives `f` completes in its own poll; the others are
/// woken and read the stored output when their tasks poll them.
///
/// Thread safety: copies may be polled and dropped from different threads at once (each copy
/// by one thread at a time). The bookkeeping is under a mutex, never held while `f` is polled
/// or destroyed; `f` is polled by one thread at a time. See detail/shared_state.hpp.
#include <cassert>      // polled-after-ready check
#include <type_traits>  // std::is_copy_constructible_v
#include <utility>      // std::exchange, std::move

#include "af/core/future.hpp"
#include "af/core/wakeable.hpp"
#include "af/future/detail/shared_state.hpp"

namespace af {

/// The future made by `af::shared`. Copyable; see the file comment.
template <future F>
class [[nodiscard("a future does nothing until it is awaited")]] shared_future {
    using state = detail::shared_state<F>;

public:
    using output = output_of<F>;
    static_assert(std::is_void_v<output> || std::is_copy_constructible_v<output>,
                  "af::shared(f): the output of f must be copyable, since every copy gets its own; "
                  "share a std::shared_ptr<T> for a move-only output");

    explicit shared_future(F f) : s_(make_wakeable<state>(std::move(f))) {}

    shared_future(const shared_future& o) : s_(o.s_) { s_->add_copy(); }
    shared_future(shared_future&& o) noexcept
        : s_(std::move(o.s_)), slot_(std::exchange(o.slot_, state::no_slot)), done_(o.done_) {}
    shared_future& operator=(shared_future o) noexcept {
        swap(o);
        return *this;
    }
    ~shared_future() {
        if (s_) s_->drop_copy(slot_);
    }

    af::poll<output> poll(context& cx) {
        assert(!done_ && "af::shared_future polled after it completed");
        if (!s_->poll(slot_, cx)) return pending;
        done_ = true;
        if constexpr (std::is_void_v<output>) {
            s_->output();
            return {};
        } else {
            return af::poll<output>(std::in_place, s_->output());
        }
    }

    void swap(shared_future& o) noexcept {
        std::swap(s_, o.s_);
        std::swap(slot_, o.slot_);
        std::swap(done_, o.done_);
    }

private:
    wakeable_ptr<state> s_;
    std::size_t slot_ = state::no_slot;
    bool done_ = false;
};

/// Makes `f` shareable; see the file comment.
template <class F>
    requires future<std::remove_cvref_t<F>>
shared_future<std::remove_cvref_t<F>> shared(F&& f) {
    return shared_future<std::remove_cvref_t<F>>(std::forward<F>(f));
}

}  // namespace af
