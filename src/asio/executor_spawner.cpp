// SPDX-License-Identifier: MIT
// af::asio::executor_spawner: an af::detail::scheduler whose run queue is an Asio executor.
//
// Pieces:
//   - task_service: an Asio service of the execution context (one per io_context). It owns
//     the `registry` of that context: every af task not yet finished (for shutdown), the count
//     of them, the tracked executor that keeps run() alive while there are any, and `closed`.
//     Asio calls shutdown() when the context is destroyed, before it destroys queued handlers.
//   - asio_scheduler: one per spawner (and copies), holding the executor to post to and the
//     registry. schedule() posts a run_op holding the task's run reference; adopt() lists the
//     task and posts its first run; disown() unlists it.
//   - run_op: the posted handler. Invoked, it runs the task once (inside the runtime given to
//     the spawner, if any); destroyed without running (the context went away with it queued),
//     it gives back the run reference.
// Wakes are coalesced by the task's own state word (af/executor/detail/spawned_task.hpp): only
// the wake that sets `scheduled` calls schedule(), so a task has at most one run_op queued.
//
// Why a mutex around post: once the context is shut down its scheduler may be gone, and a
// wake can come from any thread (an af runtime's timer, a channel). `closed` is set under the
// same lock before anything is torn down, so a post either happens before the shutdown (and
// its run_op is destroyed by Asio with the queue) or is refused.
#include "af/asio/executor_spawner.hpp"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>

#include "af/executor/detail/spawned_task.hpp"

namespace af::asio::detail {
namespace {

namespace net = boost::asio;

struct registry {
    std::mutex m;
    bool closed = false;
    af::detail::owned_list owned;
    std::size_t count = 0;
    std::optional<net::any_io_executor> work;  // tracked while count > 0

    void shut_down() noexcept {
        af::detail::task_header* tasks;
        std::optional<net::any_io_executor> w;
        {
            std::lock_guard lk(m);
            closed = true;
            tasks = owned.take_all();
            count = 0;
            w.swap(work);
        }
        // No thread runs the context any more: destroy what the tasks wait on, here.
        while (tasks != nullptr) {
            af::detail::task_header* next = tasks->owned_next;  // shut_down may free it
            tasks->shut_down();
            tasks = next;
        }
    }
};

class task_service final : public net::execution_context::service {
public:
    using key_type = task_service;
    static net::execution_context::id id;

    explicit task_service(net::execution_context& ctx)
        : net::execution_context::service(ctx), reg(std::make_shared<registry>()) {}
    void shutdown() override { reg->shut_down(); }

    std::shared_ptr<registry> reg;
};
net::execution_context::id task_service::id;

[[noreturn]] void fatal(const char* msg) noexcept {
    std::fprintf(stderr, "%s\n", msg);
    std::abort();
}

class asio_scheduler;

class run_op {
public:
    run_op(asio_scheduler* s, af::detail::task_header* t) noexcept : s_(s), t_(t) {}
    run_op(run_op&& o) noexcept : s_(o.s_), t_(std::exchange(o.t_, nullptr)) {}
    run_op& operator=(run_op&&) = delete;
    ~run_op() {
        if (t_ != nullptr) t_->release();  // never ran: the context was destroyed with us queued
    }
    void operator()();

private:
    asio_scheduler* s_;  // alive: the task holds a reference to it
    af::detail::task_header* t_;
};

class asio_scheduler final : public af::detail::scheduler {
public:
    asio_scheduler(net::any_io_executor ex, std::optional<af::rt::handle> rt)
        : ex_(std::move(ex)),
          reg_(net::use_service<task_service>(net::query(ex_, net::execution::context)).reg),
          rt_(std::move(rt)) {}

    void schedule(af::detail::task_header* t) noexcept override {
        std::unique_lock lk(reg_->m);
        if (reg_->closed) {
            lk.unlock();
            t->release();
            return;
        }
        post(t);
    }

    void adopt(af::detail::task_header* t) noexcept override {
        std::unique_lock lk(reg_->m);
        if (reg_->closed) {
            lk.unlock();
            t->release();    // the run reference: never queued
            t->shut_down();  // drops the future and the owner reference
            return;
        }
        reg_->owned.push(t);
        if (reg_->count++ == 0) {
            try {
                reg_->work.emplace(net::prefer(ex_, net::execution::outstanding_work.tracked));
            } catch (...) {
                fatal("af: out of memory while starting an af task on an asio executor");
            }
        }
        post(t);
    }

    void disown(af::detail::task_header* t) noexcept override {
        std::optional<net::any_io_executor> w;
        {
            std::lock_guard lk(reg_->m);
            if (reg_->closed) return;  // shut_down took the list already
            reg_->owned.remove(t);
            if (--reg_->count == 0) w.swap(reg_->work);
        }
        // `w` ends here, outside the lock: the last work may stop the io_context.
    }

    void run(af::detail::task_header* t) noexcept {
        if (rt_) {
            auto g = rt_->enter();
            t->run();
        } else {
            t->run();
        }
    }

    const net::any_io_executor& executor() const noexcept { return ex_; }

private:
    // Under reg_->m, not closed.
    void post(af::detail::task_header* t) noexcept {
        try {
            net::post(ex_, run_op(this, t));
        } catch (...) {
            fatal("af: out of memory while posting an af task to its asio executor");
        }
    }

    net::any_io_executor ex_;
    std::shared_ptr<registry> reg_;
    std::optional<af::rt::handle> rt_;
};

void run_op::operator()() {
    af::detail::task_header* t = std::exchange(t_, nullptr);
    s_->run(t);  // hands the run reference to the task
}

}  // namespace
}  // namespace af::asio::detail

namespace af::asio {

executor_spawner::executor_spawner(boost::asio::any_io_executor ex)
    : s_(new detail::asio_scheduler(std::move(ex), std::nullopt)) {}

executor_spawner::executor_spawner(boost::asio::any_io_executor ex, af::rt::handle rt)
    : s_(new detail::asio_scheduler(std::move(ex), std::move(rt))) {}

executor_spawner::executor_spawner(const executor_spawner& o) noexcept : s_(o.s_) { s_->retain(); }

executor_spawner::~executor_spawner() { s_->release(); }

const boost::asio::any_io_executor& executor_spawner::get_executor() const noexcept {
    return static_cast<const detail::asio_scheduler*>(s_)->executor();
}

}  // namespace af::asio
