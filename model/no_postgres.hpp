// no_postgres.hpp — compile-time fence: the model, compiler and VM libraries must never see
// PostgreSQL's headers (docs/design.md, "Layout and dependency direction"). Every public header
// of model/, compiler/ and vm/ includes this, so a translation unit that mixes them fails loudly.
#pragma once
#ifdef POSTGRES_H
#error "model/, compiler/ and vm/ headers must not be included after postgres.h; include them first (see docs/toolchain.md §1)"
#endif
