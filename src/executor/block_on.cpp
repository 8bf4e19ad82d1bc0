// SPDX-License-Identifier: MIT
// The thread parker behind af::block_on.
//
// Each thread owns one reference-counted parker; wakers hold references, so waking a parker
// whose thread has exited is harmless. The state word is empty, notified or sleeping: a wake
// sets `notified` and makes a system call only if the thread announced that it sleeps; park
// spins briefly, then announces its sleep and waits on the word (a futex). A wake before park
// is never lost: park sees `notified` and returns at once.
#include "af/executor/block_on.hpp"

#include <atomic>
#include <cstdint>

#if defined(__linux__)
#include <linux/futex.h>  // FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE
#include <sys/syscall.h>  // SYS_futex
#include <unistd.h>       // syscall
#endif

#include "af/core/wakeable.hpp"

namespace af::detail {
namespace {

class parker final : public wakeable {
public:
    void wake() noexcept override {
        // Release: what the waker wrote before waking is visible to the parked thread. Only a
        // thread that announced its sleep costs a system call.
        if (state_.exchange(notified, std::memory_order_release) == sleeping) wake_sleeper();
    }
    void park() noexcept {
        // A short spin first: the wake often comes within microseconds (the other end of a
        // channel on a worker), and sleeping and being woken costs tens of microseconds here.
        for (int i = 0; i < spin_checks && state_.load(std::memory_order_relaxed) != notified; ++i) {
            for (int k = 0; k < 16; ++k) cpu_relax();
        }
        for (;;) {
            // Acquire: pairs with the release in wake().
            std::uint32_t s = state_.load(std::memory_order_acquire);
            if (s == notified) {
                // Acquire: as above.
                if (state_.compare_exchange_weak(s, empty, std::memory_order_acquire)) return;
                continue;
            }
            // Relaxed: announcing the sleep publishes nothing; wake()'s exchange orders the rest.
            if (s == empty && !state_.compare_exchange_weak(s, sleeping, std::memory_order_relaxed)) continue;
            sleep_while_sleeping();  // returns at once if a wake already changed the state
        }
    }

private:
    static constexpr std::uint32_t empty = 0;
    static constexpr std::uint32_t notified = 1;
    static constexpr std::uint32_t sleeping = 2;
    static constexpr int spin_checks = 64;  // about 10 us of `pause`

    static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
#if defined(__linux__)
    // A futex on the state word itself: std::atomic::wait in libstdc++ 12 spins with
    // sched_yield before sleeping, which on a busy two-vCPU machine hands the CPU back and forth
    // (bench/compare/notes.md, "mpsc, receiver on the block_on thread").
    void sleep_while_sleeping() noexcept {
        ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAIT_PRIVATE, sleeping, nullptr, nullptr, 0);
    }
    void wake_sleeper() noexcept {
        ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
#else
    void sleep_while_sleeping() noexcept { state_.wait(sleeping, std::memory_order_relaxed); }
    void wake_sleeper() noexcept { state_.notify_one(); }
#endif

    std::atomic<std::uint32_t> state_{empty};
    static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t), "the futex is the state word");
};

parker& current_parker() {
    thread_local wakeable_ptr<parker> p = make_wakeable<parker>();
    return *p;
}

}  // namespace

waker current_thread_waker() { return waker::from(current_parker()); }
void park_current_thread() { current_parker().park(); }
void unpark_current_thread() { current_parker().wake(); }

}  // namespace af::detail
