// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::scope`: structured concurrency whose children may borrow the parent's locals.
///
/// A scope is a nursery of child futures that the scope drives itself: the children are polled
/// inside the scope's own `poll`, on the thread of the task that awaits it, and `co_await s`
/// returns only once every child finished (or was cancelled). So a child may hold references to
/// the awaiting coroutine's locals, as long as the scope is declared *after* them (locals are
/// destroyed in reverse order, so the scope and its children go first):
///
///     af::task<int> sum(const std::vector<int>& data) {
///         int total = 0;
///         af::scope s;                                       // after what the children borrow
///         for (std::size_t i = 0; i < 4; ++i)
///             s.spawn(add_part(data, i, total));             // af::future<void>, borrows data/total
///         s.spawn([&]() -> af::task<> { co_await log("started"); });   // a callable is fine too
///         co_await s;                                        // all children done here
///         co_return total;
///     }
///
/// Children must output `void`: results go into locals they borrow (that is the point of a
/// scope); to discard an output, spawn `af::map(f, [](auto&&) {})`. A child may `spawn` more
/// children into the same scope (capture the scope by reference). After `co_await s` returned,
/// the scope is empty and may be reused: spawn again and await again.
///
/// Children run concurrently, not in parallel: they interleave on the awaiting task's thread.
/// Only children whose wakers were woken are re-polled (each child has its own waker), and a
/// scope polls each woken child at most once per poll, then yields, so a child that wakes
/// itself in a loop cannot starve the task. To run children on other threads, spawn them on an
/// executor and await their join handles instead (which cannot borrow).
///
/// Choosing: `join` for a fixed set of futures known up front, with their outputs;
/// `futures_unordered` to consume outputs in completion order; `scope` for a dynamic set of
/// fire-and-wait children that borrow, each with its own waker.
///
/// Errors: when a child throws, the scope cancels (destroys) all its other children at once,
/// then rethrows that first exception from `co_await s`.
///
/// Cancellation: destroying the scope (for instance because the awaiting task was destroyed
/// mid-`co_await s`, or because it was never awaited) destroys every child that has not
/// finished, running their destructors, before any borrowed local is destroyed.
///
/// Thread safety: a scope is used (spawned into, polled, destroyed) by one thread at a time,
/// normally the thread of the task that owns it; children call `spawn` from within their poll,
/// which happens on that thread. The children's wakers may be woken from any thread. Not
/// copyable or movable: children refer to it.
#include <cstddef>      // std::size_t
#include <concepts>     // std::invocable
#include <memory>       // std::shared_ptr
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move
#include <vector>       // the live children

#include "af/core/future.hpp"
#include "af/core/task.hpp"  // af::co_invoke for callable children
#include "af/future/detail/scope_node.hpp"

namespace af {

class [[nodiscard("a scope does nothing until it is awaited; dropping it cancels its children")]] scope {
public:
    using output = void;

    scope();
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    /// Destroys every child that has not finished (cancellation).
    ~scope();

    /// Adds a child future. It is first polled on the scope's next poll. Thread safety: call
    /// from the thread that owns the scope (including from a child's poll).
    template <class F>
        requires future<std::remove_cvref_t<F>>
    void spawn(F&& f) {
        using G = std::remove_cvref_t<F>;
        static_assert(std::is_void_v<output_of<G>>,
                      "af::scope::spawn: a child must output void; write its result into a local "
                      "it borrows, or discard it with af::map(f, [](auto&&) {})");
        adopt(new detail::scope_child<G>(queue_, G(std::forward<F>(f))));
    }

    /// Adds a child made by calling `fn()`, which returns a future. `fn` is moved into the
    /// child's frame (via `af::co_invoke`), so a lambda's captures live as long as the child.
    template <class Fn>
        requires(!future<std::remove_cvref_t<Fn>>) && std::invocable<std::decay_t<Fn>&> &&
                future<std::invoke_result_t<std::decay_t<Fn>&>>
    void spawn(Fn&& fn) {
        spawn(af::co_invoke(std::forward<Fn>(fn)));
    }

    /// Polls the woken children; ready once no child is left. Rethrows the first child
    /// exception (after cancelling the other children). Resumes on: the awaiting task's thread.
    af::poll<void> poll(context& cx);

    /// Children spawned and neither finished nor cancelled yet.
    std::size_t size() const noexcept { return live_.size(); }

private:
    void adopt(detail::scope_node* n);
    void remove_live(detail::scope_node* n) noexcept;
    void cancel_all() noexcept;

    std::shared_ptr<detail::scope_queue> queue_;
    std::vector<detail::scope_node*> live_;  // each owns one reference
    std::vector<detail::scope_node*> batch_;  // the woken nodes taken by the current poll
};

}  // namespace af
