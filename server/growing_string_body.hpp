#pragma once
// A request body read into a std::string that grows with the bytes that
// actually arrive. Beast's string_body reserves the declared Content-Length
// up front, so a header alone could make the server reserve the whole body
// limit; here the declaration buys at most kInitialReserve. The parser's
// body_limit still bounds the total. Used for reading only.
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace orator::server {

struct GrowingStringBody {
  using value_type = std::string;
  static constexpr std::uint64_t kInitialReserve = 64 * 1024;

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& content_length, boost::beast::error_code& ec) {
      if (content_length) body_.reserve(static_cast<std::size_t>(std::min(*content_length, kInitialReserve)));
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      std::size_t n = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      ec = {};
      return n;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace orator::server
