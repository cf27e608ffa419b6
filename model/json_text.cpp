// json_text.cpp — serde_json-compatible compact JSON writing and the shared RapidJSON
// parse entry point (see json_text.hpp). Numbers are read as text and converted here,
// never by RapidJSON's own string-to-double code.
#include "json_text.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <locale.h>
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

namespace {

// Converts one number token (already checked against the JSON grammar by the reader) to
// the value RapidJSON's own full-precision conversion gives: an integer within int64 /
// uint64 stays integral (RapidJSON's ranges exactly: -2^63 .. 2^64-1), anything else
// becomes the correctly rounded double. The conversion is glibc's strtod_l in the C
// locale, because RapidJSON 1.1.0's StrtodDiyFp reads out of bounds on long literals.
// False when the number does not fit a double.
bool convert_number(std::string_view token, rapidjson::Document& doc) {
  const bool minus = !token.empty() && token[0] == '-';
  const std::string_view digits = token.substr(minus ? 1 : 0);
  if (digits.find_first_of(".eE") == std::string_view::npos) {
    std::uint64_t mag = 0;
    bool overflow = false;
    for (char c : digits) {
      const auto d = static_cast<std::uint64_t>(c - '0');
      if (mag > (UINT64_MAX - d) / 10) { overflow = true; break; }
      mag = mag * 10 + d;
    }
    if (!overflow && !minus) return doc.Uint64(mag);
    constexpr std::uint64_t kInt64MinMagnitude = std::uint64_t{1} << 63;
    if (!overflow && mag <= kInt64MinMagnitude)
      return doc.Int64(mag == kInt64MinMagnitude ? INT64_MIN : -static_cast<std::int64_t>(mag));
  }
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  const std::string text(token);  // strtod needs a terminated string
  const double d = strtod_l(text.c_str(), nullptr, c_locale);
  if (std::isinf(d)) return false;
  return doc.Double(d);
}

// SAX handler building a Document from a numbers-as-strings parse: every event but
// RawNumber goes to the document unchanged; numbers go through convert_number.
class SafeNumberBuilder
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, SafeNumberBuilder> {
 public:
  explicit SafeNumberBuilder(rapidjson::Document& doc) : doc_(doc) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    if (convert_number({s, n}, doc_)) return true;
    number_too_big_ = true;
    return false;
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return doc_.EndObject(n); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc_.EndArray(n); }

  bool number_too_big() const { return number_too_big_; }

 private:
  rapidjson::Document& doc_;
  bool number_too_big_ = false;
};

// Document::Populate generator: runs the reader over `text` into the builder.
struct SafeParse {
  std::string_view text;
  rapidjson::ParseResult result;
  bool number_too_big = false;

  bool operator()(rapidjson::Document& doc) {
    SafeNumberBuilder builder(doc);
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
    result = reader.Parse<kJsonParseFlags | rapidjson::kParseNumbersAsStringsFlag>(is, builder);
    number_too_big = builder.number_too_big();
    return !result.IsError();
  }
};

}  // namespace

bool parse_json(std::string_view text, rapidjson::Document& doc, std::string* error) {
  if (has_lone_surrogate_escape(text)) {
    if (error) *error = "Invalid surrogate pair in \\u escape.";
    return false;
  }
  SafeParse parse{text, {}, false};
  doc.SetNull();
  doc.Populate(parse);
  if (!parse.result.IsError()) return true;
  doc.SetNull();
  if (error)
    *error = rapidjson::GetParseError_En(parse.number_too_big ? rapidjson::kParseErrorNumberTooBig
                                                              : parse.result.Code());
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
