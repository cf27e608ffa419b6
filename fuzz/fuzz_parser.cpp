// fuzz_parser.cpp — libFuzzer harness for the textual language: compile() must return
// diagnostics for any input and never crash or throw. Properties checked on inputs that
// compile cleanly: each workflow's wire JSON survives df.start's strict reader unchanged,
// and `dfc fmt` is idempotent and keeps the compiled JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "compile.hpp"
#include "format.hpp"
#include "wire_json.hpp"

namespace {

std::string all_json(const df::compiler::CompileResult& r) {
  std::string out;
  for (const auto& w : r.workflows) {
    out += w.name + "=" + (w.root ? df::compiler::to_json(*w.root) : "-") + "\n";
  }
  return out;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace df::compiler;
  const std::string source(reinterpret_cast<const char*>(data), size);
  CompileResult result = compile(source);
  if (has_errors(result.diagnostics)) return 0;
  for (const auto& w : result.workflows) {
    check(w.root != nullptr);
    const std::string json = to_json(*w.root);
    check(to_json(*parse_strict(json)) == json);
  }
  Diagnostics diags;
  const std::string formatted = format_source(source, &diags);
  check(!has_errors(diags));
  check(format_source(formatted, nullptr) == formatted);
  check(all_json(compile(formatted)) == all_json(result));
  return 0;
}
