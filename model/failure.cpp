// failure.cpp — RETRY nodes and durations (see failure.hpp).
#include "failure.hpp"

#include "text.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "args.hpp"
#include "json_text.hpp"

namespace df::compiler {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

std::optional<double> unit_ms(std::string_view unit) {
  static const struct { const char* name; double ms; } kUnits[] = {
      {"ms", 1}, {"msec", 1}, {"msecs", 1}, {"millisecond", 1}, {"milliseconds", 1},
      {"s", 1000}, {"sec", 1000}, {"secs", 1000}, {"second", 1000}, {"seconds", 1000},
      {"min", 60000}, {"mins", 60000}, {"minute", 60000}, {"minutes", 60000},
      {"h", 3600000}, {"hour", 3600000}, {"hours", 3600000},
      {"d", 86400000}, {"day", 86400000}, {"days", 86400000}};
  const std::string lower = to_lower(unit);
  for (const auto& u : kUnits)
    if (lower == u.name) return u.ms;
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_duration_ms(std::string_view text, std::string* error) {
  const std::string bad = "invalid duration '" + std::string(text) +
                          "': expected a number of seconds or e.g. '1 second', '250 ms', '2 minutes'";
  std::size_t i = 0;
  double total = 0;
  int pairs = 0;
  auto skip_space = [&] { while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i; };
  skip_space();
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == start) { fail(error, bad); return std::nullopt; }
    std::string number(text.substr(start, i - start));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(value)) { fail(error, bad); return std::nullopt; }
    skip_space();
    start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    double scale = 1000;  // a bare number is seconds
    if (i > start) {
      auto ms = unit_ms(text.substr(start, i - start));
      if (!ms) { fail(error, bad); return std::nullopt; }
      scale = *ms;
    } else if (pairs > 0 || i < text.size()) {
      fail(error, bad);
      return std::nullopt;
    }
    total += value * scale;
    if (total > 1e15) { fail(error, "duration '" + std::string(text) + "' is too long"); return std::nullopt; }
    ++pairs;
    skip_space();
  }
  if (pairs == 0) { fail(error, bad); return std::nullopt; }
  return static_cast<std::int64_t>(std::llround(total));
}

std::string format_duration_ms(std::int64_t ms) {
  if (ms == 0) return "0s";
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  std::int64_t s = ms / 1000;
  std::string out;
  if (s >= 3600) { out += std::to_string(s / 3600) + "h"; s %= 3600; }
  if (s >= 60) { out += std::to_string(s / 60) + "m"; s %= 60; }
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

std::optional<std::string> check_retry(const RetryArgs& a, std::string_view who) {
  const std::string w(who);
  if (a.max_attempts < 1 || a.max_attempts > kMaxRetryAttempts)
    return w + ": max_attempts must be between 1 and " + std::to_string(kMaxRetryAttempts);
  if (a.backoff_ms < 0 || a.backoff_ms > kMaxBackoffMs)
    return w + ": backoff must be between 0 and 1 day";
  if (a.max_backoff_ms < a.backoff_ms || a.max_backoff_ms > kMaxBackoffMs)
    return w + ": max_backoff must be between backoff and 1 day";
  return std::nullopt;
}

ir::NodePtr make_retry(ir::NodePtr step, const RetryArgs& args) {
  if (!step) throw CompileError("df.retry: step is required");
  if (auto problem = check_retry(args, "df.retry")) throw CompileError(*problem);
  auto node = std::make_unique<ir::Node>(ir::NodeType::Retry);
  node->left = std::move(step);
  node->query = "{\"max_attempts\":" + std::to_string(args.max_attempts) +
                ",\"backoff_ms\":" + std::to_string(args.backoff_ms) +
                ",\"max_backoff_ms\":" + std::to_string(args.max_backoff_ms) + "}";
  return node;
}

std::optional<RetryArgs> decode_retry(const ir::Node& node, std::string* error) {
  if (!node.query) { fail(error, "RETRY node requires a query"); return std::nullopt; }
  rapidjson::Document doc;
  std::string detail;
  if (!parse_json(*node.query, doc, &detail) || !doc.IsObject()) {
    fail(error, "query in RETRY must be a JSON config object" + (detail.empty() ? "" : ": " + detail));
    return std::nullopt;
  }
  RetryArgs a;
  std::int64_t* targets[] = {nullptr, &a.backoff_ms, &a.max_backoff_ms};
  const char* names[] = {"max_attempts", "backoff_ms", "max_backoff_ms"};
  for (int k = 0; k < 3; ++k) {
    auto it = doc.FindMember(names[k]);
    if (it == doc.MemberEnd() || !it->value.IsInt64()) {
      fail(error, std::string("query in RETRY: field `") + names[k] + "` must be an integer");
      return std::nullopt;
    }
    const std::int64_t v = it->value.GetInt64();
    if (k == 0) {
      if (v < 1 || v > kMaxRetryAttempts) {
        fail(error, "RETRY: max_attempts must be between 1 and " + std::to_string(kMaxRetryAttempts));
        return std::nullopt;
      }
      a.max_attempts = static_cast<std::uint32_t>(v);
    } else {
      *targets[k] = v;
    }
  }
  if (auto problem = check_retry(a, "RETRY")) { fail(error, *problem); return std::nullopt; }
  return a;
}

ir::NodePtr make_catch(ir::NodePtr step, ir::NodePtr handler, const CatchArgs& args) {
  if (!step || !handler) throw CompileError("df.catch: step and handler are required");
  if (!is_valid_result_name(args.error_name))
    throw CompileError("df.catch: error_name " + result_name_problem(args.error_name));
  auto node = std::make_unique<ir::Node>(ir::NodeType::Catch);
  node->left = std::move(step);
  node->right = std::move(handler);
  node->query = "{\"error_name\":";
  append_json_string(*node->query, args.error_name);
  *node->query += "}";
  return node;
}

ir::NodePtr make_with_undo(ir::NodePtr forward, ir::NodePtr undo) {
  if (!forward || !undo) throw CompileError("df.with_undo: forward and undo are required");
  auto node = std::make_unique<ir::Node>(ir::NodeType::Undo);
  node->left = std::move(forward);
  node->right = std::move(undo);
  return node;
}

std::optional<CatchArgs> decode_catch(const ir::Node& node, std::string* error) {
  rapidjson::Document doc;
  if (!node.query || !parse_json(*node.query, doc, nullptr) || !doc.IsObject()) {
    fail(error, "CATCH node requires a JSON config object {\"error_name\": ...}");
    return std::nullopt;
  }
  auto it = doc.FindMember("error_name");
  if (it == doc.MemberEnd() || !it->value.IsString()) {
    fail(error, "query in CATCH: field `error_name` must be a string");
    return std::nullopt;
  }
  CatchArgs a;
  a.error_name = std::string(json_string_view(it->value));
  if (!is_valid_result_name(a.error_name)) {
    fail(error, "CATCH: error_name " + result_name_problem(a.error_name));
    return std::nullopt;
  }
  return a;
}


std::optional<std::string> check_timeout(const TimeoutArgs& a, std::string_view who) {
  if (a.timeout_ms < 1 || a.timeout_ms > kMaxTimeoutMs)
    return std::string(who) + ": the timeout must be between 1 millisecond and 1 day";
  return std::nullopt;
}

ir::NodePtr make_timeout(ir::NodePtr step, const TimeoutArgs& args) {
  if (!step) throw CompileError("df.timeout: step is required");
  if (auto problem = check_timeout(args, "df.timeout")) throw CompileError(*problem);
  auto node = std::make_unique<ir::Node>(ir::NodeType::Timeout);
  node->left = std::move(step);
  node->query = "{\"timeout_ms\":" + std::to_string(args.timeout_ms) + "}";
  return node;
}

std::optional<TimeoutArgs> decode_timeout(const ir::Node& node, std::string* error) {
  rapidjson::Document doc;
  if (!node.query || !parse_json(*node.query, doc, nullptr) || !doc.IsObject()) {
    fail(error, "TIMEOUT node requires a JSON config object {\"timeout_ms\": N}");
    return std::nullopt;
  }
  auto it = doc.FindMember("timeout_ms");
  if (it == doc.MemberEnd() || !it->value.IsInt64()) {
    fail(error, "query in TIMEOUT: field `timeout_ms` must be an integer");
    return std::nullopt;
  }
  TimeoutArgs a;
  a.timeout_ms = it->value.GetInt64();
  if (auto problem = check_timeout(a, "TIMEOUT")) { fail(error, *problem); return std::nullopt; }
  return a;
}

}  // namespace df::compiler
