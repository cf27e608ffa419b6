// retry.cpp — see retry.hpp.
#include "retry.hpp"

#include <algorithm>

#include "errors.hpp"
#include "json_text.hpp"

namespace df::vm {
namespace {

std::optional<std::string> string_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(compiler::json_string_view(it->value));
}

std::string plain_record(std::string_view message) {
  std::string out = "{\"message\":";
  compiler::append_json_string(out, message);
  return out + ",\"sqlstate\":null,\"detail\":null,\"hint\":null,\"context\":null,\"statement\":null}";
}

bool is_state_char(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

}  // namespace

Failure decode_failure(std::string_view payload) {
  Failure f;
  rapidjson::Document doc;
  bool parsed = false;
  try {
    parsed = compiler::parse_json(payload, doc, nullptr);
  } catch (const compiler::CompileError&) {
    parsed = false;
  }
  std::optional<std::string> message;
  if (parsed && doc.IsObject()) message = string_member(doc, "message");
  if (!message) {
    f.message = std::string(payload);
    f.record = plain_record(payload);
    return f;
  }
  f.message = *message;
  f.sqlstate = string_member(doc, "sqlstate");
  auto status = doc.FindMember("http_status");
  if (status != doc.MemberEnd() && status->value.IsInt()) f.http_status = status->value.GetInt();
  auto transient = doc.FindMember("transient");
  if (transient != doc.MemberEnd() && transient->value.IsBool()) f.transient = transient->value.GetBool();
  f.record = std::string(payload);
  return f;
}

std::optional<Failure> retryable_response(std::string_view envelope) {
  rapidjson::Document doc;
  try {
    if (!compiler::parse_json(envelope, doc, nullptr) || !doc.IsObject()) return std::nullopt;
  } catch (const compiler::CompileError&) {
    return std::nullopt;
  }
  auto it = doc.FindMember("status");
  if (it == doc.MemberEnd() || !it->value.IsInt()) return std::nullopt;
  const int status = it->value.GetInt();
  if (status != 408 && status != 429) return std::nullopt;
  Failure f;
  f.message = "HTTP request returned status " + std::to_string(status);
  f.http_status = status;
  f.transient = true;
  f.record = "{\"message\":";
  compiler::append_json_string(f.record, f.message);
  f.record += ",\"sqlstate\":null,\"http_status\":" + std::to_string(status) + ",\"transient\":true}";
  return f;
}

bool is_conflict(const Failure& f) { return f.sqlstate && (*f.sqlstate == "40001" || *f.sqlstate == "40P01"); }

std::vector<std::string> parse_sqlstate_list(std::string_view csv) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (char c : csv) {
    if (c == ',') flush();
    else if (c != ' ' && c != '\t') cur += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  flush();
  return out;
}

bool valid_sqlstate_list(std::string_view csv) {
  for (const std::string& e : parse_sqlstate_list(csv)) {
    if (e.size() != 2 && e.size() != 5) return false;
    if (!std::all_of(e.begin(), e.end(), is_state_char)) return false;
  }
  return true;
}

bool may_succeed_later(const Failure& f, bool http, const std::vector<std::string>& never) {
  if (http) return f.transient.value_or(false);
  if (!f.sqlstate || f.sqlstate->size() != 5) return false;
  for (const std::string& e : never)
    if (e == *f.sqlstate || (e.size() == 2 && f.sqlstate->compare(0, 2, e) == 0)) return false;
  return true;
}

std::int64_t backoff_delay_ms(const RetryPolicy& policy, std::uint32_t failed_attempts) {
  std::int64_t delay = policy.backoff_ms;
  for (std::uint32_t i = 1; i < failed_attempts && delay < policy.max_backoff_ms; ++i) delay *= 2;
  return std::min(delay, policy.max_backoff_ms);
}

std::string record_with_attempt(const Failure& f, std::uint32_t attempt) {
  rapidjson::Document doc;
  try {
    if (compiler::parse_json(f.record, doc, nullptr) && doc.IsObject()) {
      doc.RemoveMember("attempt");
      doc.AddMember("attempt", rapidjson::Value(attempt), doc.GetAllocator());
      return compiler::json_value_text(doc);
    }
  } catch (const compiler::CompileError&) {
  }
  std::string out = plain_record(f.message);
  out.pop_back();
  return out + ",\"attempt\":" + std::to_string(attempt) + "}";
}

}  // namespace df::vm
