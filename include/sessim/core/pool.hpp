#pragma once
/// Memory for the big tables: objects pooled in 2 MiB chunks and bucket arrays, asking the OS
/// for transparent huge pages (Linux madvise) so that random lookups into hundreds of MB of
/// sessions do not pay a page walk each. Falls back to normal pages silently.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace sessim {

namespace detail {

inline constexpr std::size_t huge_page = std::size_t{2} << 20;

/// Allocates `bytes`, 64-byte aligned; blocks of 1 MiB and more are 2 MiB aligned, rounded up
/// to whole 2 MiB pages and marked for huge pages. Release with free_pages.
inline void* alloc_pages(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  const std::size_t align = bytes >= huge_page / 2 ? huge_page : 64;
  bytes = (bytes + align - 1) & ~(align - 1);
  void* p = std::aligned_alloc(align, bytes);
  if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (align == huge_page) (void)::madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}

inline void free_pages(void* p) noexcept { std::free(p); }

}  // namespace detail

/// std::allocator replacement for large arrays (hash buckets): huge pages when big.
template <class T>
struct page_allocator {
  using value_type = T;
  page_allocator() = default;
  template <class U>
  page_allocator(const page_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::alloc_pages(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { detail::free_pages(p); }
  template <class U>
  friend bool operator==(const page_allocator&, const page_allocator<U>&) noexcept { return true; }
};

/** A pool of default-constructed T in 2 MiB chunks with a LIFO free list. allocate() hands out
 *  an object in whatever state release() left it; objects are destroyed with the pool. */
template <class T>
class object_pool {
 public:
  static constexpr std::size_t per_chunk = detail::huge_page / sizeof(T);
  static_assert(per_chunk > 0);

  object_pool() = default;
  object_pool(const object_pool&) = delete;
  object_pool& operator=(const object_pool&) = delete;
  ~object_pool() {
    for (T* c : chunks_) {
      for (std::size_t i = 0; i < per_chunk; ++i) c[i].~T();
      detail::free_pages(c);
    }
  }

  T* allocate() {
    if (free_.empty()) grow();
    T* t = free_.back();
    free_.pop_back();
    return t;
  }
  void release(T* t) { free_.push_back(t); }

  /// Objects allocated from the OS (in use + free).
  std::size_t capacity() const noexcept { return chunks_.size() * per_chunk; }
  /// Calls f(T&) for every object of every chunk (in use or not).
  template <class F>
  void for_each_slot(F&& f) {
    for (T* c : chunks_)
      for (std::size_t i = 0; i < per_chunk; ++i) f(c[i]);
  }

 private:
  void grow() {
    T* c = static_cast<T*>(detail::alloc_pages(per_chunk * sizeof(T)));
    std::size_t i = 0;
    try {
      for (; i < per_chunk; ++i) ::new (static_cast<void*>(c + i)) T();
    } catch (...) {
      while (i-- > 0) c[i].~T();
      detail::free_pages(c);
      throw;
    }
    chunks_.push_back(c);
    free_.reserve(free_.size() + per_chunk);
    for (std::size_t j = per_chunk; j-- > 0;) free_.push_back(c + j);
  }

  std::vector<T*> chunks_;
  std::vector<T*> free_;
};

}  // namespace sessim
