// SPDX-License-Identifier: MIT
// Fixed-count driver for instruction counts of the waker designs under callgrind.
//
// Runs one `<operation> <design>` pair a fixed number of times, with callgrind's collection
// switched on only around the measured operation (the same op_session / cycle_session code as
// waker_bench.cpp), so `Collected / count` is the instructions per operation, loop included.
// bench/waker/callgrind.sh runs it for every pair and prints a table:
//
//     valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/dev/null
//         build-bench/bench/waker_instr wake_by_ref af_vtable 400      (one command line)
//
// Exits non-zero (and prints why) when the run's own check fails.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "waker_designs.hpp"

namespace af::bench {
namespace {

struct callgrind_timer {
    void start() noexcept { CALLGRIND_TOGGLE_COLLECT; }
    void stop() noexcept { CALLGRIND_TOGGLE_COLLECT; }
};

template <template <class> class D, op O>
const char* run_op(unsigned long batches) {
    op_session<D, O> session;
    callgrind_timer timer;
    for (unsigned long b = 0; b < batches; ++b) session.step(timer);
    return session.finish();
}

template <template <class> class D, yield_kind K>
const char* run_cycle(unsigned long polls) {
    cycle_session<D, K> session;
    CALLGRIND_TOGGLE_COLLECT;
    for (unsigned long i = 0; i < polls; ++i) {
        if (!session.step()) break;
    }
    CALLGRIND_TOGGLE_COLLECT;
    return session.finish();
}

/// Returns the check's error (null when fine), or "unknown operation".
template <template <class> class D>
const char* run(std::string_view what, unsigned long batches) {
    if (what == "clone") return run_op<D, op::clone>(batches);
    if (what == "drop") return run_op<D, op::drop>(batches);
    if (what == "wake") return run_op<D, op::wake>(batches);
    if (what == "wake_by_ref") return run_op<D, op::wake_by_ref>(batches);
    if (what == "clone_drop") return run_op<D, op::clone_drop>(batches);
    if (what == "clone_move") return run_op<D, op::clone_move>(batches);
    if (what == "cycle_by_ref") return run_cycle<D, yield_kind::by_ref>(batches * batch);
    if (what == "cycle_clone_wake") return run_cycle<D, yield_kind::clone_wake>(batches * batch);
    return "unknown operation";
}

}  // namespace
}  // namespace af::bench

int main(int argc, char** argv) {
    using namespace af::bench;
    if (argc < 3) {
        std::fprintf(stderr, "usage: waker_instr <operation> <design> [batches of %zu]\n", batch);
        return 2;
    }
    const std::string_view what = argv[1];
    const std::string_view design = argv[2];
    const unsigned long batches = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 400;

    const char* err = "unknown design";
    if (design == "af_vtable") err = run<af_vtable>(what, batches);
    if (design == "af_wakeable") err = run<af_wakeable>(what, batches);
    if (design == "virtual_iface") err = run<virtual_iface>(what, batches);
    if (design == "std_function") err = run<std_function>(what, batches);
    if (design == "shared_ptr") err = run<shared_ptr_waker>(what, batches);
    if (design == "coroutine_handle") err = run<coroutine_handle_waker>(what, batches);
    if (design == "af_local_nonatomic") err = run<af_local>(what, batches);
    if (err != nullptr) {
        std::fprintf(stderr, "waker_instr %s %s: %s\n", argv[1], argv[2], err);
        return 1;
    }
    std::printf("%s %s count=%lu\n", argv[1], argv[2], batches * batch);
    return 0;
}
