// metrics_file.cpp — see metrics_file.hpp. The file is fixed-size, in host byte order (it
// never leaves the data directory; a data directory does not move between architectures):
//   magic "DFMC", format version, bucket count, the bucket bounds (a change of bounds is a
//   different file), the counters, the start time, then CRC-32C of everything before it.
// Runs in the postmaster, outside any transaction, with no C++ exception possible (fixed
// buffers only) and no ereport above LOG, so nothing here can longjmp or throw.
#include "engine/metrics_file.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "pg/pg_bridge.hpp"

extern "C" {
#include "access/xlog_internal.h"
#include "catalog/pg_control.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
}

namespace df::ext::metrics::file {
namespace {

constexpr std::uint32_t kMagic = 0x434D4644;  // "DFMC" in little-endian bytes
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kBucketCount = kLatencyBucketsMs.size() + 1;
// magic, version, bucket count; bounds; started, succeeded, failed, retried, latency sum;
// buckets; since; crc
constexpr std::size_t kSize = 3 * 4 + kLatencyBucketsMs.size() * 8 + 5 * 8 + kBucketCount * 8 + 8 + 4;
using Bytes = std::array<unsigned char, kSize>;

class Writer {
 public:
  explicit Writer(Bytes& b) : b_(b) {}
  template <typename T>
  void put(T v) {
    std::memcpy(b_.data() + at_, &v, sizeof v);
    at_ += sizeof v;
  }
  std::size_t at() const { return at_; }

 private:
  Bytes& b_;
  std::size_t at_ = 0;
};

class Reader {
 public:
  explicit Reader(const Bytes& b) : b_(b) {}
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, b_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }

 private:
  const Bytes& b_;
  std::size_t at_ = 0;
};

pg_crc32c checksum(const unsigned char* data, std::size_t n) {
  pg_crc32c crc;
  INIT_CRC32C(crc);
  COMP_CRC32C(crc, data, n);
  FIN_CRC32C(crc);
  return crc;
}

Bytes encode(const Snapshot& s) {
  Bytes b{};
  Writer w(b);
  w.put(kMagic);
  w.put(kVersion);
  w.put(static_cast<std::uint32_t>(kBucketCount));
  for (std::int64_t bound : kLatencyBucketsMs) w.put(bound);
  for (std::uint64_t v : {s.started, s.succeeded, s.failed, s.retried, s.latency_sum_ms}) w.put(v);
  for (std::uint64_t v : s.buckets) w.put(v);
  w.put(s.since_unix_s);
  w.put(checksum(b.data(), w.at()));
  return b;
}

// nullptr when `b` holds counters of this layout, else why not.
const char* decode(const Bytes& b, Snapshot* out) {
  Reader r(b);
  if (r.get<std::uint32_t>() != kMagic) return "it is not a pg_durable counters file";
  if (r.get<std::uint32_t>() != kVersion) return "it was written by another version of its format";
  if (r.get<std::uint32_t>() != kBucketCount) return "its latency histogram has other buckets";
  for (std::int64_t bound : kLatencyBucketsMs)
    if (r.get<std::int64_t>() != bound) return "its latency histogram has other buckets";
  Snapshot s;
  s.started = r.get<std::uint64_t>();
  s.succeeded = r.get<std::uint64_t>();
  s.failed = r.get<std::uint64_t>();
  s.retried = r.get<std::uint64_t>();
  s.latency_sum_ms = r.get<std::uint64_t>();
  for (auto& v : s.buckets) v = r.get<std::uint64_t>();
  s.since_unix_s = r.get<std::int64_t>();
  if (r.get<pg_crc32c>() != checksum(b.data(), kSize - sizeof(pg_crc32c))) return "its checksum does not match";
  *out = s;
  return nullptr;
}

// Whether pg_control says the last shutdown was clean (the postmaster has not started the
// startup process yet, so it still holds the previous run's state). An immediate shutdown
// leaves DB_IN_PRODUCTION: recovery follows, and so does PostgreSQL's own statistics reset.
bool shut_down_cleanly() {
  FILE* f = AllocateFile(XLOG_CONTROL_FILE, PG_BINARY_R);
  if (!f) return false;
  ControlFileData control;
  const bool read = fread(&control, 1, sizeof control, f) == sizeof control;
  FreeFile(f);
  if (!read) return false;
  pg_crc32c crc;
  INIT_CRC32C(crc);
  COMP_CRC32C(crc, &control, offsetof(ControlFileData, crc));
  FIN_CRC32C(crc);
  if (!EQ_CRC32C(crc, control.crc)) return false;
  return control.state == DB_SHUTDOWNED || control.state == DB_SHUTDOWNED_IN_RECOVERY;
}

void refuse(const char* why) {
  ereport(LOG, (errmsg("pg_durable: step counters in \"%s\" not restored: %s; they start from zero", kPath, why)));
}

}  // namespace

std::optional<Snapshot> load() {
  FILE* f = AllocateFile(kPath, PG_BINARY_R);
  if (!f) {
    if (errno == ENOENT)
      ereport(LOG, (errmsg("pg_durable: no step counters saved by a clean shutdown in \"%s\"; they start from zero",
                           kPath)));
    else
      ereport(LOG, (errcode_for_file_access(),
                    errmsg("pg_durable: could not read step counters \"%s\": %m; they start from zero", kPath)));
    return std::nullopt;
  }
  Bytes b{};
  const std::size_t n = fread(b.data(), 1, b.size(), f);
  const bool longer = n == b.size() && fgetc(f) != EOF;
  const bool failed = ferror(f) != 0;
  FreeFile(f);
  unlink(kPath);  // read once: a crash later must not bring these counters back
  Snapshot s;
  const char* why = failed                           ? "it could not be read"
                    : n != b.size() || longer        ? "it has the wrong size"
                    : !shut_down_cleanly()           ? "the server did not shut down cleanly"
                                                     : decode(b, &s);
  if (why) {
    refuse(why);
    return std::nullopt;
  }
  ereport(LOG, (errmsg("pg_durable: step counters restored from \"%s\" (%llu steps started)", kPath,
                       static_cast<unsigned long long>(s.started))));
  return s;
}

void save(const Snapshot& s) {
  static const char* const kTemp = "pg_stat/pg_durable_metrics.stat.tmp";
  const Bytes b = encode(s);
  FILE* f = AllocateFile(kTemp, PG_BINARY_W);
  bool ok = f != nullptr && fwrite(b.data(), 1, b.size(), f) == b.size();
  if (f && FreeFile(f) != 0) ok = false;
  if (!ok) {
    ereport(LOG, (errcode_for_file_access(), errmsg("pg_durable: could not write step counters \"%s\": %m", kTemp)));
    unlink(kTemp);
    return;
  }
  if (durable_rename(kTemp, kPath, LOG) != 0) unlink(kTemp);  // durable_rename said why
}

}  // namespace df::ext::metrics::file
