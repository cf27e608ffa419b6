// sim_host.hpp — a small simulated host for VM tests: it feeds events to step(),
// "executes" RunSql actions against an in-memory database (canned replies keyed by the
// SQL text, plus a few stateful statements), applies a statement's effect only when the
// step that consumes its answer is accepted (the real host's exactly-once rule), and
// keeps timers as tasks that fire on demand. Every accepted event is also stepped in
// place and stored as the real host stores a large state (a delta of what it touched,
// applied to the state before it): the two must agree, in every VM test.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "program.hpp"
#include "state_delta.hpp"
#include "step.hpp"

namespace df::vm::test {

// Survives a simulated crash: the database.
struct SimDb {
  std::map<std::uint64_t, int> applied;          // task id -> times its effect was applied
  std::map<std::string, int> counters;           // INC/LT counters
  std::vector<std::string> effect_log;           // SQL texts in commit order
};

struct Reply {
  bool ok = true;
  std::string payload;
};

inline std::string rows1(const std::string& col, const std::string& json_value) {
  return "{\"rows\":[{\"" + col + "\":" + json_value + "}],\"row_count\":1}";
}

// Statement language of the simulated database:
//   canned[sql]          -> that reply
//   "INC <c>"            -> counter c + 1 (effect: increments)   result {"rows":[{"v":n}],...}
//   "LT <c> <n>"         -> counter c < n as a boolean
//   "FAIL <text>"        -> error <text>
//   "FLAKY <c> <n>"      -> a serialization failure (record, SQLSTATE 40001) until n
//                           failures of it were accepted (counter "flaky:<c>"), then a row
//   anything else        -> {"rows":[{"sql":"<text>"}],"row_count":1}
struct SimSql {
  std::map<std::string, Reply> canned;
  Reply reply(const std::string& sql, const SimDb& db) const {
    auto it = canned.find(sql);
    if (it != canned.end()) return it->second;
    if (sql.rfind("INC ", 0) == 0) {
      auto c = db.counters.find(sql.substr(4));
      return {true, rows1("v", std::to_string((c == db.counters.end() ? 0 : c->second) + 1))};
    }
    if (sql.rfind("LT ", 0) == 0) {
      auto sp = sql.find(' ', 3);
      auto c = db.counters.find(sql.substr(3, sp - 3));
      int v = c == db.counters.end() ? 0 : c->second;
      return {true, rows1("b", v < std::stoi(sql.substr(sp + 1)) ? "true" : "false")};
    }
    if (sql.rfind("FAIL ", 0) == 0) return {false, sql.substr(5)};
    if (sql.rfind("FLAKY ", 0) == 0) {
      auto sp = sql.find(' ', 6);
      auto c = db.counters.find("flaky:" + sql.substr(6, sp - 6));
      if ((c == db.counters.end() ? 0 : c->second) < std::stoi(sql.substr(sp + 1)))
        return {false, "{\"message\":\"could not serialize access\",\"sqlstate\":\"40001\"}"};
      return {true, rows1("flaky", "true")};
    }
    std::string esc;
    for (char ch : sql) {
      if (ch == '"' || ch == '\\') esc += '\\';
      esc += ch;
    }
    return {true, rows1("sql", "\"" + esc + "\"")};
  }
  // The world outside noticed a failed attempt (it is not a database effect).
  static void failed(const std::string& sql, SimDb& db) {
    if (sql.rfind("FLAKY ", 0) == 0) ++db.counters["flaky:" + sql.substr(6, sql.find(' ', 6) - 6)];
  }
  static void effect(const std::string& sql, SimDb& db) {
    if (sql.rfind("INC ", 0) == 0) ++db.counters[sql.substr(4)];
    db.effect_log.push_back(sql);
  }
};

class SimHost {
 public:
  SimHost(const Program& p, SimDb& db, SimSql sql = {}, StepConfig cfg = {})
      : program(p), db(db), sql(std::move(sql)), config(cfg) {}

  // step_in_place() on a copy agrees with step(), and the delta of what it touched turns
  // the state before into the state after.
  void check_in_place(const Event& ev, const StepResult& r) {
    State in_place = state;
    std::vector<Action> actions;
    Touched touched;
    const bool accepted = step_in_place(program, in_place, ev, config, actions, touched);
    REQUIRE(accepted == r.accepted);
    REQUIRE(in_place == r.state);
    REQUIRE(actions.size() == r.actions.size());
    if (!accepted || touched.all) return;
    State applied = state;
    apply_delta(applied, encode_delta(in_place, touched));
    REQUIRE(applied == r.state);
    ++deltas_checked;
  }
  int deltas_checked = 0;

  const Program& program;
  SimDb& db;
  SimSql sql;
  StepConfig config;
  State state;
  std::int64_t now = 1700000000000;  // 2023-11-14T22:13:20Z
  std::map<std::uint64_t, Action> outstanding;  // tasks and timers the host owes an answer
  std::vector<Action> actions;                  // everything accepted steps asked for
  std::vector<Event> events;                    // accepted events, in order
  RetryPolicy retry;                            // instance-wide policy given at start
  std::optional<ForkPoint> fork;                // df.fork: where start() begins
  // HTTP answers in order (ok=false: TaskFailed with that payload); then http_replies.
  std::vector<Reply> http_script;
  std::vector<std::string> http_requests;       // "<node>:<iteration>:<scope>" per request

  bool feed(const Event& ev) {
    StepResult r = step(program, state, ev, config);
    check_in_place(ev, r);
    if (ev.kind == Event::Kind::TaskSucceeded || ev.kind == Event::Kind::TaskFailed ||
        ev.kind == Event::Kind::TimerFired)
      outstanding.erase(ev.task_id);  // answered (or refused as stale): nothing more owed
    if (!r.accepted) {
      CHECK(r.actions.empty());
      return false;
    }
    if (ev.kind == Event::Kind::TaskSucceeded) {
      auto it = outstanding_sql_.find(ev.task_id);
      if (it != outstanding_sql_.end()) SimSql::effect(it->second, db);  // commits with the checkpoint
      ++db.applied[ev.task_id];
    }
    if (ev.kind == Event::Kind::TaskFailed) {
      auto it = outstanding_sql_.find(ev.task_id);
      if (it != outstanding_sql_.end()) SimSql::failed(it->second, db);
    }
    state = std::move(r.state);
    events.push_back(ev);
    for (const Action& a : r.actions) take(a);
    return true;
  }

  void start(std::map<std::string, std::string> vars = {}, std::string label = "lbl") {
    Event ev;
    ev.kind = Event::Kind::Start;
    ev.now_ms = now;
    ev.instance_id = "abcd1234";
    ev.label = std::move(label);
    ev.variables = std::move(vars);
    ev.retry = retry;
    ev.fork = fork;
    REQUIRE(feed(ev));
  }

  // After a restart: re-issue what the stored state says is pending.
  void restart_from(const State& s) {
    state = s;
    outstanding.clear();
    outstanding_sql_.clear();
    for (const Action& a : pending_actions(state)) take(a);
  }

  // The event that answers task `id` (runs the SQL against the current database).
  Event answer_event(std::uint64_t id) {
    const Action& a = outstanding.at(id);
    Event ev;
    ev.task_id = id;
    if (a.kind == Action::Kind::ArmTimer) {
      now = std::max(now + 1, a.deadline_ms);
      ev.kind = Event::Kind::TimerFired;
    } else if (a.kind == Action::Kind::RunSql) {
      now += 7;
      Reply rep = sql.reply(a.text, db);
      ev.kind = rep.ok ? Event::Kind::TaskSucceeded : Event::Kind::TaskFailed;
      ev.payload = rep.payload;
    } else {
      now += 7;
      http_requests.push_back(std::to_string(a.node) + ":" + std::to_string(a.iteration) + ":" + a.scope);
      ev.kind = Event::Kind::TaskSucceeded;
      ev.payload = http_replies.count(a.text) ? http_replies.at(a.text)
                                              : "{\"status\":200,\"body\":\"ok\"}";
      if (!http_script.empty()) {
        ev.kind = http_script.front().ok ? Event::Kind::TaskSucceeded : Event::Kind::TaskFailed;
        ev.payload = http_script.front().payload;
        http_script.erase(http_script.begin());
      }
    }
    ev.now_ms = now;
    return ev;
  }
  std::map<std::string, std::string> http_replies;

  bool answer(std::uint64_t id) { return feed(answer_event(id)); }

  bool signal(const std::string& name, const std::string& data = "{}") {
    Event ev;
    ev.kind = Event::Kind::Signal;
    ev.now_ms = ++now;
    ev.signal_name = name;
    ev.payload = data;
    return feed(ev);
  }

  bool resume() {
    Event ev;
    ev.kind = Event::Kind::Resume;
    ev.now_ms = ++now;
    return feed(ev);
  }

  bool cancel() {
    Event ev;
    ev.kind = Event::Kind::Cancel;
    ev.now_ms = ++now;
    return feed(ev);
  }

  // Answers the lowest outstanding task id until nothing is outstanding.
  void run(int max_events = 100000) {
    while (!outstanding.empty() && max_events-- > 0) answer(outstanding.begin()->first);
  }

  bool done() const { return state.status != InstanceStatus::Running; }

  std::vector<const Action*> of_kind(Action::Kind k) const {
    std::vector<const Action*> out;
    for (const Action& a : actions)
      if (a.kind == k) out.push_back(&a);
    return out;
  }
  // "<Kind> #node scope text" for compact assertions on the stamps.
  std::vector<std::string> stamps() const {
    std::vector<std::string> out;
    for (const Action& a : actions) {
      if (a.kind != Action::Kind::NodeRunning && a.kind != Action::Kind::NodeCompleted &&
          a.kind != Action::Kind::NodeFailed && a.kind != Action::Kind::NodeRetrying)
        continue;
      std::string s = std::string(action_kind_name(a.kind)).substr(4) + " #" +
                      std::to_string(a.node) + " " + a.scope;
      if (!a.text.empty()) s += " " + a.text;
      out.push_back(s);
    }
    return out;
  }

 private:
  std::map<std::uint64_t, std::string> outstanding_sql_;

  void take(const Action& a) {
    actions.push_back(a);
    switch (a.kind) {
      case Action::Kind::RunSql:
        outstanding_sql_[a.task_id] = a.text;
        outstanding[a.task_id] = a;
        break;
      case Action::Kind::RunHttp:
      case Action::Kind::ArmTimer:
        outstanding[a.task_id] = a;
        break;
      case Action::Kind::CancelTask:
        outstanding.erase(a.task_id);
        break;
      default:
        break;
    }
  }
};

// One workflow under test: its graph, the program lowered from it, and a host running it
// against a simulated database (shared by the step, retry, undo and resume tests).
struct Fixture {
  explicit Fixture(ir::NodePtr r, SimSql sql = {}, StepConfig cfg = {})
      : root(std::move(r)), program(lower(*root)), host(program, db, std::move(sql), cfg) {}
  ir::NodePtr root;
  Program program;
  SimDb db;
  SimHost host;
};

}  // namespace df::vm::test
