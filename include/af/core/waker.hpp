// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::waker`: the handle a pending future keeps to say "poll me again".
///
/// A waker is two words: a data pointer and a pointer to a `raw_waker_vtable` of four functions
/// (clone, wake, wake_by_ref, drop). Copying clones, destroying drops, `wake()` consumes the waker
/// and `wake_by_ref()` does not. Wakers may be sent to and woken from any thread.
///
/// Make a waker without writing a vtable: from a `std::shared_ptr<W>` to any `W` with a
/// `void wake()` (`af::waker::from(ptr)`, below), or by deriving from `af::wakeable` (see
/// wakeable.hpp; no extra allocation, one virtual call); write a `raw_waker_vtable` by hand when you want zero overhead (see the book chapter
/// "Futures, poll and wakers under the hood" and docs/design/0001-waker.md for the layout choice).
#include <atomic>   // the shared_ptr waker's reference count
#include <cassert>  // non-null shared_ptr
#include <cstddef>  // std::size_t
#include <memory>   // std::shared_ptr (af::waker::from); af/af.hpp includes it already
#include <utility>  // std::exchange, std::swap

namespace af {

struct raw_waker_vtable;
class wakeable;
template <class T>
class wakeable_ptr;

/// A type `af::waker::from(std::shared_ptr<W>)` accepts: it has a `wake()` callable from any
/// thread.
template <class W>
concept wake_target = requires(W& w) { w.wake(); };

/// A data pointer and the vtable that knows what it points to.
struct raw_waker {
    void* data;
    const raw_waker_vtable* vtable;
};

/// The four operations of a waker. Each receives the `data` pointer of a `raw_waker`.
/// `wake` consumes the reference it is given; `wake_by_ref` does not; `drop` releases it.
/// All four must be safe to call from any thread.
struct raw_waker_vtable {
    raw_waker (*clone)(void* data);
    void (*wake)(void* data);
    void (*wake_by_ref)(void* data);
    void (*drop)(void* data);
};

class waker {
public:
    /// Adopts a raw waker: the new `waker` owns one reference and will `drop` it.
    static waker from_raw(raw_waker raw) noexcept { return waker(raw); }

    /// A waker that wakes `w` (adds a reference to it). Defined in af/core/wakeable.hpp.
    static waker from(wakeable& w) noexcept;
    template <class T>
    static waker from(const wakeable_ptr<T>& p) noexcept {
        return from(static_cast<wakeable&>(*p));
    }

    /// A waker that calls `w->wake()` (Rust's `Waker::from(Arc<W>)`). Both `wake()` and
    /// `wake_by_ref()` call it; `W` needs no consuming variant because the waker, not `W`, owns
    /// the reference. The wakers hold `w` alive: the first one allocates a small node that keeps
    /// one copy of `w` plus an atomic count shared by its clones, so cloning never allocates
    /// and `w.use_count()` goes up by one (not one per clone) until the last clone is dropped.
    /// `w` must not be null. `wake()` may be called from any thread, concurrently.
    template <wake_target W>
    static waker from(std::shared_ptr<W> w);

    /// A waker that does nothing when woken. Cheap: no allocation, no reference count.
    static waker noop() noexcept { return waker(noop_raw()); }

    waker(const waker& other) : raw_(other.raw_.vtable->clone(other.raw_.data)) {}
    waker(waker&& other) noexcept : raw_(std::exchange(other.raw_, noop_raw())) {}
    waker& operator=(const waker& other) {
        if (this != &other && !will_wake(other)) {
            waker copy(other);
            swap(copy);
        }
        return *this;
    }
    waker& operator=(waker&& other) noexcept {
        waker moved(std::move(other));
        swap(moved);
        return *this;
    }
    ~waker() { raw_.vtable->drop(raw_.data); }

    /// Wakes the task and consumes this waker; afterwards it is a no-op waker.
    void wake() && {
        raw_waker raw = std::exchange(raw_, noop_raw());
        raw.vtable->wake(raw.data);
    }

    /// Wakes the task; this waker stays usable.
    void wake_by_ref() const { raw_.vtable->wake_by_ref(raw_.data); }

    /// True when both wakers would wake the same task. Used to skip a clone when the waker of a
    /// re-poll did not change. May return false for equivalent wakers; never true for different ones.
    bool will_wake(const waker& other) const noexcept {
        return raw_.data == other.raw_.data && raw_.vtable == other.raw_.vtable;
    }

    const raw_waker& as_raw() const noexcept { return raw_; }

    /// Gives up ownership of the raw waker without dropping it.
    raw_waker into_raw() && noexcept { return std::exchange(raw_, noop_raw()); }

    void swap(waker& other) noexcept { std::swap(raw_, other.raw_); }

private:
    explicit waker(raw_waker raw) noexcept : raw_(raw) {}
    static raw_waker noop_raw() noexcept;  // defined below, after the no-op vtable

    raw_waker raw_;
};

namespace detail {
inline void noop_waker_fn(void*) noexcept {}
inline raw_waker noop_waker_clone(void*) noexcept;
inline constexpr raw_waker_vtable noop_waker_vtable{
    &noop_waker_clone, &noop_waker_fn, &noop_waker_fn, &noop_waker_fn};
inline raw_waker noop_waker_clone(void*) noexcept { return {nullptr, &noop_waker_vtable}; }
}  // namespace detail

inline raw_waker waker::noop_raw() noexcept { return {nullptr, &detail::noop_waker_vtable}; }

namespace detail {
// The shared_ptr waker's node: one strong reference to the target, shared by every clone
// through an intrusive count (cloning a shared_ptr itself would need a node per clone, since a
// raw waker has one data word and a shared_ptr is two).
template <class W>
struct shared_waker_node {
    std::atomic<std::size_t> refs{1};
    std::shared_ptr<W> target;

    static void release(void* p) noexcept {
        auto* n = static_cast<shared_waker_node*>(p);
        // acq_rel: the last release must see every write made through the other clones.
        if (n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete n;
    }
    static raw_waker clone(void* p) noexcept {
        // Relaxed: a clone needs an existing reference, which already orders us.
        static_cast<shared_waker_node*>(p)->refs.fetch_add(1, std::memory_order_relaxed);
        return {p, &vtable};
    }
    static void wake_by_ref(void* p) { static_cast<shared_waker_node*>(p)->target->wake(); }
    static void wake(void* p) {
        // Release even when wake() throws, or the node (and the target) would leak.
        struct releaser {
            void* p;
            ~releaser() { release(p); }
        } r{p};
        wake_by_ref(p);
    }
    static constexpr raw_waker_vtable vtable{&clone, &wake, &wake_by_ref, &release};
};
}  // namespace detail

template <wake_target W>
waker waker::from(std::shared_ptr<W> w) {
    assert(w && "af::waker::from a null std::shared_ptr: there is nothing to wake");
    auto* n = new detail::shared_waker_node<W>;
    n->target = std::move(w);
    return waker::from_raw({n, &detail::shared_waker_node<W>::vtable});
}

}  // namespace af
