// SPDX-License-Identifier: MIT
#pragma once
// A stream fed by hand for stepping stream adaptors in tests: `push(v)` and `close()` wake the
// registered waker; polls are counted, and polling after the end is counted separately so that
// tests can check that fused adaptors stop polling their input.
#include <deque>
#include <memory>
#include <optional>

#include "af/stream/stream.hpp"

namespace af_test {

template <class T>
class manual_stream {
    struct state {
        std::deque<T> items;
        bool closed = false;
        std::optional<af::waker> waiter;
        int polls = 0;
        int polls_after_end = 0;
        bool alive = true;
    };

public:
    class stream {
    public:
        using item = T;
        explicit stream(std::shared_ptr<state> s) : s_(std::move(s)) {}
        stream(stream&&) noexcept = default;
        stream& operator=(stream&&) noexcept = default;
        ~stream() {
            if (s_) s_->alive = false;
        }
        af::poll<std::optional<T>> poll_next(af::context& cx) {
            ++s_->polls;
            if (!s_->items.empty()) {
                std::optional<T> v(std::move(s_->items.front()));
                s_->items.pop_front();
                return v;
            }
            if (s_->closed) {
                ++s_->polls_after_end;
                return af::detail::stream_end<T>();
            }
            s_->waiter.emplace(cx.waker());
            return af::pending;
        }

    private:
        std::shared_ptr<state> s_;
    };

    manual_stream() : s_(std::make_shared<state>()) {}
    stream get() { return stream(s_); }

    void push(T v) {
        s_->items.push_back(std::move(v));
        wake();
    }
    void close() {
        s_->closed = true;
        wake();
    }
    int polls() const { return s_->polls; }
    // Polls that answered the end (the first one included).
    int end_polls() const { return s_->polls_after_end; }
    bool alive() const { return s_->alive; }

private:
    void wake() {
        if (s_->waiter) {
            auto w = std::move(*s_->waiter);
            s_->waiter.reset();
            std::move(w).wake();
        }
    }
    std::shared_ptr<state> s_;
};

}  // namespace af_test
