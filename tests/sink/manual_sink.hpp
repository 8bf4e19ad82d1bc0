// SPDX-License-Identifier: MIT
#pragma once
// A sink of int stepped by hand: readiness, flushing and closing are switched on and off by the
// test, every member call is logged ("ready", "send 7", "flush", "close"), items wait in
// `buffer` until a ready flush moves them to `delivered`, and misuse of the protocol (a
// start_send without a ready poll_ready, anything after close) is counted in `violations`.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "af/sink/sink.hpp"

namespace af_test {

class manual_sink {
public:
    struct state {
        std::vector<std::string> log;
        std::vector<int> buffer;
        std::vector<int> delivered;
        bool ready = true;
        bool flush_ready = true;
        bool close_ready = true;
        bool throw_on_ready = false;
        bool closed = false;
        bool granted = false;  // poll_ready answered ready, start_send not called yet
        int violations = 0;
        std::optional<af::waker> waiter;

        void wake() {
            if (waiter) {
                af::waker w = std::move(*waiter);
                waiter.reset();
                std::move(w).wake();
            }
        }
    };

    manual_sink() : s_(std::make_shared<state>()) {}

    af::poll<void> poll_ready(af::context& cx) {
        s_->log.push_back("ready");
        if (s_->closed) ++s_->violations;
        if (s_->throw_on_ready) throw std::runtime_error("sink broke");
        if (!s_->ready) {
            s_->waiter.emplace(cx.waker());
            return af::pending;
        }
        s_->granted = true;
        return {};
    }
    void start_send(int v) {
        s_->log.push_back("send " + std::to_string(v));
        if (!s_->granted || s_->closed) ++s_->violations;
        s_->granted = false;
        s_->buffer.push_back(v);
    }
    af::poll<void> poll_flush(af::context& cx) {
        s_->log.push_back("flush");
        if (!s_->flush_ready) {
            s_->waiter.emplace(cx.waker());
            return af::pending;
        }
        s_->delivered.insert(s_->delivered.end(), s_->buffer.begin(), s_->buffer.end());
        s_->buffer.clear();
        return {};
    }
    af::poll<void> poll_close(af::context& cx) {
        s_->log.push_back("close");
        if (s_->closed) ++s_->violations;  // closing twice: fanout must not re-poll a closed sink
        if (!s_->flush_ready || !s_->close_ready) {
            s_->waiter.emplace(cx.waker());
            return af::pending;
        }
        s_->delivered.insert(s_->delivered.end(), s_->buffer.begin(), s_->buffer.end());
        s_->buffer.clear();
        s_->closed = true;
        return {};
    }

    // The test's side. A clone shares the state, so the test keeps watching a sink it moved
    // into an adaptor.
    manual_sink clone() const { return *this; }
    state& st() const { return *s_; }
    void set_ready(bool r) {
        s_->ready = r;
        if (r) s_->wake();
    }
    void set_flush_ready(bool r) {
        s_->flush_ready = r;
        if (r) s_->wake();
    }
    void set_close_ready(bool r) {
        s_->close_ready = r;
        if (r) s_->wake();
    }
    using log_t = std::vector<std::string>;

private:
    std::shared_ptr<state> s_;
};

}  // namespace af_test
