// SPDX-License-Identifier: MIT
// af::asio from an installed af: an af task run on an io_context, so the package must find
// Boost for its users and carry libaf_asio.
#include <af/af.hpp>
#include <af/asio.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>

namespace {

af::task<int> answer() {
    co_await af::yield_now();
    co_return 42;
}

}  // namespace

int main() {
    boost::asio::io_context ioc;
    int got = 0;
    af::asio::spawn(ioc.get_executor(), answer(), [&](std::exception_ptr e, int v) {
        if (!e) got = v;
    });
    ioc.run();
    std::printf("asio: %d\n", got);
    return got == 42 ? 0 : 1;
}
