// SPDX-License-Identifier: MIT
#pragma once
// Shared by the af::net tests: every test runs on each backend (epoll, io_uring) and on a
// current_thread and a multi_thread runtime; the io_uring instances skip while that backend
// cannot be built on this kernel or in this build.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>

#include "af/core/task.hpp"
#include "af/net/socket_addr.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"

namespace af_net_test {

enum class flavor { current_thread, multi_thread };

using param = std::tuple<af::rt::io_backend, flavor>;

inline std::string param_name(const ::testing::TestParamInfo<param>& info) {
    std::string b = std::get<0>(info.param) == af::rt::io_backend::epoll ? "epoll" : "io_uring";
    std::string f = std::get<1>(info.param) == flavor::current_thread ? "current_thread" : "multi_thread";
    return b + "_" + f;
}

class net_test : public ::testing::TestWithParam<param> {
protected:
    void SetUp() override {
        af::rt::builder b;
        if (std::get<1>(GetParam()) == flavor::current_thread) {
            b.current_thread();
        } else {
            b.multi_thread().worker_threads(2);
        }
        b.enable_all().io_backend(std::get<0>(GetParam()));
        try {
            rt_.emplace(b.build());
        } catch (const std::system_error& e) {
            GTEST_SKIP() << "this backend is not available here: " << e.what();
        }
    }
    af::rt::runtime& rt() { return *rt_; }

    std::optional<af::rt::runtime> rt_;
};

inline auto all_params() {
    return ::testing::Combine(::testing::Values(af::rt::io_backend::epoll, af::rt::io_backend::io_uring),
                              ::testing::Values(flavor::current_thread, flavor::multi_thread));
}

/// A connected loopback pair: {the connecting end, the accepted end}. Await it inside the
/// runtime (it spawns the accepting side).
inline af::task<std::pair<af::net::tcp_stream, af::net::tcp_stream>> connected_tcp_pair() {
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
    auto accepting = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<af::net::tcp_stream> {
        auto a = co_await l.accept();
        co_return std::move(a.first);
    }(listener));
    af::net::tcp_stream c = co_await af::net::tcp_stream::connect(listener.local_addr());
    af::net::tcp_stream s = co_await std::move(accepting);
    co_return std::pair<af::net::tcp_stream, af::net::tcp_stream>(std::move(c), std::move(s));
}

}  // namespace af_net_test
