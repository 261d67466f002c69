// mp::Value, mp::Array and their raw forms: Python's multiprocessing.Value,
// Array, RawValue and RawArray, in C++.
//
// After fork() a child has its own copy of the parent's memory, so what it
// writes to an ordinary variable never reaches the parent (kata 03). A Value
// is the exception: it lives in a SHARED mapping, memory that the kernel
// gives to the parent and to every child forked after the Value was made,
// the same physical bytes for all of them. A write by one process is a write
// for all. Make the Value first, then start the processes that use it.
//
//   mp::Value<int> counter(0);                      // before the processes
//   auto work = [&counter] {
//     for (int i = 0; i < 1000; ++i) {
//       std::lock_guard lock(counter.get_lock());   // one process at a time
//       ++counter.value();
//     }
//   };
//   mp::Process a(work), b(work);
//   a.start(); b.start(); a.join(); b.join();
//   counter.load();                                  // 2000, every time
//
// load() and store() each take the lock, but only for themselves:
// `counter.store(counter.load() + 1)` is a read, then a write, and another
// process may write in between; its update is then lost. Python's
// `counter.value += 1` has exactly the same trap. Hold get_lock() around the
// whole read-modify-write, as above.
//
// Python                                   C++
//   Value('i', 0)                            mp::Value<int> v(0);
//   Value('d', 1.5)                          mp::Value<double> v(1.5);
//   Value('i', 0, lock=False) / RawValue     mp::RawValue<int> v(0);
//   v.value          (read)                  v.load()  (or v.value() under the lock)
//   v.value = 3      (write)                 v.store(3);
//   with v.get_lock(): v.value += 1          std::lock_guard lock(v.get_lock()); ++v.value();
//   Array('i', 10)                           mp::Array<int> a(10);
//   Array('d', [1.0, 2.0])                   mp::Array<double> a{1.0, 2.0};
//   RawArray('i', 10)                        mp::RawArray<int> a(10);
//   a[3], len(a), for x in a                 a[3], a.size(), for (int x : a)
//   IndexError                               std::out_of_range (from at())
//
// Python's typecodes (those of the array module) and ctypes types, in C++:
//   'c' (bytes of 1)  char            'b' signed char     'B' unsigned char
//   'h' short         'H' unsigned short
//   'i' int           'I' unsigned int
//   'l' long          'L' unsigned long
//   'q' long long     'Q' unsigned long long
//   'f' float         'd' double      ctypes.c_bool  bool
//   your own ctypes.Structure         a struct of such fields
//
// What may be shared: only types whose bytes ARE their value, so that the
// same bytes mean the same thing in every process. T must be trivially
// copyable and not a pointer. mp::Value<std::string> does not compile: a
// std::string keeps its characters behind a pointer to heap memory, and each
// process's heap is its own, so another process would follow the pointer
// into nowhere. (Python refuses such types too: the typecode or ctypes type
// fixes the size in advance.)
//
// What the kata asks of you (value.cc): SharedMemory and SharedMutex. The
// class templates below are given; they are built on those two.
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the member functions of SharedMemory and SharedMutex in value.cc.

#ifndef MPKATA_KATAS_04_VALUE_VALUE_H_
#define MPKATA_KATAS_04_VALUE_VALUE_H_

#include <pthread.h>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "common/errors.h"

namespace mp {

// SharedMemory: owns an anonymous shared mapping of `size()` bytes.
//
// The mapping is made with mmap(MAP_SHARED | MAP_ANONYMOUS): it has no name
// and no file, and it is inherited by every child forked after it was made,
// parent and children seeing the same bytes. It disappears when the last
// process that has it mapped unmaps it or ends, so nothing is ever left
// behind in /dev/shm. New memory is zero-filled.
//
//   mp::SharedMemory memory(sizeof(long));
//   long* shared = new (memory.data()) long(0);   // an object in it
//
// Move-only: one owner unmaps it, once. A moved-from SharedMemory owns
// nothing (data() is null, size() 0) and may be destroyed or assigned to.
class SharedMemory {
 public:
  // SharedMemory::SharedMemory(bytes)
  //
  // Maps `bytes` bytes of shared, zero-filled memory, readable and writable.
  // Throws mp::ValueError if `bytes` is 0 (there is nothing to map),
  // mp::OSError if the kernel refuses (mmap fails, e.g. ENOMEM).
  explicit SharedMemory(std::size_t bytes);

  // SharedMemory::~SharedMemory()
  //
  // Unmaps the memory from THIS process. Children that have it mapped keep
  // it until they unmap it or end. Does nothing if moved from. Never throws.
  ~SharedMemory();

  SharedMemory(SharedMemory&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  SharedMemory& operator=(SharedMemory&& other) noexcept {
    if (this != &other) {
      SharedMemory old(std::move(*this));  // unmaps what this held, at the end of the block
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;

  // The first byte of the mapping (page-aligned), or null if moved from.
  void* data() const { return data_; }

  // The number of bytes asked for (the kernel rounds the mapping up to whole
  // pages; use only these).
  std::size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// SharedMutex: a mutex that works between processes.
//
// A std::mutex is only promised to work between the threads of one process.
// A SharedMutex is a pthread mutex made PROCESS-SHARED, and it must itself
// live in shared memory, so that every process locks the very same bytes:
// construct it there with placement new (Value and Array do).
//
//   mp::SharedMemory memory(sizeof(mp::SharedMutex));
//   auto* mutex = new (memory.data()) mp::SharedMutex;
//   { std::lock_guard lock(*mutex); ... }       // in any process
//   mutex->~SharedMutex();                        // once, when all are done
//
// It is also ROBUST: if a process dies while holding it, the next process
// to lock it gets it (instead of waiting forever) and carries on. The data
// the dead process was changing may be half-written; kata 05 shows how a
// lock can report that.
//
// It meets the C++ Lockable requirements (lock, try_lock, unlock), so
// std::lock_guard, std::unique_lock and std::scoped_lock work with it. It is
// not recursive: a thread that locks it twice waits for itself forever.
// Neither copyable nor movable: processes find it by its address.
class SharedMutex {
 public:
  // SharedMutex::SharedMutex()
  //
  // Initialises an unlocked, process-shared, robust mutex at this address.
  // Throws mp::OSError if the system refuses.
  SharedMutex();

  // SharedMutex::~SharedMutex()
  //
  // Destroys the mutex. Destroy it once, in one process, when no process
  // uses it any more (after joining the children). Never throws.
  ~SharedMutex();

  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  // SharedMutex::lock()
  //
  // Blocks until this thread holds the mutex. If its previous holder died
  // holding it, the mutex is made consistent again and lock() returns
  // holding it. Throws mp::OSError if locking fails (e.g. the mutex was
  // left unrecoverable).
  void lock();

  // SharedMutex::try_lock()
  //
  // Takes the mutex if it is free (or its holder died) and returns true;
  // returns false at once if another thread or process holds it. Never
  // blocks. Throws mp::OSError if locking fails for another reason.
  bool try_lock();

  // SharedMutex::unlock()
  //
  // Releases the mutex, which this thread must hold. Throws mp::OSError if
  // the system reports an error (a robust mutex reports EPERM when the
  // caller does not hold it); inside a std::lock_guard that cannot happen.
  void unlock();

 private:
  pthread_mutex_t mutex_;
};

namespace internal {

// Why a type cannot live in shared memory, in words, at compile time.
// Instantiated by every class below: Value<std::string> stops here.
template <typename T>
struct CheckShareable {
  static_assert(!std::is_pointer_v<T> && !std::is_member_pointer_v<T>,
                "mp::Value/Array: T must not be a pointer. An address points into the memory "
                "of the process that took it; the object it points to is not in the shared "
                "mapping, and each process has its own copy or none at all.");
  static_assert(std::is_trivially_copyable_v<T>,
                "mp::Value/Array: T must be trivially copyable, a type whose bytes are its "
                "whole value (int, double, char, bool, a plain struct of those). std::string, "
                "std::vector and std::shared_ptr are not: they keep their contents behind a "
                "pointer to heap memory that is private to each process, so the other "
                "processes would see a pointer into nowhere.");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T>,
                "mp::Value/Array: T must not be const or volatile qualified.");
  static constexpr bool value = true;
};

// SharedBlock<T>: the layout every class below uses, in ONE SharedMemory:
//
//   [ SharedMutex (if with_lock) ][ padding ][ T ][ T ] ... count of them
//
// It constructs the mutex and the elements in place, and destroys the mutex
// (the elements are trivially destructible). mmap returns page-aligned
// memory, so any ordinary alignment of T is met.
template <typename T>
class SharedBlock {
  static_assert(CheckShareable<T>::value);

 public:
  // `count` elements, copied from `initial` if it is not null, otherwise
  // value-initialised (0 for numbers, as Python's Array('i', 5)).
  SharedBlock(bool with_lock, std::size_t count, const T* initial)
      : memory_(BytesFor(with_lock, count)), size_(count) {
    std::byte* base = static_cast<std::byte*>(memory_.data());
    if (with_lock) lock_ = new (base) SharedMutex;  // on throw, memory_ unmaps itself
    T* first = reinterpret_cast<T*>(base + ElementsOffset(with_lock));
    try {
      if (initial != nullptr) {
        std::uninitialized_copy_n(initial, count, first);
      } else {
        std::uninitialized_value_construct_n(first, count);
      }
    } catch (...) {
      if (lock_ != nullptr) lock_->~SharedMutex();
      throw;
    }
    data_ = std::launder(first);
  }

  ~SharedBlock() {
    if (lock_ != nullptr) lock_->~SharedMutex();
  }

  SharedBlock(SharedBlock&& other) noexcept
      : memory_(std::move(other.memory_)),
        lock_(std::exchange(other.lock_, nullptr)),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  SharedBlock& operator=(SharedBlock&&) = delete;
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;

  SharedMutex* lock() const { return lock_; }
  T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t ElementsOffset(bool with_lock) {
    if (!with_lock) return 0;
    return (sizeof(SharedMutex) + alignof(T) - 1) / alignof(T) * alignof(T);
  }

  // The bytes to map. An empty RawArray still maps one byte, since mmap
  // cannot map nothing. Too many elements to count in bytes: ValueError.
  static std::size_t BytesFor(bool with_lock, std::size_t count) {
    const std::size_t offset = ElementsOffset(with_lock);
    if (count > (std::numeric_limits<std::size_t>::max() - offset) / sizeof(T)) {
      throw ValueError("mp: an array of " + std::to_string(count) +
                       " elements is too large to map");
    }
    return std::max<std::size_t>(offset + count * sizeof(T), 1);
  }

  SharedMemory memory_;
  SharedMutex* lock_ = nullptr;  // in memory_, or null for the raw kinds
  T* data_ = nullptr;            // in memory_
  std::size_t size_ = 0;
};

}  // namespace internal

// RawValue<T>: one T in shared memory, with no lock (Python: RawValue, or
// Value(..., lock=False)).
//
// Reading and writing it from several processes at once is a data race:
// use it only where one process writes at a time, or guard it with a lock
// of your own (kata 05).
//
// Movable (the mapping moves with it; pointers into it stay valid), not
// copyable: a copy would have to be a second mapping, which shares nothing.
// A moved-from RawValue may only be destroyed.
template <typename T>
class RawValue {
 public:
  // RawValue::RawValue(initial)
  //
  // Maps shared memory holding `initial` (by default T{}, zero for numbers).
  // Throws mp::OSError if the memory cannot be mapped.
  explicit RawValue(T initial = T{}) : block_(/*with_lock=*/false, 1, &initial) {}

  // RawValue::value()
  //
  // The shared T itself. Each process that reads or writes it reads or
  // writes the same bytes, with no synchronisation at all.
  T& value() { return *block_.data(); }
  const T& value() const { return *block_.data(); }

 private:
  internal::SharedBlock<T> block_;
};

// Value<T>: one T in shared memory, with a SharedMutex beside it (Python:
// Value, whose lock=True is the default).
//
// Movable, not copyable, as RawValue. A moved-from Value may only be
// destroyed. Destroy it after the processes that use it have ended.
template <typename T>
class Value {
 public:
  // Value::Value(initial)
  //
  // Maps shared memory holding `initial` (by default T{}) and a SharedMutex.
  // Throws mp::OSError if the memory or the mutex cannot be made.
  explicit Value(T initial = T{}) : block_(/*with_lock=*/true, 1, &initial) {}

  // Value::load()
  //
  // Returns a copy of the value, read while holding the lock, so it is
  // never half-written. Blocks while another thread or process holds the
  // lock. (Python: v.value)
  T load() const {
    std::lock_guard<SharedMutex> hold(*block_.lock());
    return *block_.data();
  }

  // Value::store(value)
  //
  // Replaces the value, holding the lock while writing. Blocks as load()
  // does. load() then store() is NOT one step: see the top of this file.
  // (Python: v.value = x)
  void store(T value) {
    std::lock_guard<SharedMutex> hold(*block_.lock());
    *block_.data() = value;
  }

  // Value::value()
  //
  // The shared T itself, with no locking: use it while holding get_lock().
  T& value() { return *block_.data(); }
  const T& value() const { return *block_.data(); }

  // Value::get_lock()
  //
  // The SharedMutex that guards the value; lock it around any
  // read-modify-write. load() and store() take it too, so do not call them
  // while holding it (it is not recursive).
  SharedMutex& get_lock() const { return *block_.lock(); }

 private:
  internal::SharedBlock<T> block_;
};

// RawArray<T>: a fixed number of T in shared memory, with no lock (Python:
// RawArray, or Array(..., lock=False)).
//
// Processes may write DIFFERENT elements at the same time without a lock.
// Movable, not copyable, as RawValue.
template <typename T>
class RawArray {
 public:
  // RawArray::RawArray(size)
  //
  // `size` elements, each T{} (zero for numbers), as Python's
  // RawArray('i', 10). Throws mp::OSError if the memory cannot be mapped,
  // mp::ValueError if `size` elements cannot fit in memory at all.
  explicit RawArray(std::size_t size) : RawArray(/*with_lock=*/false, size, nullptr) {}

  // RawArray::RawArray{values...}
  //
  // As many elements as values, copies of them: RawArray<int>{1, 2, 3}.
  RawArray(std::initializer_list<T> values)
      : RawArray(/*with_lock=*/false, values.size(), values.begin()) {}

  // RawArray::operator[](i) and RawArray::at(i)
  //
  // Element i. operator[] does not check i (like std::vector's); at() throws
  // std::out_of_range if i >= size(). Python raises IndexError; mp has no
  // IndexError, so at() follows the C++ standard library.
  T& operator[](std::size_t i) { return block_.data()[i]; }
  const T& operator[](std::size_t i) const { return block_.data()[i]; }
  T& at(std::size_t i) { return block_.data()[CheckIndex(i)]; }
  const T& at(std::size_t i) const { return block_.data()[CheckIndex(i)]; }

  std::size_t size() const { return block_.size(); }
  T* begin() { return block_.data(); }
  T* end() { return block_.data() + block_.size(); }
  const T* begin() const { return block_.data(); }
  const T* end() const { return block_.data() + block_.size(); }

 protected:
  // For Array, which is a RawArray with a SharedMutex in the same mapping.
  RawArray(bool with_lock, std::size_t size, const T* initial)
      : block_(with_lock, size, initial) {}

  internal::SharedBlock<T> block_;

 private:
  std::size_t CheckIndex(std::size_t i) const {
    if (i >= size()) {
      throw std::out_of_range("mp array index " + std::to_string(i) + " out of range (size " +
                              std::to_string(size()) + ")");
    }
    return i;
  }
};

// Array<T>: a fixed number of T in shared memory, with one SharedMutex for
// the whole array (Python: Array, lock=True by default): a RawArray plus
// get_lock().
//
// The elements themselves are not locked: operator[], at() and iteration
// give the shared elements directly. Hold get_lock() while a step must see
// or change several elements (or one, read-modify-write) as a whole.
// Movable, not copyable, as RawValue.
template <typename T>
class Array : public RawArray<T> {
 public:
  // Array::Array(size) and Array::Array{values...}
  //
  // As RawArray's, plus the SharedMutex. Throw mp::OSError if the memory or
  // the mutex cannot be made, mp::ValueError if `size` is far too large.
  explicit Array(std::size_t size) : RawArray<T>(/*with_lock=*/true, size, nullptr) {}
  Array(std::initializer_list<T> values)
      : RawArray<T>(/*with_lock=*/true, values.size(), values.begin()) {}

  // Array::get_lock()
  //
  // The SharedMutex that guards the whole array.
  SharedMutex& get_lock() const { return *this->block_.lock(); }
};

}  // namespace mp

#endif  // MPKATA_KATAS_04_VALUE_VALUE_H_
