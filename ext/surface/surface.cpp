// surface.cpp — the session markers and argument helpers shared by the SQL surface's C
// functions (see surface.hpp).
#include <rapidjson/document.h>

#include "json_text.hpp"
#include "surface/surface.hpp"

extern "C" {
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

namespace df::ext::surface {

namespace {

constexpr const char* kMarkerGuc = "df.non_future_helper";

// The statement start time as text, the same rendering as statement_timestamp()::text,
// so a marker written by PL/pgSQL (df.setvar) compares equal to one checked here.
std::string statement_stamp() {
  char* text = pg_call([] {
    return DatumGetCString(DirectFunctionCall1(timestamptz_out,
                                               TimestampTzGetDatum(GetCurrentStatementStartTimestamp())));
  });
  return text;
}

}  // namespace

std::optional<std::string> opt_jsonb_arg(FunctionCallInfo fcinfo, int n) {
  if (PG_ARGISNULL(n)) return std::nullopt;
  Datum value = PG_GETARG_DATUM(n);
  char* text = pg_call([&] { return DatumGetCString(DirectFunctionCall1(jsonb_out, value)); });
  return std::string(text);
}

bool in_workflow() {
  const char* value = pg_call([] { return GetConfigOption("df.in_workflow", true, false); });
  return value != nullptr && std::strcmp(value, "true") == 0;
}

void mark_non_future_helper(const std::string& helper) {
  std::string value = helper + "\n" + statement_stamp();
  pg_call([&] {
    (void)set_config_option(kMarkerGuc, value.c_str(), PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_LOCAL, true, 0, false);
  });
}

void check_not_helper_result(const std::string& text) {
  const char* raw = pg_call([] { return GetConfigOption(kMarkerGuc, true, false); });
  if (raw == nullptr || raw[0] == '\0') return;
  std::string marker(raw);
  auto newline = marker.find('\n');
  if (newline == std::string::npos || marker.substr(newline + 1) != statement_stamp()) return;
  rapidjson::Document doc;
  if (compiler::parse_json(text, doc, nullptr)) return;  // JSON is never a helper's 'OK'
  std::string name = marker.substr(0, newline);
  raise(name + " cannot be used as a workflow step. Call " + name + " before df.start().");
}

}  // namespace df::ext::surface
