// SPDX-License-Identifier: MIT
#pragma once
// The promise of af::async_generator: an af::task root that can also stop at a co_yield.
//
// The generator's frame is the root of its own await chain, exactly like a polled af::task
// (see af/core/detail/task_promise.hpp): it owns a `task_root`, awaits leaf futures through
// the task's `future_awaiter` (polled once in await_ready, so a ready future does not suspend)
// and awaits tasks through `task_awaiter` (the child runs on the generator's root, resumed by
// the trampoline in `run_chain`). The only addition is `co_yield`: the yield awaiter records
// where the item lives and suspends without a leaf. `poll_next` tells the three outcomes of a
// `run_chain` apart: an item was recorded (ready with it), the frame finished (end, or an
// exception), or a leaf is registered (pending).
//
// Yielding returns from poll_next and the consumer's next poll resumes the frame, so long runs
// of ready awaits and yields never nest stack frames.
#include <coroutine>    // std::coroutine_handle
#include <memory>       // std::addressof
#include <type_traits>  // std::is_copy_constructible_v

#include "af/core/task.hpp"

namespace af {
template <class T>
class async_generator;
}

namespace af::detail {

template <class T>
class async_generator_promise : public task_promise_base {
public:
    async_generator<T> get_return_object() noexcept;
    void return_void() noexcept {}

    // The item stays where it is (the rvalue lives until the end of the co_yield expression,
    // which spans the suspension); poll_next moves it out.
    auto yield_value(T&& v, const void* site = AF_DETAIL_AWAIT_SITE()) noexcept {
        links.at(site);
        return yield_awaiter{this, std::addressof(v)};
    }

    auto yield_value(const T& v, const void* site = AF_DETAIL_AWAIT_SITE())
        requires std::is_copy_constructible_v<T>
    {
        links.at(site);
        struct copy_awaiter {
            T copy;
            async_generator_promise* p;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> h) noexcept { p->suspend_with(std::addressof(copy), h); }
            void await_resume() const noexcept {}
        };
        return copy_awaiter{T(v), this};
    }

    template <class A>
    auto await_transform(A&& a, const void* site = AF_DETAIL_AWAIT_SITE()) {
        static_assert(future<std::remove_cvref_t<A>>,
                      "af::async_generator can only co_await an af::future: a type with `using output = T;` "
                      "and `af::poll<T> poll(af::context&)`; to read a stream, co_await af::next(s)");
        links.at(site);
        return await_future(std::forward<A>(a), root());
    }

    T* item = nullptr;  // set by a co_yield, cleared by poll_next

private:
    struct yield_awaiter {
        async_generator_promise* p;
        T* value;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) noexcept { p->suspend_with(value, h); }
        void await_resume() const noexcept {}
    };

    void suspend_with(T* value, std::coroutine_handle<> h) noexcept {
        item = value;
        links.awaiting(nullptr);  // a co_yield ends the trace chain (see task_promise.hpp)
        root_state.resume_point = h;  // the next poll_next resumes right after this co_yield
    }
};

}  // namespace af::detail
