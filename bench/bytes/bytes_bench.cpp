// SPDX-License-Identifier: MIT
// What a reference to shared bytes costs (docs/design/0016-buffers.md): copying and dropping an
// af::bytes (one uncontended atomic increment and decrement) against a span (no count), a
// non-atomic count (what a thread-local fast path would cost), and std::shared_ptr; and one
// frame's round trip through a bytes_mut (put, split_to, freeze, drop, reserve reusing the block).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "af/bytes.hpp"

namespace {

void span_copy(benchmark::State& state) {
    std::vector<std::byte> v(64);
    std::span<const std::byte> s(v);
    for (auto _ : state) {
        std::span<const std::byte> c = s;
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(span_copy);

// The cost floor of a count that is not atomic: increment, then decrement and test.
void plain_count_copy(benchmark::State& state) {
    struct counted {
        std::size_t refs = 1;
    };
    auto* c = new counted;
    for (auto _ : state) {
        ++c->refs;
        benchmark::DoNotOptimize(c->refs);
        if (--c->refs == 0) delete c;
        benchmark::ClobberMemory();
    }
    delete c;
}
BENCHMARK(plain_count_copy);

void bytes_copy(benchmark::State& state) {
    auto b = af::bytes::copy_from(std::vector<std::byte>(64));
    for (auto _ : state) {
        af::bytes c = b;
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(bytes_copy);

void shared_ptr_vector_copy(benchmark::State& state) {
    auto p = std::make_shared<std::vector<std::byte>>(64);
    for (auto _ : state) {
        auto c = p;
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(shared_ptr_vector_copy);

// Allocate, fill and free a buffer that is never shared: the last-reference fast path frees it
// with no atomic read-modify-write.
void bytes_mut_unshared_cycle(benchmark::State& state) {
    for (auto _ : state) {
        auto b = af::bytes_mut::with_capacity(64);
        b.put_u64(42);
        benchmark::DoNotOptimize(b.data());
    }
}
BENCHMARK(bytes_mut_unshared_cycle);

// One 64-byte frame through a long-lived receive buffer, as framed does it.
void bytes_mut_frame_cycle(benchmark::State& state) {
    auto in = af::bytes_mut::with_capacity(4096);
    std::vector<std::byte> payload(64);
    for (auto _ : state) {
        in.reserve(4096);
        in.put(payload);
        af::bytes frame = in.split_to(64).freeze();
        benchmark::DoNotOptimize(frame.data());
    }
}
BENCHMARK(bytes_mut_frame_cycle);

// The same with a copy into a fresh vector per frame (what length_delimited_codec did before).
void vector_frame_cycle(benchmark::State& state) {
    std::vector<std::byte> in;
    in.reserve(4096);
    std::vector<std::byte> payload(64);
    for (auto _ : state) {
        in.insert(in.end(), payload.begin(), payload.end());
        std::vector<std::byte> frame(in.begin(), in.begin() + 64);
        in.erase(in.begin(), in.begin() + 64);
        benchmark::DoNotOptimize(frame.data());
    }
}
BENCHMARK(vector_frame_cycle);

}  // namespace

BENCHMARK_MAIN();
