// run_record.cpp — see run_record.hpp.
#include "engine/run_record.hpp"

#include "json_text.hpp"

namespace df::ext::run_record {
namespace {

bool parse_object(std::string_view text, rapidjson::Document& doc) {
  std::string error;
  return !text.empty() && compiler::parse_json(text, doc, &error) && doc.IsObject();
}

// parse_json keeps numbers as strings (json_text.hpp); a well-formed count is digits.
std::optional<std::uint32_t> count_member(const rapidjson::Document& doc, const char* key) {
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd()) return std::nullopt;
  std::string digits;
  if (it->value.IsString()) digits = std::string(compiler::json_string_view(it->value));
  else if (it->value.IsUint()) return it->value.GetUint();
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return static_cast<std::uint32_t>(std::stoul(digits));
}

}  // namespace

std::uint32_t attempt_of(std::string_view detail) {
  rapidjson::Document doc;
  if (!parse_object(detail, doc)) return 1;
  if (auto n = count_member(doc, "attempt")) return *n;
  if (auto n = count_member(doc, "attempts")) return *n;
  return 1;
}

std::optional<std::string> error_of(std::string_view detail) {
  rapidjson::Document doc;
  if (!parse_object(detail, doc)) return std::nullopt;
  auto it = doc.FindMember("error");
  if (it == doc.MemberEnd() || !it->value.IsObject()) return std::nullopt;
  return compiler::json_value_text(it->value);
}

std::optional<std::string> sqlstate_of(std::string_view record) {
  rapidjson::Document doc;
  if (!parse_object(record, doc)) return std::nullopt;
  auto it = doc.FindMember("sqlstate");
  if (it == doc.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(compiler::json_string_view(it->value));
}

std::string message_of(std::string_view record) {
  rapidjson::Document doc;
  if (!parse_object(record, doc)) return std::string();
  auto it = doc.FindMember("message");
  if (it == doc.MemberEnd() || !it->value.IsString()) return std::string();
  return std::string(compiler::json_string_view(it->value));
}

std::string message_record(std::string_view message) {
  std::string out = "{\"message\":";
  compiler::append_json_string(out, message);
  return out + ",\"sqlstate\":null}";
}

std::string build(const Attempt& a) {
  std::string out = "{\"attempt\":" + std::to_string(a.attempt) + ",\"iteration\":" + std::to_string(a.iteration) +
                    ",\"execution_id\":";
  compiler::append_json_string(out, a.execution_id);
  out += a.ok ? ",\"status\":\"succeeded\"" : ",\"status\":\"failed\"";
  out += a.retried ? ",\"retried\":true" : ",\"retried\":false";
  out += ",\"started_us\":" + std::to_string(a.started_us) + ",\"finished_us\":" + std::to_string(a.finished_us) +
         ",\"duration_ms\":" + std::to_string(a.finished_us > a.started_us ? (a.finished_us - a.started_us) / 1000 : 0);
  out += ",\"error\":";
  out += a.error ? *a.error : "null";
  return out + "}";
}

std::uint32_t iteration_of_scope(std::string_view scope) {
  std::size_t sep = scope.rfind("::");
  std::string_view last = sep == std::string_view::npos ? scope : scope.substr(sep + 2);
  if (last.empty() || last.size() > 9 || last.find_first_not_of("0123456789") != std::string_view::npos) return 0;
  std::uint32_t generation = static_cast<std::uint32_t>(std::stoul(std::string(last)));
  return generation > 0 ? generation - 1 : 0;
}

}  // namespace df::ext::run_record
