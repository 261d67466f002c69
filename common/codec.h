// mp::dumps and mp::loads: objects as bytes, Python's pickle for mp.
//
// A pipe or a queue between processes carries bytes. To send an object, the
// sender turns it into bytes (dumps: "dump to string") and the receiver turns
// the bytes back into an equal object (loads: "load from string"), as
// Python's multiprocessing does with pickle behind Connection.send/recv.
//
//   std::map<std::string, int> stock = {{"apples", 3}, {"pears", 0}};
//   std::string bytes = mp::dumps(stock);
//   auto copy = mp::loads<std::map<std::string, int>>(bytes);   // == stock
//
// Unlike pickle, the bytes do not say what type they hold: the receiver
// names it, and must name the type the sender sent.
//
// What can be encoded:
//   - numbers and bool (every arithmetic type);
//   - std::string (a `const char*` or string literal is sent as one);
//   - std::vector, std::map, std::unordered_map, std::pair, std::tuple
//     (with at least one element) and std::optional of encodable types,
//     nested as deep as you like;
//   - your own structs and classes, once they name their fields:
//
//       struct Point {
//         int x = 0, y = 0;
//         std::string label;
//         MP_CODEC_FIELDS(x, y, label)
//       };
//
//     The fields are encoded in the order named; those not named are not
//     sent, and loads leaves them as the default constructor made them.
//     loads needs a default constructor.
//
// Anything else (a pointer, a std::set, a struct without MP_CODEC_FIELDS) is
// a compile error that says so, rather than bytes that would not mean the
// same thing in another process.
//
// Python                               C++
//   pickle.dumps(obj)                    mp::dumps(obj)          (std::string)
//   pickle.loads(data)                   mp::loads<T>(data)
//   def __reduce__ / __getstate__        MP_CODEC_FIELDS(a, b, ...)
//   pickle.UnpicklingError               mp::CodecError
//
// Portability. The bytes are those of cereal's binary archive (the library
// doing the work; you never need to name it): numbers are copied as they sit
// in memory, in this machine's byte order and sizes, and lengths are 64-bit.
// That is right for processes of one program on one machine, which is all
// multiprocessing needs, and it is fast. It is NOT a file or network format:
// do not keep the bytes, nor send them to another machine or another build.
//
// Input is checked: truncated or garbled bytes, a length longer than the
// input, a bool that is neither 0 nor 1, or bytes left over at the end throw
// mp::CodecError. loads never allocates much more than the input's size, so
// a corrupt length cannot make it reserve gigabytes.

#ifndef MPKATA_COMMON_CODEC_H_
#define MPKATA_COMMON_CODEC_H_

#include <cereal/cereal.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/errors.h"

namespace mp {

// Bytes that loads cannot turn into the requested type: too few, too many,
// or not what an encoding of that type looks like.
// Python: pickle.UnpicklingError (or EOFError for empty input).
class CodecError : public Error {
 public:
  using Error::Error;
};

// MP_CODEC_FIELDS(field, ...)
//
// Put it in the body of a struct or class to make it encodable: it names the
// fields that travel, at least one. Each must be encodable itself. It works
// in a private section too.
#define MP_CODEC_FIELDS(...)                                                  \
  friend struct ::mp::internal::CodecAccess;                                  \
  friend class ::cereal::access;                                              \
  using MpCodecFieldsDeclared = void;                                         \
  template <typename MpCodecArchive>                                          \
  void serialize(MpCodecArchive& mp_codec_archive) {                          \
    ::mp::internal::CodecFields(mp_codec_archive __VA_OPT__(, ) __VA_ARGS__); \
  }

namespace internal {

// Whether a class declared MP_CODEC_FIELDS (a friend, so private works).
struct CodecAccess {
  template <typename T>
  static constexpr bool kDeclaresFields = requires {
    typename T::MpCodecFieldsDeclared;
  };
};

// IsEncodable<T>: the list of supported types above, recursively.
template <typename T>
struct IsEncodable
    : std::bool_constant<std::is_arithmetic_v<T> || CodecAccess::kDeclaresFields<T>> {};
template <>
struct IsEncodable<std::string> : std::true_type {};
template <typename T, typename Allocator>
struct IsEncodable<std::vector<T, Allocator>> : IsEncodable<T> {};
template <typename Key, typename Value, typename Compare, typename Allocator>
struct IsEncodable<std::map<Key, Value, Compare, Allocator>>
    : std::bool_constant<IsEncodable<Key>::value && IsEncodable<Value>::value> {};
template <typename Key, typename Value, typename Hash, typename Equal, typename Allocator>
struct IsEncodable<std::unordered_map<Key, Value, Hash, Equal, Allocator>>
    : std::bool_constant<IsEncodable<Key>::value && IsEncodable<Value>::value> {};
template <typename First, typename Second>
struct IsEncodable<std::pair<First, Second>>
    : std::bool_constant<IsEncodable<First>::value && IsEncodable<Second>::value> {};
// std::tuple<> is left out on purpose: every supported value takes at least
// one byte, which is what lets loads reject impossible lengths (see below).
template <typename First, typename... Rest>
struct IsEncodable<std::tuple<First, Rest...>>
    : std::bool_constant<IsEncodable<First>::value && (IsEncodable<Rest>::value && ...)> {};
template <typename T>
struct IsEncodable<std::optional<T>> : IsEncodable<T> {};

}  // namespace internal

// Encodable<T>
//
// True when mp::dumps and mp::loads accept T (see the list above).
template <typename T>
concept Encodable = internal::IsEncodable<std::remove_cv_t<T>>::value;

namespace internal {

// What MP_CODEC_FIELDS expands to: checks the fields, then hands them to
// the archive, which encodes or decodes them in order.
template <typename Archive, typename... Fields>
void CodecFields(Archive& archive, Fields&... fields) {
  static_assert(sizeof...(Fields) > 0, "MP_CODEC_FIELDS() needs at least one field");
  static_assert((Encodable<Fields> && ...),
                "MP_CODEC_FIELDS: a field's type cannot be encoded; give it MP_CODEC_FIELDS(...) "
                "too, or use a supported type (see common/codec.h)");
  if constexpr (sizeof...(Fields) > 0 && (Encodable<Fields> && ...)) archive(fields...);
}

// EncodeArchive: writes cereal's binary format straight onto the end of a
// std::string. (cereal's own BinaryOutputArchive writes to a std::ostream,
// and constructing one for every dumps() cost more than encoding a small
// value: the stream's locale set-up does a dynamic_cast per facet, about a
// third of the time a pool spent on each one-int task.)
class EncodeArchive : public cereal::OutputArchive<EncodeArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit EncodeArchive(std::string& bytes)
      : cereal::OutputArchive<EncodeArchive, cereal::AllowEmptyClassElision>(this), bytes_(bytes) {}

  void saveBinary(const void* data, std::size_t size) {
    bytes_.append(static_cast<const char*>(data), size);
  }

 private:
  std::string& bytes_;
};

// DecodeArchive: reads what EncodeArchive (cereal's binary format) wrote, from a
// string_view, checking every step. (cereal's own BinaryInputArchive reads a
// stream and trusts the lengths it finds: eight garbled bytes could make it
// allocate and zero-fill terabytes, and a garbled bool is undefined
// behaviour.) The format is cereal's; only the checks are added.
class DecodeArchive : public cereal::InputArchive<DecodeArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit DecodeArchive(std::string_view bytes)
      : cereal::InputArchive<DecodeArchive, cereal::AllowEmptyClassElision>(this), bytes_(bytes) {}

  // Copies the next `size` bytes into `data`; throws CodecError if fewer are left.
  void loadBinary(void* data, std::size_t size) {
    if (size > bytes_.size()) {
      throw CodecError("mp::loads: the input is truncated: " + std::to_string(size) +
                       " more bytes needed, " + std::to_string(bytes_.size()) + " left");
    }
    if (size != 0) std::memcpy(data, bytes_.data(), size);
    bytes_.remove_prefix(size);
  }

  std::size_t remaining() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
};

}  // namespace internal
}  // namespace mp

// Tells cereal that the two archives are a pair (it asks when it checks a
// type's load and save functions against each other).
namespace cereal::traits::detail {
template <>
struct get_output_from_input<::mp::internal::DecodeArchive> {
  using type = ::mp::internal::EncodeArchive;
};
template <>
struct get_input_from_output<::mp::internal::EncodeArchive> {
  using type = ::mp::internal::DecodeArchive;
};
}  // namespace cereal::traits::detail

namespace mp::internal {

// The functions cereal looks up (by argument-dependent lookup) to read each
// kind of item from a DecodeArchive; they mirror cereal/archives/binary.hpp.

template <typename T>
requires std::is_arithmetic_v<T>
void CEREAL_LOAD_FUNCTION_NAME(DecodeArchive& archive, T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    // Any byte but 0 or 1 in a bool would be undefined behaviour to read.
    unsigned char byte = 0;
    archive.loadBinary(&byte, 1);
    if (byte > 1) {
      throw CodecError("mp::loads: a bool is encoded as 0 or 1, found " + std::to_string(byte));
    }
    value = byte == 1;
  } else {
    archive.loadBinary(std::addressof(value), sizeof(value));
  }
}

template <typename T>
void CEREAL_SERIALIZE_FUNCTION_NAME(DecodeArchive& archive, cereal::NameValuePair<T>& pair) {
  archive(pair.value);
}

// The element count in front of a string, vector or map. Every supported
// element takes at least one byte, so a count larger than the bytes left is
// garbage; refusing it here keeps cereal from reserving room for it.
template <typename T>
void CEREAL_SERIALIZE_FUNCTION_NAME(DecodeArchive& archive, cereal::SizeTag<T>& tag) {
  archive(tag.size);
  if (tag.size > archive.remaining()) {
    throw CodecError("mp::loads: a length of " + std::to_string(tag.size) + " elements, but only " +
                     std::to_string(archive.remaining()) +
                     " bytes are left: the input is truncated or garbled");
  }
}

template <typename T>
void CEREAL_LOAD_FUNCTION_NAME(DecodeArchive& archive, cereal::BinaryData<T>& data) {
  archive.loadBinary(data.data, static_cast<std::size_t>(data.size));
}

// And the same for writing to an EncodeArchive, as cereal's binary archive
// writes: numbers as they sit in memory, lengths as 64-bit counts.
template <typename T>
requires std::is_arithmetic_v<T>
void CEREAL_SAVE_FUNCTION_NAME(EncodeArchive& archive, const T& value) {
  archive.saveBinary(std::addressof(value), sizeof(value));
}

template <typename T>
void CEREAL_SERIALIZE_FUNCTION_NAME(EncodeArchive& archive, cereal::NameValuePair<T>& pair) {
  archive(pair.value);
}

template <typename T>
void CEREAL_SERIALIZE_FUNCTION_NAME(EncodeArchive& archive, cereal::SizeTag<T>& tag) {
  archive(tag.size);
}

template <typename T>
void CEREAL_SAVE_FUNCTION_NAME(EncodeArchive& archive, const cereal::BinaryData<T>& data) {
  archive.saveBinary(data.data, static_cast<std::size_t>(data.size));
}

}  // namespace mp::internal

namespace mp {

// mp::dumps(value)
//
// Returns `value` encoded as bytes, for mp::loads to decode. Never blocks.
// A type that cannot be encoded does not compile. Throws only what
// allocating memory throws.
template <typename T>
std::string dumps(const T& value) {
  static_assert(Encodable<T>,
                "mp::dumps: T cannot be encoded; declare its fields with MP_CODEC_FIELDS(...)");
  if constexpr (Encodable<T>) {  // spares a page of cereal errors after the sentence above
    std::string bytes;
    internal::EncodeArchive archive(bytes);
    archive(value);
    return bytes;
  } else {
    return {};
  }
}

// A C string is sent as a std::string: `conn.send("hi")` pairs with
// `conn.recv<std::string>()`.
inline std::string dumps(const char* text) { return dumps(std::string(text)); }

// mp::loads<T>(bytes)
//
// Decodes bytes made by mp::dumps of a T (in a process of the same program
// on the same machine) and returns the T. Throws mp::CodecError if the bytes
// are not exactly one encoded T: too short, too long ("trailing bytes"), or
// impossible values. A type that cannot be encoded, or has no default
// constructor, does not compile.
template <typename T>
T loads(std::string_view bytes) {
  static_assert(Encodable<T>,
                "mp::loads: T cannot be decoded; declare its fields with MP_CODEC_FIELDS(...)");
  static_assert(std::is_default_constructible_v<T>,
                "mp::loads: T needs a default constructor, which loads fills in");
  if constexpr (Encodable<T> && std::is_default_constructible_v<T>) {
    std::remove_cv_t<T> value{};
    internal::DecodeArchive archive(bytes);
    try {
      archive(value);
    } catch (const cereal::Exception& error) {
      throw CodecError(std::string("mp::loads: ") + error.what());
    }
    if (archive.remaining() != 0) {
      throw CodecError("mp::loads: trailing bytes: " + std::to_string(archive.remaining()) +
                       " of " + std::to_string(bytes.size()) +
                       " bytes are left over after the value (was it sent as another type?)");
    }
    return value;
  } else {
    return T{};
  }
}

}  // namespace mp

#endif  // MPKATA_COMMON_CODEC_H_
