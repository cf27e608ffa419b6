// json_text.cpp — serde_json-compatible compact JSON writing and the shared RapidJSON
// parse entry point (see json_text.hpp).
#include "json_text.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <vector>

#include "errors.hpp"

namespace df::compiler {

namespace {

unsigned hex4(std::string_view t, std::size_t at) {
  unsigned v = 0;
  for (std::size_t k = at; k < at + 4 && k < t.size(); ++k) {
    char c = t[k];
    v = v * 16 + static_cast<unsigned>(c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

// True when a \u escape encodes an unpaired UTF-16 surrogate. The RapidJSON of Debian 12
// decodes a lone low surrogate into invalid UTF-8 instead of rejecting it (serde_json and
// PostgreSQL's json reject it); such text would not survive a round trip.
bool has_lone_surrogate_escape(std::string_view t) {
  bool in_string = false, after_high = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (!in_string) {
      in_string = c == '"';
      continue;
    }
    if (c == '"') { in_string = false; after_high = false; continue; }
    if (c != '\\') { if (after_high) return true; continue; }
    if (i + 1 >= t.size()) return false;
    if (t[i + 1] != 'u') { if (after_high) return true; ++i; continue; }
    if (i + 5 >= t.size()) return false;  // malformed: the parser reports it
    unsigned cp = hex4(t, i + 2);
    bool high = cp >= 0xD800 && cp <= 0xDBFF, low = cp >= 0xDC00 && cp <= 0xDFFF;
    if ((low && !after_high) || (!low && after_high)) return true;
    after_high = high;
    i += 5;
  }
  return after_high;
}

}  // namespace

bool parse_json(std::string_view text, rapidjson::Document& doc, std::string* error) {
  if (has_lone_surrogate_escape(text)) {
    if (error) *error = "Invalid surrogate pair in \\u escape.";
    return false;
  }
  doc.Parse<kJsonParseFlags>(text.data(), text.size());
  if (!doc.HasParseError()) return true;
  if (error) *error = rapidjson::GetParseError_En(doc.GetParseError());
  return false;
}

void append_json_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

namespace {

constexpr int kMaxWriteDepth = 512;

void append_number(std::string& out, const rapidjson::Value& v) {
  if (v.IsUint64()) {
    out += std::to_string(v.GetUint64());
  } else if (v.IsInt64()) {
    out += std::to_string(v.GetInt64());
  } else {
    // RapidJSON's Grisu2 output is the shortest round-trip form with ".0" for whole
    // numbers, which is what serde_json (ryu) prints for ordinary magnitudes.
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    writer.Double(v.GetDouble());
    out += buf.GetString();
  }
}

void append_object(std::string& out, const rapidjson::Value& v, bool sort_keys, int depth);

void append_value(std::string& out, const rapidjson::Value& v, bool sort_keys, int depth) {
  if (depth > kMaxWriteDepth) throw CompileError("JSON value is nested too deeply");
  switch (v.GetType()) {
    case rapidjson::kNullType: out += "null"; break;
    case rapidjson::kFalseType: out += "false"; break;
    case rapidjson::kTrueType: out += "true"; break;
    case rapidjson::kStringType: append_json_string(out, json_string_view(v)); break;
    case rapidjson::kNumberType: append_number(out, v); break;
    case rapidjson::kArrayType: {
      out += '[';
      bool first = true;
      for (const auto& item : v.GetArray()) {
        if (!first) out += ',';
        first = false;
        append_value(out, item, sort_keys, depth + 1);
      }
      out += ']';
      break;
    }
    case rapidjson::kObjectType: append_object(out, v, sort_keys, depth); break;
  }
}

void append_object(std::string& out, const rapidjson::Value& v, bool sort_keys, int depth) {
  std::vector<const rapidjson::Value::Member*> members;
  for (const auto& m : v.GetObject()) members.push_back(&m);
  if (sort_keys) {
    std::stable_sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return json_string_view(a->name) < json_string_view(b->name);
    });
    // A map keeps the last of duplicate keys, as serde_json's Value does.
    std::vector<const rapidjson::Value::Member*> unique;
    for (const auto* m : members) {
      if (!unique.empty() && json_string_view(unique.back()->name) == json_string_view(m->name))
        unique.back() = m;
      else
        unique.push_back(m);
    }
    members.swap(unique);
  }
  out += '{';
  bool first = true;
  for (const auto* m : members) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, json_string_view(m->name));
    out += ':';
    append_value(out, m->value, sort_keys, depth + 1);
  }
  out += '}';
}

}  // namespace

namespace {

// SAX handler writing compact serde-style text; tracks only whether a separator is due.
class CompactWriter : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, CompactWriter> {
 public:
  explicit CompactWriter(std::string& out) : out_(out) {}

  bool Null() { return scalar("null"); }
  bool Bool(bool b) { return scalar(b ? "true" : "false"); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return scalar({s, n}); }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    separate();
    append_json_string(out_, {s, n});
    return true;
  }
  bool StartObject() { return open('{'); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    separate();
    append_json_string(out_, {s, n});
    out_ += ':';
    after_key_ = true;
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return close('}'); }
  bool StartArray() { return open('['); }
  bool EndArray(rapidjson::SizeType) { return close(']'); }

 private:
  void separate() {
    if (need_comma_ && !after_key_) out_ += ',';
    after_key_ = false;
  }
  bool scalar(std::string_view text) {
    separate();
    out_ += text;
    need_comma_ = true;
    return true;
  }
  bool open(char c) {
    separate();
    out_ += c;
    need_comma_ = false;
    return true;
  }
  bool close(char c) {
    out_ += c;
    need_comma_ = true;
    return true;
  }

  std::string& out_;
  bool need_comma_ = false;
  bool after_key_ = false;
};

}  // namespace

bool compact_json(std::string_view text, std::string& out, std::string* error) {
  if (has_lone_surrogate_escape(text)) {
    if (error) *error = "Invalid surrogate pair in \\u escape.";
    return false;
  }
  std::string buffer;
  CompactWriter writer(buffer);
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
  auto result = reader.Parse<kJsonParseFlags | rapidjson::kParseNumbersAsStringsFlag>(is, writer);
  if (result.IsError()) {
    if (error) *error = rapidjson::GetParseError_En(result.Code());
    return false;
  }
  out += buffer;
  return true;
}

void append_json_value(std::string& out, const rapidjson::Value& v, bool sort_keys) {
  append_value(out, v, sort_keys, 0);
}

std::string json_value_text(const rapidjson::Value& v, bool sort_keys) {
  std::string out;
  append_json_value(out, v, sort_keys);
  return out;
}

std::string json_kind_description(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return std::string("boolean `") + (v.GetBool() ? "true" : "false") + "`";
  if (v.IsString()) {
    std::string s = "string ";
    append_json_string(s, json_string_view(v));
    return s;
  }
  if (v.IsArray()) return "sequence";
  if (v.IsObject()) return "map";
  std::string num;
  append_number(num, v);
  return (v.IsInt64() || v.IsUint64() ? "integer `" : "floating point `") + num + "`";
}

}  // namespace df::compiler
