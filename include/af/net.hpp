// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header of af::net: TCP, UDP and Unix sockets on the af::rt runtime's reactor.
///
///     af::rt::runtime rt = af::rt::builder().enable_all().build();
///     rt.block_on([]() -> af::task<void> {
///         auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
///         auto client = co_await af::net::tcp_stream::connect(listener.local_addr());
///         auto [server_side, peer] = co_await listener.accept();
///         co_await client.write_all("hi");
///     });
///
/// Which type: tcp_listener + tcp_stream for connections over IP; udp_socket for datagrams
/// over IP; unix_listener + unix_stream and unix_datagram between processes on one machine.
/// Addresses: socket_addr (numeric), lookup_host (names). Every socket must be created inside a
/// runtime built with enable_io() (or enable_all()). See the book chapter "Networking".
#include "af/net/lookup_host.hpp"
#include "af/rt.hpp"  // every socket lives on a runtime; also af::select, af::ready
#include "af/net/socket_addr.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/net/udp_socket.hpp"
#include "af/net/unix_datagram.hpp"
#include "af/net/unix_stream.hpp"
