// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::any_future<T>`: a type-erased, heap-allocated, move-only future of `T`; `af::boxed(f)`
/// makes one.
///
/// Use it where one type must hold different futures: a container of heterogeneous futures,
/// a virtual function or a branch that returns one of several future types, a member whose
/// concrete future type you do not want in a header.
///
///     af::any_future<int> pick(bool fast) {
///         if (fast) return af::boxed(af::ready(1));
///         return af::boxed(af::map(af::yield_now(), [] { return 2; }));
///     }
///
/// Choosing between `any_future<T>` and `af::task<T>`: a task is already type-erased (its type
/// names only `T`), so when you are writing a coroutine anyway, return `af::task<T>` and do not
/// box. Box with `any_future` when the future is not a coroutine: a hand-written future or a
/// combinator chain. Boxing costs one allocation (`new`) and one indirect call per poll, and no
/// coroutine frame; wrapping the same future in a task (`af::co_invoke`) costs a frame from the
/// recycling allocator plus a resume per poll. Also, `co_await` of a task transfers into its
/// frame (no poll layer), while an `any_future` is awaited as a leaf future.
///
/// Unlike most futures, an `any_future` may be moved after it was polled: the erased future
/// stays at its heap address (the analog of Rust's `Pin<Box<dyn Future>>`).
///
/// Cancellation: destroying it destroys the erased future. Thread safety: as the erased future
/// (polled by one thread at a time; moved between threads between polls if the erased future
/// allows it).
#include <cassert>      // poll of an empty any_future
#include <concepts>     // std::same_as
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::exchange, std::move

#include "af/core/future.hpp"

namespace af {

template <class T>
class [[nodiscard("a future does nothing until it is awaited")]] any_future {
    // Two entries: as small as a vtable can be for a future that is polled and then destroyed.
    struct vtable {
        af::poll<T> (*poll)(void* self, context& cx);
        void (*destroy)(void* self) noexcept;
    };
    template <class F>
    static constexpr vtable vtable_for{
        [](void* self, context& cx) -> af::poll<T> { return static_cast<F*>(self)->poll(cx); },
        [](void* self) noexcept { delete static_cast<F*>(self); },
    };

public:
    using output = T;

    /// An empty any_future; polling it is a contract violation. Assign a future before use.
    any_future() noexcept = default;

    /// Moves `f` to the heap. Explicit so that the allocation is visible; `af::boxed` reads better.
    template <class F>
        requires future<F> && (!std::same_as<F, any_future>) && std::same_as<output_of<F>, T>
    explicit any_future(F f) : self_(new F(std::move(f))), vt_(&vtable_for<F>) {}

    any_future(any_future&& o) noexcept : self_(std::exchange(o.self_, nullptr)), vt_(std::exchange(o.vt_, nullptr)) {}
    any_future& operator=(any_future&& o) noexcept {
        if (this != &o) {
            reset();
            self_ = std::exchange(o.self_, nullptr);
            vt_ = std::exchange(o.vt_, nullptr);
        }
        return *this;
    }
    ~any_future() { reset(); }

    af::poll<T> poll(context& cx) {
        assert(self_ != nullptr && "af::any_future::poll on an empty any_future");
        return vt_->poll(self_, cx);
    }

    /// False for a default-constructed or moved-from any_future.
    explicit operator bool() const noexcept { return self_ != nullptr; }

private:
    void reset() noexcept {
        if (self_) vt_->destroy(std::exchange(self_, nullptr));
    }

    void* self_ = nullptr;
    const vtable* vt_ = nullptr;
};

/// Boxes `f` into an `af::any_future` of its output. Boxing an `any_future` returns it as is.
template <class F>
    requires future<std::remove_cvref_t<F>>
any_future<output_of<F>> boxed(F&& f) {
    using G = std::remove_cvref_t<F>;
    if constexpr (std::same_as<G, any_future<output_of<F>>>) {
        return std::forward<F>(f);
    } else {
        return any_future<output_of<F>>(G(std::forward<F>(f)));
    }
}

}  // namespace af
