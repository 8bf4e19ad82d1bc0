// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sync::rwlock<T>`: an async reader-writer lock owning its value: many readers at once,
/// or one writer.
///
///     af::sync::rwlock<config> cfg;
///     auto r = co_await cfg.read();    // shared: r->field, const access
///     auto w = co_await cfg.write();   // exclusive: w->field = ...
///
/// Choosing: use `mutex<T>` unless reads dominate and are held across suspensions; an rwlock
/// costs the same per operation but lets readers overlap.
///
/// Fairness: one FIFO queue for readers and writers (a `semaphore` of `max_readers` permits;
/// a reader takes one, a writer all). A queued writer blocks the readers that arrive after it,
/// so writers are never starved by a stream of readers (writer-preferring); readers queued
/// before the writer still go first, and readers queued together after a writer are admitted
/// together when it unlocks. `try_read`/`try_write` fail while anyone waits.
///
/// Resumes on: the unlocking task wakes the waiters it admits; they resume on their own
/// executors.
///
/// Thread safety: all members and guards may be used from any thread; `T` must tolerate
/// concurrent const access from several readers. Destroy the lock only when nobody waits and
/// no guard is alive.
#include <cstddef>   // std::size_t
#include <optional>  // try_read/try_write results
#include <utility>   // std::forward, std::move, std::exchange

#include "af/sync/semaphore.hpp"

namespace af::sync {

template <class T>
class rwlock;

/// Shared, const access to an `rwlock<T>`'s value; releases the read lock when destroyed.
template <class T>
class rwlock_read_guard {
public:
    const T& operator*() const noexcept { return *value_; }
    const T* operator->() const noexcept { return value_; }

    rwlock_read_guard(rwlock_read_guard&& o) noexcept
        : value_(std::exchange(o.value_, nullptr)), permit_(std::move(o.permit_)) {}
    /// Releases the lock this guard held, then takes `o`'s.
    rwlock_read_guard& operator=(rwlock_read_guard&& o) noexcept {
        if (this != &o) {
            permit_ = std::move(o.permit_);
            value_ = std::exchange(o.value_, nullptr);
        }
        return *this;
    }

private:
    friend class rwlock<T>;
    rwlock_read_guard(const T& v, semaphore_permit p) noexcept : value_(&v), permit_(std::move(p)) {}
    const T* value_;
    semaphore_permit permit_;
};

/// Exclusive access to an `rwlock<T>`'s value; releases the write lock when destroyed.
template <class T>
class rwlock_write_guard {
public:
    T& operator*() const noexcept { return *value_; }
    T* operator->() const noexcept { return value_; }

    rwlock_write_guard(rwlock_write_guard&& o) noexcept
        : value_(std::exchange(o.value_, nullptr)), permit_(std::move(o.permit_)) {}
    /// Releases the lock this guard held, then takes `o`'s.
    rwlock_write_guard& operator=(rwlock_write_guard&& o) noexcept {
        if (this != &o) {
            permit_ = std::move(o.permit_);
            value_ = std::exchange(o.value_, nullptr);
        }
        return *this;
    }

private:
    friend class rwlock<T>;
    rwlock_write_guard(T& v, semaphore_permit p) noexcept : value_(&v), permit_(std::move(p)) {}
    T* value_;
    semaphore_permit permit_;
};

template <class T>
class rwlock {
public:
    /// The most readers that can hold the lock at once.
    static constexpr std::size_t max_readers = std::size_t(1) << 30;

    template <class Guard, std::size_t Permits>
    class [[nodiscard("a lock does nothing until it is awaited or polled")]] lock_future {
    public:
        using output = Guard;
        af::poll<Guard> poll(context& cx) {
            auto p = inner_.poll(cx);
            if (p.is_pending()) return pending;
            return Guard(l_->value_, std::move(p).value());
        }

    private:
        friend class rwlock;
        explicit lock_future(rwlock& l) noexcept : l_(&l), inner_(l.sem_.acquire(Permits)) {}
        rwlock* l_;
        semaphore::acquire_future inner_;
    };
    using read_future = lock_future<rwlock_read_guard<T>, 1>;
    using write_future = lock_future<rwlock_write_guard<T>, max_readers>;

    template <class... Args>
    explicit rwlock(Args&&... args) : value_(std::forward<Args>(args)...) {}
    rwlock(const rwlock&) = delete;
    rwlock& operator=(const rwlock&) = delete;

    /// A future of a read guard. Cancellation: dropping it while waiting leaves the queue and
    /// passes on anything already assigned to it; no wake-up is lost. Thread safety: any thread.
    read_future read() noexcept { return read_future(*this); }
    /// A future of the write guard. Cancellation: as `read()`; a cancelled queued writer no
    /// longer holds back the readers behind it.
    write_future write() noexcept { return write_future(*this); }

    std::optional<rwlock_read_guard<T>> try_read() {
        auto p = sem_.try_acquire(1);
        if (!p) return std::nullopt;
        return rwlock_read_guard<T>(value_, std::move(*p));
    }
    std::optional<rwlock_write_guard<T>> try_write() {
        auto p = sem_.try_acquire(max_readers);
        if (!p) return std::nullopt;
        return rwlock_write_guard<T>(value_, std::move(*p));
    }

    /// The value without locking: having the only reference to the lock proves exclusivity.
    T& get_mut() noexcept { return value_; }

private:
    semaphore sem_{max_readers};
    T value_;
};

}  // namespace af::sync
