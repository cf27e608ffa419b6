// doctest_main.cpp — the one translation unit that instantiates doctest's runner;
// every unit-test executable links it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#include <doctest/doctest.h>
