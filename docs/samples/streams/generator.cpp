// SPDX-License-Identifier: MIT
// af::generator: a synchronous co_yield coroutine read as a range.
#include <af/stream.hpp>

#include <cassert>
#include <ranges>
#include <string>
#include <vector>

af::generator<int> fibonacci() {
    int a = 0, b = 1;
    for (;;) {  // endless: the consumer decides when to stop
        co_yield a;
        int next = a + b;
        a = b;
        b = next;
    }
}

af::generator<std::string> words(std::string text) {
    std::string word;
    for (char c : text) {
        if (c != ' ') {
            word += c;
        } else if (!word.empty()) {
            co_yield std::move(word);  // an rvalue is handed out in place, not copied
            word.clear();
        }
    }
    if (!word.empty()) co_yield word;  // an lvalue is copied once
}

int main() {
    std::vector<int> first;
    for (int v : fibonacci() | std::views::take(8)) first.push_back(v);
    assert((first == std::vector<int>{0, 1, 1, 2, 3, 5, 8, 13}));

    std::vector<std::string> w;
    for (auto&& s : words("streams and  generators")) w.push_back(std::move(s));
    assert((w == std::vector<std::string>{"streams", "and", "generators"}));
}
