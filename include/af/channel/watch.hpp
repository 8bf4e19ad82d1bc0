// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::channel::watch::channel(init)`: one sender publishes a value; receivers read the latest
/// one and can wait for it to change.
///
///     auto [tx, rx] = af::channel::watch::channel(load());
///     co_await rx.changed();                 // throws af::closed_error once tx is gone
///     config c = *rx.borrow_and_update();    // a copy of the latest value
///     tx.send_modify([](config& c) { ++c.generation; });   // edit in place, then notify
///
/// Only the latest value is kept: a receiver that is slow sees the newest value, never a backlog
/// (intermediate values may be skipped). Choosing: for every value to reach every receiver, use
/// `broadcast`; for a stream of work items, `mpsc`.
///
/// Errors (docs/design/0015-error-model.md): `changed()` and `has_changed()` throw
/// `af::closed_error` once the sender is gone and no unseen value is left: neither can ever
/// report a change again. The last value stays readable with `borrow()`. A `send` with no
/// receiver hands the value back in a `send_result`; the sender's `closed()` future completes
/// when the last receiver goes.
///
/// Thread safety, the rule of every af channel: distinct handles may be used from different
/// threads at once, and so may the `const` members of one handle; its other members need the
/// handle to themselves (one thread at a time). Here every sender member is `const` but
/// assignment and destruction: one sender may publish from several threads at once. A
/// receiver's `borrow`, `has_changed` and `is_closed` are `const`, but `borrow_and_update`,
/// `changed` and `poll_changed` are not: copy the receiver for each waiting thread. One mutex
/// guards the value, its version and the waiting futures; `borrow()` holds it while the returned
/// reference lives, and `send_modify` while its function runs (keep both short, never across a
/// `co_await`, and never touch the channel from inside: that deadlocks). A lock rather than an
/// RCU-like scheme keeps `T` free of any requirement beyond being movable.
#include <cstdint>      // versions
#include <memory>       // shared state, heap waiter nodes
#include <mutex>        // guards the state
#include <optional>     // wakers, the replaced value
#include <type_traits>  // std::is_invocable_r_v
#include <utility>      // std::pair, std::move
#include <vector>       // wakers woken after the lock

#include "af/channel/detail/waiter_list.hpp"
#include "af/channel/error.hpp"  // send_result
#include "af/core/error.hpp"     // af::closed_error
#include "af/core/future.hpp"

namespace af::detail {
template <class T>
struct watch_state {
    explicit watch_state(T init) : value(std::move(init)) {}
    std::mutex m;
    T value;
    std::uint64_t version = 0;
    bool tx_alive = true;
    std::size_t receivers = 0;
    channel_waiter_list waiters;         // receivers in changed()
    channel_waiter_list closed_waiters;  // the sender's closed() futures

    // A new version: wakes every changed() (after the caller drops the lock).
    void publish(std::vector<waker>& wake) {
        ++version;
        waiters.drain(wake);
    }
};
}  // namespace af::detail

namespace af::channel::watch {

template <class T>
class sender;
template <class T>
class receiver;
template <class T>
std::pair<sender<T>, receiver<T>> channel(T init);

/// A locked view of the current value; holds the channel's lock while it lives.
template <class T>
class [[nodiscard("a borrow is only useful while it is held")]] ref {
public:
    ref(std::unique_lock<std::mutex> lk, const T& v) noexcept : lk_(std::move(lk)), v_(&v) {}
    ref(std::unique_lock<std::mutex>, const T&&) = delete;  // would point at a temporary
    const T& operator*() const noexcept { return *v_; }
    const T* operator->() const noexcept { return v_; }

private:
    std::unique_lock<std::mutex> lk_;
    const T* v_;
};

/// The single sending handle. Move-only. Dropping it ends every receiver's `changed()` (once
/// each has seen the last value).
/// Thread safety: every member but assignment and destruction is `const` and may run on
/// several threads at once.
template <class T>
class sender {
    using state = af::detail::watch_state<T>;

public:
    /// The future made by `closed()`: completes when no receiver exists. It shares the channel,
    /// so it may outlive the sender. A `subscribe()` after it completed does not un-complete it.
    /// Cancellation: dropping it loses nothing and releases its waker.
    /// Resumes on: the thread that polls it, woken by the thread that dropped the last receiver.
    class [[nodiscard("a future does nothing until it is awaited")]] closed_future {
    public:
        using output = void;
        explicit closed_future(std::shared_ptr<state> s) noexcept : s_(std::move(s)) {}
        closed_future(closed_future&&) noexcept = default;  // the node is on the heap: it stays put
        ~closed_future() {
            if (!node_) return;
            std::lock_guard lk(s_->m);
            s_->closed_waiters.remove(*node_);
        }

        af::poll<void> poll(context& cx) {
            std::lock_guard lk(s_->m);
            if (s_->receivers == 0) {
                if (node_) s_->closed_waiters.remove(*node_);
                return {};
            }
            // Made on the first pending poll only: a closed() that is ready at once costs nothing.
            if (!node_) node_ = std::make_unique<af::detail::channel_waiter>();
            if (!node_->linked) s_->closed_waiters.push_back(*node_);
            node_->set_waker(cx.waker());
            return pending;
        }

    private:
        std::shared_ptr<state> s_;
        std::unique_ptr<af::detail::channel_waiter> node_;
    };

    explicit sender(std::shared_ptr<state> s) noexcept : s_(std::move(s)) {}
    sender(sender&&) noexcept = default;
    /// Drops this sender (closing its channel, as its destructor would), then takes over `o`.
    sender& operator=(sender&& o) noexcept {
        sender old(std::move(*this));
        s_ = std::move(o.s_);
        return *this;
    }
    ~sender() {
        if (!s_) return;
        std::vector<waker> wake;
        {
            std::lock_guard lk(s_->m);
            s_->tx_alive = false;
            s_->waiters.drain(wake);
        }
        for (waker& w : wake) std::move(w).wake();
    }

    /// Replaces the value and wakes every receiver waiting in `changed()`. Fails with `closed`
    /// (value handed back, the stored value unchanged) when no receiver exists. Never suspends.
    send_result<T> send(T v) const {
        std::vector<waker> wake;
        std::optional<T> old;  // destroyed after the lock
        {
            std::lock_guard lk(s_->m);
            if (s_->receivers == 0) return send_result<T>::failed(send_status::closed, std::move(v));
            old.emplace(std::move(s_->value));
            s_->value = std::move(v);
            s_->publish(wake);
        }
        for (waker& w : wake) std::move(w).wake();
        return send_result<T>::ok();
    }

    /// Calls `fn(T&)` on the value in place, then marks it changed and wakes every receiver,
    /// with or without receivers (the value is kept for later subscribers). Never suspends.
    /// `fn` runs under the channel's lock: keep it short and do not touch the channel from it.
    /// Errors: an exception from `fn` propagates; the value may be half-modified, so receivers
    /// are told of a change all the same.
    template <class F>
        requires std::is_invocable_v<F&, T&>
    void send_modify(F&& fn) const {
        (void)send_if_modified([&fn](T& v) {
            fn(v);
            return true;
        });
    }

    /// Calls `fn(T&)` on the value in place; if it returns true, marks the value changed and
    /// wakes every receiver, else nobody hears of it. Returns what `fn` returned. Otherwise as
    /// `send_modify` (an exception from `fn` counts as a change).
    template <class F>
        requires std::is_invocable_r_v<bool, F&, T&>
    bool send_if_modified(F&& fn) const {
        std::vector<waker> wake;
        bool modified = false;
        {
            std::unique_lock lk(s_->m);
            try {
                modified = static_cast<bool>(fn(s_->value));
            } catch (...) {
                s_->publish(wake);
                lk.unlock();
                for (waker& w : wake) std::move(w).wake();
                throw;
            }
            if (modified) s_->publish(wake);
        }
        for (waker& w : wake) std::move(w).wake();
        return modified;
    }

    /// The current value (under the lock while the reference lives).
    ref<T> borrow() const {
        std::unique_lock lk(s_->m);
        return ref<T>(std::move(lk), s_->value);
    }

    /// A new receiver that considers the current value seen.
    receiver<T> subscribe() const { return receiver<T>(s_); }

    std::size_t receiver_count() const {
        std::lock_guard lk(s_->m);
        return s_->receivers;
    }

    /// True while no receiver exists (a `send` would fail). A `subscribe()` makes it false again.
    bool is_closed() const { return receiver_count() == 0; }

    /// A future that completes when no receiver exists: lets a publisher stop producing values
    /// nobody reads. See `closed_future`. Thread safety: any number, from any threads.
    closed_future closed() const { return closed_future(s_); }

private:
    std::shared_ptr<state> s_;
};

/// A receiving handle; copyable (a copy starts with the same "seen" version).
/// Thread safety: `borrow`, `has_changed`, `is_closed` and copying may run on several threads
/// at once; the members that mark a value seen (`borrow_and_update`, `changed`) need the handle
/// to themselves.
template <class T>
class receiver {
    using state = af::detail::watch_state<T>;

public:
    /// The future made by `changed()`: completes when a value newer than the last one seen was
    /// sent, and marks it seen; throws `af::closed_error` once the sender is gone and no unseen
    /// value remains.
    /// Cancellation: dropping it loses nothing (the change stays unseen) and releases its waker.
    /// Resumes on: the thread that polls it, woken by the sender's thread.
    class [[nodiscard("a future does nothing until it is awaited")]] changed_future {
    public:
        using output = void;
        explicit changed_future(receiver& r) noexcept : r_(&r) {}
        changed_future(changed_future&& o) noexcept : r_(o.r_), waiting_(std::exchange(o.waiting_, false)) {}
        ~changed_future() {
            if (waiting_) r_->stop_waiting();
        }
        af::poll<void> poll(context& cx) {
            af::poll<void> p = r_->poll_changed(cx);  // a throw leaves nothing registered
            waiting_ = p.is_pending();
            return p;
        }

    private:
        receiver* r_;
        bool waiting_ = false;  // left a waker in the channel: take it back if dropped
    };

    explicit receiver(std::shared_ptr<state> s)
        : s_(std::move(s)), node_(std::make_unique<af::detail::channel_waiter>()) {
        std::lock_guard lk(s_->m);
        ++s_->receivers;
        seen_ = s_->version;
    }
    receiver(const receiver& o) : receiver(o.s_) { seen_ = o.seen_; }
    receiver(receiver&&) noexcept = default;  // node_ is on the heap: it stays put
    receiver& operator=(const receiver&) = delete;
    /// Drops this receiver (as its destructor would), then takes over `o`.
    receiver& operator=(receiver&& o) noexcept {
        receiver old(std::move(*this));
        s_ = std::move(o.s_);
        node_ = std::move(o.node_);
        seen_ = o.seen_;
        return *this;
    }
    ~receiver() {
        if (!s_) return;
        std::vector<waker> wake;
        {
            std::lock_guard lk(s_->m);
            s_->waiters.remove(*node_);
            if (--s_->receivers == 0) s_->closed_waiters.drain(wake);
        }
        for (waker& w : wake) std::move(w).wake();
    }

    /// The current value, without marking it seen.
    ref<T> borrow() const {
        std::unique_lock lk(s_->m);
        return ref<T>(std::move(lk), s_->value);
    }
    /// The current value, marking it seen.
    ref<T> borrow_and_update() {
        std::unique_lock lk(s_->m);
        seen_ = s_->version;
        return ref<T>(std::move(lk), s_->value);
    }
    /// True when a value newer than the last one seen was sent (then `changed()` is ready);
    /// false while none was. Throws `af::closed_error` when the sender is gone and nothing is
    /// unseen: the answer could never become true again, the same condition in which `changed()`
    /// throws. `is_closed()` asks without throwing.
    bool has_changed() const {
        std::lock_guard lk(s_->m);
        if (s_->version != seen_) return true;
        if (!s_->tx_alive) throw af::closed_error("watch sender dropped");
        return false;
    }
    /// True once the sender is gone (unseen values may remain: see `has_changed`).
    bool is_closed() const {
        std::lock_guard lk(s_->m);
        return !s_->tx_alive;
    }

    /// Awaits a change. See `changed_future`.
    changed_future changed() noexcept { return changed_future(*this); }

    /// The poll behind `changed()`.
    af::poll<void> poll_changed(context& cx) {
        std::lock_guard lk(s_->m);
        if (s_->version != seen_) {
            seen_ = s_->version;
            return {};
        }
        if (!s_->tx_alive) throw af::closed_error("watch sender dropped");
        if (!node_->linked) s_->waiters.push_back(*node_);
        node_->set_waker(cx.waker());
        return pending;
    }

private:
    // A dropped changed_future: unlinks the node and releases its waker.
    void stop_waiting() noexcept {
        std::optional<waker> w;  // released after the lock
        std::lock_guard lk(s_->m);
        s_->waiters.remove(*node_);
        w = std::move(node_->w);
        node_->w.reset();
    }

    std::shared_ptr<state> s_;
    std::unique_ptr<af::detail::channel_waiter> node_;
    std::uint64_t seen_ = 0;
};

/// Makes a watch channel holding `init`: `auto [tx, rx] = af::channel::watch::channel(T{...});`.
template <class T>
std::pair<sender<T>, receiver<T>> channel(T init) {
    auto s = std::make_shared<af::detail::watch_state<T>>(std::move(init));
    receiver<T> rx(s);
    return {sender<T>(std::move(s)), std::move(rx)};
}

}  // namespace af::channel::watch

namespace af::channel {

/// Deprecated: the pre-ADR-0015 name of `watch::sender<T>`.
template <class T>
using watch_sender [[deprecated("use af::channel::watch::sender<T>")]] = watch::sender<T>;
/// Deprecated: the pre-ADR-0015 name of `watch::receiver<T>`.
template <class T>
using watch_receiver [[deprecated("use af::channel::watch::receiver<T>")]] = watch::receiver<T>;
/// Deprecated: the pre-ADR-0015 name of `watch::ref<T>`.
template <class T>
using watch_ref [[deprecated("use af::channel::watch::ref<T>")]] = watch::ref<T>;

}  // namespace af::channel
