// subtransaction.hpp — an internal subtransaction as a C++ scope, for code that runs C++
// between its begin and its end (the executor's step, df.cancel's engine call): begun by
// the constructor, ended by release() or rollback(); a scope left without either (a C++
// exception) rolls back. Every end restores the caller's memory context and resource
// owner, which each BeginInternalSubTransaction caller otherwise restores by hand.
// (pg_call_subxact in pg_bridge.hpp is the form for a body that is one PostgreSQL call.)
#pragma once

#include "pg/pg_bridge.hpp"

namespace df::ext {

class SubTransaction {
 public:
  SubTransaction() : context_(CurrentMemoryContext), owner_(CurrentResourceOwner) {
    pg_call([] { BeginInternalSubTransaction(nullptr); });
    MemoryContextSwitchTo(context_);  // the caller's allocations stay in the caller's context
    open_ = true;
  }
  ~SubTransaction() {
    if (!open_) return;
    try {
      rollback();
    } catch (...) {
      // Only on an exception's way out: the transaction is then aborted as a whole
      // (AbortOutOfAnyTransaction), which ends this subtransaction too.
    }
  }
  SubTransaction(const SubTransaction&) = delete;
  SubTransaction& operator=(const SubTransaction&) = delete;

  // Keeps the subtransaction's effects in the enclosing transaction.
  void release() { end([] { ReleaseCurrentSubTransaction(); }); }
  // Undoes them.
  void rollback() { end([] { RollbackAndReleaseCurrentSubTransaction(); }); }

 private:
  template <typename Fn>
  void end(Fn fn) {
    if (!open_) throw std::logic_error("SubTransaction ended twice");
    open_ = false;
    pg_call(fn);
    MemoryContextSwitchTo(context_);
    CurrentResourceOwner = owner_;
  }

  MemoryContext context_;
  ResourceOwner owner_;
  bool open_ = false;
};

}  // namespace df::ext
