// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sync::mutex<T>`: an async mutex that owns the value it protects; waiting for it
/// suspends the task instead of blocking the thread.
///
///     af::sync::mutex<std::vector<int>> log;
///     af::task<> record(int v) {
///         auto g = co_await log.lock();   // FIFO: waiters get the lock in arrival order
///         g->push_back(v);
///     }                                   // unlocked when the guard is destroyed
///
/// Choosing: a plain `std::mutex` is cheaper and fine when the lock is never held across a
/// `co_await`; use this one when it is. `rwlock<T>` lets readers share; `semaphore` counts.
///
/// Fairness: strictly FIFO (it is a one-permit `semaphore`): an unlock hands the lock to the
/// longest waiter, and `try_lock` fails while anyone waits.
///
/// Resumes on: the task that unlocks (drops its guard) wakes the next waiter's waker and goes
/// on running; the waiter resumes later on its own executor, never inside the unlocking call.
/// The lock is already the waiter's from the moment it is woken.
///
/// Thread safety: `lock`, `try_lock` and guards may be used from any thread; a guard may move
/// to another task or thread. Destroy the mutex only when nobody waits and no guard is alive.
#include <optional>  // try_lock's result
#include <utility>   // std::forward, std::move, std::exchange

#include "af/sync/semaphore.hpp"

namespace af::sync {

template <class T>
class mutex;

/// Exclusive access to a `mutex<T>`'s value; unlocks when destroyed. Move-only.
template <class T>
class mutex_guard {
public:
    T& operator*() const noexcept { return *value_; }
    T* operator->() const noexcept { return value_; }

    mutex_guard(mutex_guard&& o) noexcept : value_(std::exchange(o.value_, nullptr)), permit_(std::move(o.permit_)) {}
    /// Unlocks the mutex this guard held, then takes `o`'s lock.
    mutex_guard& operator=(mutex_guard&& o) noexcept {
        if (this != &o) {
            permit_ = std::move(o.permit_);
            value_ = std::exchange(o.value_, nullptr);
        }
        return *this;
    }

    /// Unlocks now; the guard must not be dereferenced afterwards.
    void unlock() noexcept {
        permit_.release();
        value_ = nullptr;
    }

private:
    friend class mutex<T>;
    mutex_guard(T& v, semaphore_permit p) noexcept : value_(&v), permit_(std::move(p)) {}

    T* value_;
    semaphore_permit permit_;
};

template <class T>
class mutex {
public:
    /// The future made by `lock()`.
    class [[nodiscard("a lock does nothing until it is awaited or polled")]] lock_future {
    public:
        using output = mutex_guard<T>;
        af::poll<mutex_guard<T>> poll(context& cx) {
            auto p = inner_.poll(cx);
            if (p.is_pending()) return pending;
            return mutex_guard<T>(m_->value_, std::move(p).value());
        }

    private:
        friend class mutex;
        explicit lock_future(mutex& m) noexcept : m_(&m), inner_(m.sem_.acquire(1)) {}
        mutex* m_;
        semaphore::acquire_future inner_;
    };

    /// Constructs the protected value from `args`.
    template <class... Args>
    explicit mutex(Args&&... args) : value_(std::forward<Args>(args)...) {}
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;

    /// A future of the guard, ready once this task holds the lock.
    /// Cancellation: dropping it while waiting leaves the queue; if the lock had already been
    /// handed to it, it is passed to the next waiter. No wake-up is lost.
    /// Thread safety: any thread.
    lock_future lock() noexcept { return lock_future(*this); }

    /// The guard if the lock is free and nobody waits; never suspends.
    std::optional<mutex_guard<T>> try_lock() {
        auto p = sem_.try_acquire(1);
        if (!p) return std::nullopt;
        return mutex_guard<T>(value_, std::move(*p));
    }

    /// The value without locking: having the only reference to the mutex proves exclusivity.
    T& get_mut() noexcept { return value_; }

private:
    semaphore sem_{1};
    T value_;
};

}  // namespace af::sync
