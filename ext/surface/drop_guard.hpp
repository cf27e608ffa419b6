// drop_guard.hpp — refuse DROP EXTENSION pg_durable (RESTRICT) while it holds data.
#pragma once

namespace df::ext {
void install_drop_guard();  // from _PG_init
}
