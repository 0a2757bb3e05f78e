#pragma once
// The two transports a connection can run on: plain TCP, or TLS over TCP
// (when the server has a certificate). Sessions are templated on these.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace orator::server {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

}  // namespace orator::server
