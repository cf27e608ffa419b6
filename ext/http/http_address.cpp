// http_address.cpp — see http_address.hpp. Pure C++ (libc): no PostgreSQL, no libcurl,
// so every rule here is unit-tested in ext/tests/test_http_policy.cpp.
#include "http/http_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "http/http_text.hpp"
#include "text.hpp"

namespace df::ext::http {
namespace {

using detail::ends_with;
using detail::fail;
using detail::starts_with;
using detail::trim;
using df::compiler::to_lower;

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

}  // namespace df::ext::http
