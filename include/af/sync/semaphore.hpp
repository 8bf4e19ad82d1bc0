// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sync::semaphore`: an async counting semaphore with FIFO fairness, the base of af's
/// other locks (`mutex`, `rwlock` and `once_cell` are built on it).
///
///     af::sync::semaphore sem(3);                // at most three downloads at once
///     af::task<> download(url u) {
///         auto permit = co_await sem.acquire();  // waits while three are running
///         co_await fetch(u);
///     }                                          // the permit goes back here
///
/// Choosing: `mutex<T>` when the permits protect one value, `rwlock<T>` for many readers or
/// one writer, `notify` to signal without counting, `semaphore` to bound concurrency or to
/// hand out units of a resource (`acquire(n)` takes several at once). To keep permits alive
/// beyond the semaphore's owner, hold the semaphore in a `std::shared_ptr` and use
/// `af::sync::acquire_owned`. Book: "Synchronization".
///
/// Fairness: waiters are served strictly in arrival order. Permits returned while someone
/// waits go to the head of the queue, even if it needs more than are free: a waiter asking for
/// many permits is not starved by a stream of small requests (those queue behind it).
/// `try_acquire` fails while anyone waits, for the same reason.
///
/// Resumes on: the task that returns permits (a permit drop, `add_permits`, `close`) wakes the
/// waiter's waker; the waiter runs on its own executor, never inside the releasing call.
///
/// Thread safety: every member may be called from any thread at once; permits and acquire
/// futures may move between threads. Destroy the semaphore only when nobody waits on it and
/// no permit refers to it.
#include <cassert>    // misuse checks
#include <cstddef>    // std::size_t
#include <memory>     // std::shared_ptr for owned permits
#include <mutex>      // the short lock guarding the count and the queue
#include <optional>   // try_acquire's result
#include <utility>    // std::exchange, std::move

#include "af/core/error.hpp"  // af::closed_error
#include "af/core/future.hpp"
#include "af/sync/detail/waiter_list.hpp"

namespace af::sync {

/// The old name of `af::closed_error`, which `semaphore::acquire` throws after or during
/// `close()` (docs/design/0015-error-model.md).
using closed_error [[deprecated("catch af::closed_error")]] = af::closed_error;

class semaphore;

/// Permits taken from a `semaphore`; gives them back when destroyed. Move-only; may be moved to
/// another task or thread. The semaphore must outlive it (see `owned_semaphore_permit`).
class semaphore_permit {
public:
    /// Holds no permits.
    semaphore_permit() noexcept = default;
    semaphore_permit(semaphore_permit&& o) noexcept
        : sem_(std::exchange(o.sem_, nullptr)), count_(std::exchange(o.count_, 0)) {}
    semaphore_permit& operator=(semaphore_permit&& o) noexcept {
        semaphore_permit old(std::move(*this));
        sem_ = std::exchange(o.sem_, nullptr);
        count_ = std::exchange(o.count_, 0);
        return *this;
    }
    ~semaphore_permit() { release(); }

    /// How many permits this guard holds (0 once released, forgotten or moved from).
    std::size_t count() const noexcept { return count_; }
    /// Gives the permits back now.
    inline void release() noexcept;
    /// Drops the permits without giving them back: the semaphore shrinks by `count()`.
    void forget() noexcept {
        sem_ = nullptr;
        count_ = 0;
    }

private:
    friend class semaphore;  // and its acquire_future: the only makers of permits
    semaphore_permit(semaphore& s, std::size_t n) noexcept : sem_(&s), count_(n) {}

    semaphore* sem_ = nullptr;
    std::size_t count_ = 0;
};

class semaphore {
    struct waiter : detail::list_hook<waiter> {
        std::size_t needed = 0;
        std::size_t assigned = 0;  // permits handed to this waiter so far; only the head has any
        bool closed = false;
        af::waker waker = af::waker::noop();
    };

public:
    /// The largest number of permits a semaphore can hold.
    static constexpr std::size_t max_permits = std::size_t(-1) >> 3;

    class acquire_future;

    explicit semaphore(std::size_t permits) noexcept : permits_(permits) {
        assert(permits <= max_permits && "af::sync::semaphore: more than max_permits permits");
    }
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;
    ~semaphore() { assert(waiters_.empty() && "af::sync::semaphore destroyed while tasks wait on it"); }

    /// A future of `n` permits (default one), ready once all `n` are assigned to it.
    /// Errors: throws `af::closed_error` if the semaphore is or becomes closed.
    /// Cancellation: dropping the future while it waits leaves the queue; permits already
    /// assigned to it go to the next waiter (or back to the semaphore). Nothing is lost; the
    /// dropped waiter only loses its place in line.
    /// Thread safety: any thread.
    inline acquire_future acquire(std::size_t n = 1) noexcept;

    /// `n` permits now, or nothing: when fewer are free, when someone is already waiting
    /// (FIFO), or when the semaphore is closed. Never suspends.
    std::optional<semaphore_permit> try_acquire(std::size_t n = 1) {
        std::lock_guard lk(m_);
        if (closed_ || !waiters_.empty() || permits_ < n) return std::nullopt;
        permits_ -= n;
        return semaphore_permit(*this, n);
    }

    /// Adds `n` permits, waking waiters that can now complete.
    void add_permits(std::size_t n) { release(n); }

    /// Permits free right now (another thread may change it at once).
    std::size_t available_permits() const {
        std::lock_guard lk(m_);
        return permits_;
    }

    /// Makes every waiting and future `acquire` fail with `af::closed_error` and every
    /// `try_acquire` fail. Permits already held stay valid and still come back on drop.
    void close() {
        detail::wake_list wl;
        std::unique_lock lk(m_);
        closed_ = true;
        while (waiter* w = waiters_.pop_front()) {
            permits_ += std::exchange(w->assigned, 0);
            w->closed = true;
            wl.push(std::move(w->waker));
            if (wl.full()) {
                lk.unlock();
                wl.wake_all();
                lk.lock();
            }
        }
    }

    bool is_closed() const {
        std::lock_guard lk(m_);
        return closed_;
    }

private:
    friend class semaphore_permit;

    // Hands free permits to the queue's head until they run out; returns true when it stopped
    // early because `wl` is full (the caller wakes the batch and calls again).
    bool assign_locked(detail::wake_list& wl) noexcept {
        while (permits_ > 0) {
            waiter* w = waiters_.front();
            if (w == nullptr) return false;
            std::size_t give = w->needed - w->assigned;
            if (give > permits_) give = permits_;
            w->assigned += give;
            permits_ -= give;
            if (w->assigned < w->needed) return false;
            waiters_.remove(w);
            wl.push(std::move(w->waker));
            if (wl.full()) return true;
        }
        return false;
    }

    // Returns permits (with the lock held by `lk`) and serves the queue.
    void release_locked(std::unique_lock<std::mutex>& lk, std::size_t n) {
        detail::wake_list wl;
        assert(permits_ + n <= max_permits && "af::sync::semaphore: more than max_permits permits");
        permits_ += n;
        while (assign_locked(wl)) {
            lk.unlock();
            wl.wake_all();
            lk.lock();
        }
        lk.unlock();
        // wl wakes the rest when it goes out of scope, outside the lock.
    }

    void release(std::size_t n) {
        if (n == 0) return;
        std::unique_lock lk(m_);
        release_locked(lk, n);
    }

    // The acquire future's destructor: leave the queue and pass on what was assigned.
    void cancel(waiter& w) {
        std::unique_lock lk(m_);
        if (w.linked_) waiters_.remove(&w);
        std::size_t back = std::exchange(w.assigned, 0);
        if (back > 0) release_locked(lk, back);
    }

    mutable std::mutex m_;
    // 0 whenever a waiter is queued (the head got the rest), except while release_locked wakes
    // a full batch with the lock dropped: then the permits left belong to the queue's head.
    std::size_t permits_;
    bool closed_ = false;
    detail::intrusive_list<waiter> waiters_;
};

class [[nodiscard("an acquire does nothing until it is awaited or polled")]] semaphore::acquire_future {
public:
    using output = semaphore_permit;

    acquire_future(semaphore& s, std::size_t n) noexcept : sem_(&s) { node_.needed = n; }
    /// Moves are allowed only before the first poll (the node may be linked afterwards).
    acquire_future(acquire_future&& o) noexcept : sem_(o.sem_), phase_(o.phase_) {
        assert(o.phase_ == phase::start && "af::sync::semaphore::acquire_future moved after being polled");
        node_.needed = o.node_.needed;
    }
    acquire_future& operator=(acquire_future&&) = delete;
    ~acquire_future() {
        if (phase_ == phase::waiting) sem_->cancel(node_);
    }

    af::poll<semaphore_permit> poll(context& cx) {
        assert(phase_ != phase::done && "af::sync::semaphore::acquire_future polled after completion");
        std::unique_lock lk(sem_->m_);
        if (phase_ == phase::start) {
            if (sem_->closed_) return fail();
            std::size_t n = node_.needed;
            if (sem_->waiters_.empty() && sem_->permits_ >= n) {
                sem_->permits_ -= n;
                phase_ = phase::done;
                return semaphore_permit(*sem_, n);
            }
            // Joining an empty queue as its head: take the free permits (fewer than needed). A
            // non-empty queue may have free permits only while a release is waking a batch with
            // the lock dropped; they belong to the waiters ahead of us, whom that release goes
            // on to serve: join the tail with nothing assigned.
            if (sem_->waiters_.empty()) {
                node_.assigned = sem_->permits_;
                sem_->permits_ = 0;
            }
            node_.waker = cx.waker();
            sem_->waiters_.push_back(&node_);
            phase_ = phase::waiting;
            return pending;
        }
        if (node_.linked_) {
            node_.waker = cx.waker();  // skips the clone when the waker did not change
            return pending;
        }
        if (node_.closed) return fail();
        assert(node_.assigned == node_.needed);
        node_.assigned = 0;
        phase_ = phase::done;
        return semaphore_permit(*sem_, node_.needed);
    }

private:
    enum class phase : unsigned char { start, waiting, done };

    af::poll<semaphore_permit> fail() {
        phase_ = phase::done;
        throw af::closed_error("semaphore closed");
    }

    semaphore* sem_;
    waiter node_;
    phase phase_ = phase::start;
};

inline semaphore::acquire_future semaphore::acquire(std::size_t n) noexcept { return acquire_future(*this, n); }

inline void semaphore_permit::release() noexcept {
    if (semaphore* s = std::exchange(sem_, nullptr)) s->release(std::exchange(count_, 0));
}

/// Permits that keep their semaphore alive: made by `acquire_owned`/`try_acquire_owned`.
class owned_semaphore_permit {
public:
    owned_semaphore_permit() noexcept = default;
    owned_semaphore_permit(std::shared_ptr<semaphore> s, semaphore_permit p) noexcept
        : sem_(std::move(s)), permit_(std::move(p)) {}
    owned_semaphore_permit(owned_semaphore_permit&&) noexcept = default;
    owned_semaphore_permit& operator=(owned_semaphore_permit&& o) noexcept {
        owned_semaphore_permit old(std::move(*this));
        permit_ = std::move(o.permit_);  // release before the keep-alive reference goes
        sem_ = std::move(o.sem_);
        return *this;
    }
    ~owned_semaphore_permit() { permit_.release(); }

    std::size_t count() const noexcept { return permit_.count(); }
    void release() noexcept { permit_.release(); }
    void forget() noexcept { permit_.forget(); }
    const std::shared_ptr<semaphore>& semaphore_ptr() const noexcept { return sem_; }

private:
    std::shared_ptr<semaphore> sem_;
    semaphore_permit permit_;
};

/// The future made by `acquire_owned`.
class [[nodiscard("an acquire does nothing until it is awaited or polled")]] acquire_owned_future {
public:
    using output = owned_semaphore_permit;

    acquire_owned_future(std::shared_ptr<semaphore> s, std::size_t n) noexcept
        : sem_(std::move(s)), inner_(sem_->acquire(n)) {}
    acquire_owned_future(acquire_owned_future&& o) noexcept : sem_(o.sem_), inner_(std::move(o.inner_)) {}

    af::poll<owned_semaphore_permit> poll(context& cx) {
        auto p = inner_.poll(cx);
        if (p.is_pending()) return pending;
        return owned_semaphore_permit(sem_, std::move(p).value());
    }

private:
    std::shared_ptr<semaphore> sem_;  // declared first: outlives inner_'s cancellation
    semaphore::acquire_future inner_;
};

/// `sem->acquire(n)` whose permit holds a reference to `sem`, so it may outlive every other
/// owner of the semaphore (hand it to a spawned task). Cancellation, errors, thread safety:
/// as `semaphore::acquire`.
inline acquire_owned_future acquire_owned(std::shared_ptr<semaphore> sem, std::size_t n = 1) noexcept {
    return acquire_owned_future(std::move(sem), n);
}

/// `sem->try_acquire(n)` as an owned permit.
inline std::optional<owned_semaphore_permit> try_acquire_owned(const std::shared_ptr<semaphore>& sem, std::size_t n = 1) {
    auto p = sem->try_acquire(n);
    if (!p) return std::nullopt;
    return owned_semaphore_permit(sem, std::move(*p));
}

}  // namespace af::sync
