// http_policy.cpp — see http_policy.hpp. Pure C++ (libc, RapidJSON): no PostgreSQL, no
// libcurl, so every rule here is unit-tested in ext/tests/test_http_policy.cpp.
#include "http_policy.hpp"

#include "text.hpp"

#include <arpa/inet.h>
#include <iconv.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "json_text.hpp"

namespace df::ext::http {
namespace {

using df::compiler::is_valid_utf8;
using df::compiler::to_lower;
using df::compiler::utf8_sequence_length;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

// --- messages --------------------------------------------------------------------------

// The reference says to rebuild with a Cargo feature, which means nothing here; the
// prefix users match ("Blocked: outbound HTTP requests are disabled") is kept and the
// rest names the setting that actually enables requests.
std::string disabled_message() {
  return "Blocked: outbound HTTP requests are disabled. Set pg_durable.http_mode to 'public', "
         "'allowlist' or 'all' to enable them.";
}

std::string scheme_message(std::string_view scheme) {
  return "Blocked: unsupported URL scheme '" + std::string(scheme) +
         "'. Only http and https are allowed.";
}

std::string bare_ip_message() {
  return "Blocked: requests to bare IP addresses are not permitted. Use an approved Azure "
         "service hostname instead.";
}

std::string not_allowed_message(std::string_view host) {
  return "Blocked: '" + std::string(host) +
         "' is not in the allowed endpoint list. Only requests to approved Azure service "
         "domains are permitted.";
}

std::string restricted_message(std::string_view host) {
  return "Blocked: the resolved IP address for '" + std::string(host) +
         "' is in a restricted range. df.http() cannot access private or internal network "
         "addresses.";
}

const char* function_signature(bool multipart) {
  return multipart ? "df.http_multipart(text,text,jsonb,jsonb,integer)"
                   : "df.http(text,text,text,jsonb,integer)";
}

std::string privilege_message(std::string_view role, bool multipart) {
  const std::string r(role);
  return "Blocked: role '" + r + "' does not have EXECUTE privilege on " +
         (multipart ? "df.http_multipart()" : "df.http()") + ". Grant EXECUTE ON FUNCTION " +
         function_signature(multipart) + " TO " + r + " to allow HTTP requests.";
}

// --- URLs ------------------------------------------------------------------------------

std::string url_scheme(std::string_view url) {
  std::size_t p = url.find("://");
  return to_lower(p == std::string_view::npos ? url : url.substr(0, p));
}

namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// host[:port] or [v6][:port] -> target->host/port/ip_literal.
bool parse_host_port(std::string_view hp, Target* t, std::string* error) {
  std::string_view host, port;
  if (starts_with(hp, "[")) {
    std::size_t close = hp.find(']');
    if (close == std::string_view::npos) return fail(error, "unterminated IPv6 address");
    host = hp.substr(1, close - 1);
    std::string_view rest = hp.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return fail(error, "unexpected text after IPv6 address");
    if (!rest.empty()) port = rest.substr(1);
    auto a = IpAddress::parse(host);
    if (!a || !a->v6) return fail(error, "invalid IPv6 address");
    t->ip_literal = true;
  } else {
    std::size_t colon = hp.find(':');
    host = hp.substr(0, colon);
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
    if (!std::all_of(host.begin(), host.end(), host_char))
      return fail(error, "host contains characters outside letters, digits, '-', '.' and '_'");
  }
  t->host = to_lower(host);
  if (!t->ip_literal && ends_with(t->host, ".")) t->host.pop_back();
  if (t->host.empty()) return fail(error, "empty host");
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fail(error, "invalid port");
    int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) return fail(error, "invalid port");
    t->port = static_cast<std::uint16_t>(p);
  }
  in_addr v4;
  if (!t->ip_literal && inet_aton(t->host.c_str(), &v4) != 0) t->ip_literal = true;
  return true;
}

}  // namespace

std::optional<Target> parse_url(std::string_view url, std::string* error) {
  Target t;
  t.scheme = url_scheme(url);
  if (t.scheme != "http" && t.scheme != "https") {
    fail(error, "unsupported scheme");
    return std::nullopt;
  }
  std::string_view rest = url.substr(url.find("://") + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // WHATWG parsers read '\\' as '/', others as data: refuse rather than guess.
  if (authority.find('\\') != std::string_view::npos) {
    fail(error, "backslash in the authority");
    return std::nullopt;
  }
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  t.port = t.scheme == "https" ? 443 : 80;
  if (!parse_host_port(authority, &t, error)) return std::nullopt;
  return t;
}

// --- addresses ---------------------------------------------------------------------------

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  return std::nullopt;
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  for (int i = 0; i < 4; ++i) a.bytes[i] = static_cast<std::uint8_t>(host_order >> (24 - 8 * i));
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf)) return "?";
  return buf;
}

namespace {

AddressClass classify_v4(const std::uint8_t* b) {
  if (b[0] == 0) return AddressClass::ThisNetwork;
  if (b[0] == 10) return AddressClass::Private;
  if (b[0] == 100 && (b[1] & 0xC0) == 64) return AddressClass::CarrierNat;
  if (b[0] == 127) return AddressClass::Loopback;
  if (b[0] == 169 && b[1] == 254) return AddressClass::LinkLocal;
  if (b[0] == 172 && (b[1] & 0xF0) == 16) return AddressClass::Private;
  if (b[0] == 192 && b[1] == 168) return AddressClass::Private;
  if (b[0] >= 224 && b[0] < 240) return AddressClass::Multicast;
  if (b[0] >= 240) return AddressClass::Reserved;
  return AddressClass::Public;
}

bool all_zero(const std::uint8_t* b, int n) {
  return std::all_of(b, b + n, [](std::uint8_t x) { return x == 0; });
}

}  // namespace

AddressClass classify(const IpAddress& a) {
  const std::uint8_t* b = a.bytes.data();
  if (!a.v6) return classify_v4(b);
  if (all_zero(b, 16)) return AddressClass::ThisNetwork;
  if (all_zero(b, 15) && b[15] == 1) return AddressClass::Loopback;
  if (all_zero(b, 10) && b[10] == 0xff && b[11] == 0xff) return classify_v4(b + 12);  // mapped
  if (all_zero(b, 12)) return classify_v4(b + 12);                                  // compatible
  static const std::uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, nat64, 12) == 0) return classify_v4(b + 12);
  if (b[0] == 0x20 && b[1] == 0x02) return classify_v4(b + 2);                       // 6to4
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::LinkLocal;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::UniqueLocal;
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::UniqueLocal;
  if (b[0] == 0xff) return AddressClass::Multicast;
  return AddressClass::Public;
}

const char* class_name(AddressClass c) {
  switch (c) {
    case AddressClass::Public: return "public";
    case AddressClass::ThisNetwork: return "this-network";
    case AddressClass::Loopback: return "loopback";
    case AddressClass::Private: return "private";
    case AddressClass::CarrierNat: return "carrier-grade NAT";
    case AddressClass::LinkLocal: return "link-local";
    case AddressClass::UniqueLocal: return "unique-local";
    case AddressClass::Multicast: return "multicast";
    case AddressClass::Reserved: return "reserved";
  }
  return "?";
}

bool is_restricted(const IpAddress& a) { return classify(a) != AddressClass::Public; }

// --- the policy --------------------------------------------------------------------------

std::vector<std::string> parse_allowed_hosts(std::string_view csv) {
  std::vector<std::string> out;
  while (!csv.empty()) {
    std::size_t comma = csv.find(',');
    std::string entry = to_lower(trim(csv.substr(0, comma)));
    csv = comma == std::string_view::npos ? std::string_view{} : csv.substr(comma + 1);
    if (starts_with(entry, "*.")) entry.erase(0, 1);
    if (ends_with(entry, ".")) entry.pop_back();
    if (!entry.empty() && entry != ".") out.push_back(entry);
  }
  return out;
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed) {
  const std::string h = to_lower(host);
  for (const std::string& e : allowed) {
    if (e[0] == '.') {
      if (h.size() > e.size() && ends_with(h, e)) return true;
    } else if (h == e || (h.size() > e.size() && ends_with(h, "." + e))) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> control_character_message(std::string_view url) {
  for (std::size_t i = 0; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c < 0x20 || c == 0x7f || c == ' ') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      // The URL itself is not echoed: its control characters would reach logs and clients.
      return "HTTP request failed: invalid URL: byte " + std::string(hex) + " at offset " +
             std::to_string(i) + " (control characters and spaces are not allowed in a URL)";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_url(Mode mode, std::string_view url,
                                     const std::vector<std::string>& allowed, Target* target) {
  if (mode == Mode::Off) return disabled_message();
  // The whole URL first, in every mode: nothing after this point (DNS, libcurl, a log
  // line) may see a CR/LF or another control character.
  if (auto bad = control_character_message(url)) return bad;
  std::string scheme = url_scheme(url);
  if (scheme != "http" && scheme != "https") return scheme_message(scheme);
  *target = Target{};
  target->scheme = scheme;
  if (mode == Mode::All) return std::nullopt;
  std::string error;
  auto t = parse_url(url, &error);
  if (!t) return "HTTP request failed: " + std::string(url) + " - invalid URL: " + error;
  *target = *t;
  if (mode == Mode::Allowlist) {
    if (t->ip_literal) return bare_ip_message();
    if (!host_allowed(t->host, allowed)) return not_allowed_message(t->host);
  }
  return std::nullopt;
}

std::optional<std::string> check_addresses(Mode mode, std::string_view host,
                                           const std::vector<IpAddress>& addresses) {
  if (mode != Mode::Public && mode != Mode::Allowlist) return std::nullopt;
  for (const IpAddress& a : addresses)
    if (is_restricted(a)) return restricted_message(host);
  return std::nullopt;
}

std::string resolve_entry(const Target& target, const std::vector<IpAddress>& addresses) {
  std::string entry = target.host + ":" + std::to_string(target.port) + ":";
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (i) entry += ",";
    entry += addresses[i].v6 ? "[" + addresses[i].to_string() + "]" : addresses[i].to_string();
  }
  return entry;
}

// --- the step config -----------------------------------------------------------------------

namespace {

using Value = rapidjson::Value;

std::string str(const Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

const Value* member(const Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::optional<std::string> check_method(const std::string& m, bool multipart) {
  if (multipart) {
    if (m == "POST" || m == "PUT" || m == "PATCH") return std::nullopt;
    return "Invalid HTTP method for multipart: " + m + ". Must be POST, PUT, or PATCH";
  }
  if (m == "GET" || m == "POST" || m == "PUT" || m == "DELETE" || m == "PATCH") return std::nullopt;
  return "Invalid HTTP method: " + m + ". Must be GET, POST, PUT, DELETE, or PATCH";
}

// One multipart part; *error set on failure (§16 texts).
bool read_part(const Value& v, std::size_t index, Part* part, std::string* error) {
  const std::string cfg = "Invalid multipart HTTP config: ";
  if (!v.IsObject()) return fail(error, cfg + "part " + std::to_string(index) + " is not an object");
  const Value* name = member(v, "name");
  if (!name || !name->IsString())
    return fail(error, cfg + "part " + std::to_string(index) + " has no string 'name'");
  part->name = str(*name);
  const Value* data = member(v, "data_b64");
  if (!data || !data->IsString())
    return fail(error, cfg + "part '" + part->name + "' has no string 'data_b64'");
  for (const char* field : {"filename", "content_type"}) {
    const Value* f = member(v, field);
    if (f && !f->IsString())
      return fail(error, cfg + "part '" + part->name + "': " + field + " must be a string");
  }
  if (const Value* f = member(v, "filename")) part->filename = str(*f);
  std::string detail;
  auto bytes = base64_decode(str(*data), &detail);
  if (!bytes) return fail(error, "Invalid base64 in part '" + part->name + "': " + detail);
  part->data = std::move(*bytes);
  if (const Value* ct = member(v, "content_type")) {
    part->content_type = str(*ct);
    if (!valid_media_type(*part->content_type))
      return fail(error, "Invalid content_type for part '" + part->name + "': '" +
                             *part->content_type + "' is not a valid MIME type");
  }
  return true;
}

bool read_parts(const Value& doc, RequestConfig* cfg, std::string* error) {
  const Value* parts = member(doc, "parts");
  if (!parts) return fail(error, "parts is required and cannot be NULL");
  if (!parts->IsArray()) return fail(error, "parts must be a JSON array of part objects");
  if (parts->Empty()) return fail(error, "parts must contain at least one part");
  for (rapidjson::SizeType i = 0; i < parts->Size(); ++i) {
    Part p;
    if (!read_part((*parts)[i], i, &p, error)) return false;
    cfg->parts.push_back(std::move(p));
  }
  return true;
}

bool read_common(const Value& doc, bool multipart, RequestConfig* cfg, std::string* error) {
  const std::string what = multipart ? "Invalid multipart HTTP config: " : "Invalid HTTP config: ";
  const Value* url = member(doc, "url");
  if (!url || !url->IsString()) return fail(error, what + "url must be a string");
  cfg->url = str(*url);
  const Value* method = member(doc, "method");
  if (method && !method->IsString()) return fail(error, what + "method must be a string");
  for (char c : method ? str(*method) : std::string("POST"))
    cfg->method += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto p = check_method(cfg->method, multipart)) return fail(error, *p);
  const Value* timeout = member(doc, "timeout_seconds");
  if (timeout && !timeout->IsInt64()) return fail(error, what + "timeout_seconds must be an integer");
  if (timeout && timeout->GetInt64() <= 0) return fail(error, "Timeout must be positive");
  if (timeout) cfg->timeout_seconds = static_cast<int>(std::min<std::int64_t>(timeout->GetInt64(), 86400 * 365));
  const Value* headers = member(doc, "headers");
  if (headers && !headers->IsObject()) return fail(error, what + "headers must be a JSON object");
  if (headers)
    for (auto h = headers->MemberBegin(); h != headers->MemberEnd(); ++h)
      if (h->value.IsString()) cfg->headers.emplace_back(str(h->name), str(h->value));
  return true;
}

}  // namespace

std::optional<RequestConfig> parse_config(std::string_view json, bool multipart, std::string* error) {
  rapidjson::Document doc;  // the shared safe reader: iterative, numbers converted safely
  if (!compiler::parse_json(json, doc, nullptr) || !doc.IsObject()) {
    fail(error, multipart ? "Invalid multipart HTTP config: not a JSON object"
                          : "Invalid HTTP config: not a JSON object");
    return std::nullopt;
  }
  RequestConfig cfg;
  if (!read_common(doc, multipart, &cfg, error)) return std::nullopt;
  if (multipart) {
    if (!read_parts(doc, &cfg, error)) return std::nullopt;
  } else if (const Value* body = member(doc, "body")) {
    if (!body->IsString()) {
      fail(error, "Invalid HTTP config: body must be a string or null");
      return std::nullopt;
    }
    cfg.body = str(*body);
  }
  return cfg;
}

namespace {

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}
bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), token_char); }

}  // namespace

std::optional<std::string> check_header(std::string_view name, std::string_view value) {
  if (!is_token(name)) return "invalid header name '" + std::string(name) + "'";
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    return "invalid value for header '" + std::string(name) + "'";
  return std::nullopt;
}

bool valid_media_type(std::string_view ct) {
  std::string_view rest = trim(ct);
  std::size_t semi = rest.find(';');
  std::string_view type = trim(rest.substr(0, semi));
  std::size_t slash = type.find('/');
  if (slash == std::string_view::npos || !is_token(type.substr(0, slash)) ||
      !is_token(type.substr(slash + 1)))
    return false;
  while (semi != std::string_view::npos) {
    rest = rest.substr(semi + 1);
    semi = rest.find(';');
    std::string_view param = trim(rest.substr(0, semi));
    std::size_t eq = param.find('=');
    if (eq == std::string_view::npos || !is_token(param.substr(0, eq))) return false;
    std::string_view v = param.substr(eq + 1);
    bool quoted = v.size() >= 2 && v.front() == '"' && v.back() == '"';
    if (!quoted && !is_token(v)) return false;
  }
  return true;
}

// --- base64 --------------------------------------------------------------------------------

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

std::optional<std::vector<std::string>> request_header_lines(const RequestConfig& config,
                                                             bool multipart,
                                                             std::string_view user_agent,
                                                             std::string_view idempotency_key,
                                                             std::string* error) {
  std::vector<std::string> lines;
  bool has_agent = false, has_key = false, has_type = false, has_expect = false;
  for (const auto& [name, value] : config.headers) {
    if (auto p = check_header(name, value)) {
      fail(error, *p);
      return std::nullopt;
    }
    const std::string n = to_lower(name);
    if (n == "content-type" && multipart) continue;  // curl_mime sets the boundary
    has_agent |= n == "user-agent";
    has_key |= n == "idempotency-key";
    has_type |= n == "content-type";
    has_expect |= n == "expect";
    // "Name:" would remove a header in libcurl; "Name;" sends it empty.
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  if (!has_agent) lines.push_back("User-Agent: " + std::string(user_agent));
  if (!has_key) lines.push_back("Idempotency-Key: " + std::string(idempotency_key));
  if (!multipart && !has_type) lines.push_back("Content-Type:");
  if (!has_expect) lines.push_back("Expect:");
  return lines;
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
