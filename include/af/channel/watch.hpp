// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::channel::watch<T>(init)`: one sender publishes a value; receivers read the latest one and
/// can wait for it to change.
///
///     auto [tx, rx] = af::channel::watch<config>(load());
///     co_await rx.changed();                 // throws recv_error (closed) once tx is gone
///     config c = *rx.borrow_and_update();    // a copy of the latest value
///
/// Only the latest value is kept: a receiver that is slow sees the newest value, never a backlog
/// (intermediate values may be skipped). Choosing: for every value to reach every receiver, use
/// `broadcast`; for a stream of work items, `mpsc`.
///
/// Thread safety, the rule of every af channel: distinct handles may be used from different
/// threads at once, and so may the `const` members of one handle; its other members need the
/// handle to themselves (one thread at a time). Here the sender's `send`, `borrow`, `subscribe`
/// and `receiver_count` are `const`: one sender may publish from several threads at once. A
/// receiver's `borrow` and `has_changed` are `const`, but `borrow_and_update`, `changed` and
/// `poll_changed` are not: copy the receiver for each waiting thread. One mutex guards the
/// value, its version and the waiting receivers; `borrow()` holds it while the returned
/// reference lives (keep borrows short and never across a `co_await`: a send blocks until the
/// borrow ends). A lock rather than an RCU-like scheme keeps `T` free of any requirement beyond
/// being movable.
#include <cassert>   // handle misuse
#include <cstdint>   // versions
#include <memory>    // shared state, heap waiter node
#include <mutex>     // guards the state
#include <optional>  // wakers
#include <utility>   // std::pair, std::move
#include <vector>    // wakers woken after the lock

#include "af/channel/detail/waiter_list.hpp"
#include "af/channel/error.hpp"
#include "af/core/future.hpp"

namespace af::channel {

namespace detail {
template <class T>
struct watch_state {
    explicit watch_state(T init) : value(std::move(init)) {}
    std::mutex m;
    T value;
    std::uint64_t version = 0;
    bool tx_alive = true;
    std::size_t receivers = 0;
    af::detail::channel_waiter_list waiters;
};
}  // namespace detail

/// A locked view of the current value; holds the channel's lock while it lives.
template <class T>
class [[nodiscard("a borrow is only useful while it is held")]] watch_ref {
public:
    watch_ref(std::unique_lock<std::mutex> lk, const T& v) noexcept : lk_(std::move(lk)), v_(&v) {}
    watch_ref(std::unique_lock<std::mutex>, const T&&) = delete;  // would point at a temporary
    const T& operator*() const noexcept { return *v_; }
    const T* operator->() const noexcept { return v_; }

private:
    std::unique_lock<std::mutex> lk_;
    const T* v_;
};

template <class T>
class watch_receiver;

/// The single sending handle. Move-only. Dropping it ends every receiver's `changed()`.
/// Thread safety: every member but assignment and destruction is `const` and may run on
/// several threads at once.
template <class T>
class watch_sender {
    using state = detail::watch_state<T>;

public:
    explicit watch_sender(std::shared_ptr<state> s) noexcept : s_(std::move(s)) {}
    watch_sender(watch_sender&&) noexcept = default;
    watch_sender& operator=(watch_sender&&) = delete;
    ~watch_sender() {
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
            ++s_->version;
            s_->waiters.drain(wake);
        }
        for (waker& w : wake) std::move(w).wake();
        return send_result<T>::ok();
    }

    /// The current value (under the lock while the reference lives).
    watch_ref<T> borrow() const {
        std::unique_lock lk(s_->m);
        return watch_ref<T>(std::move(lk), s_->value);
    }

    /// A new receiver that considers the current value seen.
    watch_receiver<T> subscribe() const { return watch_receiver<T>(s_); }

    std::size_t receiver_count() const {
        std::lock_guard lk(s_->m);
        return s_->receivers;
    }

private:
    std::shared_ptr<state> s_;
};

/// A receiving handle; copyable (a copy starts with the same "seen" version).
/// Thread safety: `borrow`, `has_changed` and copying may run on several threads at once; the
/// members that mark a value seen (`borrow_and_update`, `changed`) need the handle to themselves.
template <class T>
class watch_receiver {
    using state = detail::watch_state<T>;

public:
    /// The future made by `changed()`: completes when a value newer than the last one seen was
    /// sent, and marks it seen; throws `recv_error` (kind `closed`) once the sender is gone and
    /// no unseen value remains.
    /// Cancellation: dropping it loses nothing; the change stays unseen.
    /// Resumes on: the thread that polls it, woken by the sender's thread.
    class [[nodiscard("a future does nothing until it is awaited")]] changed_future {
    public:
        using output = void;
        explicit changed_future(watch_receiver& r) noexcept : r_(&r) {}
        af::poll<void> poll(context& cx) { return r_->poll_changed(cx); }

    private:
        watch_receiver* r_;
    };

    explicit watch_receiver(std::shared_ptr<state> s)
        : s_(std::move(s)), node_(std::make_unique<af::detail::channel_waiter>()) {
        std::lock_guard lk(s_->m);
        ++s_->receivers;
        seen_ = s_->version;
    }
    watch_receiver(const watch_receiver& o) : watch_receiver(o.s_) { seen_ = o.seen_; }
    watch_receiver(watch_receiver&&) noexcept = default;  // node_ is on the heap: it stays put
    watch_receiver& operator=(const watch_receiver&) = delete;
    ~watch_receiver() {
        if (!s_) return;
        std::lock_guard lk(s_->m);
        s_->waiters.remove(*node_);
        --s_->receivers;
    }

    /// The current value, without marking it seen.
    watch_ref<T> borrow() const {
        std::unique_lock lk(s_->m);
        return watch_ref<T>(std::move(lk), s_->value);
    }
    /// The current value, marking it seen.
    watch_ref<T> borrow_and_update() {
        std::unique_lock lk(s_->m);
        seen_ = s_->version;
        return watch_ref<T>(std::move(lk), s_->value);
    }
    /// True when a value newer than the last one seen was sent.
    bool has_changed() const {
        std::lock_guard lk(s_->m);
        return s_->version != seen_;
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
        if (!s_->tx_alive) throw recv_error::closed();
        if (!node_->linked) s_->waiters.push_back(*node_);
        node_->set_waker(cx.waker());
        return pending;
    }

private:
    std::shared_ptr<state> s_;
    std::unique_ptr<af::detail::channel_waiter> node_;
    std::uint64_t seen_ = 0;
};

/// Makes a watch channel holding `init`: `auto [tx, rx] = af::channel::watch(T{...});`.
template <class T>
std::pair<watch_sender<T>, watch_receiver<T>> watch(T init) {
    auto s = std::make_shared<detail::watch_state<T>>(std::move(init));
    watch_receiver<T> rx(s);
    return {watch_sender<T>(std::move(s)), std::move(rx)};
}

}  // namespace af::channel
