// http.cpp — one HTTP / HTTP_MULTIPART step (docs/reference.md §16) inside an executor.
//
// Order of checks: EXECUTE privilege of the submitter on df.http / df.http_multipart
// (step 0, a hand-crafted node cannot skip it), http_mode, scheme, allow-list, then DNS
// resolution done once here with every address checked. libcurl is then pinned to the
// checked addresses twice over: CURLOPT_RESOLVE fills its DNS cache for host:port, and
// an open-socket callback refuses any connection to an address we did not check, so a
// DNS rebinding between our lookup and libcurl's connect cannot reach an internal host.
//
// libcurl runs on the multi interface in 50 ms slices; between slices the backend's
// interrupts are serviced (docs/toolchain.md §8): a query cancel (df.cancel) surfaces as a
// PgError that the executor turns into a retry, SIGTERM exits. Callbacks never ereport:
// they only record flags that are read after libcurl has returned.
#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "text.hpp"

#include "http/http_address.hpp"
#include "http/http_request.hpp"
#include "http/http_response.hpp"
#include "http/http.hpp"
#include "pg/gucs.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/pmsignal.h"
}

namespace df::ext::http {
namespace {

constexpr long kPollSliceMs = 50;
constexpr long kMaxConnectTimeoutMs = 30000;

// Step 0: has the submitter EXECUTE on the constructor function? Superusers always do.
std::optional<std::string> privilege_problem(Oid submitter, bool multipart) {
  spi::exec("SELECT has_function_privilege($1, $2, 'EXECUTE'), "
            "(SELECT rolname FROM pg_catalog.pg_roles WHERE oid = $1)",
            {spi::oid(submitter), spi::text(function_signature(multipart))});
  if (spi::value_or(0, 1, "f") == "t") return std::nullopt;
  return privilege_message(spi::value_or(0, 2, std::to_string(submitter)), multipart);
}

void ensure_curl_initialised() {
  static bool initialised = false;
  if (initialised) return;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    throw std::runtime_error("curl_global_init failed");
  initialised = true;
}

std::optional<IpAddress> from_sockaddr(const sockaddr* sa) {
  IpAddress a;
  if (sa->sa_family == AF_INET) {
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    return a;
  }
  if (sa->sa_family == AF_INET6) {
    a.v6 = true;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

// The one DNS lookup of this request. Error text on failure.
std::optional<std::vector<IpAddress>> resolve(const std::string& host, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    *error = "could not resolve host '" + host + "': " + gai_strerror(rc);
    return std::nullopt;
  }
  std::vector<IpAddress> out;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    auto a = from_sockaddr(ai->ai_addr);
    if (a && std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
  }
  freeaddrinfo(res);
  if (out.empty()) *error = "could not resolve host '" + host + "': no address";
  if (out.empty()) return std::nullopt;
  return out;
}

// Everything libcurl needs for one transfer, released in the right order even when an
// interrupt unwinds through perform().
struct Transfer {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  CURLU* url = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* resolve = nullptr;
  curl_mime* mime = nullptr;
  bool in_multi = false;
  char errbuf[CURL_ERROR_SIZE] = "";
  // Filled by callbacks.
  Response response;
  std::size_t max_bytes = 0;
  bool too_big = false;
  bool enforce_pins = false;
  std::vector<IpAddress> pinned;
  bool refused_address = false;

  Transfer() : easy(curl_easy_init()), multi(curl_multi_init()), url(curl_url()) {
    if (!easy || !multi || !url) throw std::runtime_error("libcurl could not allocate a transfer");
  }
  ~Transfer() {
    if (in_multi) curl_multi_remove_handle(multi, easy);
    curl_multi_cleanup(multi);
    curl_easy_cleanup(easy);
    curl_mime_free(mime);
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    curl_url_cleanup(url);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
};

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_big = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  try {
    t->response.body.append(data, n);
  } catch (...) {
    return 0;
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  try {
    std::string_view line(data, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (is_status_line(line)) t->response.headers.clear();  // a new (final or 1xx) response
    else if (auto h = parse_header_line(line)) t->response.headers.push_back(std::move(*h));
  } catch (...) {
    return 0;
  }
  return n;
}

// Connects only to addresses that passed the policy (defeats DNS rebinding).
curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* address) noexcept {
  auto* t = static_cast<Transfer*>(user);
  if (t->enforce_pins) {
    auto a = from_sockaddr(&address->addr);
    if (!a || std::find(t->pinned.begin(), t->pinned.end(), *a) == t->pinned.end()) {
      t->refused_address = true;
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

// libcurl's own reading of the URL must agree with ours on host and port: the policy
// was applied to our reading, the connection is made from libcurl's.
std::optional<std::string> parse_with_curl(Transfer& t, const std::string& url, const Target* checked) {
  CURLUcode uc = curl_url_set(t.url, CURLUPART_URL, url.c_str(), 0);
  if (uc != CURLUE_OK) return std::string("invalid URL: ") + curl_url_strerror(uc);
  if (!checked) return std::nullopt;
  char* host = nullptr;
  char* port = nullptr;
  std::string h, p;
  if (curl_url_get(t.url, CURLUPART_HOST, &host, 0) == CURLUE_OK) h = host;
  if (curl_url_get(t.url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) p = port;
  curl_free(host);
  curl_free(port);
  if (h.size() >= 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
  h = df::compiler::to_lower(h);
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (h != checked->host || p != std::to_string(checked->port))
    return "invalid URL: libcurl reads the host as '" + h + "' port " + p;
  return std::nullopt;
}

void set_method_and_body(Transfer& t, const RequestConfig& cfg, bool multipart) {
  CURL* e = t.easy;
  if (multipart) {
    t.mime = curl_mime_init(e);
    for (const Part& p : cfg.parts) {
      curl_mimepart* part = curl_mime_addpart(t.mime);
      curl_mime_name(part, p.name.c_str());
      curl_mime_data(part, p.data.data(), p.data.size());
      if (p.filename) curl_mime_filename(part, p.filename->c_str());
      if (p.content_type) curl_mime_type(part, p.content_type->c_str());
    }
    curl_easy_setopt(e, CURLOPT_MIMEPOST, t.mime);
  } else if (cfg.body || (cfg.method != "GET" && cfg.method != "DELETE")) {
    const std::string& body = cfg.body ? *cfg.body : std::string();
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body.data());
  } else if (cfg.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  }
  if (cfg.method != "POST" && !(cfg.method == "GET" && !cfg.body))
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, cfg.method.c_str());
}

void set_transport_options(Transfer& t, const RequestConfig& cfg) {
  CURL* e = t.easy;
  const long timeout_ms = static_cast<long>(cfg.timeout_seconds) * 1000;
  curl_easy_setopt(e, CURLOPT_CURLU, t.url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, kMaxConnectTimeoutMs));
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max_bytes));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
  if (t.resolve) curl_easy_setopt(e, CURLOPT_RESOLVE, t.resolve);
}

// Drives the transfer; between slices services interrupts (may throw PgError).
CURLcode run(Transfer& t) {
  if (curl_multi_add_handle(t.multi, t.easy) != CURLM_OK) return CURLE_FAILED_INIT;
  t.in_multi = true;
  int running = 1;
  for (;;) {
    if (curl_multi_perform(t.multi, &running) != CURLM_OK) return CURLE_FAILED_INIT;
    if (running == 0) break;
    if (curl_multi_poll(t.multi, nullptr, 0, kPollSliceMs, nullptr) != CURLM_OK) return CURLE_FAILED_INIT;
    check_for_interrupts();
    if (!PostmasterIsAlive()) proc_exit(1);
  }
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(t.multi, &left))
    if (m->msg == CURLMSG_DONE && m->easy_handle == t.easy) return m->data.result;
  return CURLE_FAILED_INIT;
}

std::string transport_error(const Transfer& t, CURLcode rc, const RequestConfig& cfg,
                            const Target& target) {
  if (t.refused_address) return restricted_message(target.host);
  if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED)
    return "HTTP request failed: " + cfg.url + " - response body exceeds pg_durable.http_max_response_bytes (" +
           std::to_string(t.max_bytes) + " bytes)";
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return "HTTP timeout after " + std::to_string(cfg.timeout_seconds) + "s: " + cfg.url;
  const std::string e = t.errbuf[0] ? std::string(t.errbuf) : std::string(curl_easy_strerror(rc));
  switch (rc) {
    case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST: case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CACERT_BADFILE:
      return "HTTP connection failed: " + cfg.url + " - " + e;
    default:
      return "HTTP request failed: " + cfg.url + " - " + e;
  }
}

// Policy steps 1-3; on success fills target and the addresses to pin (none in All mode).
std::optional<std::string> apply_policy(const RequestConfig& cfg, Mode mode, Target* target,
                                        std::vector<IpAddress>* pinned) {
  const char* allowed_csv = settings.http_allowed_hosts ? settings.http_allowed_hosts : "";
  if (auto p = check_url(mode, cfg.url, parse_allowed_hosts(allowed_csv), target)) return p;
  if (mode == Mode::All) return std::nullopt;
  std::string error;
  auto addresses = resolve(target->host, &error);
  if (!addresses) return "HTTP connection failed: " + cfg.url + " - " + error;
  if (auto p = check_addresses(mode, target->host, *addresses)) return p;
  *pinned = std::move(*addresses);
  return std::nullopt;
}

Outcome execute(const RequestConfig& cfg, bool multipart, Mode mode, const Target& target,
                std::vector<IpAddress> pinned, const std::string& idempotency_key) {
  ensure_curl_initialised();
  Transfer t;
  if (auto p = parse_with_curl(t, cfg.url, mode == Mode::All ? nullptr : &target))
    return {false, "HTTP request failed: " + cfg.url + " - " + *p};
  std::string error;
  auto lines = request_header_lines(cfg, multipart, "pg_durable/" DF_VERSION, idempotency_key, &error);
  if (!lines) return {false, "HTTP request failed: " + cfg.url + " - " + error};
  for (const std::string& l : *lines) t.headers = curl_slist_append(t.headers, l.c_str());
  t.enforce_pins = mode != Mode::All;
  if (t.enforce_pins && !target.ip_literal)
    t.resolve = curl_slist_append(nullptr, resolve_entry(target, pinned).c_str());
  t.pinned = std::move(pinned);
  t.max_bytes = static_cast<std::size_t>(settings.http_max_response_bytes);
  set_transport_options(t, cfg);
  set_method_and_body(t, cfg, multipart);
  const auto started = std::chrono::steady_clock::now();
  CURLcode rc = run(t);
  if (rc != CURLE_OK)
    return {false, transport_error(t, rc, cfg, target), 0, !t.refused_address && !t.too_big && rc != CURLE_FILESIZE_EXCEEDED};
  t.response.duration_ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - started).count());
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.response.status);
  if (t.response.status >= 500)
    return {false, status_error(cfg.method, cfg.url, t.response.status, t.response.body), t.response.status, true};
  return {true, envelope_json(t.response)};
}

}  // namespace

Outcome perform(const std::string& config_json, bool multipart, Oid submitter,
                const std::string& idempotency_key) {
  if (auto p = privilege_problem(submitter, multipart)) return {false, *p};
  std::string error;
  auto cfg = parse_config(config_json, multipart, &error);
  if (!cfg) return {false, error};
  const Mode mode = static_cast<Mode>(settings.http_mode);
  Target target;
  std::vector<IpAddress> pinned;
  if (auto p = apply_policy(*cfg, mode, &target, &pinned)) return {false, *p};
  return execute(*cfg, multipart, mode, target, std::move(pinned), idempotency_key);
}

}  // namespace df::ext::http
