// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Byte buffers (namespace `af`): `af::bytes`, shared and immutable, cheap to copy and slice;
/// `af::bytes_mut`, unique and growable, cut into frames and frozen without a copy; and the
/// `af::buf` / `af::buf_mut` concepts with `af::chain`, for writing several buffers as one.
///
/// Not part of `<af/af.hpp>`; `<af/io.hpp>` includes it (codecs decode from a `bytes_mut`).
/// See the book chapter "I/O traits", section "Buffers", and docs/design/0016-buffers.md.
///
///     af::bytes_mut buf;
///     buf.put("ping\n");
///     af::bytes line = buf.split_to(5).freeze();
///     auto out = af::chain(line, af::bytes::from_static("pong\n"));
///     (void)out.remaining();
#include "af/bytes/bytes.hpp"      // af::bytes: shared, immutable, sliced without copying
#include "af/bytes/bytes_mut.hpp"  // af::bytes_mut: unique, growable, split and frozen
#include "af/bytes/buf.hpp"        // concepts buf, buf_mut; chunks_vectored, chain
