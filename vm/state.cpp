// state.cpp — scope rendering and the versioned binary encoding of State. Integers are
// LEB128 varints (signed ones zig-zagged), strings are length-prefixed; every container is
// written in its (deterministic) iteration order, so equal states encode to equal bytes.
#include "state.hpp"

#include <tuple>

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

const char kMagic[] = "DFVMS";

class Writer {
 public:
  std::string out;
  void u(std::uint64_t v) {
    do {
      std::uint8_t byte = v & 0x7F;
      v >>= 7;
      out += static_cast<char>(v ? byte | 0x80 : byte);
    } while (v);
  }
  void i(std::int64_t v) {
    u((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void s(const std::string& v) {
    u(v.size());
    out += v;
  }
  template <class E> void e(E v) { u(static_cast<std::uint64_t>(v)); }
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint64_t u() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) throw StateError("corrupt VM state: truncated");
      const auto byte = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    throw StateError("corrupt VM state: varint too long");
  }
  std::uint32_t u32() {
    const std::uint64_t v = u();
    if (v > 0xFFFFFFFFu) throw StateError("corrupt VM state: value out of range");
    return static_cast<std::uint32_t>(v);
  }
  std::int64_t i() {
    const std::uint64_t v = u();
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
  }
  std::string s() {
    const std::uint64_t n = u();
    if (n > in_.size() - pos_) throw StateError("corrupt VM state: truncated string");
    std::string v(in_.substr(pos_, n));
    pos_ += n;
    return v;
  }
  template <class E> E e(std::uint64_t max) {
    const std::uint64_t v = u();
    if (v > max) throw StateError("corrupt VM state: bad enum value");
    return static_cast<E>(v);
  }
  bool b() { return e<std::uint8_t>(1) != 0; }
  // A count of elements each needing at least one byte: bounded by what is left.
  std::size_t count() {
    const std::uint64_t n = u();
    if (n > in_.size() - pos_) throw StateError("corrupt VM state: bad count");
    return static_cast<std::size_t>(n);
  }
  void expect(std::string_view bytes) {
    if (in_.substr(pos_, bytes.size()) != bytes) throw StateError("corrupt VM state: bad magic");
    pos_ += bytes.size();
  }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

void write_map(Writer& w, const std::map<std::string, std::string>& m) {
  w.u(m.size());
  for (const auto& [k, v] : m) {
    w.s(k);
    w.s(v);
  }
}

std::map<std::string, std::string> read_map(Reader& r) {
  std::map<std::string, std::string> m;
  for (std::size_t n = r.count(); n > 0; --n) {
    std::string k = r.s();
    m[k] = r.s();
  }
  return m;
}

void write_thread(Writer& w, const Thread& t) {
  w.u(t.id);
  w.u(t.parent);
  w.u(t.root_node);
  w.u(t.pc);
  w.e(t.status);
  w.u(t.wait_task);
  w.s(t.acc);
  write_map(w, t.results);
  w.u(t.loops.size());
  for (const auto& f : t.loops) {
    w.u(f.node);
    w.u(f.iteration);
    w.i(f.start_ms);
    w.s(f.body_result);
    w.u(f.owns_scope ? 1 : 0);
  }
  w.u(t.scope.size());
  for (const auto& s : t.scope) {
    w.u(s.node);
    w.u(s.generation);
  }
  w.u(t.children.size());
  for (auto c : t.children) w.u(c);
  w.e(t.outcome);
  w.s(t.outcome_text);
}

Thread read_thread(Reader& r) {
  Thread t;
  t.id = r.u32();
  t.parent = r.u32();
  t.root_node = r.u32();
  t.pc = r.u32();
  t.status = r.e<ThreadStatus>(static_cast<std::uint64_t>(ThreadStatus::Done));
  t.wait_task = r.u();
  t.acc = r.s();
  t.results = read_map(r);
  for (std::size_t n = r.count(); n > 0; --n) {
    LoopFrame f;
    f.node = r.u32();
    f.iteration = r.u32();
    f.start_ms = r.i();
    f.body_result = r.s();
    f.owns_scope = r.b();
    t.loops.push_back(std::move(f));
  }
  for (std::size_t n = r.count(); n > 0; --n) {
    ScopeEntry s;
    s.node = r.u32();
    s.generation = r.u32();
    t.scope.push_back(s);
  }
  for (std::size_t n = r.count(); n > 0; --n) t.children.push_back(r.u32());
  t.outcome = r.e<Outcome>(static_cast<std::uint64_t>(Outcome::Break));
  t.outcome_text = r.s();
  return t;
}

void write_task(Writer& w, const PendingTask& t) {
  w.u(t.id);
  w.e(t.kind);
  w.u(t.thread);
  w.u(t.node);
  w.s(t.text);
  w.i(t.deadline_ms);
  w.u(t.iteration);
  w.s(t.scope);
}

PendingTask read_task(Reader& r) {
  PendingTask t;
  t.id = r.u();
  t.kind = r.e<TaskKind>(static_cast<std::uint64_t>(TaskKind::RetryTimer));
  t.thread = r.u32();
  t.node = r.u32();
  t.text = r.s();
  t.deadline_ms = r.i();
  t.iteration = r.u32();
  t.scope = r.s();
  return t;
}

bool has_failure_state(const Thread& t) {
  return t.failed_attempts != 0 || !t.last_error.empty() || !t.catches.empty();
}

// Version 3's trailing section (failure handling): the instance-wide retry policy, then
// the retry/catch fields of the threads that have any, by thread id. Earlier layouts are
// exactly the rest of the bytes.
void write_failure_section(Writer& w, const State& st) {
  w.u(st.retry.max_attempts);
  w.i(st.retry.backoff_ms);
  w.i(st.retry.max_backoff_ms);
  std::size_t n = 0;
  for (const auto& entry : st.threads) n += has_failure_state(entry.second);
  w.u(n);
  for (const auto& [id, t] : st.threads) {
    if (!has_failure_state(t)) continue;
    w.u(id);
    w.u(t.failed_attempts);
    w.s(t.last_error);
    w.u(t.catches.size());
    for (auto c : t.catches) w.u(c);
  }
}

void read_failure_section(Reader& r, State& st) {
  st.retry.max_attempts = r.u32();
  st.retry.backoff_ms = r.i();
  st.retry.max_backoff_ms = r.i();
  for (std::size_t n = r.count(); n > 0; --n) {
    auto it = st.threads.find(r.u32());
    if (it == st.threads.end()) throw StateError("corrupt VM state: failure fields of an unknown thread");
    Thread& t = it->second;
    t.failed_attempts = r.u32();
    t.last_error = r.s();
    for (std::size_t k = r.count(); k > 0; --k) t.catches.push_back(r.u32());
  }
}

void write_thread_undo(Writer& w, const Thread& t);
void read_thread_undo(Reader& r, Thread& t);

bool has_undo_state(const Thread& t) {
  return !t.undos.empty() || !t.catch_undo_depth.empty() || t.compensating;
}

void write_results_and_acc(Writer& w, const std::map<std::string, std::string>& results, const std::string& acc) {
  write_map(w, results);
  w.s(acc);
}

// Version 4's trailing section (compensation): the undo sequence counter, then the undo
// fields of the threads that have any, by thread id.
void write_undo_section(Writer& w, const State& st) {
  w.u(st.next_undo_seq);
  std::size_t n = 0;
  for (const auto& entry : st.threads) n += has_undo_state(entry.second);
  w.u(n);
  for (const auto& [id, t] : st.threads) {
    if (!has_undo_state(t)) continue;
    w.u(id);
    write_thread_undo(w, t);
  }
}

void write_thread_undo(Writer& w, const Thread& t) {
  w.u(t.catch_undo_depth.size());
  for (auto d : t.catch_undo_depth) w.u(d);
  w.u(t.undos.size());
  for (const auto& e : t.undos) {
    w.u(e.seq);
    w.u(e.node);
    write_results_and_acc(w, e.results, e.acc);
  }
  w.u(t.compensating ? 1 : 0);
  if (!t.compensating) return;
  const Compensation& c = t.compensation;
  w.u(c.node);
  w.s(c.error);
  w.s(c.detail);
  w.s(c.error_value);
  write_results_and_acc(w, c.results, c.acc);
  w.u(c.loops);
  w.u(c.scopes);
  w.u(c.catches);
  w.u(c.target_depth);
  w.u(c.current);
}

// Version 5's trailing section: the parked threads (State::parked), each written whole.
void write_parked_section(Writer& w, const State& st) {
  w.u(st.parked.size());
  for (const auto& [id, t] : st.parked) {
    write_thread(w, t);
    w.u(t.failed_attempts);
    w.s(t.last_error);
    w.u(t.catches.size());
    for (auto c : t.catches) w.u(c);
    write_thread_undo(w, t);
  }
}

void read_parked_section(Reader& r, State& st) {
  for (std::size_t n = r.count(); n > 0; --n) {
    Thread t = read_thread(r);
    t.failed_attempts = r.u32();
    t.last_error = r.s();
    for (std::size_t k = r.count(); k > 0; --k) t.catches.push_back(r.u32());
    read_thread_undo(r, t);
    const std::uint32_t id = t.id;
    if (!st.parked.emplace(id, std::move(t)).second) throw StateError("corrupt VM state: duplicate parked thread");
  }
}

void read_undo_section(Reader& r, State& st) {
  st.next_undo_seq = r.u();
  for (std::size_t n = r.count(); n > 0; --n) {
    auto it = st.threads.find(r.u32());
    if (it == st.threads.end()) throw StateError("corrupt VM state: undo fields of an unknown thread");
    read_thread_undo(r, it->second);
  }
}

void read_thread_undo(Reader& r, Thread& t) {
  for (std::size_t k = r.count(); k > 0; --k) t.catch_undo_depth.push_back(r.u32());
  if (t.catch_undo_depth.size() != t.catches.size()) throw StateError("corrupt VM state: catch depths");
  for (std::size_t k = r.count(); k > 0; --k) {
    UndoEntry e;
    e.seq = r.u();
    e.node = r.u32();
    e.results = read_map(r);
    e.acc = r.s();
    t.undos.push_back(std::move(e));
  }
  t.compensating = r.b();
  if (!t.compensating) return;
  Compensation& c = t.compensation;
  c.node = r.u32();
  c.error = r.s();
  c.detail = r.s();
  c.error_value = r.s();
  c.results = read_map(r);
  c.acc = r.s();
  c.loops = r.u32();
  c.scopes = r.u32();
  c.catches = r.u32();
  c.target_depth = r.u32();
  c.current = r.u32();
}

}  // namespace

std::string serialize(const State& st) {
  Writer w;
  w.out = kMagic;
  w.out += static_cast<char>(kStateVersion);
  w.u(st.lowering_version);
  w.e(st.status);
  w.s(st.instance_id);
  w.s(st.label);
  write_map(w, st.variables);
  w.u(st.threads.size());
  for (const auto& entry : st.threads) write_thread(w, entry.second);
  w.u(st.tasks.size());
  for (const auto& entry : st.tasks) write_task(w, entry.second);
  w.u(st.signals.size());
  for (const auto& s : st.signals) {
    w.s(s.name);
    w.s(s.payload);
  }
  w.u(st.next_thread_id);
  w.u(st.next_task_id);
  w.s(st.result);
  write_failure_section(w, st);
  write_undo_section(w, st);
  write_parked_section(w, st);
  return w.out;
}

State deserialize(std::string_view bytes) {
  Reader r(bytes);
  r.expect(kMagic);
  const std::uint64_t version = r.e<std::uint8_t>(255);
  if (version < 1 || version > kStateVersion)
    throw StateError("unsupported VM state version " + std::to_string(version));
  State st;
  st.lowering_version = version == 1 ? 1 : r.u32();
  st.status = r.e<InstanceStatus>(static_cast<std::uint64_t>(InstanceStatus::Cancelled));
  st.instance_id = r.s();
  st.label = r.s();
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
    s.name = r.s();
    s.payload = r.s();
    st.signals.push_back(std::move(s));
  }
  st.next_thread_id = r.u32();
  st.next_task_id = r.u();
  st.result = r.s();
  if (version >= 3) read_failure_section(r, st);
  if (version >= 4) {
    read_undo_section(r, st);
    if (version >= 5) read_parked_section(r, st);
  } else {  // an earlier layout had no compensation: every catch starts at depth 0
    for (auto& entry : st.threads) entry.second.catch_undo_depth.assign(entry.second.catches.size(), 0);
  }
  if (!r.at_end()) throw StateError("corrupt VM state: trailing bytes");
  return st;
}

bool operator==(const State& a, const State& b) { return serialize(a) == serialize(b); }

}  // namespace df::vm
