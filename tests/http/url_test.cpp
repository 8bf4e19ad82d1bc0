// SPDX-License-Identifier: MIT
// af::http::url: what it accepts and how it refuses, including the inputs the URL fuzzer found
// (fuzz/http/http_url_fuzz.cpp): a port that runs into a rootless path, and URLs without "//"
// on which Boost.URL 1.81 fails an assertion.
#include <af/http/error.hpp>
#include <af/http/url.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace http_url {

TEST(http_url_parse, lower_cases_scheme_and_host_and_keeps_port_path_and_query) {
    auto u = af::http::url::parse("HTTP://Ex.COM:8080/a/B?x=1#frag");
    EXPECT_EQ(u.scheme(), "http");
    EXPECT_EQ(u.host(), "ex.com");
    EXPECT_EQ(u.port(), 8080);
    EXPECT_EQ(u.target(), "/a/B?x=1");
}

TEST(http_url_parse, an_empty_path_is_the_root_and_the_default_port_is_80) {
    auto u = af::http::url::parse("http://127.0.0.1");
    EXPECT_EQ(u.target(), "/");
    EXPECT_EQ(u.port(), 80);
    EXPECT_EQ(u.authority(), "127.0.0.1");
}

TEST(http_url_parse, a_port_that_runs_into_a_rootless_path_is_refused) {
    // Boost.URL 1.81 reads port 8 and path "TTP://Ex.COM:"; sent on, that is not a request target.
    EXPECT_THROW((void)af::http::url::parse("HTTP://Ex.COM:8TTP://Ex.COM:#top"), std::invalid_argument);
    EXPECT_THROW((void)af::http::url::parse("http://h:8x:/"), std::invalid_argument);
}

TEST(http_url_parse, a_url_without_slashes_is_refused_before_boost_sees_it) {
    EXPECT_THROW((void)af::http::url::parse("http:#"), std::invalid_argument);
    EXPECT_THROW((void)af::http::url::parse("http:/no-host"), std::invalid_argument);
    EXPECT_THROW((void)af::http::url::parse("http:\xef"), std::invalid_argument);
    EXPECT_THROW((void)af::http::url::parse(":x"), std::invalid_argument);
    EXPECT_THROW((void)af::http::url::parse("1http://h/"), std::invalid_argument);
}

TEST(http_url_parse, another_scheme_is_unsupported_scheme_even_without_slashes) {
    const char* inputs[] = {"t:\xef", "Ah:#", "htp:`", "ftp://h/"};
    for (const char* in : inputs) {
        try {
            (void)af::http::url::parse(in);
            ADD_FAILURE() << "parsed: " << in;
        } catch (const af::error& e) {
            EXPECT_EQ(e.code(), af::http::error::unsupported_scheme) << in;
        }
    }
}

}  // namespace http_url
