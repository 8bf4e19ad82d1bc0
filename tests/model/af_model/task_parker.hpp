// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A model task for scenarios: an `af::waker` whose wake sets a flag under a model mutex, and a
/// `park()` that blocks until the flag is set. A wake-up that never comes leaves the parked
/// thread blocked, which the checker reports as a deadlock: the way lost wake-ups show.
#include <mutex>  // std::lock_guard, std::unique_lock

#include "af/core/waker.hpp"
#include "af_model/model.hpp"

namespace af::model {

class task_parker {
public:
    task_parker() = default;
    task_parker(const task_parker&) = delete;
    task_parker& operator=(const task_parker&) = delete;

    /// A waker for this task; every clone wakes the same task (`will_wake` holds).
    af::waker waker() noexcept { return af::waker::from_raw({this, &vtable}); }

    /// Blocks until woken since the last park; consumes the wake. Returning to the executor
    /// first lets other threads run: a task that keeps waking itself (as atomic_waker's
    /// registration does while a wake is in progress) would otherwise spin past the
    /// preemption bound.
    void park() {
        reschedule();
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return notified_; });
        notified_ = false;
    }

    void unpark() {
        std::lock_guard lk(m_);
        notified_ = true;
        ++wakes_;
        cv_.notify_one();
    }

    /// Wakes so far (read it after joining the wakers).
    int wakes() const noexcept { return wakes_; }

private:
    static af::raw_waker clone(void* p) noexcept { return {p, &vtable}; }
    static void wake(void* p) { static_cast<task_parker*>(p)->unpark(); }
    static void drop(void*) noexcept {}
    static constexpr af::raw_waker_vtable vtable{&clone, &wake, &wake, &drop};

    mutex m_;
    condition_variable cv_;
    bool notified_ = false;  // guarded by m_
    int wakes_ = 0;          // guarded by m_
};

}  // namespace af::model
