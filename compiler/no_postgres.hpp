// no_postgres.hpp — compile-time fence: the compiler and VM libraries must never see
// PostgreSQL's headers (docs/design.md, "Layout and dependency direction"). Every public header
// of compiler/ and vm/ includes this, so a translation unit that mixes them fails loudly.
#pragma once
#ifdef POSTGRES_H
#error "compiler/ and vm/ headers must not be included after postgres.h; include them first (see docs/toolchain.md §1)"
#endif
