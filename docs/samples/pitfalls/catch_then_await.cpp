// SPDX-License-Identifier: MIT
// Pitfall: C++ forbids co_await in a catch block. Capture the error, act after the handler.
#include <af/af.hpp>

#include <cassert>
#include <exception>
#include <stdexcept>
#include <string>

int attempts = 0;

af::task<std::string> flaky_connect() {
    co_await af::yield_now();
    if (++attempts < 3) throw std::runtime_error("connection refused");
    co_return "connected";
}

af::task<void> report(std::string) { co_await af::yield_now(); }

af::task<std::string> connect_with_retries() {
    for (;;) {
        std::exception_ptr failed;
        try {
            co_return co_await flaky_connect();
        } catch (const std::runtime_error&) {
            failed = std::current_exception();  // no co_await here: it would not compile
        }
        // After the handler, awaiting is allowed again: give up, or log, back off and retry.
        if (attempts >= 5) std::rethrow_exception(failed);
        co_await report("retrying");  // stands in for af::time::sleep(backoff)
    }
}

int main() {
    assert(af::block_on(connect_with_retries()) == "connected");
    assert(attempts == 3);
}
