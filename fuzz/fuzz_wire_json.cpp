// fuzz_wire_json.cpp — libFuzzer harness for df.start's strict JSON reader and graph
// validation. CompileError is the only acceptable failure; whatever parses must round
// trip: IR -> JSON -> IR -> JSON is byte-identical.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "validate.hpp"
#include "wire_json.hpp"

namespace {

// PostgreSQL text is always valid in the server encoding (UTF-8 here), so df.start never
// sees invalid bytes; the round-trip property only holds for such inputs.
// Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    unsigned c = byte(0);
    size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
             : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (n == 0 || c == 0 || i + n > s.size()) return false;
    unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (n > 1 && (byte(1) < lo || byte(1) > hi)) return false;
    for (size_t k = 2; k < n; ++k) {
      if ((byte(k) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace df::compiler;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!valid_utf8(text)) return 0;
  try {
    df::ir::NodePtr root = parse_strict(text);
    if (!root) std::abort();
    (void)validate(*root);
    const std::string json = to_json(*root);
    if (to_json(*parse_strict(json)) != json) std::abort();
    (void)ensure_node(text);
  } catch (const CompileError&) {
    // a rejected input: the expected outcome for most mutations
  }
  return 0;
}
