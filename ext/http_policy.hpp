// http_policy.hpp — the PostgreSQL-free half of HTTP steps (REFERENCE.md §16, §8.3):
// the outbound policy (URL parsing, scheme check, allow-list by host suffix, address
// classification for SSRF protection), the step config reader, the response body
// classification and the §8.3 envelope, base64 and multipart part checks.
//
// Kept free of PostgreSQL (and of libcurl) so that every rule is unit-tested without a
// server; ext/http.cpp does the I/O (privilege query, DNS, libcurl) around these rules.
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

// --- messages (REFERENCE.md §16 texts where it gives them) ---------------------------
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

// --- the step config ----------------------------------------------------------------
struct Part {
  std::string name;
  std::string data;                        // decoded bytes
  std::optional<std::string> filename;
  std::optional<std::string> content_type;
};

struct RequestConfig {
  std::string url;
  std::string method;                      // upper-case
  std::optional<std::string> body;         // HTTP only
  std::vector<std::pair<std::string, std::string>> headers;  // string-valued only
  int timeout_seconds = 30;
  std::vector<Part> parts;                 // multipart only
};

// Reads the node config after substitution; errors are the node's error text.
std::optional<RequestConfig> parse_config(std::string_view json, bool multipart, std::string* error);
// A header name must be an RFC 9110 token; a value must not contain CR, LF or NUL.
std::optional<std::string> check_header(std::string_view name, std::string_view value);
// type/subtype[; param=value]... (RFC 9110 media type).
bool valid_media_type(std::string_view content_type);

// --- base64 -------------------------------------------------------------------------
std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding; ASCII whitespace anywhere is ignored.
std::optional<std::string> base64_decode(std::string_view text, std::string* error);

// --- responses ----------------------------------------------------------------------
// Replaces invalid UTF-8 sequences with U+FFFD.
std::string lossy_utf8(std::string_view s);
bool is_textual_content_type(std::string_view content_type);

struct Body {
  std::string text;   // UTF-8 text or base64
  bool base64 = false;
};
// §16: a declared textual Content-Type is decoded as text (charset honoured, invalid
// sequences replaced); otherwise valid UTF-8 without NUL is text, anything else base64.
// A decoded text containing NUL is sent as base64 too (jsonb cannot store \u0000).
Body classify_body(std::string_view bytes, std::string_view content_type);

struct Response {
  long status = 0;
  std::string body;   // raw bytes
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  long duration_ms = 0;
};
// The content-type header value (last one wins), or "".
std::string content_type_of(const Response& r);
// §8.3 envelope, compact JSON in the documented key order; header names lower-cased,
// sorted, the last of repeated headers wins, non-UTF-8 values dropped.
std::string envelope_json(const Response& r);
// One raw header line of a response: ("Name", "value") with the value trimmed; nullopt
// for the status line, the blank line and malformed lines.
std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line);
bool is_status_line(std::string_view line);

// --- requests -----------------------------------------------------------------------
// The header lines handed to libcurl: the user's string-valued headers (a multipart
// Content-Type dropped), a default User-Agent and the Idempotency-Key unless the user
// gave them, and the suppression of what libcurl would add on its own (a form
// Content-Type for a plain body, Expect: 100-continue). Error on an unsafe header.
std::optional<std::vector<std::string>> request_header_lines(const RequestConfig& config,
                                                             bool multipart,
                                                             std::string_view user_agent,
                                                             std::string_view idempotency_key,
                                                             std::string* error);

// §16 5xx text: HTTP <METHOD> <url> returned <code>: <first 512 bytes of body, "…" if cut>.
std::string status_error(std::string_view method, std::string_view url, long status,
                         std::string_view body);

}  // namespace df::ext::http
