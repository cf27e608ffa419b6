// http_base64.cpp — see http_base64.hpp.
#include "http/http_base64.hpp"

#include <cctype>
#include <cstdint>
#include <cstring>

#include "http/http_text.hpp"

namespace df::ext::http {

using detail::ends_with;
using detail::fail;

namespace {
const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
int sextet(char c) {
  const char* p = c ? std::strchr(kAlphabet, c) : nullptr;
  return p ? static_cast<int>(p - kAlphabet) : -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<std::uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, std::string* error) {
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  if (s.size() % 4 != 0) {
    fail(error, "Invalid input length.");
    return std::nullopt;
  }
  std::size_t pad = ends_with(s, "==") ? 2 : ends_with(s, "=") ? 1 : 0;
  std::string out;
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < s.size() - pad; ++i) {
    int v = sextet(s[i]);
    if (v < 0) {
      fail(error, s[i] == '=' ? "Invalid padding." : "Invalid symbol " + std::to_string(static_cast<unsigned char>(s[i])) + ", offset " + std::to_string(i) + ".");
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out += static_cast<char>(acc >> 16);
      out += static_cast<char>(acc >> 8);
      out += static_cast<char>(acc);
      acc = 0;
    }
  }
  if (pad == 1) {
    out += static_cast<char>(acc >> 10);
    out += static_cast<char>(acc >> 2);
  } else if (pad == 2) {
    out += static_cast<char>(acc >> 4);
  }
  return out;
}

}  // namespace df::ext::http
