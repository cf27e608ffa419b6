// compile_function.cpp — the textual workflow language inside the database: df.compile
// (source -> wire JSON), df.deploy (store each workflow of a source as a new version in
// df.workflows, unless it is unchanged), df._compile_workflow (what df.workflows' insert
// trigger stores: the graph and params of one workflow, computed here from the source,
// never taken from the caller), df.start_workflow (start the latest or a chosen version,
// binding parameters as {name} variables after checking them against the declared types)
// and df.workflow_diff (what changed between two versions). Diagnostics become
// one ERROR with SQLSTATE 42601: the first error as message, all findings with
// line:col in the DETAIL. Who may deploy or start a name: sql/parts/75_workflows.sql.
#include <map>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "compile.hpp"
#include "diff.hpp"
#include "lint.hpp"
#include "json_text.hpp"
#include "params.hpp"
#include "wire_json.hpp"

#include "pg/gucs.hpp"
#include "pg/spi.hpp"
#include "surface/sql_syntax.hpp"
#include "surface/start.hpp"
#include "surface/surface.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
}

namespace {

namespace compiler = df::compiler;
namespace spi = df::ext::spi;
using df::ext::SqlError;

std::string diagnostics_detail(const compiler::Diagnostics& diags) {
  std::string detail;
  for (const auto& d : diags) {
    if (!detail.empty()) detail += "\n";
    if (d.pos.known()) detail += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": ";
    detail += std::string(compiler::severity_name(d.severity)) + ": " + d.message;
  }
  return detail;
}

// Refuses a source above pg_durable.max_source_bytes before any work is done on it.
void check_source_size(const std::string& source) {
  const auto limit = static_cast<std::size_t>(df::ext::settings.max_source_bytes);
  if (source.size() <= limit) return;
  throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                 "workflow source is too large: " + std::to_string(source.size()) + " bytes",
                 "The limit is pg_durable.max_source_bytes = " + std::to_string(limit) + " bytes.",
                 "Split the source into several workflows, or raise pg_durable.max_source_bytes.");
}

// Compiles or raises every diagnostic as one syntax error. A cancel or statement_timeout
// stops the compile: the callback turns the pending interrupt into a C++ PgError, so
// the compiler's frames unwind before PostgreSQL reports it.
compiler::CompileResult compile_or_raise(const std::string& source) {
  check_source_size(source);
  df::ext::pg_call([] { check_stack_depth(); });  // the parser recurses per nesting level
  compiler::CompileOptions options;
  options.check_interrupts = [] { df::ext::check_for_interrupts(); };
  compiler::CompileResult result = compiler::compile(source, options);
  if (compiler::has_errors(result.diagnostics)) {
    for (const auto& d : result.diagnostics)
      if (d.severity == compiler::Severity::Error)
        throw SqlError(ERRCODE_SYNTAX_ERROR, d.message, diagnostics_detail(result.diagnostics));
  }
  if (result.workflows.empty()) throw SqlError(ERRCODE_SYNTAX_ERROR, "the source contains no workflow");
  return result;
}

// Raises the first step whose SQL does not parse (server's grammar), with every such
// step's line:col in the DETAIL. Run after the structural checks, so their errors win.
void check_sql_or_raise(const std::string& source, const compiler::CompileResult& result) {
  compiler::Diagnostics diags = compiler::check_sql_syntax(source, result, df::ext::server_sql_checker());
  if (!diags.empty()) throw SqlError(ERRCODE_SYNTAX_ERROR, diags.front().message, diagnostics_detail(diags),
                                     "Placeholders ({var}, $result) are checked as the values substituted there.");
}

std::string params_json(const std::vector<compiler::Param>& params) {
  std::string out = "[";
  for (const auto& p : params) {
    out += out.size() > 1 ? ",{\"name\":" : "{\"name\":";
    compiler::append_json_string(out, p.name);
    out += ",\"type\":";
    compiler::append_json_string(out, p.type);
    out += ",\"default\":";
    if (p.default_literal) compiler::append_json_string(out, *p.default_literal);
    else out += "null";
    out += "}";
  }
  return out + "]";
}

// The stored form of one workflow: its graph and params JSON.
struct Stored {
  std::string graph, params;
};

// The workflows of the last source compiled in this backend, by stored name ("" = the
// bare expression): df.deploy compiles once, then its INSERTs fire the trigger that asks
// df._compile_workflow for each name, which must not compile the source again.
struct CompiledSource {
  std::string source;
  std::map<std::string, Stored> by_name;
};
CompiledSource& last_compiled() {
  static CompiledSource cache;
  return cache;
}

const CompiledSource& compile_source(const std::string& source, compiler::CompileResult* result) {
  CompiledSource& cache = last_compiled();
  if (!result && cache.source == source && !cache.by_name.empty()) return cache;
  compiler::CompileResult local;
  compiler::CompileResult& r = result ? *result : local;
  r = compile_or_raise(source);
  cache = CompiledSource{};
  for (const auto& wf : r.workflows)
    cache.by_name[wf.name] = Stored{compiler::to_json(*wf.root), params_json(wf.params)};
  cache.source = source;
  return cache;
}

// A new version of `name`, or the latest one when it is the same workflow (same graph and
// parameters: a comment or layout change is no new version), with a NOTICE saying so. The
// trigger (sql/parts/75_workflows.sql) sets version, graph, params and created_by, and
// checks that the caller may deploy the name; the latest version is read under the
// caller's row security, so only a role that may see the name gets the no-op.
int store_version(const std::string& name, const std::string& source, const Stored& compiled) {
  if (spi::exec("SELECT version FROM df.workflows WHERE name = $1 AND version = (SELECT max(version) FROM "
                "df.workflows WHERE name = $1) AND graph = $2 AND params = $3::jsonb",
                {spi::text(name), spi::text(compiled.graph), spi::text(compiled.params)}) == 1) {
    const std::string version = spi::value_or(0, 1, "0");
    df::ext::pg_call([&] {
      ereport(NOTICE, (errmsg("workflow \"%s\" is unchanged; keeping version %s", name.c_str(), version.c_str()),
                       errdetail("The deployed source compiles to the same graph and parameters as the latest version.")));
    });
    return std::stoi(version);
  }
  spi::exec("INSERT INTO df.workflows (name, source) VALUES ($1, $2) RETURNING version",
            {spi::text(name), spi::text(source)});
  return std::stoi(spi::value_or(0, 1, "0"));
}

// The variable text of a parameter value, after checking it against the declared type.
std::string bind_value(const std::string& workflow, const std::string& name, const std::string& type,
                       const rapidjson::Value& v) {
  bool ok = type == "jsonb" || (type == "text" && v.IsString()) || (type == "bool" && v.IsBool()) ||
            ((type == "int" || type == "bigint") && (v.IsInt64() || v.IsUint64())) ||
            (type == "numeric" && v.IsNumber());
  if (!ok)
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "workflow \"" + workflow + "\": parameter \"" + name +
                                                        "\" must be of type " + type + ", got " +
                                                        compiler::json_kind_description(v));
  return v.IsString() ? std::string(compiler::json_string_view(v)) : compiler::json_value_text(v);
}

std::vector<std::pair<std::string, std::string>> bind_params(const std::string& workflow,
                                                             const std::string& declared_json,
                                                             const std::string& given_json) {
  rapidjson::Document declared, given;
  compiler::parse_json(declared_json, declared, nullptr);
  if (!compiler::parse_json(given_json, given, nullptr) || !given.IsObject())
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "workflow parameters must be a JSON object");
  std::map<std::string, const rapidjson::Value*> by_name;
  for (const auto& m : given.GetObject()) by_name[std::string(compiler::json_string_view(m.name))] = &m.value;
  std::vector<std::pair<std::string, std::string>> vars;
  for (const auto& p : declared.GetArray()) {
    std::string name(compiler::json_string_view(p["name"])), type(compiler::json_string_view(p["type"]));
    auto it = by_name.find(name);
    if (it != by_name.end()) {
      vars.emplace_back(name, bind_value(workflow, name, type, *it->second));
      by_name.erase(it);
    } else if (p["default"].IsString()) {
      vars.emplace_back(name, compiler::default_variable_text(std::string(compiler::json_string_view(p["default"]))));
    } else {
      throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                     "workflow \"" + workflow + "\": parameter \"" + name + "\" is required");
    }
  }
  if (!by_name.empty())
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                   "workflow \"" + workflow + "\" has no parameter \"" + by_name.begin()->first + "\"");
  return vars;
}

}  // namespace

// df.compile(source) -> the wire JSON of the bare expression or of the only workflow.
DF_SURFACE_FUNCTION(df_compile) {
  const std::string source = df::ext::text_arg(fcinfo, 0);
  compiler::CompileResult result = compile_or_raise(source);
  if (result.workflows.size() != 1)
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                   "the source defines " + std::to_string(result.workflows.size()) +
                       " workflows; df.compile() returns one graph",
                   "", "Use df.deploy() to store named workflows, then df.start_workflow().");
  check_sql_or_raise(source, result);
  return df::ext::text_datum(compiler::to_json(*result.workflows.front().root));
}

// df._compile_workflow(source, name) -> text[] {graph, params}: the workflow `name` of
// the source (or its bare expression). Pure: anyone may call it, it stores nothing.
DF_SURFACE_FUNCTION(df_compile_workflow) {
  std::string source = df::ext::text_arg(fcinfo, 0), name = df::ext::text_arg(fcinfo, 1);
  const CompiledSource& compiled = compile_source(source, nullptr);
  auto it = compiled.by_name.find(name);
  if (it == compiled.by_name.end()) it = compiled.by_name.find("");
  if (it == compiled.by_name.end())
    throw SqlError(ERRCODE_UNDEFINED_OBJECT, "the source does not define workflow \"" + name + "\"");
  Datum items[2] = {df::ext::text_datum(it->second.graph), df::ext::text_datum(it->second.params)};
  return df::ext::pg_call([&] { return PointerGetDatum(construct_array(items, 2, TEXTOID, -1, false, TYPALIGN_INT)); });
}

// df.deploy(name, source) -> TABLE(workflow, version): every workflow of the source (a
// bare expression under `name`) as a new version; `name` must be one of them.
DF_SURFACE_FUNCTION(df_deploy) {
  std::string name = df::ext::text_arg(fcinfo, 0), source = df::ext::text_arg(fcinfo, 1);
  compiler::CompileResult result;
  compile_source(source, &result);
  bool found = false;
  for (const auto& wf : result.workflows) found = found || wf.name.empty() || wf.name == name;
  if (!found)
    throw SqlError(ERRCODE_UNDEFINED_OBJECT, "df.deploy: the source does not define workflow \"" + name + "\"");
  check_sql_or_raise(source, result);
  df::ext::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  spi::Connection connection;
  for (const auto& wf : result.workflows) {
    std::string stored = wf.name.empty() ? name : wf.name;
    int version = store_version(stored, source, Stored{compiler::to_json(*wf.root), params_json(wf.params)});
    Datum values[2];
    bool nulls[2] = {false, false};
    values[0] = df::ext::text_datum(stored);
    values[1] = Int32GetDatum(version);
    df::ext::pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
  }
  connection.finish();
  return (Datum)0;
}

// df.start_workflow(name, params, label, version): starts that version (NULL: the latest)
// as the caller. The instance keeps the graph it started with, whatever is deployed later.
DF_SURFACE_FUNCTION(df_start_workflow) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  std::string name = df::ext::text_arg(fcinfo, 0);
  std::string given = df::ext::surface::opt_jsonb_arg(fcinfo, 1).value_or("{}");
  const bool latest = PG_NARGS() < 4 || PG_ARGISNULL(3);
  const int wanted = latest ? 0 : PG_GETARG_INT32(3);
  spi::Connection connection;
  spi::exec("SELECT df.workflow_privilege($1, 'start')", {spi::text(name)});
  if (spi::value_or(0, 1, "") == "f")
    throw SqlError(ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to start workflow \"" + name + "\"",
                   "The workflow belongs to another role.",
                   "Its owner can allow you with df.grant_workflow(name, role, 'start').");
  if (spi::exec("SELECT version, graph, params::text FROM df.workflows WHERE name = $1 AND ($2 OR version = $3) "
                "ORDER BY version DESC LIMIT 1",
                {spi::text(name), spi::boolean(latest), spi::int4(wanted)}) != 1) {
    if (!latest && spi::exec("SELECT 1 FROM df.workflows WHERE name = $1", {spi::text(name)}) > 0)
      throw SqlError(ERRCODE_UNDEFINED_OBJECT, "workflow \"" + name + "\" has no version " + std::to_string(wanted),
                     "", "df.workflows lists the deployed versions.");
    throw SqlError(ERRCODE_UNDEFINED_OBJECT, "workflow \"" + name + "\" does not exist",
                   "", "Deploy it first with df.deploy(name, source).");
  }
  std::string version = spi::value_or(0, 1, ""), graph = spi::value_or(0, 2, ""), params = spi::value_or(0, 3, "[]");
  connection.finish();
  df::ext::start::Options options;
  options.label = df::ext::surface::opt_text_arg(fcinfo, 2);
  options.overrides = bind_params(name, params, given);
  std::string id = df::ext::start::start_caller_mode(graph, options);
  spi::Connection record;
  spi::exec("INSERT INTO df.workflow_runs (instance_id, workflow_name, workflow_version) VALUES ($1, $2, $3::integer)",
            {spi::text(id), spi::text(name), spi::text(version)});
  record.finish();
  return df::ext::text_datum(id);
}

namespace {

// The stored graph and parameters of one version, as compiler/diff.hpp compares them.
struct StoredVersion {
  compiler::ParamSpecs params;
  df::ir::NodePtr root;
};

StoredVersion load_version(const std::string& name, int version) {
  if (spi::exec("SELECT graph, params::text FROM df.workflows WHERE name = $1 AND version = $2",
                {spi::text(name), spi::int4(version)}) != 1)
    throw SqlError(ERRCODE_UNDEFINED_OBJECT, "workflow \"" + name + "\" has no version " + std::to_string(version),
                   "", "df.workflows lists the deployed versions.");
  StoredVersion v;
  v.root = compiler::parse_strict(spi::value_or(0, 1, ""));
  rapidjson::Document params;
  compiler::parse_json(spi::value_or(0, 2, "[]"), params, nullptr);
  for (const auto& p : params.GetArray()) {
    compiler::ParamSpec spec{std::string(compiler::json_string_view(p["name"])),
                             std::string(compiler::json_string_view(p["type"])), std::nullopt};
    if (p["default"].IsString()) spec.default_literal = std::string(compiler::json_string_view(p["default"]));
    v.params.push_back(std::move(spec));
  }
  return v;
}

}  // namespace

// df.workflow_diff(name, v1, v2) -> what changed from version v1 to v2 ("" when nothing).
DF_SURFACE_FUNCTION(df_workflow_diff) {
  std::string name = df::ext::text_arg(fcinfo, 0);
  const int v1 = PG_GETARG_INT32(1), v2 = PG_GETARG_INT32(2);
  spi::Connection connection;
  StoredVersion a = load_version(name, v1), b = load_version(name, v2);
  connection.finish();
  return df::ext::text_datum(compiler::describe_changes(*a.root, a.params, *b.root, b.params));
}
