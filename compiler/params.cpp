// params.cpp — parameter defaults as variables (see params.hpp).
#include "params.hpp"

namespace df::compiler {

std::string default_variable_text(const std::string& literal) {
  if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'') {
    std::string out;
    for (std::size_t i = 1; i + 1 < literal.size(); ++i) {
      out += literal[i];
      if (literal[i] == '\'' && literal[i + 1] == '\'') ++i;
    }
    return out;
  }
  return literal;
}

}  // namespace df::compiler
