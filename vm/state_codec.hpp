// state_codec.hpp — the byte-level encoding the checkpoint formats share (state.cpp: the
// whole state; state_delta.cpp: what one event changed): LEB128 varints (signed ones
// zig-zagged), length-prefixed strings, and one thread or task encoded whole. Internal to
// vm/: the host only sees serialize/deserialize and encode_delta/apply_delta.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include "state.hpp"

namespace df::vm::codec {

class Writer {
 public:
  std::string out;
  // An unsigned LEB128 varint.
  void varint(std::uint64_t v) {
    do {
      std::uint8_t byte = v & 0x7F;
      v >>= 7;
      out += static_cast<char>(v ? byte | 0x80 : byte);
    } while (v);
  }
  // A signed integer, zig-zagged so small negative numbers stay short.
  void signed_varint(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  // A length-prefixed byte string.
  void bytes(const std::string& v) {
    varint(v.size());
    out += v;
  }
  // An enumerator (or bool) as its underlying number.
  template <class E> void enum_value(E v) { varint(static_cast<std::uint64_t>(v)); }
};

// Reads what Writer wrote; every method names the encoding it reads and throws StateError
// on truncated or out-of-range input.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) throw StateError("corrupt VM state: truncated");
      const auto byte = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    throw StateError("corrupt VM state: varint too long");
  }
  std::uint32_t varint32() {
    const std::uint64_t v = varint();
    if (v > 0xFFFFFFFFu) throw StateError("corrupt VM state: value out of range");
    return static_cast<std::uint32_t>(v);
  }
  std::int64_t signed_varint() {
    const std::uint64_t v = varint();
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
  }
  std::string bytes() {
    const std::uint64_t n = varint();
    if (n > in_.size() - pos_) throw StateError("corrupt VM state: truncated string");
    std::string v(in_.substr(pos_, n));
    pos_ += n;
    return v;
  }
  template <class E> E enum_value(std::uint64_t max) {
    const std::uint64_t v = varint();
    if (v > max) throw StateError("corrupt VM state: bad enum value");
    return static_cast<E>(v);
  }
  bool flag() { return enum_value<std::uint8_t>(1) != 0; }
  // A count of elements each needing at least one byte: bounded by what is left.
  std::size_t count() {
    const std::uint64_t n = varint();
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

// One thread with every field it has (the layout-7 fields inline, as a parked thread is
// written, plus its timeout frames), and one pending task.
void write_whole_thread(Writer& w, const Thread& t);
Thread read_whole_thread(Reader& r);
void write_pending_task(Writer& w, const PendingTask& t);
PendingTask read_pending_task(Reader& r);

// serialize() of `st` with no threads and no tasks: its scalar fields, variables, signals
// and parked threads (a delta's head).
std::string serialize_head(const State& st);

}  // namespace df::vm::codec
