// SPDX-License-Identifier: MIT
// The thread_per_core flavor: N current-thread cores, each driven by its own thread, no
// stealing. Each core has its own time driver, so timers never cross threads either. A spawn
// from a core's thread stays on that core; from elsewhere the cores take turns.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "af/rt/detail/blocking_pool.hpp"
#include "af/time/detail/driver.hpp"
#include "current_thread.hpp"
#include "internal.hpp"

namespace af::rt::detail {
namespace {

class thread_per_core_runtime final : public runtime_core {
public:
    explicit thread_per_core_runtime(config c) : cfg_(std::move(c)), services_(cfg_, this) {
        std::size_t n = cfg_.workers;
        cores_.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            // Core 0 uses the services' driver (block_on callers' timers go there too).
            af::time::detail::time_driver* time = services_.time.get();
            reactor* io = services_.io.get();
            if (i > 0 && cfg_.time) {
                times_.push_back(std::make_unique<af::time::detail::time_driver>());
                time = times_.back().get();
                if (cfg_.start_paused) time->pause();
            }
            if (i > 0 && cfg_.io) {
                // Share nothing: each core sleeps in its own reactor, and its sockets stay there.
                ios_.emplace_back(make_reactor(cfg_.io_kind));
                io = ios_.back().get();
            }
            cores_.push_back(new ct_core(cfg_, this, time, services_.blocking.get(), io));
        }
        threads_.reserve(n);
        for (ct_core* core : cores_) {
            threads_.push_back(start_thread(cfg_, [core] { core->drive(nullptr, nullptr); }));
        }
    }
    ~thread_per_core_runtime() override {
        for (ct_core* c : cores_) c->release();
    }

    af::detail::scheduler& spawn_target() noexcept override {
        if (ct_core* c = own_core()) return *c;
        // Relaxed: only spreads the load; any order of turns is fine.
        std::size_t i = next_.fetch_add(1, std::memory_order_relaxed) % cores_.size();
        return *cores_[i];
    }
    af::detail::scheduler* local_target() noexcept override { return own_core(); }

    void drive(void* f, bool (*poll)(void*, context&) noexcept) override {
        if (own_core() != nullptr) {
            std::fputs("af: block_on called from inside a runtime's task; a worker cannot wait for itself\n", stderr);
            std::abort();
        }
        context_scope scope(services_.context(this));
        block_on_caller(f, poll, cfg_.budget);
    }

    void shutdown(std::chrono::nanoseconds timeout) noexcept override {
        std::lock_guard lk(shutdown_m_);
        if (closed_) return;
        closed_ = true;
        if (own_core() != nullptr) {
            std::fputs("af: runtime shut down from one of its own tasks; shut it down from the thread that owns it\n",
                       stderr);
            std::abort();
        }
        for (ct_core* c : cores_) c->stop();
        for (std::thread& t : threads_) t.join();
        for (ct_core* c : cores_) {
            context_scope scope(runtime_context{this, c->parker().time(), services_.blocking.get(), c->parker().io()});
            c->close();
        }
        services_.shutdown(timeout);
    }

    runtime_metrics metrics() const override {
        runtime_metrics m;
        m.workers = cores_.size();
        for (ct_core* c : cores_) c->add_metrics(m);
        fill_common_metrics(m, services_.time.get(), services_.blocking.get());
        for (const auto& t : times_) m.timers_pending += t->pending();
        return m;
    }

    std::vector<task_dump> dump() override {
        std::vector<task_dump> out;
        for (ct_core* c : cores_) c->dump(out);
        add_running_info(out, cfg_.watch.get());
        return out;
    }

private:
    ct_core* own_core() const noexcept {
        ct_core* c = ct_core::current();
        for (ct_core* mine : cores_) {
            if (mine == c) return c;
        }
        return nullptr;
    }

    config cfg_;
    services services_;
    std::vector<std::unique_ptr<af::time::detail::time_driver>> times_;
    std::vector<std::unique_ptr<reactor, reactor_release>> ios_;
    std::vector<ct_core*> cores_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> next_{0};
    std::mutex shutdown_m_;
    bool closed_ = false;
};

}  // namespace

runtime_core* make_thread_per_core(config c) { return new thread_per_core_runtime(std::move(c)); }

}  // namespace af::rt::detail
