// http_response.cpp — see http_response.hpp.
#include "http/http_response.hpp"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/http_base64.hpp"
#include "http/http_text.hpp"
#include "json_text.hpp"
#include "text.hpp"

namespace df::ext::http {
namespace {

using detail::ends_with;
using detail::is_token;
using detail::starts_with;
using detail::trim;
using df::compiler::is_valid_utf8;
using df::compiler::to_lower;
using df::compiler::utf8_sequence_length;

}  // namespace

// --- responses -----------------------------------------------------------------------------

namespace {

std::string charset_of(std::string_view content_type) {
  std::string ct = to_lower(content_type);
  std::size_t p = ct.find("charset=");
  if (p == std::string::npos) return "";
  std::string v(trim(std::string_view(ct).substr(p + 8)));
  v = v.substr(0, v.find(';'));
  v = std::string(trim(v));
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

// Converts from `charset` to UTF-8 with iconv; invalid bytes become U+FFFD. nullopt when
// iconv does not know the charset.
std::optional<std::string> iconv_to_utf8(std::string_view bytes, const std::string& charset) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  std::string in(bytes);
  char* src = in.data();
  std::size_t left = in.size();
  char buf[4096];
  while (left > 0) {
    char* dst = buf;
    std::size_t room = sizeof buf;
    std::size_t r = iconv(cd, &src, &left, &dst, &room);
    out.append(buf, static_cast<std::size_t>(dst - buf));
    if (r == static_cast<std::size_t>(-1) && errno != E2BIG) {
      out += "\xEF\xBF\xBD";
      ++src;
      --left;
    }
  }
  iconv_close(cd);
  return out;
}

std::string decode_text(std::string_view bytes, std::string_view content_type) {
  std::string cs = charset_of(content_type);
  if (cs.empty() || cs == "utf-8" || cs == "utf8") return lossy_utf8(bytes);
  auto converted = iconv_to_utf8(bytes, cs);
  return converted ? *converted : lossy_utf8(bytes);
}

}  // namespace

std::string lossy_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool is_textual_content_type(std::string_view content_type) {
  std::string mime = to_lower(trim(content_type.substr(0, content_type.find(';'))));
  if (starts_with(mime, "text/")) return true;
  for (const char* suffix : {"+json", "+xml", "+yaml"})
    if (ends_with(mime, suffix)) return true;
  static const char* const kTextual[] = {
      "application/json",    "application/xml",  "application/javascript",
      "application/ecmascript", "application/x-www-form-urlencoded",
      "application/graphql", "application/yaml", "application/x-yaml"};
  return std::find(std::begin(kTextual), std::end(kTextual), mime) != std::end(kTextual);
}

Body classify_body(std::string_view bytes, std::string_view content_type) {
  const bool has_nul = bytes.find('\0') != std::string_view::npos;
  if (is_textual_content_type(content_type)) {
    std::string text = decode_text(bytes, content_type);
    if (text.find('\0') == std::string::npos) return Body{std::move(text), false};
    return Body{base64_encode(bytes), true};
  }
  if (!has_nul && is_valid_utf8(bytes)) return Body{std::string(bytes), false};
  return Body{base64_encode(bytes), true};
}

std::string content_type_of(const Response& r) {
  std::string ct;
  for (const auto& [name, value] : r.headers)
    if (to_lower(name) == "content-type") ct = value;
  return ct;
}

std::string envelope_json(const Response& r) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : r.headers)
    if (is_valid_utf8(value)) headers[to_lower(name)] = value;
  Body body = classify_body(r.body, content_type_of(r));
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("status");
  w.Int64(r.status);
  w.Key("body");
  w.String(body.text.data(), static_cast<rapidjson::SizeType>(body.text.size()));
  w.Key("encoding");
  w.String(body.base64 ? "base64" : "text");
  w.Key("headers");
  w.StartObject();
  for (const auto& [name, value] : headers) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  w.Key("ok");
  w.Bool(r.status >= 200 && r.status < 300);
  w.Key("duration_ms");
  w.Int64(r.duration_ms);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

bool is_status_line(std::string_view line) { return starts_with(line, "HTTP/"); }

std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line) {
  if (is_status_line(line)) return std::nullopt;
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return std::nullopt;
  return std::make_pair(std::string(name), std::string(trim(line.substr(colon + 1))));
}

std::string status_error(std::string_view method, std::string_view url, long status,
                         std::string_view body) {
  constexpr std::size_t kPreview = 512;
  std::string preview;
  if (body.size() <= kPreview) {
    preview = lossy_utf8(body);
  } else {
    std::size_t cut = kPreview;
    while (cut > 0 && (static_cast<std::uint8_t>(body[cut]) & 0xC0) == 0x80) --cut;
    preview = lossy_utf8(body.substr(0, cut)) + "…";
  }
  return "HTTP " + std::string(method) + " " + std::string(url) + " returned " +
         std::to_string(status) + ": " + preview;
}

}  // namespace df::ext::http
