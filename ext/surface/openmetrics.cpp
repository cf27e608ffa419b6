// openmetrics.cpp — df.openmetrics(): the engine's state in the OpenMetrics text format
// (https://openmetrics.io), for a monitoring stack to scrape. Counters come from shared
// memory (metrics.hpp: kept across clean restarts, zero after a crash); gauges from the
// tables at scrape time: instances by status and by workflow, runnable queue depth and the
// oldest runnable task's age, timers (due), buffered signals. Every user's instances
// count: EXECUTE is revoked from PUBLIC and handed out by df.grant_monitor(role)
// (sql/parts/70_admin.sql); the tables are read as the engine owner, with fixed statements only.
#include <string>

#include "engine/engine_core.hpp"
#include "engine/metrics.hpp"
#include "pg/spi.hpp"

namespace df::ext {
namespace {

// A label value: backslash, double quote and line feed escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// A bucket bound in seconds, as OpenMetrics writes floats: "0.005", "1.0".
std::string seconds(std::int64_t ms) {
  std::string out = std::to_string(ms / 1000);
  std::int64_t frac = ms % 1000;
  if (frac == 0) return out + ".0";
  std::string f = std::to_string(1000 + frac).substr(1);
  while (f.back() == '0') f.pop_back();
  return out + "." + f;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# TYPE ") + name + " " + type + "\n# HELP " + name + " " + help + "\n";
}

std::string exposition() {
  std::string out;
  engine::AsEngineOwner owner;
  family(out, "pg_durable_instances", "gauge", "Instances by status.");
  std::uint64_t n = spi::exec(
      "SELECT s.status, count(i.id) FROM unnest(ARRAY['pending','running','completed','failed','cancelled','paused']) s(status) "
      "LEFT JOIN df.instances i ON i.status = s.status GROUP BY s.status ORDER BY s.status");
  for (std::uint64_t r = 0; r < n; ++r)
    out += "pg_durable_instances{status=\"" + label(spi::value_or(r, 1, "")) + "\"} " + spi::value_or(r, 2, "0") + "\n";
  family(out, "pg_durable_workflow_instances", "gauge", "Instances started by df.start_workflow, by workflow and status.");
  n = spi::exec(
      "SELECT w.workflow_name, i.status, count(*) FROM df.instances i JOIN df.workflow_runs w ON w.instance_id = i.id "
      "GROUP BY 1, 2 ORDER BY 1, 2");
  for (std::uint64_t r = 0; r < n; ++r)
    out += "pg_durable_workflow_instances{workflow=\"" + label(spi::value_or(r, 1, "")) + "\",status=\"" +
           label(spi::value_or(r, 2, "")) + "\"} " + spi::value_or(r, 3, "0") + "\n";

  metrics::Snapshot m = metrics::read();
  const std::string created = std::to_string(m.since_unix_s);
  family(out, "pg_durable_steps_started", "counter", "SQL and HTTP step attempts executors started.");
  out += "pg_durable_steps_started_total " + std::to_string(m.started) + "\n";
  out += "pg_durable_steps_started_created " + created + "\n";
  family(out, "pg_durable_step_attempts", "counter", "Finished step attempts by outcome.");
  out += "pg_durable_step_attempts_total{outcome=\"succeeded\"} " + std::to_string(m.succeeded) + "\n";
  out += "pg_durable_step_attempts_created{outcome=\"succeeded\"} " + created + "\n";
  out += "pg_durable_step_attempts_total{outcome=\"failed\"} " + std::to_string(m.failed) + "\n";
  out += "pg_durable_step_attempts_created{outcome=\"failed\"} " + created + "\n";
  family(out, "pg_durable_step_retries", "counter", "Failed step attempts another attempt followed.");
  out += "pg_durable_step_retries_total " + std::to_string(m.retried) + "\n";
  out += "pg_durable_step_retries_created " + created + "\n";
  family(out, "pg_durable_step_duration_seconds", "histogram", "Execution time of finished step attempts.");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < m.buckets.size(); ++b) {
    cumulative += m.buckets[b];
    std::string le = b < metrics::kLatencyBucketsMs.size() ? seconds(metrics::kLatencyBucketsMs[b]) : "+Inf";
    out += "pg_durable_step_duration_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "pg_durable_step_duration_seconds_count " + std::to_string(cumulative) + "\n";
  out += "pg_durable_step_duration_seconds_sum " + seconds(static_cast<std::int64_t>(m.latency_sum_ms)) + "\n";
  out += "pg_durable_step_duration_seconds_created " + created + "\n";

  spi::exec(
      "SELECT count(*) FILTER (WHERE kind <> 'timer'), "
      "coalesce(round(extract(epoch FROM clock_timestamp() - min(created_at) FILTER (WHERE kind <> 'timer')), 3), 0), "
      "count(*) FILTER (WHERE kind = 'timer' AND due_at <= clock_timestamp()), count(*) FILTER (WHERE kind = 'timer') "
      "FROM _duroxide.tasks");
  family(out, "pg_durable_queue_depth", "gauge", "Runnable SQL and HTTP steps not yet finished.");
  out += "pg_durable_queue_depth " + spi::value_or(0, 1, "0") + "\n";
  family(out, "pg_durable_queue_oldest_runnable_age_seconds", "gauge", "How long the oldest runnable step has waited.");
  out += "pg_durable_queue_oldest_runnable_age_seconds " + spi::value_or(0, 2, "0") + "\n";
  family(out, "pg_durable_timers_due", "gauge", "Timers (sleeps, cron waits, timeouts, retry waits) past their time.");
  out += "pg_durable_timers_due " + spi::value_or(0, 3, "0") + "\n";
  family(out, "pg_durable_timers", "gauge", "Timers armed.");
  out += "pg_durable_timers " + spi::value_or(0, 4, "0") + "\n";
  spi::exec("SELECT count(*) FROM _duroxide.buffered_signals");
  family(out, "pg_durable_signals_buffered", "gauge", "Signals waiting for their df.wait_for_signal.");
  out += "pg_durable_signals_buffered " + spi::value_or(0, 1, "0") + "\n";
  return out + "# EOF\n";
}

}  // namespace
}  // namespace df::ext

DF_FUNCTION(df_openmetrics) {
  df::ext::spi::Connection connection;
  std::string text = df::ext::exposition();
  connection.finish();
  return df::ext::text_datum(text);
}
