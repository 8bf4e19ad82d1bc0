// SPDX-License-Identifier: MIT
// Stepping a future by hand with af::test::mock_task, one assertion per step.
#include <af/af.hpp>
#include <af/test.hpp>

#include <cassert>
#include <string_view>

int main() {
    af::test::manual_future<int> m;  // a leaf future completed by hand
    af::test::mock_task t(af::map(m.get(), [](int v) { return v * 2; }));

    af::test::assert_pending(t.poll());  // nothing to do yet
    assert(!t.is_woken());

    m.set(21);                           // completing the leaf wakes the task
    assert(t.is_woken() && t.wake_count() == 1);

    assert(af::test::assert_ready(t.poll()) == 42);
    assert(t.poll_count() == 2);

    // Outside any test framework a failed check is an exception naming the check and the line.
    try {
        af::test::assert_pending(af::poll<int>(1));
        assert(false);
    } catch (const af::test::assertion_failure& e) {
        assert(std::string_view(e.what()).find("assert_pending failed") != std::string_view::npos);
    }
}
