// test_text.cpp — unit tests for the shared text rules (model/text.hpp): UTF-8
// well-formedness at the edges RFC 3629 draws, and lowercasing.
#include <doctest/doctest.h>

#include "text.hpp"

using namespace df::compiler;

TEST_CASE("utf8_sequence_length: lengths of well-formed sequences, 0 for malformed ones") {
  CHECK(utf8_sequence_length("a", 0) == 1);
  CHECK(utf8_sequence_length(std::string_view("\0", 1), 0) == 1);  // NUL is the caller's rule
  CHECK(utf8_sequence_length("\xc3\xa9", 0) == 2);
  CHECK(utf8_sequence_length("\xe2\x82\xac", 0) == 3);
  CHECK(utf8_sequence_length("\xf0\x9f\x98\x80", 0) == 4);
  CHECK(utf8_sequence_length("x\xc3\xa9", 1) == 2);
  CHECK(utf8_sequence_length("\x80", 0) == 0);              // stray continuation byte
  CHECK(utf8_sequence_length("\xc3", 0) == 0);              // truncated
  CHECK(utf8_sequence_length("\xc3z", 0) == 0);             // bad continuation
  CHECK(utf8_sequence_length("\xc0\xaf", 0) == 0);          // overlong (2 bytes)
  CHECK(utf8_sequence_length("\xe0\x80\xaf", 0) == 0);      // overlong (3 bytes)
  CHECK(utf8_sequence_length("\xf0\x80\x80\xaf", 0) == 0);  // overlong (4 bytes)
  CHECK(utf8_sequence_length("\xed\xa0\x80", 0) == 0);      // surrogate U+D800
  CHECK(utf8_sequence_length("\xed\x9f\xbf", 0) == 3);      // U+D7FF, just below
  CHECK(utf8_sequence_length("\xf4\x8f\xbf\xbf", 0) == 4);  // U+10FFFF, the last
  CHECK(utf8_sequence_length("\xf4\x90\x80\x80", 0) == 0);  // above U+10FFFF
  CHECK(utf8_sequence_length("\xf5\x80\x80\x80", 0) == 0);
}

TEST_CASE("is_valid_utf8 over whole strings") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xc3"));              // truncated
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(is_valid_utf8("ok\xff"));
}

TEST_CASE("to_lower lowercases ASCII letters and keeps every other byte") {
  CHECK(to_lower("HTTPS://Example.COM") == "https://example.com");
  CHECK(to_lower("Content-Type") == "content-type");
  CHECK(to_lower("caf\xc3\xa9 123") == "caf\xc3\xa9 123");
  CHECK(to_lower("") == "");
}

TEST_CASE("whitespace runs collapse to one space, leading ones dropped") {
  CHECK(df::compiler::collapse_whitespace("  SELECT 1\n\t  FROM t\r\n\f") == "SELECT 1 FROM t");
  CHECK(df::compiler::collapse_whitespace("") == "");
  CHECK(df::compiler::collapse_whitespace("a  b") == "a b");
}
