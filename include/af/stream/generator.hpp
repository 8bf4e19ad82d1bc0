// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::generator<T>`: a synchronous coroutine that produces values with `co_yield`, read as a
/// `std::ranges::input_range`.
///
///     af::generator<int> squares(int n) {
///         for (int i = 0; i < n; ++i) co_yield i * i;
///     }
///     for (int v : squares(4)) std::printf("%d ", v);   // 0 1 4 9
///
/// Choose it when producing the next value never has to wait; when it does (it needs to
/// `co_await`), use `af::async_generator<T>`, which is a stream instead of a range. It reads
/// like C++23 `std::generator<T>`: `*it` is a `T&&` to the yielded object (an rvalue is not
/// copied, an lvalue is copied once), `co_await` is not allowed in the body, and the frame may
/// come from `std::allocator_arg_t, Alloc` parameters. See docs/design/0004-coroutine-syntax.md.
///
/// Errors: an exception escaping the body is rethrown from `begin()` or `++it`; the range then
/// ends. Cancellation: destroying the generator mid-way destroys its frame at the `co_yield`
/// where it stopped, running its locals' destructors. Thread safety: one thread at a time.
#include <cassert>      // single begin() check
#include <coroutine>    // std::coroutine_handle
#include <cstddef>      // std::ptrdiff_t
#include <exception>    // std::exception_ptr, std::rethrow_exception
#include <iterator>     // std::default_sentinel_t, std::input_iterator_tag
#include <memory>       // std::addressof
#include <ranges>       // std::ranges::view_interface
#include <type_traits>  // std::is_reference_v
#include <utility>      // std::exchange

#include "af/core/detail/frame_allocator.hpp"

namespace af {

template <class T>
class generator;

namespace detail {

template <class T>
class generator_promise : public frame_allocation {
public:
    generator<T> get_return_object() noexcept;
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_always final_suspend() const noexcept { return {}; }

    // An rvalue is handed out in place: it lives until the end of the co_yield expression,
    // which spans the suspension.
    std::suspend_always yield_value(T&& v) noexcept {
        value_ = std::addressof(v);
        return {};
    }

    // An lvalue is copied into the awaiter, which lives in the frame across the suspension, so
    // the consumer may move from `*it` without touching the body's variable.
    auto yield_value(const T& v) requires std::is_copy_constructible_v<T> {
        struct copy_awaiter {
            T copy;
            generator_promise* p;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<>) noexcept { p->value_ = std::addressof(copy); }
            void await_resume() const noexcept {}
        };
        return copy_awaiter{T(v), this};
    }

    void return_void() noexcept {}
    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    // A synchronous generator has nobody to wake it: waiting belongs in af::async_generator.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

    T* value() const noexcept { return value_; }
    void rethrow_if_failed() {
        if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
    }

private:
    T* value_ = nullptr;
    std::exception_ptr exception_;
};

}  // namespace detail

template <class T>
class [[nodiscard("a generator does nothing until it is iterated")]] generator
    : public std::ranges::view_interface<generator<T>> {
    static_assert(!std::is_reference_v<T>, "af::generator<T>: T must not be a reference; yield values or pointers");

public:
    using promise_type = detail::generator_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;

    class iterator {
    public:
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using iterator_concept = std::input_iterator_tag;

        iterator() noexcept = default;
        iterator(iterator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
        iterator& operator=(iterator&& o) noexcept {
            h_ = std::exchange(o.h_, {});
            return *this;
        }

        T&& operator*() const noexcept {
            assert(h_ && !h_.done() && "af::generator: dereferenced the end iterator");
            return static_cast<T&&>(*h_.promise().value());
        }
        iterator& operator++() {
            assert(h_ && !h_.done() && "af::generator: incremented the end iterator");
            h_.resume();
            h_.promise().rethrow_if_failed();
            return *this;
        }
        void operator++(int) { ++*this; }

        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return !it.h_ || it.h_.done(); }

    private:
        friend class generator;
        explicit iterator(handle_type h) noexcept : h_(h) {}
        handle_type h_;
    };

    generator() noexcept = default;
    generator(generator&& o) noexcept : h_(std::exchange(o.h_, {})), started_(o.started_) {}
    generator& operator=(generator&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
            started_ = o.started_;
        }
        return *this;
    }
    ~generator() { reset(); }

    /// Runs the body to its first `co_yield`. Call once.
    iterator begin() {
        if (h_) {
            assert(!started_ && "af::generator::begin called twice: a generator is a single-pass range");
            started_ = true;
            h_.resume();
            h_.promise().rethrow_if_failed();
        }
        return iterator(h_);
    }
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    friend promise_type;
    explicit generator(handle_type h) noexcept : h_(h) {}
    void reset() noexcept {
        if (h_) std::exchange(h_, {}).destroy();
    }

    handle_type h_;
    bool started_ = false;
};

namespace detail {
template <class T>
generator<T> generator_promise<T>::get_return_object() noexcept {
    return generator<T>(std::coroutine_handle<generator_promise>::from_promise(*this));
}
}  // namespace detail

}  // namespace af
