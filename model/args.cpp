// args.cpp — node builders, argument checks and query decoders (see args.hpp). The wire
// `query` encodings here are the compatibility contract of docs/reference.md §2.
#include "args.hpp"

#include <cctype>
#include <limits>

#include "cron.hpp"
#include "json_text.hpp"
#include "text.hpp"

namespace df::compiler {
namespace {

ir::NodePtr leaf(ir::NodeType type, std::string query) {
  auto node = std::make_unique<ir::Node>(type);
  node->query = std::move(query);
  return node;
}

void require_child(const ir::NodePtr& child, const char* what) {
  if (!child) throw CompileError(std::string(what) + " requires a workflow step, got none");
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void append_optional_string(std::string& out, const std::optional<std::string>& s) {
  if (s) append_json_string(out, *s); else out += "null";
}

// Re-emits a jsonb argument compactly with sorted keys; nullopt stays JSON null.
std::string normalised_json_or_null(const std::optional<std::string>& text, const char* what) {
  if (!text) return "null";
  rapidjson::Document doc;
  std::string error;
  if (!parse_json(*text, doc, &error))
    throw CompileError(std::string(what) + " must be valid JSON: " + error);
  return json_value_text(doc, /*sort_keys=*/true);
}

}  // namespace

// --- checks -----------------------------------------------------------------------

bool is_valid_result_name(std::string_view name) {
  if (name.empty()) return false;
  auto head = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(head) || head == '_') || head >= 0x80) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || !(std::isalnum(u) || u == '_')) return false;
  }
  return true;
}

std::string result_name_problem(std::string_view name) {
  if (name.empty()) return "result name cannot be empty";
  return "result name '" + std::string(name) +
         "' is not a valid identifier \xE2\x80\x94 must match [a-zA-Z_][a-zA-Z0-9_]*";
}

std::optional<std::string> check_http_url(std::string_view url) {
  // Templates ({var}) are checked per request at run time, after substitution.
  if (url.find('{') != std::string_view::npos) return std::nullopt;
  auto sep = url.find("://");
  std::string scheme = to_lower(sep == std::string_view::npos ? url : url.substr(0, sep));
  if (scheme == "http" || scheme == "https") return std::nullopt;
  return "Blocked: unsupported URL scheme '" + scheme + "'. Only http and https are allowed.";
}

std::optional<std::string> check_http_method(std::string_view method) {
  std::string m = to_upper(method);
  if (m == "GET" || m == "POST" || m == "PUT" || m == "DELETE" || m == "PATCH") return std::nullopt;
  return "Invalid HTTP method: " + std::string(method) + ". Must be GET, POST, PUT, DELETE, or PATCH";
}

std::optional<std::string> check_multipart_method(std::string_view method) {
  std::string m = to_upper(method);
  if (m == "POST" || m == "PUT" || m == "PATCH") return std::nullopt;
  return "Invalid HTTP method for multipart: " + std::string(method) +
         ". Must be POST, PUT, or PATCH";
}

namespace {
std::string duration_range_problem(const char* what, std::int64_t seconds, int min) {
  return std::string(what) + " must be between " + std::to_string(min) + " and " +
         std::to_string(kMaxDurationSeconds) + " seconds (100 years), got " + std::to_string(seconds);
}
}  // namespace

std::optional<std::string> check_timeout(std::int64_t seconds) {
  if (seconds <= 0) return std::string("Timeout must be positive");
  if (seconds > kMaxDurationSeconds) return duration_range_problem("Timeout", seconds, 1);
  return std::nullopt;
}

std::optional<std::string> check_sleep_seconds(std::int64_t seconds) {
  if (seconds < 0) return std::string("Sleep duration must be non-negative");
  if (seconds > kMaxDurationSeconds) return duration_range_problem("Sleep duration", seconds, 0);
  return std::nullopt;
}

std::optional<std::string> check_cron(std::string_view cron_expr) {
  std::string detail;
  if (parse_cron(cron_expr, &detail)) return std::nullopt;
  return "Invalid cron expression '" + std::string(cron_expr) + "': " + detail;
}

std::optional<std::string> check_parts(std::string_view parts_json) {
  rapidjson::Document doc;
  if (!parse_json(parts_json, doc, nullptr) || !doc.IsArray())
    return std::string("parts must be a JSON array of part objects");
  if (doc.Empty()) return std::string("parts must contain at least one part");
  return std::nullopt;
}

// --- builders ----------------------------------------------------------------------

ir::NodePtr make_sql(std::string query) { return leaf(ir::NodeType::Sql, std::move(query)); }

ir::NodePtr make_then(ir::NodePtr a, ir::NodePtr b) {
  require_child(a, "THEN");
  require_child(b, "THEN");
  auto node = std::make_unique<ir::Node>(ir::NodeType::Then);
  node->left = std::move(a);
  node->right = std::move(b);
  return node;
}

ir::NodePtr make_join(std::vector<ir::NodePtr> branches) {
  if (branches.size() < 2) throw CompileError("JOIN needs at least two branches");
  for (const auto& b : branches) require_child(b, "JOIN");
  auto node = std::make_unique<ir::Node>(ir::NodeType::Join);
  node->left = std::move(branches[0]);
  node->right = std::move(branches[1]);
  for (std::size_t i = 2; i < branches.size(); ++i) node->extras.push_back(std::move(branches[i]));
  return node;
}

ir::NodePtr make_race(ir::NodePtr a, ir::NodePtr b) {
  require_child(a, "RACE");
  require_child(b, "RACE");
  auto node = std::make_unique<ir::Node>(ir::NodeType::Race);
  node->left = std::move(a);
  node->right = std::move(b);
  return node;
}

ir::NodePtr make_if(ir::NodePtr cond, ir::NodePtr then_b, ir::NodePtr else_b) {
  require_child(cond, "IF");
  require_child(then_b, "IF");
  require_child(else_b, "IF");
  auto node = std::make_unique<ir::Node>(ir::NodeType::If);
  node->left = std::move(then_b);
  node->right = std::move(else_b);
  node->condition = std::move(cond);
  return node;
}

ir::NodePtr make_if_rows(std::string result_name, ir::NodePtr then_b, ir::NodePtr else_b) {
  require_child(then_b, "IF");
  require_child(else_b, "IF");
  auto node = std::make_unique<ir::Node>(ir::NodeType::If);
  node->left = std::move(then_b);
  node->right = std::move(else_b);
  std::string q = "{\"condition_type\":\"result_has_rows\",\"result_name\":";
  append_json_string(q, result_name);  // not validated at build time (REFERENCE §3.1)
  node->query = q + "}";
  return node;
}

ir::NodePtr make_loop(ir::NodePtr body, ir::NodePtr condition) {
  require_child(body, "LOOP");
  auto node = std::make_unique<ir::Node>(ir::NodeType::Loop);
  node->left = std::move(body);
  node->condition = std::move(condition);
  return node;
}

ir::NodePtr make_break(std::optional<std::string> value) {
  std::string q = "{\"break_value\":";
  append_optional_string(q, value);
  return leaf(ir::NodeType::Break, q + "}");
}

ir::NodePtr make_sleep(std::int64_t seconds) {
  if (auto problem = check_sleep_seconds(seconds)) throw CompileError(*problem);
  return leaf(ir::NodeType::Sleep, std::to_string(seconds));
}

ir::NodePtr make_wait_for_schedule(std::string cron_expr) {
  if (auto problem = check_cron(cron_expr)) throw CompileError(*problem);
  std::string q = "{\"cron_expr\":";
  append_json_string(q, cron_expr);
  return leaf(ir::NodeType::WaitSchedule, q + "}");
}

ir::NodePtr make_wait_for_signal(std::string name, std::optional<std::int64_t> timeout) {
  if (name.empty()) throw CompileError("Signal name cannot be empty");
  if (timeout)
    if (auto problem = check_timeout(*timeout)) throw CompileError(*problem);
  std::string q = "{\"signal_name\":";
  append_json_string(q, name);
  q += ",\"timeout_seconds\":";
  q += timeout ? std::to_string(*timeout) : "null";
  return leaf(ir::NodeType::Signal, q + "}");
}

ir::NodePtr make_http(std::string url, std::string method, std::optional<std::string> body,
                      std::optional<std::string> headers_json, std::int64_t timeout_seconds) {
  if (auto p = check_http_url(url)) throw CompileError(*p);
  if (auto p = check_http_method(method)) throw CompileError(*p);
  if (auto p = check_timeout(timeout_seconds)) throw CompileError(*p);
  std::string q = "{\"url\":";
  append_json_string(q, url);
  q += ",\"method\":";
  append_json_string(q, to_upper(method));
  q += ",\"body\":";
  append_optional_string(q, body);
  q += ",\"headers\":" + normalised_json_or_null(headers_json, "headers");
  q += ",\"timeout_seconds\":" + std::to_string(timeout_seconds) + "}";
  return leaf(ir::NodeType::Http, q);
}

ir::NodePtr make_http_multipart(std::string url, std::string method,
                                std::optional<std::string> parts_json,
                                std::optional<std::string> headers_json,
                                std::int64_t timeout_seconds) {
  if (auto p = check_http_url(url)) throw CompileError(*p);
  if (auto p = check_multipart_method(method)) throw CompileError(*p);
  if (!parts_json) throw CompileError("parts is required and cannot be NULL");
  if (auto p = check_parts(*parts_json)) throw CompileError(*p);
  if (auto p = check_timeout(timeout_seconds)) throw CompileError(*p);
  std::string q = "{\"url\":";
  append_json_string(q, url);
  q += ",\"method\":";
  append_json_string(q, to_upper(method));
  q += ",\"parts\":" + normalised_json_or_null(parts_json, "parts");
  q += ",\"headers\":" + normalised_json_or_null(headers_json, "headers");
  q += ",\"timeout_seconds\":" + std::to_string(timeout_seconds) + "}";
  return leaf(ir::NodeType::HttpMultipart, q);
}

void set_result_name(ir::Node& node, std::string_view name) {
  if (!is_valid_result_name(name)) throw CompileError("df.as: " + result_name_problem(name));
  node.result_name = std::string(name);
}

}  // namespace df::compiler

// --- decoders ----------------------------------------------------------------------
namespace df::compiler {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// Parses the node's query as a JSON object config.
bool config_object(const ir::Node& node, rapidjson::Document& doc, std::string* error) {
  const char* type = ir::node_type_name(node.type);
  if (!node.query) return fail(error, std::string(type) + " node has no query");
  std::string detail;
  if (!parse_json(*node.query, doc, &detail))
    return fail(error, std::string("query in ") + type + " must be valid JSON config: " + detail);
  if (!doc.IsObject())
    return fail(error, std::string("query in ") + type + " must be a JSON config object");
  return true;
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// Required string field (serde wording for the failures).
bool string_field(const rapidjson::Value& obj, const char* name, std::string& out,
                  std::string* error) {
  const auto* v = member(obj, name);
  if (!v) return fail(error, std::string("missing field `") + name + "`");
  if (!v->IsString())
    return fail(error, std::string("field `") + name + "`: invalid type: " +
                           json_kind_description(*v) + ", expected a string");
  out = std::string(json_string_view(*v));
  return true;
}

// Optional string field: absent or null => nullopt.
bool opt_string_field(const rapidjson::Value& obj, const char* name,
                      std::optional<std::string>& out, std::string* error) {
  const auto* v = member(obj, name);
  if (!v || v->IsNull()) { out.reset(); return true; }
  if (!v->IsString())
    return fail(error, std::string("field `") + name + "`: invalid type: " +
                           json_kind_description(*v) + ", expected a string");
  out = std::string(json_string_view(*v));
  return true;
}

// Optional integer field: absent or null => nullopt.
bool opt_int_field(const rapidjson::Value& obj, const char* name,
                   std::optional<std::int64_t>& out, std::string* error) {
  const auto* v = member(obj, name);
  if (!v || v->IsNull()) { out.reset(); return true; }
  if (!v->IsInt64())
    return fail(error, std::string("field `") + name + "`: invalid type: " +
                           json_kind_description(*v) + ", expected i64");
  out = v->GetInt64();
  return true;
}

// Optional JSON-valued field, returned as compact text in stored key order. False (with
// *error) only when the value is nested too deeply to re-emit.
bool opt_json_field(const rapidjson::Value& obj, const char* name, std::optional<std::string>& out,
                    std::string* error) {
  out.reset();
  const auto* v = member(obj, name);
  if (!v || v->IsNull()) return true;
  try {
    out = json_value_text(*v);
  } catch (const CompileError& e) {
    return fail(error, std::string("field `") + name + "`: " + e.what());
  }
  return true;
}

// Rust's i64::from_str: optional sign, at least one digit, nothing else, no overflow.
std::optional<std::int64_t> parse_i64(std::string_view s) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return std::nullopt;
  std::uint64_t magnitude = 0;
  const std::uint64_t limit =
      negative ? std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1
               : std::uint64_t(std::numeric_limits<std::int64_t>::max());
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    std::uint64_t digit = static_cast<std::uint64_t>(s[i] - '0');
    if (magnitude > (limit - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (negative) return magnitude == limit ? std::numeric_limits<std::int64_t>::min()
                                          : -static_cast<std::int64_t>(magnitude);
  return static_cast<std::int64_t>(magnitude);
}

}  // namespace

std::optional<SleepArgs> decode_sleep(const ir::Node& node, std::string* error) {
  std::optional<std::int64_t> seconds;
  if (node.query) seconds = parse_i64(*node.query);
  if (!seconds) {
    fail(error, "SLEEP query must be a whole number of seconds, got '" +
                    node.query.value_or("") + "'");
    return std::nullopt;
  }
  return SleepArgs{*seconds};
}

std::optional<ScheduleArgs> decode_schedule(const ir::Node& node, std::string* error) {
  rapidjson::Document doc;
  ScheduleArgs args;
  if (!config_object(node, doc, error) || !string_field(doc, "cron_expr", args.cron_expr, error))
    return std::nullopt;
  return args;
}

std::optional<SignalArgs> decode_signal(const ir::Node& node, std::string* error) {
  rapidjson::Document doc;
  SignalArgs args;
  if (!config_object(node, doc, error) || !string_field(doc, "signal_name", args.name, error) ||
      !opt_int_field(doc, "timeout_seconds", args.timeout_seconds, error))
    return std::nullopt;
  return args;
}

std::optional<BreakArgs> decode_break(const ir::Node& node, std::string* error) {
  rapidjson::Document doc;
  BreakArgs args;
  if (!config_object(node, doc, error) || !opt_string_field(doc, "break_value", args.value, error))
    return std::nullopt;
  return args;
}

std::optional<IfRowsArgs> decode_if_rows(const ir::Node& node, std::string* error) {
  if (node.condition) return std::nullopt;
  rapidjson::Document doc;
  IfRowsArgs args;
  std::string condition_type;
  if (!config_object(node, doc, error) ||
      !string_field(doc, "condition_type", condition_type, error))
    return std::nullopt;
  if (condition_type != "result_has_rows") {
    fail(error, "unknown condition_type '" + condition_type + "' (expected result_has_rows)");
    return std::nullopt;
  }
  if (!string_field(doc, "result_name", args.result_name, error)) return std::nullopt;
  return args;
}

namespace {
// The fields HTTP and HTTP_MULTIPART share; method defaults to POST and timeout to 30
// like the SQL constructors' defaults.
bool decode_http_common(const rapidjson::Value& obj, std::string& url, std::string& method,
                        std::optional<std::string>& headers, std::int64_t& timeout,
                        std::string* error) {
  std::optional<std::string> m;
  std::optional<std::int64_t> t;
  if (!string_field(obj, "url", url, error) || !opt_string_field(obj, "method", m, error) ||
      !opt_int_field(obj, "timeout_seconds", t, error))
    return false;
  method = m.value_or("POST");
  timeout = t.value_or(kDefaultHttpTimeoutSeconds);
  return opt_json_field(obj, "headers", headers, error);
}
}  // namespace

std::optional<HttpArgs> decode_http(const ir::Node& node, std::string* error) {
  rapidjson::Document doc;
  HttpArgs args;
  if (!config_object(node, doc, error) ||
      !decode_http_common(doc, args.url, args.method, args.headers_json, args.timeout_seconds,
                          error) ||
      !opt_string_field(doc, "body", args.body, error))
    return std::nullopt;
  return args;
}

std::optional<MultipartArgs> decode_multipart(const ir::Node& node, std::string* error) {
  rapidjson::Document doc;
  MultipartArgs args;
  if (!config_object(node, doc, error) ||
      !decode_http_common(doc, args.url, args.method, args.headers_json, args.timeout_seconds,
                          error))
    return std::nullopt;
  std::optional<std::string> parts;
  if (!opt_json_field(doc, "parts", parts, error)) return std::nullopt;
  if (!parts) {
    fail(error, "missing field `parts`");
    return std::nullopt;
  }
  args.parts_json = *parts;
  return args;
}

}  // namespace df::compiler
