// diagnostic.cpp — rendering of compiler diagnostics in gcc style (see diagnostic.hpp).
#include "diagnostic.hpp"

namespace df::compiler {

bool has_errors(const Diagnostics& diags) {
  for (const auto& d : diags)
    if (d.severity == Severity::Error) return true;
  return false;
}

const char* severity_name(Severity s) { return s == Severity::Error ? "error" : "warning"; }

namespace {
std::string source_line(const std::string& source, std::uint32_t line) {
  std::size_t start = 0;
  for (std::uint32_t l = 1; l < line; ++l) {
    start = source.find('\n', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  std::size_t end = source.find('\n', start);
  return source.substr(start, end == std::string::npos ? std::string::npos : end - start);
}
}  // namespace

std::string render_gcc(const Diagnostic& d, const std::string& file, const std::string& source) {
  std::string out = file;
  if (d.pos.known())
    out += ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
  out += std::string(": ") + severity_name(d.severity) + ": " + d.message + "\n";
  if (!d.pos.known()) return out;
  std::string text = source_line(source, d.pos.line);
  out += text + "\n";
  std::string caret;
  for (std::uint32_t i = 1; i < d.pos.column && i - 1 < text.size(); ++i)
    caret += text[i - 1] == '\t' ? '\t' : ' ';
  out += caret + "^\n";
  return out;
}

}  // namespace df::compiler
