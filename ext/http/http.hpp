// http.hpp — performs one HTTP or HTTP_MULTIPART step (docs/reference.md §16) for an executor:
// privilege re-check, outbound policy, DNS resolution pinned into libcurl, the request on
// libcurl's multi interface with interrupt checks between polls, and the §8.3 envelope.
#pragma once

#include <string>

#include "pg/pg_bridge.hpp"

namespace df::ext::http {

struct Outcome {
  bool ok = false;   // true: text is the §8.3 envelope JSON; false: text is the node's error
  std::string text;
  // Failures only, for retry policies: the response status (0 = none) and whether the
  // failure may pass by itself (network errors, timeouts, 5xx) - policy refusals do not.
  long http_status = 0;
  bool transient = false;
};

// Called inside the executor's transaction with SPI connected. config_json is the node
// config after §9 substitution; idempotency_key is "<instance>-<node id>-<iteration>".
// A query cancel or termination during the request propagates as PgError (the executor
// retries the task); every other failure is returned as an Outcome with ok = false.
Outcome perform(const std::string& config_json, bool multipart, Oid submitter,
                const std::string& idempotency_key);

}  // namespace df::ext::http
