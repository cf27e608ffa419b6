// check_cache.cpp — see check_cache.hpp. Plain PostgreSQL C inside the hook (no C++
// object with a destructor lives across a call that may ereport).
#include "pg/check_cache.hpp"

#include <cstring>

#include "pg/pg_bridge.hpp"

extern "C" {
#include "access/transam.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace df::ext::check_cache {
namespace {

ExecutorStart_hook_type prev_executor_start = nullptr;
MemoryContext cache_context = nullptr;

// The constraints of one relation as they were when parsed. Entries are never freed: a
// statement started earlier may still run the trees of one that a DDL replaced.
struct Entry {
  Oid relid;
  int ncheck;
  char** ccbin;   // the stored text each tree was read from
  Expr** trees;   // planned when `planned`, else as read
  bool planned;
  Entry* next;
};
Entry* entries = nullptr;

bool user_function(Oid func_id, void*) { return func_id >= FirstNormalObjectId; }

bool calls_user_function(Node* node, void* context) {
  if (node == nullptr) return false;
  if (check_functions_in_node(node, user_function, context)) return true;
  return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(calls_user_function)), context);
}

Entry* entry_for(Relation rel) {
  const TupleConstr* constr = rel->rd_att->constr;
  const int n = constr->num_check;
  for (Entry* e = entries; e != nullptr; e = e->next) {
    if (e->relid != RelationGetRelid(rel) || e->ncheck != n) continue;
    bool same = true;
    for (int i = 0; i < n && same; ++i) same = std::strcmp(e->ccbin[i], constr->check[i].ccbin) == 0;
    if (same) return e;
  }
  if (cache_context == nullptr)
    cache_context = AllocSetContextCreate(TopMemoryContext, "pg_durable check constraints", ALLOCSET_SMALL_SIZES);
  MemoryContext old = MemoryContextSwitchTo(cache_context);
  auto* e = static_cast<Entry*>(palloc0(sizeof(Entry)));
  e->relid = RelationGetRelid(rel);
  e->ncheck = n;
  e->ccbin = static_cast<char**>(palloc(n * sizeof(char*)));
  e->trees = static_cast<Expr**>(palloc(n * sizeof(Expr*)));
  bool builtin_only = true;
  for (int i = 0; i < n; ++i) {
    e->ccbin[i] = pstrdup(constr->check[i].ccbin);
    e->trees[i] = static_cast<Expr*>(stringToNode(e->ccbin[i]));
    if (calls_user_function(reinterpret_cast<Node*>(e->trees[i]), nullptr)) builtin_only = false;
  }
  if (builtin_only)
    for (int i = 0; i < n; ++i) e->trees[i] = expression_planner(e->trees[i]);
  e->planned = builtin_only;
  MemoryContextSwitchTo(old);
  e->next = entries;
  entries = e;
  return e;
}

bool engine_table(Relation rel) {
  const Oid ns = RelationGetNamespace(rel);
  return ns == get_namespace_oid("df", true) || ns == get_namespace_oid("_duroxide", true);
}

// What ExecRelCheck would build at the relation's first checked row (ExecPrepareExpr of
// each constraint, in the query's memory), from the kept trees.
void executor_start(QueryDesc* query, int eflags) {
  if (prev_executor_start) prev_executor_start(query, eflags);
  else standard_ExecutorStart(query, eflags);
  if (eflags & EXEC_FLAG_EXPLAIN_ONLY) return;
  EState* estate = query->estate;
  ListCell* lc;
  foreach (lc, estate->es_opened_result_relations) {
    auto* rri = static_cast<ResultRelInfo*>(lfirst(lc));
    Relation rel = rri->ri_RelationDesc;
    const TupleConstr* constr = rel->rd_att->constr;
    if (rri->ri_ConstraintExprs != nullptr || constr == nullptr || constr->num_check == 0) continue;
    // a missing pg_constraint row: left to ExecRelCheck, which raises the error
    if (constr->num_check != rel->rd_rel->relchecks || !engine_table(rel)) continue;
    Entry* e = entry_for(rel);
    MemoryContext old = MemoryContextSwitchTo(estate->es_query_cxt);
    auto** exprs = static_cast<ExprState**>(palloc(e->ncheck * sizeof(ExprState*)));
    for (int i = 0; i < e->ncheck; ++i)
      exprs[i] = e->planned ? ExecInitExpr(e->trees[i], nullptr) : ExecPrepareExpr(e->trees[i], estate);
    MemoryContextSwitchTo(old);
    rri->ri_ConstraintExprs = exprs;
  }
}

}  // namespace

void install() {
  prev_executor_start = ExecutorStart_hook;
  ExecutorStart_hook = executor_start;
}

}  // namespace df::ext::check_cache
