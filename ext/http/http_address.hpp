// http_address.hpp — the outbound address policy of HTTP steps (docs/reference.md §16
// steps 1-3): the refusal texts, URL parsing and the scheme check, the allow-list by host
// suffix, address classification for SSRF protection and the pinned resolve entry.
//
// Kept free of PostgreSQL (and of libcurl) so that every rule is unit-tested without a
// server; ext/http/http.cpp does the I/O (privilege query, DNS, libcurl) around these rules.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace df::ext::http {

// Same values as df::ext::HttpMode (gucs.hpp), repeated here to keep this file PG-free.
enum class Mode { Off = 0, Public = 1, Allowlist = 2, All = 3 };

// --- messages (docs/reference.md §16 texts where it gives them) ---------------------------
std::string disabled_message();
std::string scheme_message(std::string_view scheme);
std::string bare_ip_message();
std::string not_allowed_message(std::string_view host);
std::string restricted_message(std::string_view host);
std::string privilege_message(std::string_view role, bool multipart);
// The function signature has_function_privilege checks (step 0).
const char* function_signature(bool multipart);

// --- URLs -------------------------------------------------------------------------
// Text before the first "://", lower-cased; the whole string when there is none (§3.1).
std::string url_scheme(std::string_view url);

struct Target {
  std::string scheme;        // "http" or "https"
  std::string host;          // lower-case, no brackets, no trailing dot
  std::uint16_t port = 0;    // explicit or the scheme's default
  bool ip_literal = false;   // IPv6 in brackets, or any form inet_aton accepts (127.1, 0x7f.1, 2130706433)
};

// Parses scheme://[userinfo@]host[:port][/?#...]. Host characters are restricted to
// letters, digits, '-', '.', '_' (IPv6 literals: hex digits, ':' and '.' in brackets) so
// that no two URL parsers can disagree about where the host ends.
std::optional<Target> parse_url(std::string_view url, std::string* error);

// --- addresses --------------------------------------------------------------------
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4: first 4 bytes
  static std::optional<IpAddress> parse(std::string_view text);  // strict dotted quad or IPv6
  static IpAddress v4(std::uint32_t host_order);
  std::string to_string() const;
  bool operator==(const IpAddress& o) const { return v6 == o.v6 && bytes == o.bytes; }
};

enum class AddressClass {
  Public,
  ThisNetwork,   // 0.0.0.0/8, ::
  Loopback,      // 127/8, ::1
  Private,       // 10/8, 172.16/12, 192.168/16
  CarrierNat,    // 100.64/10
  LinkLocal,     // 169.254/16 (incl. metadata 169.254.169.254), fe80::/10
  UniqueLocal,   // fc00::/7, fec0::/10 (deprecated site-local)
  Multicast,     // 224/4, ff00::/8
  Reserved,      // 240/4 incl. 255.255.255.255
};
// IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
// NAT64 64:ff9b::/96, 6to4 2002::/16) are classified by the embedded IPv4 address.
AddressClass classify(const IpAddress& a);
const char* class_name(AddressClass c);
bool is_restricted(const IpAddress& a);

// --- the policy ---------------------------------------------------------------------
// Comma-separated host suffixes: trimmed, lower-cased, "*." prefix read as ".", empties dropped.
std::vector<std::string> parse_allowed_hosts(std::string_view csv);
// ".example.com" matches subdomains only; "example.com" matches itself and its
// subdomains — never "evil-example.com".
bool host_allowed(std::string_view host, const std::vector<std::string>& allowed);

// A URL holding a control character (CR, LF, NUL, ... DEL) or a space: the refusal text
// (which never echoes the URL), or nullopt. check_url applies it before anything else.
std::optional<std::string> control_character_message(std::string_view url);

// Steps 1-2 of §16 (scheme, allow-list) plus the URL shape. On success *target is set
// (in All mode only the scheme is checked and target->host may be empty).
std::optional<std::string> check_url(Mode mode, std::string_view url,
                                     const std::vector<std::string>& allowed, Target* target);
// Step 3: every resolved address must be public (Public and Allowlist modes).
std::optional<std::string> check_addresses(Mode mode, std::string_view host,
                                           const std::vector<IpAddress>& addresses);

// The CURLOPT_RESOLVE entry that pins host:port to the checked addresses
// ("host:port:a.b.c.d,[v6]", the format libcurl 7.88 accepts).
std::string resolve_entry(const Target& target, const std::vector<IpAddress>& addresses);

}  // namespace df::ext::http
