// compile.hpp — the public entry point of the textual workflow language, used by dfc,
// df.compile() in the extension, the fuzzer and the tests.
//
// A source file holds one bare expression (exactly what one would write inside
// df.start(...)) or named workflows `workflow name(p type = default, ...) { expr }`.
//
// Parameters and variables: inside steps a parameter is referenced as `{name}`, which is
// the engine's own run-time variable syntax (docs/reference.md §9). compile() does NOT
// substitute anything: the IR keeps `{name}` verbatim, and binding a parameter when the
// workflow is started means providing the variable `name` (its default when the caller
// gives none). A `{x}` that names no parameter is a warning, since it would stay literal
// text unless someone provides that variable.
#pragma once
#include "no_postgres.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostic.hpp"
#include "ir.hpp"

namespace df::compiler {

struct Param {
  std::string name;
  std::string type;                            // int bigint numeric text bool jsonb
  std::optional<std::string> default_literal;  // as written in the source, e.g. 7 or 'eu'
  ir::SourcePos pos;
};

struct CompiledWorkflow {
  std::string name;  // "" for a bare expression file
  std::vector<Param> params;
  ir::NodePtr root;  // null when this workflow had errors
  ir::SourcePos pos;
};

struct CompileResult {
  std::vector<CompiledWorkflow> workflows;
  Diagnostics diagnostics;  // ALL findings (syntax, lowering, validation), with line:col
};

struct CompileOptions {
  // Called now and then during a compile (every few thousand tokens, between phases).
  // The server passes a check for a pending cancel or statement_timeout that throws;
  // compiler/ cannot include PostgreSQL's CHECK_FOR_INTERRUPTS itself.
  std::function<void()> check_interrupts;
};

// Parse + lower + validate. Never throws for any input (only what check_interrupts
// throws); an input with errors still yields every workflow that compiled cleanly. The
// graph limits (limits.hpp) are enforced while parsing: the first limit passed is the
// only finding, at its line:column.
CompileResult compile(std::string_view source, const CompileOptions& options = {});

}  // namespace df::compiler
