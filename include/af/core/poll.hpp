// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::poll<T>`: the result of polling a future once, either ready with a value or pending.
///
/// A future's `poll` returns `af::poll<output>`. Return a value to say "ready", return
/// `af::pending` to say "not yet; I registered the waker and will wake it":
///
///     af::poll<int> poll(af::context& cx) {
///         if (done_) return 42;
///         waiter_ = cx.waker();
///         return af::pending;
///     }
///
/// `af::poll<void>` is ready when default-constructed (`return {};`) and pending from
/// `af::pending`. See the book chapter "Futures, poll and wakers under the hood".
#include <cassert>      // assert: value access on a pending poll is a contract violation
#include <optional>     // storage of the ready value
#include <type_traits>  // std::invoke_result_t, constraints
#include <utility>      // std::move, std::forward

namespace af {

/// The tag meaning "not ready yet"; converts to every `af::poll<T>`.
struct pending_t {
    explicit constexpr pending_t(int) noexcept {}
};
inline constexpr pending_t pending{0};

template <class T>
class [[nodiscard("a poll result says whether the future finished; ignoring it loses the value")]] poll {
public:
    using value_type = T;

    constexpr poll(pending_t) noexcept {}

    template <class U = T>
        requires std::is_constructible_v<T, U&&> &&
                 (!std::is_same_v<std::remove_cvref_t<U>, poll>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, pending_t>)
    constexpr poll(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>)
        : value_(std::in_place, std::forward<U>(value)) {}

    template <class... Args>
    constexpr explicit poll(std::in_place_t, Args&&... args)
        : value_(std::in_place, std::forward<Args>(args)...) {}

    constexpr bool is_ready() const noexcept { return value_.has_value(); }
    constexpr bool is_pending() const noexcept { return !value_.has_value(); }
    constexpr explicit operator bool() const noexcept { return is_ready(); }

    constexpr T& value() & noexcept { assert(is_ready() && "af::poll::value() on a pending poll"); return *value_; }
    constexpr const T& value() const& noexcept { assert(is_ready() && "af::poll::value() on a pending poll"); return *value_; }
    constexpr T&& value() && noexcept { assert(is_ready() && "af::poll::value() on a pending poll"); return std::move(*value_); }
    constexpr T& operator*() & noexcept { return value(); }
    constexpr T&& operator*() && noexcept { return std::move(*this).value(); }
    constexpr T* operator->() noexcept { return &value(); }

    /// Applies `f` to a ready value; a pending poll stays pending.
    template <class F>
    constexpr auto map(F&& f) && -> poll<std::invoke_result_t<F, T&&>> {
        using U = std::invoke_result_t<F, T&&>;
        if (is_pending()) return pending;
        if constexpr (std::is_void_v<U>) {
            std::forward<F>(f)(std::move(*value_));
            return {};
        } else {
            return poll<U>(std::in_place, std::forward<F>(f)(std::move(*value_)));
        }
    }

private:
    std::optional<T> value_;
};

template <>
class [[nodiscard("a poll result says whether the future finished")]] poll<void> {
public:
    using value_type = void;
    /// Ready: the `Poll::Ready(())` of af.
    constexpr poll() noexcept : ready_(true) {}
    constexpr poll(pending_t) noexcept : ready_(false) {}

    constexpr bool is_ready() const noexcept { return ready_; }
    constexpr bool is_pending() const noexcept { return !ready_; }
    constexpr explicit operator bool() const noexcept { return ready_; }
    constexpr void value() const noexcept { assert(ready_ && "af::poll::value() on a pending poll"); }

    template <class F>
    constexpr auto map(F&& f) && -> poll<std::invoke_result_t<F>> {
        using U = std::invoke_result_t<F>;
        if (!ready_) return pending;
        if constexpr (std::is_void_v<U>) {
            std::forward<F>(f)();
            return {};
        } else {
            return poll<U>(std::in_place, std::forward<F>(f)());
        }
    }

private:
    bool ready_;
};

}  // namespace af
