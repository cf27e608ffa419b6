// http_request.cpp — see http_request.hpp.
#include "http/http_request.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>

#include <rapidjson/document.h>

#include "http/http_base64.hpp"
#include "http/http_text.hpp"
#include "json_text.hpp"
#include "text.hpp"

namespace df::ext::http {
namespace {

using detail::fail;
using detail::is_token;
using detail::trim;
using df::compiler::to_lower;

}  // namespace

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

}  // namespace df::ext::http
