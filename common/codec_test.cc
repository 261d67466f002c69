// Tests of common/codec.h: mp::dumps and mp::loads.
//
//   bazel test //common:codec_test
//
// Most tests are round trips: loads(dumps(x)) == x. The others feed loads
// bytes that are not one encoded value and expect mp::CodecError.

#include "common/codec.h"

#include <cereal/archives/binary.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/errors.h"

namespace {

using mp::CodecError;
using mp::dumps;
using mp::loads;

// Encodes and decodes `value` as type T.
template <typename T>
T RoundTrip(const T& value) {
  return loads<T>(dumps(value));
}

struct Point {
  int x = 0;
  int y = 0;
  std::string label;
  MP_CODEC_FIELDS(x, y, label)

  bool operator==(const Point&) const = default;
};

// A class whose fields, and the macro, are private.
class Account {
 public:
  Account() = default;
  Account(std::string owner, std::vector<Point> visits)
      : owner_(std::move(owner)), visits_(std::move(visits)) {}
  bool operator==(const Account&) const = default;

 private:
  std::string owner_;
  std::vector<Point> visits_;
  int cache_ = 7;  // not named below: not sent
  MP_CODEC_FIELDS(owner_, visits_)
};

// Compile-time checks of what is encodable. (That mp::dumps of anything
// else fails to compile, with its sentence, is checked by hand: a test that
// does not compile cannot run.)
static_assert(mp::Encodable<int>);
static_assert(mp::Encodable<const double>);
static_assert(mp::Encodable<std::vector<std::map<std::string, std::optional<Point>>>>);
static_assert(mp::Encodable<Account>);
static_assert(!mp::Encodable<int*>);
static_assert(!mp::Encodable<std::tuple<>>);
struct NoFields {
  int x;
};
static_assert(!mp::Encodable<NoFields>);
static_assert(!mp::Encodable<std::vector<NoFields>>);

// Tests that integers of every size, including the extremes, round trip.
TEST(CodecTest, IntegersRoundTrip) {
  EXPECT_EQ(RoundTrip(0), 0);
  EXPECT_EQ(RoundTrip(-42), -42);
  EXPECT_EQ(RoundTrip(std::numeric_limits<std::int64_t>::min()),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(RoundTrip(std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(RoundTrip(std::uint8_t{255}), 255);
  EXPECT_EQ(RoundTrip('x'), 'x');
}

// Tests that floating-point numbers round trip exactly.
TEST(CodecTest, FloatingPointRoundTripsExactly) {
  EXPECT_EQ(RoundTrip(0.1), 0.1);
  EXPECT_EQ(RoundTrip(-1.5f), -1.5f);
  EXPECT_EQ(RoundTrip(std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(RoundTrip(std::numeric_limits<double>::denorm_min()),
            std::numeric_limits<double>::denorm_min());
}

// Tests that both bools round trip.
TEST(CodecTest, BoolsRoundTrip) {
  EXPECT_TRUE(RoundTrip(true));
  EXPECT_FALSE(RoundTrip(false));
}

// Tests that strings round trip, including empty ones and zero bytes.
TEST(CodecTest, StringsRoundTrip) {
  EXPECT_EQ(RoundTrip(std::string("hello")), "hello");
  EXPECT_EQ(RoundTrip(std::string()), "");
  const std::string with_zeros("a\0b\0", 4);
  EXPECT_EQ(RoundTrip(with_zeros), with_zeros);
}

// Tests that a C string is encoded as a std::string.
TEST(CodecTest, CStringIsEncodedAsAString) {
  EXPECT_EQ(loads<std::string>(dumps("hello")), "hello");
  EXPECT_EQ(dumps("hello"), dumps(std::string("hello")));
}

// Tests that vectors round trip, including empty ones and vector<bool>.
TEST(CodecTest, VectorsRoundTrip) {
  EXPECT_EQ(RoundTrip(std::vector<int>{1, 2, 3}), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(RoundTrip(std::vector<int>{}), std::vector<int>{});
  EXPECT_EQ(RoundTrip(std::vector<std::string>{"", "a", "bc"}),
            (std::vector<std::string>{"", "a", "bc"}));
  EXPECT_EQ(RoundTrip(std::vector<bool>{true, false, true}),
            (std::vector<bool>{true, false, true}));
}

// Tests that ordered and unordered maps round trip.
TEST(CodecTest, MapsRoundTrip) {
  const std::map<std::string, int> ordered{{"apples", 3}, {"pears", 0}};
  EXPECT_EQ(RoundTrip(ordered), ordered);
  const std::unordered_map<int, std::string> unordered{{1, "one"}, {2, "two"}, {3, ""}};
  EXPECT_EQ(RoundTrip(unordered), unordered);
  EXPECT_EQ(RoundTrip(std::map<int, int>{}), (std::map<int, int>{}));
}

// Tests that pairs and tuples round trip.
TEST(CodecTest, PairsAndTuplesRoundTrip) {
  const std::pair<int, std::string> pair{7, "seven"};
  EXPECT_EQ(RoundTrip(pair), pair);
  const std::tuple<bool, double, std::string, std::int16_t> tuple{true, 2.5, "x", -3};
  EXPECT_EQ(RoundTrip(tuple), tuple);
}

// Tests that an optional round trips both empty and full.
TEST(CodecTest, OptionalsRoundTrip) {
  EXPECT_EQ(RoundTrip(std::optional<int>()), std::nullopt);
  EXPECT_EQ(RoundTrip(std::optional<int>(5)), 5);
  EXPECT_EQ(RoundTrip(std::optional<std::string>("")), std::optional<std::string>(""));
}

// Tests that containers nest: a vector of maps of optional pairs.
TEST(CodecTest, NestedContainersRoundTrip) {
  using Nested =
      std::vector<std::map<std::string, std::optional<std::pair<int, std::vector<double>>>>>;
  const Nested nested{
      {{"a", std::pair{1, std::vector<double>{0.5, 1.5}}}, {"b", std::nullopt}},
      {},
      {{"", std::pair{-1, std::vector<double>{}}}},
  };
  EXPECT_EQ(RoundTrip(nested), nested);
}

// Tests that a struct declaring its fields round trips, alone and in a container.
TEST(CodecTest, UserTypeRoundTrips) {
  const Point point{3, -4, "corner"};
  EXPECT_EQ(RoundTrip(point), point);
  const std::vector<Point> points{{1, 2, "a"}, {}, {5, 6, ""}};
  EXPECT_EQ(RoundTrip(points), points);
}

// Tests that a class with private fields and a private MP_CODEC_FIELDS
// round trips, and nests user types.
TEST(CodecTest, PrivateFieldsRoundTrip) {
  const Account account("ada", {{1, 1, "home"}, {2, 3, "work"}});
  EXPECT_EQ(RoundTrip(account), account);
}

// Tests that a field not named in MP_CODEC_FIELDS is not sent: the two
// values of Point's fields encode exactly as the fields alone would.
TEST(CodecTest, OnlyTheNamedFieldsAreSent) {
  EXPECT_EQ(dumps(Point{1, 2, "p"}), dumps(std::tuple<int, int, std::string>{1, 2, "p"}));
}

// Tests that the bytes are exactly those of cereal's own binary archive,
// as the header promises: mp writes them without an ostream, but in the
// same format.
TEST(CodecTest, BytesAreCerealsBinaryFormat) {
  const Account account("ada", {{1, 1, "home"}, {-2, 3, ""}});
  const std::tuple<bool, double, std::optional<std::string>, std::map<int, std::string>> mixed{
      true, 2.5, "x", {{7, "seven"}}};
  std::ostringstream cereal_bytes;
  {
    cereal::BinaryOutputArchive archive(cereal_bytes);
    archive(account, mixed);
  }
  EXPECT_EQ(dumps(account) + dumps(mixed), cereal_bytes.str());
}

// Tests that encoding is deterministic: equal values, equal bytes.
TEST(CodecTest, EqualValuesEncodeToEqualBytes) {
  EXPECT_EQ(dumps(std::map<int, int>{{1, 2}, {3, 4}}), dumps(std::map<int, int>{{3, 4}, {1, 2}}));
}

// Tests that every proper prefix of an encoding is rejected as truncated.
TEST(CodecTest, TruncatedInputIsACodecError) {
  const std::string bytes = dumps(std::vector<Point>{{1, 2, "first"}, {3, 4, "second"}});
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THROW(loads<std::vector<Point>>(std::string_view(bytes).substr(0, length)), CodecError)
        << "a prefix of " << length << " of " << bytes.size() << " bytes was accepted";
  }
}

// Tests that an empty input is a CodecError even for a number.
TEST(CodecTest, EmptyInputIsACodecError) {
  EXPECT_THROW(loads<int>(""), CodecError);
  EXPECT_THROW(loads<std::string>(""), CodecError);
}

// Tests that bytes left after the value are rejected, naming the problem.
TEST(CodecTest, TrailingBytesAreACodecError) {
  const std::string bytes = dumps(std::string("hello")) + "x";
  try {
    loads<std::string>(bytes);
    FAIL() << "trailing bytes were accepted";
  } catch (const CodecError& error) {
    EXPECT_NE(std::string(error.what()).find("trailing bytes"), std::string::npos) << error.what();
  }
}

// Tests that reading a value as a smaller type than was sent is caught by
// the leftover bytes.
TEST(CodecTest, DecodingAsTheWrongTypeIsACodecError) {
  EXPECT_THROW(loads<std::int32_t>(dumps(std::int64_t{1})), CodecError);
  EXPECT_THROW(loads<int>(dumps(Point{1, 2, "p"})), CodecError);
}

// Tests that a huge length in garbled input is refused before anything is
// allocated for it, instead of reserving gigabytes or crashing.
TEST(CodecTest, ImpossibleLengthIsACodecError) {
  const std::string huge_length = dumps(std::uint64_t{1} << 60) + "abc";
  EXPECT_THROW(loads<std::string>(huge_length), CodecError);
  EXPECT_THROW(loads<std::vector<std::string>>(huge_length), CodecError);
  EXPECT_THROW(loads<std::vector<double>>(dumps(std::uint64_t{2}) + "9 bytes.."), CodecError);
}

// Tests that a byte other than 0 or 1 where a bool belongs is rejected.
TEST(CodecTest, InvalidBoolIsACodecError) {
  EXPECT_THROW(loads<bool>(std::string(1, '\x02')), CodecError);
  EXPECT_THROW(loads<std::optional<int>>(std::string(1, '\x07') + dumps(5)), CodecError);
}

// Tests that CodecError is an mp::Error, so one catch handles all of mp.
TEST(CodecTest, CodecErrorIsAnMpError) { EXPECT_THROW(loads<int>("x"), mp::Error); }

}  // namespace
