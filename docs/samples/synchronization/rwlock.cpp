// SPDX-License-Identifier: MIT
// rwlock<T>: many readers at once, or one writer; a waiting writer holds back new readers.
#include <af/af.hpp>
#include <af/sync.hpp>

#include <cassert>
#include <string>

int main() {
    af::sync::rwlock<std::string> config("v1");

    auto r1 = config.try_read();
    auto r2 = config.try_read();  // readers share
    assert(r1 && r2 && **r1 == "v1");

    af::waker w = af::waker::noop();
    af::context cx(w);
    auto writer = config.write();
    assert(writer.poll(cx).is_pending());  // waits for both readers
    assert(!config.try_read());            // writer-preferring: a new reader queues behind it
    r1.reset();
    r2.reset();
    {
        auto g = writer.poll(cx);
        assert(g.is_ready());
        *g.value() = "v2";
    }  // write guard released
    assert(*af::block_on(config.read()) == "v2");
}
