// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::from_callback<T>(start, cancel)` and `af::from_c_callback(start, cancel)`: a future
/// completed by a callback API.
///
///     // a C API: int lib_start(int arg, void (*cb)(void* user, int result), void* user);
///     int r = co_await af::from_c_callback([](af::c_callback cb, void* user) { lib_start(7, cb, user); });
///
///     // a C++ API taking a std::function
///     std::string s = co_await af::from_callback<std::string>(
///         [&](std::function<void(std::string)> done) { client.get(url, std::move(done)); },
///         [&] { client.cancel_all(); });                   // optional cancel hook
///
/// Lazy: `start` runs inside the first poll, on the polling thread. It must arrange for the
/// callback to be called once. A second call of the `std::function` is ignored; the C callback
/// must be called exactly once (not at all only when the cancel hook returned `true`).
///
/// The callback may run on any thread (the API's own thread, or inline inside `start`): it
/// stores the result and wakes the awaiting task, which resumes on its own executor. It never
/// runs user code of af's.
///
/// Cancellation: dropping the future before the callback ran calls `cancel` once, on the
/// dropping thread (possibly while the API calls the callback on another thread: the API must
/// allow that). The state the callback needs stays alive until it is called, or for the
/// `std::function` shape until every copy of it is destroyed. For the C shape, `cancel` returns
/// `true` when the API promises the callback will not be called any more (the state is then
/// freed at once) and `false` when it will still come; without a cancel hook the callback must
/// come (or the state leaks: af cannot know).
///
/// Errors: a `std::function` callback destroyed (every copy) without being called makes the
/// future throw `af::closed_error`; an exception from `start` is rethrown by the first poll.
/// The C shape's result is the plain `int` the API reports; map its error convention yourself.
///
/// Thread safety: the future is polled by one task at a time, on any thread.
#include <atomic>       // the state's flags and reference count
#include <exception>    // std::exception_ptr
#include <functional>   // std::function: the C++ callback shape
#include <memory>       // std::shared_ptr: the copies of the std::function share one keeper
#include <optional>     // the stored result
#include <type_traits>  // std::is_void_v
#include <utility>      // std::move, std::exchange

#include "af/core/atomic_waker.hpp"
#include "af/core/error.hpp"  // af::closed_error
#include "af/core/future.hpp"

namespace af {

/// The C callback shape: `user` is what `start` was given, `result` the API's outcome.
using c_callback = void (*)(void* user, int result);

namespace detail {

/// The state a callback and its future share; freed by the last of the two.
template <class T>
class callback_state {
    using stored = std::conditional_t<std::is_void_v<T>, bool, T>;

public:
    void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }  // from a held reference
    void release() noexcept {
        // AcqRel: the last release sees every write before deleting.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    /// The first call wins; later calls (and calls after the future is gone) are ignored.
    template <class... V>
    void complete(V&&... v) {
        if (claimed_.exchange(true, std::memory_order_acq_rel)) return;
        if constexpr (std::is_void_v<T>) {
            value_.emplace(true);
        } else {
            value_.emplace(std::forward<V>(v)...);
        }
        // Release: the value is visible to the future's acquire.
        done_.store(true, std::memory_order_release);
        waker_.wake();
    }
    /// Every callback copy is gone without a call.
    void abandon() noexcept {
        if (claimed_.exchange(true, std::memory_order_acq_rel)) return;
        done_.store(true, std::memory_order_release);
        waker_.wake();
    }
    /// The future is gone: true when the callback had not been called yet.
    bool disarm() noexcept { return !claimed_.exchange(true, std::memory_order_acq_rel); }

    void register_waker(const waker& w) { waker_.register_waker(w); }
    bool done() const noexcept { return done_.load(std::memory_order_acquire); }
    /// After done(): the value, or af::closed_error when the callback was dropped uncalled.
    T take() {
        if (!value_) throw closed_error("callback dropped without being called");
        if constexpr (!std::is_void_v<T>) return std::move(*value_);
    }

private:
    std::atomic<unsigned> refs_{2};  // the future's and the callback's
    std::atomic<bool> claimed_{false};
    std::atomic<bool> done_{false};
    atomic_waker waker_;
    std::optional<stored> value_;
};

/// Held by every copy of the std::function: the last copy gone uncalled abandons the state.
template <class T>
class callback_keeper {
public:
    explicit callback_keeper(callback_state<T>* s) noexcept : s_(s) {}
    callback_keeper(const callback_keeper&) = delete;
    callback_keeper& operator=(const callback_keeper&) = delete;
    ~callback_keeper() {
        s_->abandon();
        s_->release();
    }
    callback_state<T>& state() const noexcept { return *s_; }

private:
    callback_state<T>* s_;
};

template <class T>
struct callback_signature {
    using type = void(T);
};
template <>
struct callback_signature<void> {
    using type = void();
};

struct no_cancel {
    void operator()() const noexcept {}
};

/// The trampoline handed to C APIs (src/future/from_callback.cpp): completes and releases the
/// `callback_state<int>` that `user` points to.
void c_callback_trampoline(void* user, int result) noexcept;

}  // namespace detail

/// The future of af::from_callback; see the file comment.
template <class T, class Start, class Cancel>
class [[nodiscard("the callback API is not started until the future is awaited")]] callback_future {
public:
    using output = T;

    callback_future(Start start, Cancel cancel) : start_(std::move(start)), cancel_(std::move(cancel)) {}
    callback_future(callback_future&& o) noexcept
        : start_(std::move(o.start_)), cancel_(std::move(o.cancel_)), s_(std::exchange(o.s_, nullptr)) {}
    callback_future& operator=(callback_future&&) = delete;
    ~callback_future() {
        if (s_ == nullptr) return;
        if (s_->disarm()) cancel_();
        s_->release();
    }

    af::poll<T> poll(context& cx) {
        if (s_ == nullptr) {
            s_ = new detail::callback_state<T>();
            s_->register_waker(cx.waker());
            auto keeper = std::make_shared<detail::callback_keeper<T>>(s_);
            std::function<fn_type> done = make_callback(std::move(keeper));
            start_(std::move(done));  // may call back inline
        } else {
            s_->register_waker(cx.waker());
        }
        if (!s_->done()) return pending;
        if constexpr (std::is_void_v<T>) {
            s_->take();
            return {};
        } else {
            return af::poll<T>(std::in_place, s_->take());
        }
    }

private:
    using fn_type = typename detail::callback_signature<T>::type;
    static std::function<fn_type> make_callback(std::shared_ptr<detail::callback_keeper<T>> k) {
        if constexpr (std::is_void_v<T>) {
            return [k = std::move(k)] { k->state().complete(); };
        } else {
            return [k = std::move(k)](T v) { k->state().complete(std::move(v)); };
        }
    }

    Start start_;
    Cancel cancel_;
    detail::callback_state<T>* s_ = nullptr;
};

/// A future completed when `start`'s `std::function<void(T)>` (`void()` for `T = void`) is
/// called; `cancel()` runs if the future is dropped first. See the file comment.
template <class T, class Start, class Cancel = detail::no_cancel>
callback_future<T, std::decay_t<Start>, std::decay_t<Cancel>> from_callback(Start&& start, Cancel&& cancel = {}) {
    return {std::forward<Start>(start), std::forward<Cancel>(cancel)};
}

/// The future of af::from_c_callback; see the file comment.
template <class Start, class Cancel>
class [[nodiscard("the callback API is not started until the future is awaited")]] c_callback_future {
public:
    using output = int;

    c_callback_future(Start start, Cancel cancel) : start_(std::move(start)), cancel_(std::move(cancel)) {}
    c_callback_future(c_callback_future&& o) noexcept
        : start_(std::move(o.start_)), cancel_(std::move(o.cancel_)), s_(std::exchange(o.s_, nullptr)) {}
    c_callback_future& operator=(c_callback_future&&) = delete;
    ~c_callback_future() {
        if (s_ == nullptr) return;
        if (s_->disarm()) {
            if constexpr (std::is_same_v<std::invoke_result_t<Cancel&>, bool>) {
                if (cancel_()) s_->release();  // the callback's reference: it will not come
            } else {
                cancel_();
            }
        }
        s_->release();
    }

    af::poll<int> poll(context& cx) {
        if (s_ == nullptr) {
            s_ = new detail::callback_state<int>();
            s_->register_waker(cx.waker());
            try {
                start_(&detail::c_callback_trampoline, static_cast<void*>(s_));
            } catch (...) {
                s_->release();  // the callback's reference: start failed, it will not come
                s_->disarm();
                throw;
            }
        } else {
            s_->register_waker(cx.waker());
        }
        if (!s_->done()) return pending;
        return s_->take();
    }

private:
    Start start_;
    Cancel cancel_;
    detail::callback_state<int>* s_ = nullptr;
};

/// A future completed when the C callback handed to `start(cb, user)` is called as
/// `cb(user, result)`; output `result`. `cancel()` (returning bool, see the file comment) runs
/// if the future is dropped first.
template <class Start, class Cancel = detail::no_cancel>
c_callback_future<std::decay_t<Start>, std::decay_t<Cancel>> from_c_callback(Start&& start, Cancel&& cancel = {}) {
    return {std::forward<Start>(start), std::forward<Cancel>(cancel)};
}

}  // namespace af
