// SPDX-License-Identifier: MIT
// The af::http message model on its own: methods, statuses, targets, bodies, services.
#include "af/http/request.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/http/error.hpp"
#include "af/http/response.hpp"
#include "af/http/service.hpp"
#include "af/stream/iter.hpp"
#include "af/stream/next.hpp"

namespace http_message_test {

namespace http = af::http;

TEST(http_message, methods_parse_case_sensitively_and_keep_extensions) {
    EXPECT_EQ(http::method::parse("GET"), http::method::get);
    EXPECT_EQ(http::method::parse("DELETE"), http::method::delete_);
    EXPECT_NE(http::method::parse("get"), http::method::get);  // RFC 9110 9.1: case-sensitive
    http::method m = http::method::parse("PROPFIND");
    EXPECT_EQ(m.which(), http::method::other_id);
    EXPECT_EQ(m.name(), "PROPFIND");
    EXPECT_TRUE(http::method::head.is_safe());
    EXPECT_FALSE(http::method::post.is_safe());
}

TEST(http_message, statuses_have_reason_phrases_and_body_rules) {
    EXPECT_EQ(http::reason_phrase(http::status::not_found), "Not Found");
    EXPECT_EQ(http::reason_phrase(static_cast<http::status>(299)), "Unknown");
    EXPECT_TRUE(http::forbids_body(http::status::no_content));
    EXPECT_TRUE(http::forbids_body(http::status::not_modified));
    EXPECT_TRUE(http::forbids_body(http::status::continue_));
    EXPECT_FALSE(http::forbids_body(http::status::ok));
}

TEST(http_message, a_target_splits_into_path_and_query) {
    http::request r(http::method::get, "/a/b?x=1&y=2#frag");
    EXPECT_EQ(r.path(), "/a/b");
    EXPECT_EQ(r.query(), "x=1&y=2");
    r.set_target("/plain");
    EXPECT_EQ(r.path(), "/plain");
    EXPECT_EQ(r.query(), "");
}

TEST(http_message, bodies_know_their_length_and_collect_within_a_limit) {
    http::body empty;
    EXPECT_EQ(empty.length(), 0u);
    http::body text = "hello";
    EXPECT_EQ(text.length(), 5u);
    EXPECT_TRUE(text.is_full());
    std::vector<af::bytes> parts{af::bytes::from_static("ab"), af::bytes(), af::bytes::from_static("cde")};
    auto streamed = http::body::from_stream(af::streams::iter(parts));
    EXPECT_EQ(streamed.length(), std::nullopt);
    EXPECT_FALSE(streamed.is_full());
    EXPECT_EQ(af::block_on(streamed.text()), "abcde");  // the empty chunk is skipped
    auto again = http::body::from_stream(af::streams::iter(parts));
    try {
        (void)af::block_on(again.collect(4));
        ADD_FAILURE() << "collect went past its limit";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), http::error::body_too_large);
    }
}

TEST(http_message, header_names_from_std_string_match_case_insensitively) {
    af::http::header_map h;
    const std::string custom = "X-Request-Id";
    const std::string known = "Content-Length";
    h.append(custom, "7");
    h.append(known, "12");
    EXPECT_EQ(h.get("x-request-id"), std::optional<std::string_view>("7"));
    EXPECT_EQ(h.get(af::http::header::content_length), std::optional<std::string_view>("12"));
}

TEST(http_message, trailers_follow_the_body) {
    http::header_map t;
    t.append("x-checksum", "1");
    http::body b = http::body("data").with_trailers(std::move(t));
    EXPECT_TRUE(b.has_trailers());
    EXPECT_EQ(af::block_on(b.text()), "data");
    EXPECT_EQ(b.trailers().get("X-Checksum"), "1");
}

TEST(http_message, any_service_takes_task_lambdas_and_other_futures) {
    auto as_task = [](http::request r) -> af::task<http::response> {
        co_return http::response(http::status::ok, std::string(r.path()));
    };
    auto as_ready = [](http::request) { return af::ready(http::response(http::status::accepted)); };
    static_assert(http::service<decltype(as_task)> && http::service<decltype(as_ready)>);
    http::any_service a = as_task, b = as_ready;
    http::response ra = af::block_on(a(http::request(http::method::get, "/p")));
    EXPECT_EQ(ra.status(), http::status::ok);
    EXPECT_EQ(af::block_on(ra.body().text()), "/p");
    EXPECT_EQ(af::block_on(b(http::request())).status(), http::status::accepted);
}

}  // namespace http_message_test
