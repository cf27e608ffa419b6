// executor.hpp — executors: dynamic background workers, each a session of one role,
// started by the scheduler (executor_pool.hpp), that run that role's SQL steps (and HTTP
// calls), each step in one transaction with its checkpoint.
#pragma once

#include "pg/pg_bridge.hpp"

namespace df::ext {

// What an executor is started for (its bgw_extra): the database and the role whose
// session it is.
struct ExecutorBinding {
  Oid database;
  Oid role;
};

}  // namespace df::ext

extern "C" {
__attribute__((visibility("default"))) void df_executor_main(unsigned long main_arg);
}
