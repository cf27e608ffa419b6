// test_http_policy.cpp — unit tests of the PostgreSQL-free HTTP rules (ext/http_address, http_request, http_response):
// URL parsing, scheme and allow-list checks, address classification (SSRF), the step
// config reader, base64, body classification, the §8.3 envelope and request headers.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../http/http_address.hpp"
#include "../http/http_request.hpp"
#include "../http/http_response.hpp"
#include "../http/http_base64.hpp"

using namespace df::ext::http;

namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

std::optional<std::string> check(Mode mode, const std::string& url,
                                 const std::vector<std::string>& allowed = {}) {
  Target t;
  return check_url(mode, url, allowed, &t);
}

}  // namespace

TEST_CASE("url_scheme: text before :// lower-cased, whole string without ://") {
  CHECK(url_scheme("HTTPS://x.org/") == "https");
  CHECK(url_scheme("file:///etc/passwd") == "file");
  CHECK(url_scheme("gopher://h:70/") == "gopher");
  CHECK(url_scheme("example.com/path") == "example.com/path");
}

TEST_CASE("parse_url: host, default and explicit ports, userinfo, IPv6 brackets") {
  std::string err;
  auto t = parse_url("https://User:Pw@API.Example.com:8443/p?q#f", &err);
  REQUIRE(t);
  CHECK(t->host == "api.example.com");
  CHECK(t->port == 8443);
  CHECK_FALSE(t->ip_literal);
  t = parse_url("http://example.com", &err);
  REQUIRE(t);
  CHECK(t->port == 80);
  t = parse_url("https://example.com./x", &err);
  REQUIRE(t);
  CHECK(t->host == "example.com");
  CHECK(t->port == 443);
  t = parse_url("http://[::1]:8080/", &err);
  REQUIRE(t);
  CHECK(t->host == "::1");
  CHECK(t->port == 8080);
  CHECK(t->ip_literal);
  // userinfo ends at the last '@' (the host is what follows it)
  t = parse_url("http://a@evil.com@good.example/", &err);
  REQUIRE(t);
  CHECK(t->host == "good.example");
  t = parse_url("http://good.example?@evil.com/", &err);
  REQUIRE(t);
  CHECK(t->host == "good.example");
}

TEST_CASE("parse_url: rejects what parsers could disagree on") {
  std::string err;
  CHECK_FALSE(parse_url("http://", &err));
  CHECK(err == "empty host");
  CHECK_FALSE(parse_url("http://evil.com\\@good.com/", &err));
  CHECK(err == "backslash in the authority");
  CHECK_FALSE(parse_url("http://ex%61mple.com/", &err));
  CHECK_FALSE(parse_url("http://[::1/", &err));
  CHECK(err == "unterminated IPv6 address");
  CHECK_FALSE(parse_url("http://[fe80::1%25eth0]/", &err));
  CHECK_FALSE(parse_url("http://[127.0.0.1]/", &err));
  CHECK_FALSE(parse_url("http://host:99999/", &err));
  CHECK(err == "invalid port");
  CHECK_FALSE(parse_url("http://host:8a/", &err));
  CHECK_FALSE(parse_url("http://a:1:2/", &err));
  CHECK_FALSE(parse_url("ftp://host/", &err));
}

TEST_CASE("parse_url: every IPv4 form inet_aton accepts is an IP literal") {
  std::string err;
  for (const char* u : {"http://127.0.0.1/", "http://127.1/", "http://0x7f.0.0.1/",
                        "http://2130706433/", "http://0177.0.0.1/"}) {
    auto t = parse_url(u, &err);
    REQUIRE(t);
    CHECK_MESSAGE(t->ip_literal, u);
  }
  auto t = parse_url("http://127.example.com/", &err);
  REQUIRE(t);
  CHECK_FALSE(t->ip_literal);
}

TEST_CASE("IPv4 address classes") {
  CHECK(classify(ip("127.0.0.1")) == AddressClass::Loopback);
  CHECK(classify(ip("127.255.0.9")) == AddressClass::Loopback);
  CHECK(classify(ip("10.1.2.3")) == AddressClass::Private);
  CHECK(classify(ip("172.16.0.1")) == AddressClass::Private);
  CHECK(classify(ip("172.31.255.255")) == AddressClass::Private);
  CHECK(classify(ip("172.32.0.1")) == AddressClass::Public);
  CHECK(classify(ip("172.15.255.255")) == AddressClass::Public);
  CHECK(classify(ip("192.168.1.1")) == AddressClass::Private);
  CHECK(classify(ip("192.169.1.1")) == AddressClass::Public);
  CHECK(classify(ip("100.64.0.1")) == AddressClass::CarrierNat);
  CHECK(classify(ip("100.127.255.255")) == AddressClass::CarrierNat);
  CHECK(classify(ip("100.128.0.1")) == AddressClass::Public);
  CHECK(classify(ip("169.254.169.254")) == AddressClass::LinkLocal);
  CHECK(classify(ip("169.253.1.1")) == AddressClass::Public);
  CHECK(classify(ip("0.0.0.0")) == AddressClass::ThisNetwork);
  CHECK(classify(ip("0.1.2.3")) == AddressClass::ThisNetwork);
  CHECK(classify(ip("224.0.0.1")) == AddressClass::Multicast);
  CHECK(classify(ip("255.255.255.255")) == AddressClass::Reserved);
  CHECK(classify(ip("8.8.8.8")) == AddressClass::Public);
  CHECK(classify(ip("1.1.1.1")) == AddressClass::Public);
  CHECK(is_restricted(ip("10.0.0.1")));
  CHECK_FALSE(is_restricted(ip("93.184.216.34")));
}

TEST_CASE("IPv6 address classes, including forms that embed IPv4") {
  CHECK(classify(ip("::")) == AddressClass::ThisNetwork);
  CHECK(classify(ip("::1")) == AddressClass::Loopback);
  CHECK(classify(ip("fe80::1")) == AddressClass::LinkLocal);
  CHECK(classify(ip("febf::1")) == AddressClass::LinkLocal);
  CHECK(classify(ip("fec0::1")) == AddressClass::UniqueLocal);
  CHECK(classify(ip("fc00::1")) == AddressClass::UniqueLocal);
  CHECK(classify(ip("fdff:ffff::1")) == AddressClass::UniqueLocal);
  CHECK(classify(ip("ff02::1")) == AddressClass::Multicast);
  CHECK(classify(ip("2001:4860:4860::8888")) == AddressClass::Public);
  // IPv4-mapped and IPv4-compatible
  CHECK(classify(ip("::ffff:127.0.0.1")) == AddressClass::Loopback);
  CHECK(classify(ip("::ffff:169.254.169.254")) == AddressClass::LinkLocal);
  CHECK(classify(ip("::ffff:10.0.0.1")) == AddressClass::Private);
  CHECK(classify(ip("::ffff:8.8.8.8")) == AddressClass::Public);
  CHECK(classify(ip("::127.0.0.1")) == AddressClass::Loopback);
  CHECK(classify(ip("::192.168.0.1")) == AddressClass::Private);
  // NAT64 and 6to4 reach the embedded IPv4 address
  CHECK(classify(ip("64:ff9b::a9fe:a9fe")) == AddressClass::LinkLocal);
  CHECK(classify(ip("64:ff9b::808:808")) == AddressClass::Public);
  CHECK(classify(ip("2002:7f00:1::")) == AddressClass::Loopback);
  CHECK(classify(ip("2002:0808:0808::")) == AddressClass::Public);
}

TEST_CASE("IpAddress parse and print") {
  CHECK(ip("::ffff:127.0.0.1").v6);
  CHECK_FALSE(ip("127.0.0.1").v6);
  CHECK(ip("127.0.0.1") == IpAddress::v4(0x7f000001));
  CHECK(ip("2001:db8::1").to_string() == "2001:db8::1");
  CHECK_FALSE(IpAddress::parse("127.1"));        // strict here; URL hosts use inet_aton
  CHECK_FALSE(IpAddress::parse("example.com"));
}

TEST_CASE("allow-list parsing and suffix matching") {
  auto allowed = parse_allowed_hosts(" .Example.com, api.github.com ,*.svc.local,, ");
  REQUIRE(allowed.size() == 3);
  CHECK(allowed[0] == ".example.com");
  CHECK(allowed[1] == "api.github.com");
  CHECK(allowed[2] == ".svc.local");
  CHECK(host_allowed("a.example.com", allowed));
  CHECK(host_allowed("A.B.EXAMPLE.COM", allowed));
  CHECK_FALSE(host_allowed("example.com", allowed));        // leading dot: subdomains only
  CHECK_FALSE(host_allowed("evil-example.com", allowed));
  CHECK_FALSE(host_allowed("example.com.evil.org", allowed));
  CHECK(host_allowed("api.github.com", allowed));
  CHECK(host_allowed("x.api.github.com", allowed));
  CHECK_FALSE(host_allowed("evilapi.github.com", allowed));
  CHECK_FALSE(host_allowed("github.com", allowed));
  CHECK_FALSE(host_allowed("anything", {}));
}

TEST_CASE("check_url: off mode refuses everything") {
  auto e = check(Mode::Off, "https://example.com/");
  REQUIRE(e);
  CHECK(e->rfind("Blocked: outbound HTTP requests are disabled", 0) == 0);
  CHECK(e->find("pg_durable.http_mode") != std::string::npos);
}

TEST_CASE("check_url: scheme in every mode") {
  for (Mode m : {Mode::Public, Mode::Allowlist, Mode::All}) {
    CHECK(check(m, "file:///etc/passwd") ==
          std::string("Blocked: unsupported URL scheme 'file'. Only http and https are allowed."));
    CHECK(check(m, "gopher://127.0.0.1:70/_x") ==
          std::string("Blocked: unsupported URL scheme 'gopher'. Only http and https are allowed."));
    CHECK(check(m, "localhost/x") ==
          std::string("Blocked: unsupported URL scheme 'localhost/x'. Only http and https are allowed."));
  }
  CHECK_FALSE(check(Mode::Public, "HTTP://example.com/"));
}

TEST_CASE("check_url: allowlist mode") {
  const std::vector<std::string> allowed = {".example.com"};
  CHECK_FALSE(check(Mode::Allowlist, "https://api.example.com/x", allowed));
  CHECK(check(Mode::Allowlist, "https://evil-example.com/x", allowed) ==
        not_allowed_message("evil-example.com"));
  CHECK(not_allowed_message("h") ==
        "Blocked: 'h' is not in the allowed endpoint list. Only requests to approved Azure "
        "service domains are permitted.");
  for (const char* u : {"http://10.0.0.1/", "http://8.8.8.8/", "http://[::1]/", "http://2130706433/"})
    CHECK_MESSAGE(check(Mode::Allowlist, u, allowed) == bare_ip_message(), u);
  CHECK(bare_ip_message() ==
        "Blocked: requests to bare IP addresses are not permitted. Use an approved Azure service "
        "hostname instead.");
}

TEST_CASE("check_url: public and all modes parse or skip the host") {
  Target t;
  CHECK_FALSE(check_url(Mode::Public, "http://127.0.0.1:8080/x", {}, &t));  // refused after DNS
  CHECK(t.host == "127.0.0.1");
  CHECK(t.port == 8080);
  auto e = check(Mode::Public, "http://bad%host/");
  REQUIRE(e);
  CHECK(e->rfind("HTTP request failed: http://bad%host/ - invalid URL: ", 0) == 0);
  CHECK_FALSE(check(Mode::All, "http://bad%host/"));  // all: libcurl decides
}

TEST_CASE("check_url: a control character anywhere is refused before the host is read") {
  // Issue 11 item 9: a CR/LF in the path used to pass the host check and reach DNS.
  const std::string msg =
      "HTTP request failed: invalid URL: byte 0x0d at offset 19 (control characters and "
      "spaces are not allowed in a URL)";
  for (Mode m : {Mode::Public, Mode::Allowlist, Mode::All})
    CHECK(check(m, "http://example.com/\r\nHost: 10.0.0.1", {".example.com"}) == msg);
  CHECK(check(Mode::Public, std::string("http://a.example/\0x", 19)) ==
        "HTTP request failed: invalid URL: byte 0x00 at offset 17 (control characters and "
        "spaces are not allowed in a URL)");
  CHECK(check(Mode::Public, "http://a.example/x\x7f")->find("byte 0x7f at offset 18") != std::string::npos);
  CHECK(check(Mode::Public, "http://a.example/a b")->find("byte 0x20 at offset 18") != std::string::npos);
  CHECK(check(Mode::Public, "http://a.example\n.evil/")->find("byte 0x0a at offset 16") != std::string::npos);
  CHECK(check(Mode::Off, "http://a.example/\n") == disabled_message());  // off: nothing is read
  CHECK_FALSE(control_character_message("https://a.example/p?q=%0D%0A#f"));  // encoded is fine
}

TEST_CASE("check_addresses: any restricted address refuses the host") {
  const std::string msg = restricted_message("h.example");
  CHECK(msg ==
        "Blocked: the resolved IP address for 'h.example' is in a restricted range. df.http() "
        "cannot access private or internal network addresses.");
  CHECK_FALSE(check_addresses(Mode::Public, "h.example", {ip("93.184.216.34")}));
  CHECK(check_addresses(Mode::Public, "h.example", {ip("93.184.216.34"), ip("10.0.0.1")}) == msg);
  CHECK(check_addresses(Mode::Allowlist, "h.example", {ip("::ffff:192.168.0.1")}) == msg);
  CHECK_FALSE(check_addresses(Mode::All, "h.example", {ip("127.0.0.1")}));
}

TEST_CASE("resolve_entry pins host:port to every checked address") {
  Target t;
  t.host = "api.example.com";
  t.port = 443;
  CHECK(resolve_entry(t, {ip("93.184.216.34"), ip("2606:2800:220:1::1")}) ==
        "api.example.com:443:93.184.216.34,[2606:2800:220:1::1]");
  CHECK(resolve_entry(t, {ip("93.184.216.34")}) == "api.example.com:443:93.184.216.34");
}

TEST_CASE("privilege message names the function and the grant") {
  CHECK(privilege_message("alice", false) ==
        "Blocked: role 'alice' does not have EXECUTE privilege on df.http(). Grant EXECUTE ON "
        "FUNCTION df.http(text,text,text,jsonb,integer) TO alice to allow HTTP requests.");
  CHECK(privilege_message("bob", true).find("df.http_multipart(text,text,jsonb,jsonb,integer) TO bob") !=
        std::string::npos);
}

TEST_CASE("parse_config: HTTP node") {
  std::string err;
  auto c = parse_config(
      R"({"url":"https://x.org","method":"put","body":"b","headers":{"A":"1","N":5,"Z":null},"timeout_seconds":7})",
      false, &err);
  REQUIRE(c);
  CHECK(c->method == "PUT");
  CHECK(c->body == std::string("b"));
  REQUIRE(c->headers.size() == 1);  // only string-valued headers
  CHECK(c->headers[0].first == "A");
  CHECK(c->timeout_seconds == 7);
  c = parse_config(R"({"url":"https://x.org","method":"GET","body":null,"headers":null})", false, &err);
  REQUIRE(c);
  CHECK_FALSE(c->body);
  CHECK(c->timeout_seconds == 30);
  CHECK_FALSE(parse_config(R"({"url":"u","method":"TRACE"})", false, &err));
  CHECK(err == "Invalid HTTP method: TRACE. Must be GET, POST, PUT, DELETE, or PATCH");
  CHECK_FALSE(parse_config(R"({"url":"u","timeout_seconds":0})", false, &err));
  CHECK(err == "Timeout must be positive");
  CHECK_FALSE(parse_config(R"({"method":"GET"})", false, &err));
  CHECK(err == "Invalid HTTP config: url must be a string");
  CHECK_FALSE(parse_config("[1]", false, &err));
}

TEST_CASE("parse_config: multipart parts") {
  std::string err;
  auto c = parse_config(
      R"({"url":"u","method":"POST","parts":[{"name":"f","data_b64":"aGVs\nbG8=","filename":"a.txt","content_type":"text/plain; charset=utf-8"}]})",
      true, &err);
  REQUIRE(c);
  REQUIRE(c->parts.size() == 1);
  CHECK(c->parts[0].data == "hello");
  CHECK(c->parts[0].filename == std::string("a.txt"));
  CHECK(c->parts[0].content_type == std::string("text/plain; charset=utf-8"));
  CHECK_FALSE(parse_config(R"({"url":"u","method":"GET","parts":[{"name":"f","data_b64":""}]})", true, &err));
  CHECK(err == "Invalid HTTP method for multipart: GET. Must be POST, PUT, or PATCH");
  CHECK_FALSE(parse_config(R"({"url":"u","parts":null})", true, &err));
  CHECK(err == "parts is required and cannot be NULL");
  CHECK_FALSE(parse_config(R"({"url":"u","parts":{}})", true, &err));
  CHECK(err == "parts must be a JSON array of part objects");
  CHECK_FALSE(parse_config(R"({"url":"u","parts":[]})", true, &err));
  CHECK(err == "parts must contain at least one part");
  CHECK_FALSE(parse_config(R"({"url":"u","parts":[{"data_b64":"AA=="}]})", true, &err));
  CHECK(err.rfind("Invalid multipart HTTP config: ", 0) == 0);
  CHECK_FALSE(parse_config(R"({"url":"u","parts":[{"name":"f"}]})", true, &err));
  CHECK(err.rfind("Invalid multipart HTTP config: ", 0) == 0);
  CHECK_FALSE(parse_config(R"({"url":"u","parts":[{"name":"f","data_b64":"!!!!"}]})", true, &err));
  CHECK(err.rfind("Invalid base64 in part 'f': ", 0) == 0);
  CHECK_FALSE(parse_config(R"({"url":"u","parts":[{"name":"f","data_b64":"AA==","content_type":"nope"}]})", true, &err));
  CHECK(err.rfind("Invalid content_type for part 'f': ", 0) == 0);
}

TEST_CASE("media types") {
  CHECK(valid_media_type("application/octet-stream"));
  CHECK(valid_media_type("text/plain; charset=\"utf-8\""));
  CHECK(valid_media_type("image/svg+xml"));
  CHECK_FALSE(valid_media_type("text"));
  CHECK_FALSE(valid_media_type("text/"));
  CHECK_FALSE(valid_media_type("text/plain; charset"));
  CHECK_FALSE(valid_media_type("text/pl ain"));
  CHECK_FALSE(valid_media_type("text/plain\r\nX-Injected: 1"));
}

TEST_CASE("base64 round trip, whitespace, errors") {
  std::string err;
  const std::string bytes("\x00\xff\x10hello\x80", 9);
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_decode(base64_encode(bytes), &err) == bytes);
  // PostgreSQL's encode(..., 'base64') wraps at 76 columns
  CHECK(base64_decode(" Zm9v\r\nYmFy\n\tYg== ", &err) == std::string("foobarb"));
  CHECK_FALSE(base64_decode("Zm9", &err));
  CHECK(err == "Invalid input length.");
  CHECK_FALSE(base64_decode("Zm*v", &err));
  CHECK(err == "Invalid symbol 42, offset 2.");
  CHECK_FALSE(base64_decode("Z===", &err));
  CHECK(err == "Invalid padding.");
  CHECK_FALSE(base64_decode("Zm=v", &err));
}

TEST_CASE("lossy UTF-8 decoding") {
  CHECK(lossy_utf8("a\xffz") == "a\xEF\xBF\xBDz");
}

TEST_CASE("body classification") {
  CHECK(is_textual_content_type("text/html; charset=utf-8"));
  CHECK(is_textual_content_type("Application/JSON"));
  CHECK(is_textual_content_type("application/problem+json"));
  CHECK(is_textual_content_type("application/atom+xml"));
  CHECK(is_textual_content_type("application/x-yaml"));
  CHECK(is_textual_content_type("application/x-www-form-urlencoded"));
  CHECK_FALSE(is_textual_content_type("application/octet-stream"));
  CHECK_FALSE(is_textual_content_type("image/png"));
  CHECK_FALSE(is_textual_content_type(""));

  Body b = classify_body("{\"a\":1}", "application/json");
  CHECK_FALSE(b.base64);
  CHECK(b.text == "{\"a\":1}");
  b = classify_body("caf\xe9", "text/plain; charset=ISO-8859-1");  // charset honoured
  CHECK_FALSE(b.base64);
  CHECK(b.text == "caf\xc3\xa9");
  b = classify_body("a\xff", "text/plain");                        // textual: lossy text
  CHECK_FALSE(b.base64);
  CHECK(b.text == "a\xEF\xBF\xBD");
  b = classify_body("plain words", "application/octet-stream");    // valid UTF-8: text
  CHECK_FALSE(b.base64);
  b = classify_body(std::string("\x89PNG\r\n\x1a\n", 8), "image/png");
  CHECK(b.base64);
  CHECK(b.text == "iVBORw0KGgo=");
  b = classify_body(std::string("a\0b", 3), "");                   // NUL: base64
  CHECK(b.base64);
  b = classify_body(std::string("a\0b", 3), "text/plain");         // jsonb cannot hold \u0000
  CHECK(b.base64);
}

TEST_CASE("envelope JSON") {
  Response r;
  r.status = 201;
  r.body = "hi \"there\"";
  r.headers = {{"Content-Type", "text/plain"}, {"X-B", "1"}, {"x-b", "2"}, {"X-Bad", "\xff"}};
  r.duration_ms = 12;
  CHECK(envelope_json(r) ==
        R"({"status":201,"body":"hi \"there\"","encoding":"text","headers":{"content-type":"text/plain","x-b":"2"},"ok":true,"duration_ms":12})");
  r.status = 404;
  r.body = std::string("\x01\xff", 2);
  r.headers = {};
  CHECK(envelope_json(r) ==
        R"({"status":404,"body":"Af8=","encoding":"base64","headers":{},"ok":false,"duration_ms":12})");
  r.status = 302;
  CHECK(envelope_json(r).find("\"ok\":false") != std::string::npos);
}

TEST_CASE("response header lines") {
  CHECK(is_status_line("HTTP/1.1 200 OK"));
  CHECK_FALSE(parse_header_line("HTTP/1.1 200 OK"));
  CHECK_FALSE(parse_header_line(""));
  CHECK_FALSE(parse_header_line("no colon"));
  auto h = parse_header_line("Content-Type:  text/plain  ");
  REQUIRE(h);
  CHECK(h->first == "Content-Type");
  CHECK(h->second == "text/plain");
}

TEST_CASE("5xx error text with a 512-byte preview") {
  CHECK(status_error("POST", "http://h/x", 503, "down") == "HTTP POST http://h/x returned 503: down");
  const std::string long_body(600, 'a');
  std::string e = status_error("GET", "u", 500, long_body);
  CHECK(e == "HTTP GET u returned 500: " + std::string(512, 'a') + "…");
  // never cuts a UTF-8 character in two
  std::string multi = std::string(511, 'a') + "\xc3\xa9" + "zzz";
  e = status_error("GET", "u", 500, multi);
  CHECK(e == "HTTP GET u returned 500: " + std::string(511, 'a') + "…");
}

TEST_CASE("request headers: defaults, overrides, suppression, injection") {
  RequestConfig c;
  c.headers = {{"X-Token", "abc"}, {"X-Empty", ""}};
  std::string err;
  auto lines = request_header_lines(c, false, "pg_durable/0.2.6", "i-1-0", &err);
  REQUIRE(lines);
  CHECK(*lines == std::vector<std::string>{"X-Token: abc", "X-Empty;", "User-Agent: pg_durable/0.2.6",
                                           "Idempotency-Key: i-1-0", "Content-Type:", "Expect:"});
  c.headers = {{"user-agent", "mine"}, {"Content-Type", "application/json"}};
  lines = request_header_lines(c, false, "pg_durable/0.2.6", "k", &err);
  REQUIRE(lines);
  CHECK(*lines == std::vector<std::string>{"user-agent: mine", "Content-Type: application/json",
                                           "Idempotency-Key: k", "Expect:"});
  lines = request_header_lines(c, true, "ua", "k", &err);  // multipart: user Content-Type ignored
  REQUIRE(lines);
  CHECK(*lines == std::vector<std::string>{"user-agent: mine", "Idempotency-Key: k", "Expect:"});
  c.headers = {{"X-A", "1\r\nX-Injected: 1"}};
  CHECK_FALSE(request_header_lines(c, false, "ua", "k", &err));
  CHECK(err == "invalid value for header 'X-A'");
  c.headers = {{"Bad Name", "1"}};
  CHECK_FALSE(request_header_lines(c, false, "ua", "k", &err));
  CHECK(err == "invalid header name 'Bad Name'");
}
