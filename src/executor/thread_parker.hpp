// SPDX-License-Identifier: MIT
#pragma once
// The state machine of block_on's thread parker (src/executor/block_on.cpp), apart from the
// system call it sleeps in, so that the model checker can run it (tests/model/parker_model.cpp).
//
// The state word is empty, notified or sleeping. unpark() sets `notified` and calls the sleeper
// only if the thread announced its sleep; park() spins briefly, then announces its sleep
// (empty -> sleeping) and waits while the word still says sleeping. An unpark before park is
// never lost: park sees `notified` and returns at once. An unpark during the sleep changes the
// word before it wakes the sleeper, and the sleeper's wait checks the word atomically with
// going to sleep (a futex does; the condition variable variant checks under its mutex), so it
// cannot sleep through it. A spurious return from the wait goes round the loop again.
//
// `Sleep` is the wait/wake pair on the word: `futex_sleep` on Linux, `cv_sleep` elsewhere, under
// TSan (see below) and in the model build, where a futex cannot be modelled.
#include <cstdint>  // std::uint32_t
#include <mutex>    // std::unique_lock, std::lock_guard

// ThreadSanitizer runs a signal's handler on a thread only when that thread enters one of its
// interceptors; a raw futex system call is not one, so a SIGINT that the kernel hands to a thread
// parked in block_on would wait until the park ends (a server's Ctrl-C never arrived). Under
// TSan the parker sleeps in pthread_cond_wait, which TSan intercepts.
#if defined(__SANITIZE_THREAD__)
#define AF_PARKER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AF_PARKER_TSAN 1
#endif
#endif

#if defined(__linux__) && !defined(AF_MODEL) && !defined(AF_PARKER_TSAN)
#define AF_PARKER_FUTEX 1
#endif

#if defined(AF_PARKER_FUTEX)
#include <linux/futex.h>  // FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE
#include <sys/syscall.h>  // SYS_futex
#include <unistd.h>       // syscall
#endif

#include "af/detail/sync_condition_variable.hpp"

namespace af::detail {

/// Waits on the word with a condition variable: wait() checks the word under the mutex, and
/// wake() takes the mutex before notifying, so a wake between the check and the sleep is seen.
class cv_sleep {
public:
    void wait(sync::atomic<std::uint32_t>& word, std::uint32_t while_equal) {
        std::unique_lock lk(m_);
        // Relaxed: the caller acquires the word after we return; the mutex orders the check
        // against wake().
        while (word.load(std::memory_order_relaxed) == while_equal) cv_.wait(lk);
    }
    void wake(sync::atomic<std::uint32_t>&) {
        { std::lock_guard lk(m_); }  // a waiter between its check and its sleep has slept by now
        cv_.notify_one();
    }

private:
    sync::mutex m_;
    sync::condition_variable cv_;
};

#if defined(AF_PARKER_FUTEX)
/// A futex on the state word itself: std::atomic::wait in libstdc++ 12 spins with sched_yield
/// before sleeping, which on a busy two-vCPU machine hands the CPU back and forth
/// (bench/compare/notes.md, "mpsc, receiver on the block_on thread").
class futex_sleep {
public:
    static_assert(sizeof(sync::atomic<std::uint32_t>) == sizeof(std::uint32_t), "the futex is the state word");
    void wait(sync::atomic<std::uint32_t>& word, std::uint32_t while_equal) noexcept {
        ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, while_equal, nullptr, nullptr,
                  0);
    }
    void wake(sync::atomic<std::uint32_t>& word) noexcept {
        ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
};
using thread_sleep = futex_sleep;
#else
using thread_sleep = cv_sleep;
#endif

template <class Sleep>
class thread_parker_state {
public:
    void unpark() noexcept {
        // Release: what the waker wrote before waking is visible to the parked thread. Only a
        // thread that announced its sleep costs a system call.
        if (state_.exchange(notified, std::memory_order_release) == sleeping) sleep_.wake(state_);
    }

    void park() noexcept {
        // A short spin first: the wake often comes within microseconds (the other end of a
        // channel on a worker), and sleeping and being woken costs tens of microseconds here.
        for (int i = 0; i < spin_checks && state_.load(std::memory_order_relaxed) != notified; ++i) {
            for (int k = 0; k < spin_pauses; ++k) sync::spin_loop_hint();
        }
        for (;;) {
            // Acquire: pairs with the release in unpark().
            std::uint32_t s = state_.load(std::memory_order_acquire);
            if (s == notified) {
                // Acquire: as above.
                if (state_.compare_exchange_weak(s, empty, std::memory_order_acquire)) return;
                continue;
            }
            // Relaxed: announcing the sleep publishes nothing; unpark()'s exchange orders the rest.
            if (s == empty && !state_.compare_exchange_weak(s, sleeping, std::memory_order_relaxed)) continue;
            sleep_.wait(state_, sleeping);  // returns at once if an unpark already changed the word
        }
    }

private:
    static constexpr std::uint32_t empty = 0;
    static constexpr std::uint32_t notified = 1;
    static constexpr std::uint32_t sleeping = 2;
#ifdef AF_MODEL
    // One look is enough to cover "the wake came during the spin"; more only multiplies the
    // interleavings the checker explores.
    static constexpr int spin_checks = 1;
    static constexpr int spin_pauses = 1;
#else
    static constexpr int spin_checks = 64;  // about 10 us of `pause`
    static constexpr int spin_pauses = 16;
#endif

    sync::atomic<std::uint32_t> state_{empty};
    [[no_unique_address]] Sleep sleep_;
};

}  // namespace af::detail
