#pragma once
// A stream refused by admission control. The upgrade is accepted (with
// Retry-After on the 101) only to say so in a way browsers can read: an
// `error` SERVER_OVERLOADED message carrying retry_after, then a close with
// 1013 (try again later) and the reason. Nothing is analysed or stored; the
// exchange is bounded by a short timeout. Runs on the connection's strand.
#include <string>

#include "server/connection_limits.hpp"
#include "server/http_handler.hpp"
#include "server/transport.hpp"

namespace orator::server {

// Instantiated for PlainStream and TlsStream in refused_stream.cpp.
template <class Stream>
void refuse_stream(Stream&& stream, ConnectionLimits::Slot slot, HttpRequest request, std::string reason,
                   int retry_after_seconds);

}  // namespace orator::server
