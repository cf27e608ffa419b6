// test_json_numbers.cpp — golden cases for how parse_json reads numbers (json_text.cpp):
// the compact text after a parse must stay byte-identical to what RapidJSON's own
// full-precision conversion gave (integers, negatives, exponents, big uint64, floats),
// while literals that crashed RapidJSON 1.1.0's StrtodDiyFp parse cleanly.
#include <doctest/doctest.h>

#include <string>

#include "json_text.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {
// Compact text of `json` after parse_json, or "ERR <reason>".
std::string reparsed(const std::string& json) {
  rapidjson::Document doc;
  std::string error;
  if (!parse_json(json, doc, &error)) return "ERR " + error;
  return json_value_text(doc);
}
}  // namespace

TEST_CASE("integers keep RapidJSON's int64/uint64 ranges and text") {
  CHECK(reparsed("[0,-0,1,-1,42,4294967295,4294967296,-2147483648,-2147483649]") ==
        "[0,0,1,-1,42,4294967295,4294967296,-2147483648,-2147483649]");
  CHECK(reparsed("[9223372036854775807,9223372036854775808,-9223372036854775808,"
                 "-9223372036854775809]") ==
        "[9223372036854775807,9223372036854775808,-9223372036854775808,"
        "-9223372036854776000.0]");
  CHECK(reparsed("[18446744073709551615,18446744073709551616,123456789012345678901234567890]") ==
        "[18446744073709551615,18446744073709553000.0,1.2345678901234568e29]");
  rapidjson::Document doc;
  REQUIRE(parse_json("[18446744073709551615,-9223372036854775808,7]", doc, nullptr));
  CHECK(doc[0].IsUint64());
  CHECK(doc[1].IsInt64());
  CHECK(doc[2].IsInt());
}

TEST_CASE("exponents and floats convert to the correctly rounded double") {
  CHECK(reparsed("[1e2,1E2,1e+2,1e-2,-1.5e-7,2.5e10,1e21,1e22,1e308,1.7976931348623157e308,"
                 "5e-324,2.2250738585072014e-308]") ==
        "[100.0,100.0,100.0,0.01,-1.5e-7,25000000000.0,1e21,1e22,1e308,"
        "1.7976931348623157e308,5e-324,2.2250738585072014e-308]");
  CHECK(reparsed("[0.1,0.2,0.30000000000000004,3.14159,-2.50,100.0,1.0,-0.0,0.0,123456.789e3]") ==
        "[0.1,0.2,0.30000000000000007,3.14159,-2.5,100.0,1.0,-0.0,0.0,123456789.0]");
  CHECK(reparsed("[0.10000000000000000555,9007199254740993,9007199254740993.0,"
                 "1.00000000000000011102230246251565404236316680908203125]") ==
        "[0.1,9007199254740993,9007199254740992.0,1.0]");
  CHECK(reparsed(R"({"timeout_seconds":30,"n":-7,"f":1.25})") ==
        R"({"timeout_seconds":30,"n":-7,"f":1.25})");
  CHECK(reparsed("[1e-400,-1e-400,0e203,-0E-133]") == "[0.0,-0.0,0.0,-0.0]");
}

TEST_CASE("numbers beyond a double are a clear parse error") {
  CHECK(reparsed("[1e400]") == "ERR Number too big to be stored in double.");
  CHECK(reparsed("[-1e400]") == "ERR Number too big to be stored in double.");
  CHECK(reparsed("[351965859994422240782e+289]") == "ERR Number too big to be stored in double.");
}

TEST_CASE("long literals that crashed RapidJSON's full-precision conversion parse safely") {
  const std::string long_fraction =
      "0." + std::string(340, '0') + "18446744073709551615";  // issue 11, item 1
  CHECK(reparsed("[" + long_fraction + "]") == "[0.0]");
  CHECK(reparsed("[-0.08155857353870334558972e-329]") == "[-0.0]");
  CHECK(reparsed("[1." + std::string(5000, '7') + "e-300]") == "[1.7777777777777778e-300]");
  // Through the wire reader df.start uses: still a workflow, and its JSON is unchanged.
  const std::string wire =
      R"({"node_type":"SQL","query":"SELECT 1","x":)" + long_fraction + "}";
  auto node = parse_strict(wire);
  REQUIRE(node);
  CHECK(to_json(*node) == R"({"node_type":"SQL","query":"SELECT 1"})");
}
