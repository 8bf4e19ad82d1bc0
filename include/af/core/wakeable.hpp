// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::wakeable`: turn your own object into a waker without writing a vtable.
///
/// Derive from `af::wakeable`, override `wake()`, create the object with
/// `af::make_wakeable<T>(...)` and get wakers with `af::waker::from(ptr)`. The object is
/// reference-counted (atomically): every waker made from it holds a reference, and it is deleted
/// when the last `wakeable_ptr` and waker are gone.
///
///     struct flag final : af::wakeable {
///         std::atomic<bool> set{false};
///         void wake() noexcept override { set = true; }
///     };
///     auto f = af::make_wakeable<flag>();
///     af::waker w = af::waker::from(f);
///     w.wake_by_ref();   // f->set is now true
///
/// Costs one virtual call per wake on top of the vtable call; see docs/design/0001-waker.md.
#include <atomic>   // the reference count
#include <cstddef>  // std::size_t
#include <utility>  // std::exchange, std::forward

#include "af/core/waker.hpp"

namespace af {

class wakeable {
public:
    wakeable(const wakeable&) = delete;
    wakeable& operator=(const wakeable&) = delete;

    /// Called by `waker::wake()` and `waker::wake_by_ref()`, from any thread.
    virtual void wake() noexcept = 0;

    void retain() noexcept {
        // Relaxed: taking a new reference needs an existing one, which already orders us.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // acq_rel: the last release must see every write made through the other references.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    /// The number of references (wakers and `wakeable_ptr`s). For tests and diagnostics only:
    /// other threads may change it at any time.
    std::size_t use_count() const noexcept { return refs_.load(std::memory_order_relaxed); }

protected:
    wakeable() noexcept = default;
    virtual ~wakeable() = default;

private:
    std::atomic<std::size_t> refs_{1};
};

/// Owning handle to a `wakeable` object (intrusive reference count).
template <class T>
class wakeable_ptr {
public:
    wakeable_ptr() noexcept = default;
    /// Adopts one reference: `p` was just made with `new` and has a count of one.
    explicit wakeable_ptr(T* p) noexcept : p_(p) {}
    wakeable_ptr(const wakeable_ptr& o) noexcept : p_(o.p_) { if (p_) p_->retain(); }
    wakeable_ptr(wakeable_ptr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    wakeable_ptr& operator=(wakeable_ptr o) noexcept { std::swap(p_, o.p_); return *this; }
    ~wakeable_ptr() { if (p_) p_->release(); }

    T* get() const noexcept { return p_; }
    T& operator*() const noexcept { return *p_; }
    T* operator->() const noexcept { return p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }

private:
    T* p_ = nullptr;
};

template <class T, class... Args>
wakeable_ptr<T> make_wakeable(Args&&... args) {
    return wakeable_ptr<T>(new T(std::forward<Args>(args)...));
}

namespace detail {
inline void wakeable_wake(void* p) noexcept {
    auto* w = static_cast<wakeable*>(p);
    w->wake();
    w->release();
}
inline void wakeable_wake_by_ref(void* p) noexcept { static_cast<wakeable*>(p)->wake(); }
inline void wakeable_drop(void* p) noexcept { static_cast<wakeable*>(p)->release(); }
inline raw_waker wakeable_clone_full(void* p) noexcept;
inline constexpr raw_waker_vtable wakeable_vtable{
    &wakeable_clone_full, &wakeable_wake, &wakeable_wake_by_ref, &wakeable_drop};
inline raw_waker wakeable_clone_full(void* p) noexcept {
    static_cast<wakeable*>(p)->retain();
    return {p, &wakeable_vtable};
}
}  // namespace detail

inline waker waker::from(wakeable& w) noexcept {
    w.retain();
    return waker::from_raw({&w, &detail::wakeable_vtable});
}

}  // namespace af
