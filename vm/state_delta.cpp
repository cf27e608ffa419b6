// state_delta.cpp — see state_delta.hpp. The encoding reuses the whole state's primitives
// (state_codec.hpp), so a delta's thread is byte-for-byte the thread a checkpoint holds.
#include "state_delta.hpp"

#include <stdexcept>
#include <vector>

#include "state_codec.hpp"

namespace df::vm {

namespace {
const char kDeltaMagic[] = "DFVMD";
}

std::string encode_delta(const State& after, const Touched& touched) {
  if (touched.all) throw std::logic_error("encode_delta: the event rewrote the whole state");
  codec::Writer w;
  w.out = kDeltaMagic;
  w.out += static_cast<char>(kDeltaVersion);
  w.bytes(codec::serialize_head(after));
  std::vector<std::uint32_t> gone_threads;
  std::size_t present = 0;
  for (std::uint32_t id : touched.threads) present += after.threads.count(id);
  w.varint(present);
  for (std::uint32_t id : touched.threads) {
    auto it = after.threads.find(id);
    if (it == after.threads.end()) gone_threads.push_back(id);
    else codec::write_whole_thread(w, it->second);
  }
  w.varint(gone_threads.size());
  for (std::uint32_t id : gone_threads) w.varint(id);
  std::vector<std::uint64_t> gone_tasks;
  present = 0;
  for (std::uint64_t id : touched.tasks) present += after.tasks.count(id);
  w.varint(present);
  for (std::uint64_t id : touched.tasks) {
    auto it = after.tasks.find(id);
    if (it == after.tasks.end()) gone_tasks.push_back(id);
    else codec::write_pending_task(w, it->second);
  }
  w.varint(gone_tasks.size());
  for (std::uint64_t id : gone_tasks) w.varint(id);
  return w.out;
}

void apply_delta(State& state, std::string_view delta) {
  codec::Reader r(delta);
  r.expect(kDeltaMagic);
  const std::uint64_t version = r.enum_value<std::uint8_t>(255);
  if (version != kDeltaVersion) throw StateError("unsupported VM state delta version " + std::to_string(version));
  State head = deserialize(r.bytes());
  if (!head.threads.empty() || !head.tasks.empty()) throw StateError("corrupt VM state delta: head holds threads");
  // Decode everything before changing `state`: a corrupt delta leaves it as it was. A gone
  // id the state lacks is no error: the event created and removed it (a branch that
  // started and was collected in one event).
  std::vector<Thread> threads;
  for (std::size_t n = r.count(); n > 0; --n) threads.push_back(codec::read_whole_thread(r));
  std::vector<std::uint32_t> gone_threads;
  for (std::size_t n = r.count(); n > 0; --n) gone_threads.push_back(r.varint32());
  std::vector<PendingTask> tasks;
  for (std::size_t n = r.count(); n > 0; --n) tasks.push_back(codec::read_pending_task(r));
  std::vector<std::uint64_t> gone_tasks;
  for (std::size_t n = r.count(); n > 0; --n) gone_tasks.push_back(r.varint());
  if (!r.at_end()) throw StateError("corrupt VM state delta: trailing bytes");
  head.threads.swap(state.threads);
  head.tasks.swap(state.tasks);
  state = std::move(head);
  for (Thread& t : threads) {
    auto it = state.threads.find(t.id);
    if (it == state.threads.end()) {
      const std::uint32_t id = t.id;
      state.threads.emplace(id, std::move(t));
    } else {
      t.done_prefix = it->second.done_prefix;  // a hint, checked before a JOIN collects
      it->second = std::move(t);
    }
  }
  for (std::uint32_t id : gone_threads) state.threads.erase(id);
  for (PendingTask& t : tasks) {
    const std::uint64_t id = t.id;
    state.tasks[id] = std::move(t);
  }
  for (std::uint64_t id : gone_tasks) state.tasks.erase(id);
}

}  // namespace df::vm
