// state.cpp — scope rendering and the versioned binary encoding of State. Integers are
// LEB128 varints (signed ones zig-zagged), strings are length-prefixed; every container is
// written in its (deterministic) iteration order, so equal states encode to equal bytes.
#include "state.hpp"

#include <tuple>

#include "state_codec.hpp"

namespace df::vm {

std::string render_scope(const Scope& scope) {
  std::string out;
  for (std::size_t i = 0; i < scope.size(); ++i) {
    if (i) out += "::#" + std::to_string(scope[i].node) + "::";
    out += std::to_string(scope[i].generation);
  }
  return out;
}

bool is_timer(TaskKind kind) { return kind != TaskKind::Sql && kind != TaskKind::Http; }

namespace {

using codec::Reader;
using codec::Writer;

const char kMagic[] = "DFVMS";

void write_map(Writer& w, const std::map<std::string, std::string>& m) {
  w.varint(m.size());
  for (const auto& [k, v] : m) {
    w.bytes(k);
    w.bytes(v);
  }
}

std::map<std::string, std::string> read_map(Reader& r) {
  std::map<std::string, std::string> m;
  for (std::size_t n = r.count(); n > 0; --n) {
    std::string k = r.bytes();
    m[k] = r.bytes();
  }
  return m;
}

void write_thread(Writer& w, const Thread& t) {
  w.varint(t.id);
  w.varint(t.parent);
  w.varint(t.root_node);
  w.varint(t.pc);
  w.enum_value(t.status);
  w.varint(t.wait_task);
  w.bytes(t.acc);
  write_map(w, t.results);
  w.varint(t.loops.size());
  for (const auto& f : t.loops) {
    w.varint(f.node);
    w.varint(f.iteration);
    w.signed_varint(f.start_ms);
    w.bytes(f.body_result);
    w.varint(f.owns_scope ? 1 : 0);
  }
  w.varint(t.scope.size());
  for (const auto& s : t.scope) {
    w.varint(s.node);
    w.varint(s.generation);
  }
  w.varint(t.children.size());
  for (auto c : t.children) w.varint(c);
  w.enum_value(t.outcome);
  w.bytes(t.outcome_text);
}

Thread read_thread(Reader& r) {
  Thread t;
  t.id = r.varint32();
  t.parent = r.varint32();
  t.root_node = r.varint32();
  t.pc = r.varint32();
  t.status = r.enum_value<ThreadStatus>(static_cast<std::uint64_t>(ThreadStatus::Done));
  t.wait_task = r.varint();
  t.acc = r.bytes();
  t.results = read_map(r);
  for (std::size_t n = r.count(); n > 0; --n) {
    LoopFrame f;
    f.node = r.varint32();
    f.iteration = r.varint32();
    f.start_ms = r.signed_varint();
    f.body_result = r.bytes();
    f.owns_scope = r.flag();
    t.loops.push_back(std::move(f));
  }
  for (std::size_t n = r.count(); n > 0; --n) {
    ScopeEntry s;
    s.node = r.varint32();
    s.generation = r.varint32();
    t.scope.push_back(s);
  }
  for (std::size_t n = r.count(); n > 0; --n) t.children.push_back(r.varint32());
  t.outcome = r.enum_value<Outcome>(static_cast<std::uint64_t>(Outcome::Break));
  t.outcome_text = r.bytes();
  return t;
}

void write_task(Writer& w, const PendingTask& t) {
  w.varint(t.id);
  w.enum_value(t.kind);
  w.varint(t.thread);
  w.varint(t.node);
  w.bytes(t.text);
  w.signed_varint(t.deadline_ms);
  w.varint(t.iteration);
  w.bytes(t.scope);
}

PendingTask read_task(Reader& r) {
  PendingTask t;
  t.id = r.varint();
  t.kind = r.enum_value<TaskKind>(static_cast<std::uint64_t>(TaskKind::TimeoutTimer));
  t.thread = r.varint32();
  t.node = r.varint32();
  t.text = r.bytes();
  t.deadline_ms = r.signed_varint();
  t.iteration = r.varint32();
  t.scope = r.bytes();
  return t;
}

bool has_failure_state(const Thread& t) {
  return t.failed_attempts != 0 || !t.last_error.empty() || !t.catches.empty();
}

// Version 3's trailing section (failure handling): the instance-wide retry policy, then
// the retry/catch fields of the threads that have any, by thread id. Earlier layouts are
// exactly the rest of the bytes.
void write_failure_section(Writer& w, const State& st, const std::map<std::uint32_t, Thread>& threads) {
  w.varint(st.retry.max_attempts);
  w.signed_varint(st.retry.backoff_ms);
  w.signed_varint(st.retry.max_backoff_ms);
  std::size_t n = 0;
  for (const auto& entry : threads) n += has_failure_state(entry.second);
  w.varint(n);
  for (const auto& [id, t] : threads) {
    if (!has_failure_state(t)) continue;
    w.varint(id);
    w.varint(t.failed_attempts);
    w.bytes(t.last_error);
    w.varint(t.catches.size());
    for (auto c : t.catches) w.varint(c);
  }
}

void read_failure_section(Reader& r, State& st) {
  st.retry.max_attempts = r.varint32();
  st.retry.backoff_ms = r.signed_varint();
  st.retry.max_backoff_ms = r.signed_varint();
  for (std::size_t n = r.count(); n > 0; --n) {
    auto it = st.threads.find(r.varint32());
    if (it == st.threads.end()) throw StateError("corrupt VM state: failure fields of an unknown thread");
    Thread& t = it->second;
    t.failed_attempts = r.varint32();
    t.last_error = r.bytes();
    for (std::size_t k = r.count(); k > 0; --k) t.catches.push_back(r.varint32());
  }
}

void write_thread_undo(Writer& w, const Thread& t);
void read_thread_undo(Reader& r, Thread& t);

bool has_undo_state(const Thread& t) {
  return !t.undos.empty() || !t.catch_undo_depth.empty() || t.compensating;
}

void write_results_and_acc(Writer& w, const std::map<std::string, std::string>& results, const std::string& acc) {
  write_map(w, results);
  w.bytes(acc);
}

// Version 4's trailing section (compensation): the undo sequence counter, then the undo
// fields of the threads that have any, by thread id.
void write_undo_section(Writer& w, const State& st, const std::map<std::uint32_t, Thread>& threads) {
  w.varint(st.next_undo_seq);
  std::size_t n = 0;
  for (const auto& entry : threads) n += has_undo_state(entry.second);
  w.varint(n);
  for (const auto& [id, t] : threads) {
    if (!has_undo_state(t)) continue;
    w.varint(id);
    write_thread_undo(w, t);
  }
}

void write_thread_undo(Writer& w, const Thread& t) {
  w.varint(t.catch_undo_depth.size());
  for (auto d : t.catch_undo_depth) w.varint(d);
  w.varint(t.undos.size());
  for (const auto& e : t.undos) {
    w.varint(e.seq);
    w.varint(e.node);
    write_results_and_acc(w, e.results, e.acc);
  }
  w.varint(t.compensating ? 1 : 0);
  if (!t.compensating) return;
  const Compensation& c = t.compensation;
  w.varint(c.node);
  w.bytes(c.error);
  w.bytes(c.detail);
  w.bytes(c.error_value);
  write_results_and_acc(w, c.results, c.acc);
  w.varint(c.loops);
  w.varint(c.scopes);
  w.varint(c.catches);
  w.varint(c.target_depth);
  w.varint(c.current);
}

// Version 5's trailing section: the parked threads (State::parked), each written whole.
void write_parked_section(Writer& w, const State& st) {
  w.varint(st.parked.size());
  for (const auto& [id, t] : st.parked) {
    write_thread(w, t);
    w.varint(t.failed_attempts);
    w.bytes(t.last_error);
    w.varint(t.catches.size());
    for (auto c : t.catches) w.varint(c);
    write_thread_undo(w, t);
  }
}

void read_parked_section(Reader& r, State& st) {
  for (std::size_t n = r.count(); n > 0; --n) {
    Thread t = read_thread(r);
    t.failed_attempts = r.varint32();
    t.last_error = r.bytes();
    for (std::size_t k = r.count(); k > 0; --k) t.catches.push_back(r.varint32());
    read_thread_undo(r, t);
    const std::uint32_t id = t.id;
    if (!st.parked.emplace(id, std::move(t)).second) throw StateError("corrupt VM state: duplicate parked thread");
  }
}

void read_undo_section(Reader& r, State& st) {
  st.next_undo_seq = r.varint();
  for (std::size_t n = r.count(); n > 0; --n) {
    auto it = st.threads.find(r.varint32());
    if (it == st.threads.end()) throw StateError("corrupt VM state: undo fields of an unknown thread");
    read_thread_undo(r, it->second);
  }
}

void read_thread_undo(Reader& r, Thread& t) {
  for (std::size_t k = r.count(); k > 0; --k) t.catch_undo_depth.push_back(r.varint32());
  if (t.catch_undo_depth.size() != t.catches.size()) throw StateError("corrupt VM state: catch depths");
  for (std::size_t k = r.count(); k > 0; --k) {
    UndoEntry e;
    e.seq = r.varint();
    e.node = r.varint32();
    e.results = read_map(r);
    e.acc = r.bytes();
    t.undos.push_back(std::move(e));
  }
  t.compensating = r.flag();
  if (!t.compensating) return;
  Compensation& c = t.compensation;
  c.node = r.varint32();
  c.error = r.bytes();
  c.detail = r.bytes();
  c.error_value = r.bytes();
  c.results = read_map(r);
  c.acc = r.bytes();
  c.loops = r.varint32();
  c.scopes = r.varint32();
  c.catches = r.varint32();
  c.target_depth = r.varint32();
  c.current = r.varint32();
}

// Version 7's trailing section: the timeout frames of the threads that have any, then of
// the parked threads that have any, each by thread id.
void write_frames(Writer& w, const std::map<std::uint32_t, Thread>& threads) {
  std::size_t n = 0;
  for (const auto& entry : threads) n += !entry.second.timeouts.empty();
  w.varint(n);
  for (const auto& [id, t] : threads) {
    if (t.timeouts.empty()) continue;
    w.varint(id);
    w.varint(t.timeouts.size());
    for (const TimeoutFrame& f : t.timeouts) {
      w.varint(f.node);
      w.varint(f.task);
      w.varint(f.attempts);
      w.varint(f.in_undo ? 1 : 0);
      w.varint(f.expired ? 1 : 0);
    }
  }
}

void read_frames(Reader& r, std::map<std::uint32_t, Thread>& threads) {
  for (std::size_t n = r.count(); n > 0; --n) {
    auto it = threads.find(r.varint32());
    if (it == threads.end()) throw StateError("corrupt VM state: timeout frames of an unknown thread");
    for (std::size_t k = r.count(); k > 0; --k) {
      TimeoutFrame f;
      f.node = r.varint32();
      f.task = r.varint();
      f.attempts = r.varint32();
      f.in_undo = r.flag();
      f.expired = r.flag();
      it->second.timeouts.push_back(f);
    }
  }
}

// The layout-7 encoding of `st` with `threads` and `tasks` as its threads and tasks.
std::string encode_state(const State& st, const std::map<std::uint32_t, Thread>& threads,
                         const std::map<std::uint64_t, PendingTask>& tasks) {
  Writer w;
  w.out = kMagic;
  w.out += static_cast<char>(kStateVersion);
  w.varint(st.lowering_version);
  w.enum_value(st.status);
  w.bytes(st.instance_id);
  w.bytes(st.label);
  write_map(w, st.variables);
  w.varint(threads.size());
  for (const auto& entry : threads) write_thread(w, entry.second);
  w.varint(tasks.size());
  for (const auto& entry : tasks) write_task(w, entry.second);
  w.varint(st.signals.size());
  for (const auto& s : st.signals) {
    w.bytes(s.name);
    w.bytes(s.payload);
  }
  w.varint(st.next_thread_id);
  w.varint(st.next_task_id);
  w.bytes(st.result);
  write_failure_section(w, st, threads);
  write_undo_section(w, st, threads);
  write_parked_section(w, st);
  write_frames(w, threads);
  write_frames(w, st.parked);
  return w.out;
}

}  // namespace

std::string serialize(const State& st) { return encode_state(st, st.threads, st.tasks); }

State deserialize(std::string_view bytes) {
  Reader r(bytes);
  r.expect(kMagic);
  const std::uint64_t version = r.enum_value<std::uint8_t>(255);
  if (version < 1 || version > kStateVersion || version == 6)
    throw StateError("unsupported VM state version " + std::to_string(version));
  State st;
  st.lowering_version = version == 1 ? 1 : r.varint32();
  st.status = r.enum_value<InstanceStatus>(static_cast<std::uint64_t>(InstanceStatus::Cancelled));
  st.instance_id = r.bytes();
  st.label = r.bytes();
  st.variables = read_map(r);
  for (std::size_t n = r.count(); n > 0; --n) {
    Thread t = read_thread(r);
    const std::uint32_t id = t.id;
    if (!st.threads.emplace(id, std::move(t)).second) throw StateError("corrupt VM state: duplicate thread");
  }
  for (std::size_t n = r.count(); n > 0; --n) {
    PendingTask t = read_task(r);
    const std::uint64_t id = t.id;
    if (!st.tasks.emplace(id, std::move(t)).second) throw StateError("corrupt VM state: duplicate task");
  }
  for (std::size_t n = r.count(); n > 0; --n) {
    BufferedSignal s;
    s.name = r.bytes();
    s.payload = r.bytes();
    st.signals.push_back(std::move(s));
  }
  st.next_thread_id = r.varint32();
  st.next_task_id = r.varint();
  st.result = r.bytes();
  if (version >= 3) read_failure_section(r, st);
  if (version >= 4) {
    read_undo_section(r, st);
    if (version >= 5) read_parked_section(r, st);
    if (version >= 7) {
      read_frames(r, st.threads);
      read_frames(r, st.parked);
    }
  } else {  // an earlier layout had no compensation: every catch starts at depth 0
    for (auto& entry : st.threads) entry.second.catch_undo_depth.assign(entry.second.catches.size(), 0);
  }
  if (!r.at_end()) throw StateError("corrupt VM state: trailing bytes");
  return st;
}

bool operator==(const State& a, const State& b) { return serialize(a) == serialize(b); }

namespace codec {

void write_whole_thread(Writer& w, const Thread& t) {
  write_thread(w, t);
  w.varint(t.failed_attempts);
  w.bytes(t.last_error);
  w.varint(t.catches.size());
  for (auto c : t.catches) w.varint(c);
  write_thread_undo(w, t);
  w.varint(t.timeouts.size());
  for (const TimeoutFrame& f : t.timeouts) {
    w.varint(f.node);
    w.varint(f.task);
    w.varint(f.attempts);
    w.varint(f.in_undo ? 1 : 0);
    w.varint(f.expired ? 1 : 0);
  }
}

Thread read_whole_thread(Reader& r) {
  Thread t = read_thread(r);
  t.failed_attempts = r.varint32();
  t.last_error = r.bytes();
  for (std::size_t k = r.count(); k > 0; --k) t.catches.push_back(r.varint32());
  read_thread_undo(r, t);
  for (std::size_t k = r.count(); k > 0; --k) {
    TimeoutFrame f;
    f.node = r.varint32();
    f.task = r.varint();
    f.attempts = r.varint32();
    f.in_undo = r.flag();
    f.expired = r.flag();
    t.timeouts.push_back(f);
  }
  return t;
}

void write_pending_task(Writer& w, const PendingTask& t) { vm::write_task(w, t); }
PendingTask read_pending_task(Reader& r) { return vm::read_task(r); }

std::string serialize_head(const State& st) { return encode_state(st, {}, {}); }

}  // namespace codec

}  // namespace df::vm
