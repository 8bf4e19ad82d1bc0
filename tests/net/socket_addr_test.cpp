// SPDX-License-Identifier: MIT
#include "af/net/socket_addr.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "af/net/lookup_host.hpp"
#include "af/rt/runtime.hpp"

namespace net_socket_addr_test {

namespace {

using af::net::socket_addr;

TEST(socket_addr, parses_ipv4_with_port) {
    socket_addr a = socket_addr::parse("127.0.0.1:8080");
    EXPECT_TRUE(a.is_ipv4());
    EXPECT_EQ(a.ip(), "127.0.0.1");
    EXPECT_EQ(a.port(), 8080);
    EXPECT_EQ(a.to_string(), "127.0.0.1:8080");
}

TEST(socket_addr, parses_bracketed_ipv6_with_port) {
    socket_addr a = socket_addr::parse("[::1]:443");
    EXPECT_TRUE(a.is_ipv6());
    EXPECT_EQ(a.ip(), "::1");
    EXPECT_EQ(a.port(), 443);
    EXPECT_EQ(a.to_string(), "[::1]:443");
    EXPECT_EQ(socket_addr::parse("[2001:db8::7]:0").to_string(), "[2001:db8::7]:0");
    EXPECT_EQ(socket_addr::parse("[fe80::1%1]:80").scope_id(), 1u);
}

TEST(socket_addr, to_string_round_trips_through_parse) {
    for (const char* s : {"0.0.0.0:0", "255.255.255.255:65535", "[::]:1", "[::ffff:1.2.3.4]:9"}) {
        EXPECT_EQ(socket_addr::parse(socket_addr::parse(s).to_string()), socket_addr::parse(s)) << s;
    }
}

TEST(socket_addr, bad_input_throws_invalid_argument_naming_the_input) {
    for (const char* s : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:8x",
                          "1.2.3:80", "256.0.0.1:80", "::1:80", "[::1]", "[::1]80", "[::1:80", "[1.2.3.4]:80",
                          "localhost:80", "[::1]:99999"}) {
        try {
            (void)socket_addr::parse(s);
            ADD_FAILURE() << "accepted '" << s << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + s + "'"), std::string::npos) << e.what();
        }
    }
}

// Issue 11, defect 9: inet_pton reads a C string, so "127.0.0.1\0evil:80" used to parse as
// 127.0.0.1:80. Addresses are checked against allow-lists: a NUL anywhere is an error.
TEST(socket_addr, an_embedded_nul_is_rejected_with_a_message_that_shows_it) {
    using namespace std::string_literals;
    for (const std::string& s : {"127.0.0.1\0evil:80"s, "127.0.0.1:80\0"s, "[::1\0]:80"s, "\0"s, "1.2.3.4:8\0"s}) {
        try {
            (void)socket_addr::parse(s);
            ADD_FAILURE() << "accepted an address with a NUL byte";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("\\0"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW((void)socket_addr::from_ip("127.0.0.1\0evil"s, 80), std::invalid_argument);
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    EXPECT_THROW(rt.block_on(af::net::lookup_host("127.0.0.1\0evil:80"s)), std::invalid_argument);
    EXPECT_THROW(rt.block_on(af::net::lookup_host("localhost\0.evil:80"s)), std::invalid_argument);
}

TEST(socket_addr, orders_ipv4_before_ipv6_then_by_address_then_port) {
    std::set<socket_addr> s{socket_addr::parse("[::1]:1"), socket_addr::parse("10.0.0.1:2"),
                            socket_addr::parse("10.0.0.1:1"), socket_addr::parse("9.0.0.1:80")};
    std::string order;
    for (const auto& a : s) order += a.to_string() + " ";
    EXPECT_EQ(order, "9.0.0.1:80 10.0.0.1:1 10.0.0.1:2 [::1]:1 ");
    EXPECT_EQ(socket_addr::v4_loopback(7), socket_addr::parse("127.0.0.1:7"));
    EXPECT_NE(socket_addr::v4_loopback(7), socket_addr::v4_loopback(8));
    EXPECT_EQ(std::hash<socket_addr>()(socket_addr::v6_loopback(5)), std::hash<socket_addr>()(socket_addr::parse("[::1]:5")));
}

TEST(socket_addr, from_ip_pairs_an_address_with_a_port) {
    EXPECT_EQ(socket_addr::from_ip("::1", 9).to_string(), "[::1]:9");
    EXPECT_THROW((void)socket_addr::from_ip("nope", 9), std::invalid_argument);
}

TEST(lookup_host, resolves_localhost_and_numeric_addresses) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    auto addrs = rt.block_on(af::net::lookup_host("localhost:8080"));
    ASSERT_FALSE(addrs.empty());
    for (const auto& a : addrs) EXPECT_EQ(a.port(), 8080);
    auto numeric = rt.block_on(af::net::lookup_host("[::1]:5"));
    ASSERT_EQ(numeric.size(), 1u);
    EXPECT_EQ(numeric[0], socket_addr::v6_loopback(5));
}

TEST(lookup_host, an_unknown_name_throws_system_error_with_the_resolver_text) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    try {
        rt.block_on(af::net::lookup_host("no-such-host.invalid:80"));
        ADD_FAILURE() << "resolved an .invalid name";
    } catch (const std::system_error& e) {
        std::string what = e.what();
        EXPECT_EQ(what.rfind("lookup_host no-such-host.invalid:80: ", 0), 0u) << what;
    }
    EXPECT_THROW(rt.block_on(af::net::lookup_host("localhost")), std::invalid_argument);
}

}  // namespace

}  // namespace net_socket_addr_test
