// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sync::once_cell<T>`: a value initialized at most once by an async function, however
/// many tasks race to initialize it.
///
///     af::sync::once_cell<config> cfg;
///     af::task<> handler() {
///         const config& c = co_await cfg.get_or_init([] { return load_config(); });
///         use(c);
///     }
///
/// `get_or_init(f)` returns the value if it is set; otherwise the first caller runs `f()` (a
/// callable returning a future of something convertible to `T`) while later callers wait in
/// FIFO order. If the initializing task is cancelled, or `f` throws, the cell stays empty and
/// the next waiter runs its own `f`. The output is a `std::reference_wrapper<T>`: bind it to a
/// `T&` (`T& v = co_await ...`) or call `.get()`.
///
/// Choosing: a function-local `static` is simpler when initialization need not suspend;
/// `af::shared` shares one future's output among copies without a cell.
///
/// Resumes on: the task that finishes (or abandons) initialization wakes the waiters; they
/// resume on their own executors.
///
/// Thread safety: all members may be called from any thread; once set, the value is never
/// modified by the cell, so concurrent const access is safe. `get_or_init` allocates a task
/// frame per call (from the recycling frame cache); `get()` is the allocation-free fast path.
#include <atomic>      // the initialized flag read without a lock
#include <functional>  // std::reference_wrapper
#include <optional>    // the value's storage
#include <utility>     // std::forward, std::move

#include "af/core/task.hpp"
#include "af/sync/semaphore.hpp"

namespace af::sync {

template <class T>
class once_cell {
public:
    once_cell() noexcept = default;
    once_cell(const once_cell&) = delete;
    once_cell& operator=(const once_cell&) = delete;

    /// The value, or nullptr if it is not initialized yet. Never suspends.
    T* get() noexcept {
        // Acquire: pairs with the release in set_locked, so the value's construction is visible.
        return ready_.load(std::memory_order_acquire) ? &*value_ : nullptr;
    }
    const T* get() const noexcept { return ready_.load(std::memory_order_acquire) ? &*value_ : nullptr; }
    bool initialized() const noexcept { return ready_.load(std::memory_order_acquire); }

    /// The value, initializing it with `co_await f()` if no one has (see the file comment).
    /// Errors: rethrows what `f` or its future throws; the cell stays empty.
    /// Cancellation: dropping a waiting caller loses nothing; dropping the initializing caller
    /// abandons its initialization and lets the next waiter start over.
    /// Thread safety: any thread; the cell must outlive the returned task.
    template <class F>
    af::task<std::reference_wrapper<T>> get_or_init(F f) {
        if (T* v = get()) co_return std::ref(*v);
        auto permit = co_await sem_.acquire(1);
        if (T* v = get()) co_return std::ref(*v);
        auto init = f();
        value_.emplace(co_await std::move(init));
        ready_.store(true, std::memory_order_release);
        // Let every current and future waiter through: each takes a permit, sees the value
        // and gives the permit back at once.
        sem_.add_permits(semaphore::max_permits - 1);
        co_return std::ref(*value_);
    }

    /// Sets the value if it is not initialized and no initialization is running; returns
    /// whether it did. Never suspends.
    template <class... Args>
    bool try_set(Args&&... args) {
        auto permit = sem_.try_acquire(1);
        if (!permit || initialized()) return false;
        value_.emplace(std::forward<Args>(args)...);
        ready_.store(true, std::memory_order_release);
        sem_.add_permits(semaphore::max_permits - 1);
        return true;
    }

private:
    semaphore sem_{1};  // the right to initialize; unlimited once the value is set
    std::optional<T> value_;
    std::atomic<bool> ready_{false};
};

}  // namespace af::sync
