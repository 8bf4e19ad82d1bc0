// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The shared OpenSSL context behind `connector` and `acceptor` (src/tls/context.cpp).
#include <memory>  // std::shared_ptr

#include "af/tls/config.hpp"

namespace af::tls::detail {

class context_impl;
std::shared_ptr<context_impl> make_client_context(const client_config& cfg);
std::shared_ptr<context_impl> make_server_context(const server_config& cfg);

}  // namespace af::tls::detail
