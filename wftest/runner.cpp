// runner.cpp — the virtual host of `dfc test` / `dfc run` (see runner.hpp). It plays the
// part of ext/engine/executor.cpp and the timer sweep: it answers the VM's tasks with stubbed
// results shaped exactly as the executor's (§8.1 rows, §8.3 envelopes, the team's error
// record), and moves a virtual clock instead of waiting.
#include "runner.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "http/http_request.hpp"
#include "http/http_response.hpp"
#include "json_text.hpp"
#include "step.hpp"

namespace df::wftest {

namespace {

using vm::Action;
using vm::Event;
using NodeType = ir::NodeType;

bool is_leaf_type(NodeType t) { return ir::is_leaf(t); }

std::string json_string(std::string_view s) {
  std::string out;
  compiler::append_json_string(out, s);
  return out;
}

std::string shorten(std::string s, std::size_t max = 60) {
  for (char& c : s)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string format_ms(std::int64_t ms) {
  if (ms % 1000 == 0) return "+" + std::to_string(ms / 1000) + "s";
  return "+" + std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + "s";
}

std::string rows_payload(const std::vector<std::string>& rows) {
  std::string out = "{\"rows\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) out += (i ? "," : "") + rows[i];
  return out + "],\"row_count\":" + std::to_string(rows.size()) + "}";
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// PostgreSQL's answer to an unstubbed `SELECT <constant>` (true, false, NULL, a number or
// a 'quoted' string, optionally `;`), so conditions such as 'SELECT $decision.timed_out'
// need no stub. Anything else is left to stubs (nullopt).
std::optional<std::string> constant_select(std::string_view sql) {
  auto trim = [](std::string_view& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == ';')) s.remove_suffix(1);
  };
  trim(sql);
  if (sql.size() < 7 || !iequals(sql.substr(0, 6), "select") || !std::isspace(static_cast<unsigned char>(sql[6])))
    return std::nullopt;
  std::string_view v = sql.substr(7);
  trim(v);
  std::string column = "?column?", value;
  if (iequals(v, "true") || iequals(v, "false")) {
    column = "bool";
    value = iequals(v, "true") ? "true" : "false";
  } else if (iequals(v, "null")) {
    value = "null";
  } else if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    std::string text;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\'' && (i + 2 >= v.size() || v[i + 1] != '\'')) return std::nullopt;
      text += v[i];
      if (v[i] == '\'') ++i;
    }
    value = json_string(text);
  } else {
    rapidjson::Document doc;
    if (v.empty() || !compiler::parse_json(v, doc, nullptr) || !doc.IsNumber()) return std::nullopt;
    value = std::string(v);
  }
  return "{\"rows\":[{" + json_string(column) + ":" + value + "}],\"row_count\":1}";
}

compiler::Diagnostic problem(ir::SourcePos pos, std::string message) {
  compiler::Diagnostic d;
  d.pos = pos;
  d.message = std::move(message);
  return d;
}

// The virtual host of one run.
class Host {
 public:
  Host(const vm::Program& p, const RunInput& in) : prog_(p), in_(in), stub_calls_(in.stubs.size()),
                                                   sent_(in.signals.size(), false) {}

  RunResult run() {
    Event start;
    start.kind = Event::Kind::Start;
    start.now_ms = now_;
    start.instance_id = "dfctest1";
    start.variables = in_.variables;
    feed(start);
    std::size_t events = 0;
    while (state_.status == vm::InstanceStatus::Running && out_.problems.empty() && events++ < kMaxEvents) {
      if (!next_event()) break;
    }
    if (state_.status == vm::InstanceStatus::Running && events > kMaxEvents)
      out_.problems.push_back(problem({}, "the workflow did not finish within " + std::to_string(kMaxEvents) +
                                              " events (a loop without a way out?)"));
    finish();
    return std::move(out_);
  }

 private:
  const vm::Program& prog_;
  const RunInput& in_;
  vm::State state_;
  std::int64_t now_ = kVirtualEpochMs;
  std::map<std::uint64_t, Action> owed_;  // RunSql / RunHttp / ArmTimer by task id
  std::string last_error_record_;  // the error record of the last step that failed for good
  std::map<std::pair<std::uint32_t, std::string>, std::size_t> open_;  // (node, scope) -> run
  std::map<std::uint64_t, std::size_t> task_run_;                       // task -> run
  std::vector<int> stub_calls_;
  std::vector<bool> sent_;
  RunResult out_;

  void log(const std::string& line) {
    std::string t = format_ms(now_ - kVirtualEpochMs);
    out_.log.push_back(t + std::string(t.size() < 8 ? 8 - t.size() : 1, ' ') + line);
  }

  bool feed(const Event& ev) {
    vm::StepResult r = vm::step(prog_, state_, ev);
    if (!r.accepted) {
      out_.problems.push_back(problem({}, "the VM refused an event the virtual host sent (internal error)"));
      return false;
    }
    state_ = std::move(r.state);
    for (const Action& a : r.actions) take(a);
    return true;
  }

  void take(const Action& a) {
    const std::pair<std::uint32_t, std::string> key{a.node, a.scope};
    switch (a.kind) {
      case Action::Kind::RunSql:
      case Action::Kind::RunHttp: {
        owed_[a.task_id] = a;
        auto it = open_.find(key);
        if (it != open_.end()) {
          LeafRun& run = out_.runs[it->second];
          run.statement = a.text;
          ++run.attempts;
          task_run_[a.task_id] = it->second;
        }
        if (a.kind == Action::Kind::RunSql) log("  runs   " + shorten(a.text, 100));
        break;
      }
      case Action::Kind::ArmTimer: owed_[a.task_id] = a; break;
      case Action::Kind::CancelTask: owed_.erase(a.task_id); break;
      case Action::Kind::NodeRunning:
        if (!is_leaf_type(prog_.nodes[a.node].type)) break;
        if (open_.count(key)) break;  // the next attempt after a retry wait: the same run
        open_[key] = out_.runs.size();
        out_.runs.push_back(LeafRun{a.node, now_ - kVirtualEpochMs, "", 0, LeafRun::End::Running, ""});
        log("start    " + leaf_label(prog_, a.node));
        break;
      case Action::Kind::NodeCompleted:
      case Action::Kind::NodeFailed: {
        auto it = open_.find(key);
        if (!is_leaf_type(prog_.nodes[a.node].type) || it == open_.end()) break;
        LeafRun& run = out_.runs[it->second];
        const bool failed = a.kind == Action::Kind::NodeFailed;
        if (failed) last_error_record_ = error_record_of(a.detail);
        run.end = failed ? LeafRun::End::Failed : LeafRun::End::Completed;
        run.result = a.text;
        open_.erase(it);
        log(std::string(failed ? "failed   " : "done     ") + leaf_label(prog_, a.node) + " -> " + shorten(a.text, 80));
        break;
      }
      case Action::Kind::NodeRetrying:
        log("retry    " + leaf_label(prog_, a.node) + " after " + shorten(a.text, 80));
        break;
      case Action::Kind::InstanceCompleted: log("completed -> " + shorten(a.text, 80)); break;
      case Action::Kind::InstanceFailed: log("failed -> " + shorten(a.text, 80)); break;
      case Action::Kind::InstancePaused: log("paused -> " + shorten(a.text, 80)); break;  // not under wftest's config
    }
  }

  // Picks and sends the next event; false when the workflow can wait forever.
  bool next_event() {
    for (const auto& [id, a] : owed_)
      if (a.kind == Action::Kind::RunSql || a.kind == Action::Kind::RunHttp) return answer(id);
    for (std::size_t i = 0; i < in_.signals.size(); ++i)
      if (!sent_[i] && !in_.signals[i].at_seconds && waits_for(in_.signals[i].name)) return send(i);
    std::optional<std::uint64_t> timer;
    for (const auto& [id, a] : owed_)
      if (a.kind == Action::Kind::ArmTimer && (!timer || a.deadline_ms < owed_.at(*timer).deadline_ms)) timer = id;
    std::optional<std::size_t> timed;
    for (std::size_t i = 0; i < in_.signals.size(); ++i)
      if (!sent_[i] && in_.signals[i].at_seconds && (!timed || *in_.signals[i].at_seconds < *in_.signals[*timed].at_seconds))
        timed = i;
    if (timed) {
      const std::int64_t at = kVirtualEpochMs + *in_.signals[*timed].at_seconds * 1000;
      if (!timer || at <= owed_.at(*timer).deadline_ms) {
        if (past_horizon(at)) return false;
        now_ = std::max(now_, at);
        return send(*timed);
      }
    }
    if (timer) {
      if (past_horizon(owed_.at(*timer).deadline_ms)) return false;
      const Action a = owed_.at(*timer);
      owed_.erase(*timer);
      now_ = std::max(now_, a.deadline_ms);
      Event ev;
      ev.kind = Event::Kind::TimerFired;
      ev.task_id = a.task_id;
      ev.now_ms = now_;
      return feed(ev);
    }
    // Nothing else can happen: untimed signals nobody waits for yet are sent now (the
    // instance buffers them), else the run ends waiting.
    for (std::size_t i = 0; i < in_.signals.size(); ++i)
      if (!sent_[i]) return send(i);
    return false;
  }

  // True when `at_ms` lies beyond run_for(): the clock stops at the horizon instead.
  bool past_horizon(std::int64_t at_ms) {
    if (!in_.run_for_seconds) return false;
    const std::int64_t horizon = kVirtualEpochMs + *in_.run_for_seconds * 1000;
    if (at_ms <= horizon) return false;
    now_ = std::max(now_, horizon);
    return true;
  }

  bool waits_for(const std::string& name) const {
    for (const auto& [id, t] : state_.threads)
      if (t.status == vm::ThreadStatus::WaitSignal && prog_.nodes[prog_.code[t.pc].node].text == name) return true;
    return false;
  }

  bool send(std::size_t i) {
    sent_[i] = true;
    const SignalSend& s = in_.signals[i];
    log("signal   '" + s.name + "' " + shorten(s.payload));
    Event ev;
    ev.kind = Event::Kind::Signal;
    ev.now_ms = now_;
    ev.signal_name = s.name;
    ev.payload = s.payload;
    return feed(ev);
  }

  // The stub response for a task of `node`, or nullptr (the default answer).
  const Response* stub_for(const Action& a) {
    for (std::size_t i = 0; i < in_.stubs.size(); ++i) {
      const Stub& s = in_.stubs[i];
      if (!selector_matches(prog_, a.node, s.selector.text, a.text)) continue;
      const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(stub_calls_[i]++), s.responses.size() - 1);
      return &s.responses[n];
    }
    return nullptr;
  }

  bool answer(std::uint64_t id) {
    const Action a = owed_.at(id);
    owed_.erase(id);
    auto run = task_run_.find(id);
    const int attempt = run == task_run_.end() ? 1 : out_.runs[run->second].attempts;
    const bool http = a.kind == Action::Kind::RunHttp;
    const Response* r = stub_for(a);
    Event ev;
    ev.task_id = id;
    ev.now_ms = now_;
    ev.kind = Event::Kind::TaskSucceeded;
    if (!r) {
      ev.payload = http ? http_envelope(200, "", {}) : constant_select(a.text).value_or(rows_payload({}));
    } else if (http != (r->kind == Response::Kind::Http || r->kind == Response::Kind::HttpError)) {
      out_.problems.push_back(problem(r->pos, std::string("this stub answers ") + (http ? "an HTTP" : "a SQL") +
                                                  " step (" + leaf_label(prog_, a.node) + ") with " +
                                                  (http ? "a SQL answer: use http(...) or http_error(...)"
                                                        : "an HTTP answer: use rows(...) or error(...)")));
      return false;
    } else if (r->kind == Response::Kind::Rows) {
      ev.payload = rows_payload(r->rows);
    } else if (r->kind == Response::Kind::Error) {
      ev.kind = Event::Kind::TaskFailed;
      ev.payload = error_record(r->message, r->sqlstate, r->detail, r->hint, a.text, attempt, 0);
    } else if (r->kind == Response::Kind::HttpError) {
      ev.kind = Event::Kind::TaskFailed;
      ev.payload = error_record(r->message, "", "", "", "", attempt, 0);
    } else if (r->http_status >= 500) {  // as ext/http/http.cpp: a 5xx fails the step
      std::string why;
      auto cfg = ext::http::parse_config(a.text, prog_.nodes[a.node].type == NodeType::HttpMultipart, &why);
      ev.kind = Event::Kind::TaskFailed;
      ev.payload = error_record(ext::http::status_error(cfg ? cfg->method : "GET", cfg ? cfg->url : "", r->http_status, r->body),
                                "", "", "", "", attempt, r->http_status);
    } else {
      ev.payload = http_envelope(r->http_status, r->body, r->headers);
    }
    return feed(ev);
  }

  static std::string http_envelope(long status, const std::string& body,
                                   const std::vector<std::pair<std::string, std::string>>& headers) {
    ext::http::Response resp;
    resp.status = status;
    resp.body = body;
    resp.headers = headers;
    return ext::http::envelope_json(resp);
  }

  // The "error" member of a failed leaf's detail (vm/step.hpp), or "".
  static std::string error_record_of(const std::string& detail) {
    const std::string key = "\"error\":";
    auto at = detail.find(key);
    if (at == std::string::npos || detail.empty() || detail.back() != '}') return "";
    return detail.substr(at + key.size(), detail.size() - 1 - at - key.size());
  }

  void finish() {
    out_.elapsed_ms = now_ - kVirtualEpochMs;
    out_.result = state_.result;
    // A failed instance reports the failing step's whole error record (SQLSTATE included).
    if (state_.status == vm::InstanceStatus::Failed && !last_error_record_.empty()) out_.result = last_error_record_;
    switch (state_.status) {
      case vm::InstanceStatus::Completed: out_.status = "completed"; break;
      case vm::InstanceStatus::Failed: out_.status = "failed"; break;
      case vm::InstanceStatus::Cancelled: out_.status = "cancelled"; break;
      default: out_.status = "running"; break;
    }
    if (out_.status != "running") return;
    std::vector<std::string> waits;
    for (const auto& [id, t] : state_.threads)
      if (t.status == vm::ThreadStatus::WaitSignal)
        waits.push_back("signal '" + prog_.nodes[prog_.code[t.pc].node].text + "'");
    for (std::size_t i = 0; i < waits.size(); ++i) out_.waiting += (i ? ", " : "") + waits[i];
    if (!waits.empty()) log("waiting  for " + out_.waiting + " (no timeout, no signal sent)");
  }
};

}  // namespace

bool selector_matches(const vm::Program& program, std::uint32_t node, const std::string& sel,
                      const std::string& statement) {
  const vm::NodeInfo& n = program.nodes[node];
  if (!is_leaf_type(n.type) || sel.empty()) return false;
  if (n.result_name && *n.result_name == sel) return true;
  // A result name means only its steps, even where another step's SQL mentions it
  // ('decision' must not match "... $decision.data ...").
  for (const auto& other : program.nodes)
    if (is_leaf_type(other.type) && other.result_name && *other.result_name == sel) return false;
  if (n.text.find(sel) != std::string::npos) return true;
  return !statement.empty() && statement.find(sel) != std::string::npos;
}

std::string leaf_label(const vm::Program& program, std::uint32_t node) {
  const vm::NodeInfo& n = program.nodes[node];
  std::string where = n.pos.known() ? " @" + std::to_string(n.pos.line) + ":" + std::to_string(n.pos.column) : "";
  std::string what;
  switch (n.type) {
    case NodeType::Sql: what = "SQL '" + shorten(n.text, 50) + "'"; break;
    case NodeType::Http:
    case NodeType::HttpMultipart: {
      std::string why;
      auto cfg = ext::http::parse_config(n.text, n.type == NodeType::HttpMultipart, &why);
      what = "http(" + (cfg ? cfg->method + " " + shorten(cfg->url, 50) : shorten(n.text, 50)) + ")";
      break;
    }
    case NodeType::Sleep: what = "sleep(" + std::to_string(n.seconds) + ")"; break;
    case NodeType::WaitSchedule: what = "wait_for_schedule('" + n.text + "')"; break;
    case NodeType::Signal:
      what = "wait_for_signal('" + n.text + "'" + (n.timeout ? ", " + std::to_string(*n.timeout) : "") + ")";
      break;
    case NodeType::Break: what = "break"; break;
    default: what = ir::node_type_name(n.type); break;
  }
  return (n.result_name ? "'" + *n.result_name + "' " : "") + what + where;
}

std::string error_record(const std::string& message, const std::string& sqlstate,
                         const std::string& detail, const std::string& hint,
                         const std::string& statement, int attempt, long http_status) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? std::string("null") : json_string(s); };
  std::string out = "{\"message\":" + json_string(message) + ",\"sqlstate\":" + text_or_null(sqlstate) +
                    ",\"detail\":" + text_or_null(detail) + ",\"hint\":" + text_or_null(hint) +
                    ",\"context\":null,\"statement\":" + text_or_null(statement) +
                    ",\"attempt\":" + std::to_string(attempt);
  if (http_status) out += ",\"http_status\":" + std::to_string(http_status);
  return out + "}";
}

RunResult run(const vm::Program& program, const RunInput& input) { return Host(program, input).run(); }

}  // namespace df::wftest
