// fuzz_compile.cpp — libFuzzer harness for df.compile's path at the sizes the server
// accepts: the input is a small program "PREFIX \x01 BODY \x01 SUFFIX" whose BODY is
// repeated up to ~1 MB (pg_durable.max_source_bytes' default), so deep nesting, long
// chains and huge files are reachable from short inputs. Run with -timeout and
// -rss_limit_mb (fuzz/smoke.sh, tools/dev fuzz): a slow or memory-hungry compile is a
// finding, not only a crash. Properties: compile() returns (never throws), and a clean
// single-workflow result is the wire JSON df.start's strict reader keeps unchanged.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <string>

#include "compile.hpp"
#include "wire_json.hpp"

namespace {

constexpr std::size_t kMaxSource = 1024 * 1024;

// Expands "PREFIX\x01BODY\x01SUFFIX"; the first byte picks the repetition count
// (logarithmic scale up to the size cap). Without separators the input is the source.
std::string expand(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  const std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t a = in.find('\x01');
  const std::size_t b = a == std::string::npos ? a : in.find('\x01', a + 1);
  if (b == std::string::npos) return std::string(reinterpret_cast<const char*>(data), size);
  const std::string prefix = in.substr(0, a), body = in.substr(a + 1, b - a - 1), suffix = in.substr(b + 1);
  std::size_t times = std::size_t{1} << (data[0] % 18);  // 1 .. 131072
  if (!body.empty()) times = std::min(times, kMaxSource / body.size());
  std::string out = prefix;
  for (std::size_t i = 0; i < times; ++i) out += body;
  return out + suffix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace df::compiler;
  const std::string source = expand(data, size);
  CompileResult result = compile(source);
  if (has_errors(result.diagnostics) || result.workflows.size() != 1) return 0;
  const auto& root = result.workflows.front().root;
  if (!root) std::abort();
  const std::string json = to_json(*root);
  if (to_json(*parse_strict(json)) != json) std::abort();
  return 0;
}
