// SPDX-License-Identifier: MIT
// The time driver: a clock that can be paused, and a timing wheel behind one mutex.
//
// Entry states (timer_entry::state) and who may touch an entry:
// - idle: not in the wheel; only the owning future touches it.
// - registered: linked in the wheel; its links and waker are touched only under m_.
// - fired: unlinked by fire_due, its waker moved out; fire_due stores `fired` (release) as its
//   very last access, so an owner that reads `fired` (acquire) may destroy or reuse the entry
//   without taking the lock. That is what makes cancellation by destruction race-free against
//   fire_due on another thread: the owner either unlinks under m_, or sees `fired` and knows
//   the driver is done with the entry.
// Wakers are woken and dropped outside m_: waking or dropping the last reference of a task may
// destroy it, and its destructor may cancel another timer, which takes m_ again.
#include "af/time/detail/driver.hpp"

#include <cassert>    // no timer outlives the driver
#include <stdexcept>  // std::logic_error
#include <utility>    // std::exchange

namespace af::time::detail {

namespace {
constexpr std::int64_t ns_per_tick = std::chrono::nanoseconds(time_driver::tick).count();

std::int64_t steady_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
}  // namespace

time_driver::time_driver() : origin_(instant::now()) {}

time_driver::~time_driver() {
    assert(wheel_.size() == 0 && "af::time: a timer outlived its time driver");
}

instant time_driver::now() const noexcept {
    // acquire: pairs with resume()'s release, so a reader that sees the clock running also
    // sees the offset stored before it.
    const std::int64_t f = frozen_.load(std::memory_order_acquire);
    if (f != running) return origin_ + std::chrono::nanoseconds(f);
    // relaxed: ordered by the acquire load above.
    const std::int64_t off = offset_.load(std::memory_order_relaxed);
    return instant(instant::clock::now() + std::chrono::nanoseconds(off));
}

void time_driver::pause() {
    std::lock_guard lk(m_);
    if (frozen_.load(std::memory_order_relaxed) != running) return;  // relaxed: writers hold m_
    std::int64_t since = (now() - origin_).count();
    since = since <= 0 ? 0 : ((since - 1) / ns_per_tick + 1) * ns_per_tick;
    frozen_.store(since, std::memory_order_release);  // release: pairs with now()'s acquire, as in resume()
}

void time_driver::resume() {
    std::lock_guard lk(m_);
    const std::int64_t f = frozen_.load(std::memory_order_relaxed);  // relaxed: writers hold m_
    if (f == running) return;
    const std::int64_t origin_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(origin_.time_point().time_since_epoch()).count();
    // relaxed: published by the release store of frozen_ below.
    offset_.store(origin_ns + f - steady_ns(), std::memory_order_relaxed);
    frozen_.store(running, std::memory_order_release);  // release: see now()
}

bool time_driver::is_paused() const noexcept {
    return frozen_.load(std::memory_order_acquire) != running;  // acquire: as in now()
}

void time_driver::advance(std::chrono::nanoseconds d) {
    if (d < std::chrono::nanoseconds::zero()) throw std::logic_error("af::time::advance needs a non-negative duration");
    {
        std::lock_guard lk(m_);
        const std::int64_t f = frozen_.load(std::memory_order_relaxed);  // relaxed: writers hold m_
        if (f == running) throw std::logic_error("af::time::advance needs a paused clock (call af::time::pause first)");
        frozen_.store(f + d.count(), std::memory_order_release);  // release: see now()
    }
    fire_due();
}

std::uint64_t time_driver::tick_floor(instant t) const noexcept {
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t - origin_).count();
    return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns / ns_per_tick);
}

std::uint64_t time_driver::tick_ceil(instant t) const noexcept {
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t - origin_).count();
    return ns <= 0 ? 0 : static_cast<std::uint64_t>((ns - 1) / ns_per_tick + 1);
}

std::optional<instant> time_driver::next_deadline() const noexcept {
    // relaxed: a hint. An insert that makes it earlier calls on_earlier_ after unlocking, so a
    // thread that read a stale (later) value is unparked anyway.
    const std::uint64_t t = next_tick_.load(std::memory_order_relaxed);
    if (t == UINT64_MAX) return std::nullopt;
    const auto room = instant::clock::time_point::max() - origin_.time_point();
    if (t >= static_cast<std::uint64_t>(room.count() / ns_per_tick)) return instant(instant::clock::time_point::max());
    return origin_ + std::chrono::nanoseconds(static_cast<std::int64_t>(t) * ns_per_tick);
}

void time_driver::insert_locked(timer_entry& e, std::uint64_t deadline, bool& earlier) noexcept {
    wheel_.insert(e, deadline);
    e.state.store(timer_entry::registered, std::memory_order_relaxed);  // relaxed: read by the owner or under m_
    // relaxed: next_tick_ is written only under m_.
    if (deadline < next_tick_.load(std::memory_order_relaxed)) {
        next_tick_.store(deadline, std::memory_order_relaxed);  // relaxed: see next_deadline()
        earlier = true;
    }
}

void time_driver::register_timer(timer_entry& e, instant deadline, const af::waker& w) {
    assert(e.state.load(std::memory_order_relaxed) == timer_entry::idle);
    af::waker keep = w;  // cloned outside the lock
    const std::uint64_t tick = tick_ceil(deadline);
    bool earlier = false;
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    {
        std::lock_guard lk(m_);
        e.waker.swap(keep);  // keep now holds the previous (no-op) waker, dropped outside
        insert_locked(e, tick, earlier);
        fn = on_earlier_;
        arg = on_earlier_arg_;
    }
    if (earlier && fn) fn(arg);
}

bool time_driver::update_waker(timer_entry& e, const af::waker& w) {
    af::waker keep = w;  // cloned outside the lock; the replaced waker is dropped outside too
    std::lock_guard lk(m_);
    if (e.state.load(std::memory_order_relaxed) != timer_entry::registered) return false;  // relaxed: under m_
    if (!e.waker.will_wake(keep)) e.waker.swap(keep);
    return true;
}

void time_driver::cancel(timer_entry& e) noexcept {
    // acquire: pairs with fire_due's release store of `fired`, its last access to the entry.
    if (e.state.load(std::memory_order_acquire) != timer_entry::registered) return;
    af::waker drop = af::waker::noop();  // dropped after the lock is released
    std::lock_guard lk(m_);
    if (e.state.load(std::memory_order_relaxed) != timer_entry::registered) return;  // relaxed: under m_
    wheel_.remove(e);
    e.waker.swap(drop);
    e.state.store(timer_entry::idle, std::memory_order_relaxed);  // relaxed: the owner is this thread
    // Cheap (one bitmap test per level), and keeps next_deadline() from pointing at a timer
    // that no longer exists.
    next_tick_.store(wheel_.next_expiration(), std::memory_order_relaxed);  // relaxed: see next_deadline()
}

void time_driver::reset_timer(timer_entry& e, instant deadline) {
    // acquire: as in cancel().
    if (e.state.load(std::memory_order_acquire) != timer_entry::registered) {
        e.state.store(timer_entry::idle, std::memory_order_relaxed);  // relaxed: the driver is done with it
        return;
    }
    if (deadline <= now()) {
        // Due already: fire it here rather than at the driver's next turn, so the sleep is
        // ready at its next poll ("ready once now() >= deadline").
        af::waker w = af::waker::noop();  // woken after the lock is released
        {
            std::lock_guard lk(m_);
            if (e.state.load(std::memory_order_relaxed) != timer_entry::registered) {  // relaxed: under m_
                e.state.store(timer_entry::idle, std::memory_order_relaxed);  // fired meanwhile
                return;
            }
            wheel_.remove(e);
            e.waker.swap(w);
            // relaxed: the owner is this thread, and the driver no longer sees the entry.
            e.state.store(timer_entry::fired, std::memory_order_relaxed);
            next_tick_.store(wheel_.next_expiration(), std::memory_order_relaxed);  // relaxed: see next_deadline()
        }
        std::move(w).wake();
        return;
    }
    const std::uint64_t tick = tick_ceil(deadline);
    bool earlier = false;
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    {
        std::lock_guard lk(m_);
        if (e.state.load(std::memory_order_relaxed) != timer_entry::registered) {  // relaxed: under m_
            e.state.store(timer_entry::idle, std::memory_order_relaxed);  // fired meanwhile
            return;
        }
        wheel_.remove(e);
        insert_locked(e, tick, earlier);
        if (!earlier) next_tick_.store(wheel_.next_expiration(), std::memory_order_relaxed);  // relaxed: as above
        fn = on_earlier_;
        arg = on_earlier_arg_;
    }
    if (earlier && fn) fn(arg);
}

std::size_t time_driver::fire_due() {
    const std::uint64_t now_tick = tick_floor(now());
    std::size_t fired = 0;
    for (;;) {
        // Wakers are collected in batches, so that a million due timers neither allocate nor
        // hold the lock while tasks are being scheduled.
        constexpr std::size_t batch = 32;
        af::raw_waker due[batch];
        std::size_t n = 0;
        {
            std::lock_guard lk(m_);
            while (n < batch) {
                timer_entry* e = wheel_.pop_expired(now_tick);
                if (!e) break;
                due[n++] = std::exchange(e->waker, af::waker::noop()).into_raw();
                // release: the last access to *e; its owner may free it once it sees `fired`.
                e->state.store(timer_entry::fired, std::memory_order_release);
            }
            // relaxed: see next_deadline().
            if (n < batch) next_tick_.store(wheel_.next_expiration(), std::memory_order_relaxed);
        }
        for (std::size_t i = 0; i < n; ++i) af::waker::from_raw(due[i]).wake();
        fired += n;
        if (n < batch) return fired;
    }
}

void time_driver::set_on_earlier_deadline(void (*fn)(void*), void* arg) {
    std::lock_guard lk(m_);
    on_earlier_ = fn;
    on_earlier_arg_ = arg;
}

std::size_t time_driver::pending() const {
    std::lock_guard lk(m_);
    return wheel_.size();
}

}  // namespace af::time::detail
