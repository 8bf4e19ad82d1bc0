// SPDX-License-Identifier: MIT
// The recycling frame allocator (src/core/frame_allocator.cpp) when memory runs out (issue 17):
// a frame freed on a thread whose cache was never used must not abort the process, and a frame
// that cannot be allocated throws std::bad_alloc to the caller of the coroutine.
#include "af/core/detail/frame_allocator.hpp"

#include <gtest/gtest.h>

#include <malloc.h>        // mallopt: one arena, so that the limit below is the whole heap
#include <sys/resource.h>  // setrlimit(RLIMIT_AS)
#include <sys/wait.h>      // waitpid
#include <unistd.h>        // fork, _exit

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <thread>

#include "af/core/task.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AF_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define AF_TEST_SANITIZED 1
#endif
#endif

namespace core_frame_allocator_test {

namespace {

#if !defined(AF_TEST_SANITIZED)
af::task<int> one() { co_return 1; }

// Kilobytes of address space the process maps now.
long vm_size_kb() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmSize:") {
            long kb = 0;
            in >> kb;
            return kb;
        }
        in.ignore(1 << 12, '\n');
    }
    return -1;
}

// Takes every byte malloc will still give; returns the list (linked through the blocks).
void* exhaust_heap() {
    void* head = nullptr;
    for (std::size_t size : {std::size_t{1} << 16, std::size_t{1} << 10, std::size_t{16}}) {
        while (void* p = std::malloc(size)) {
            std::memcpy(p, &head, sizeof head);
            head = p;
        }
    }
    return head;
}

void release_heap(void* head) {
    while (head != nullptr) {
        void* next;
        std::memcpy(&next, head, sizeof next);
        std::free(head);
        head = next;
    }
}

// Runs in a forked child: exit code 0 when the thread freed a frame with the heap exhausted
// (first use of its cache) and then got std::bad_alloc from a coroutine call.
[[noreturn]] void child() {
    ::mallopt(M_ARENA_MAX, 1);
    af::task<int> frame = one();  // allocated while memory is there; freed by the thread below
    std::atomic<int> step{0};
    bool threw_bad_alloc = false;
    std::thread t([&] {
        while (step.load() != 1) std::this_thread::yield();
        {
            af::task<int> dropped = std::move(frame);
        }  // freed here: the thread's first use of the frame cache, with no memory left
        try {
            af::task<int> a = one();  // may come from the cache (the block just freed)
            af::task<int> b = one();  // cannot: no memory
            std::fputs("second frame allocated with the heap exhausted\n", stderr);
        } catch (const std::bad_alloc&) {
            threw_bad_alloc = true;
        }
        step.store(2);
    });
    long kb = vm_size_kb();
    if (kb < 0) ::_exit(2);
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = static_cast<rlim_t>(kb + 16 * 1024) * 1024;  // 16 MiB more
    if (::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(2);
    void* held = exhaust_heap();
    step.store(1);
    while (step.load() != 2) std::this_thread::yield();
    release_heap(held);
    t.join();
    ::_exit(threw_bad_alloc ? 0 : 3);
}
#endif

TEST(frame_allocator, running_out_of_memory_throws_bad_alloc_instead_of_aborting) {
#if defined(AF_TEST_SANITIZED)
    GTEST_SKIP() << "sanitizer runtimes reserve terabytes of address space: RLIMIT_AS cannot be used";
#else
    std::fflush(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) child();
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                                   << " (glibc aborts when it cannot register a TLS destructor)";
    EXPECT_NE(WEXITSTATUS(status), 2) << "could not set the child up";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "no std::bad_alloc from a coroutine call with the heap exhausted";
#endif
}

}  // namespace

}  // namespace core_frame_allocator_test
