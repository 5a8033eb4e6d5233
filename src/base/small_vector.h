#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <new>
#include <utility>

namespace weir {

// A vector whose first N elements live inside the object, for the small
// per-request lists (a stream's filters, its watermark subscribers) that
// would otherwise cost a heap allocation each on every request. Past N it
// moves everything to the heap and grows like std::vector. Elements must be
// move-constructible; growth moves them, so references into the vector are
// invalidated by a push past its capacity, as with std::vector.
template <typename T, size_t N>
class SmallVector {
  static_assert(N > 0, "an inline capacity of zero is a std::vector");
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned elements");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(const SmallVector&) = delete;
  SmallVector& operator=(const SmallVector&) = delete;
  ~SmallVector() {
    clear();
    releaseHeap();
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  bool onHeap() const { return data_ != inlineData(); }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  iterator begin() { return data_; }
  iterator end() { return data_ + size_; }
  const_iterator begin() const { return data_; }
  const_iterator end() const { return data_ + size_; }
  std::reverse_iterator<iterator> rbegin() { return std::reverse_iterator<iterator>(end()); }
  std::reverse_iterator<iterator> rend() { return std::reverse_iterator<iterator>(begin()); }

  void reserve(size_t n) {
    if (n > capacity_) grow(n);
  }

  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity_) grow(capacity_ * 2);
    T* slot = std::construct_at(data_ + size_, std::forward<Args>(args)...);
    ++size_;
    return *slot;
  }
  void push_back(T value) { emplace_back(std::move(value)); }

  // Removes [first, last), keeping the order of what follows.
  iterator erase(iterator first, iterator last) {
    iterator out = first;
    for (iterator in = last; in != end(); ++in, ++out) *out = std::move(*in);
    std::destroy(out, end());
    size_ -= static_cast<size_t>(last - first);
    return first;
  }

  void clear() {
    std::destroy(data_, data_ + size_);
    size_ = 0;
  }

 private:
  T* inlineData() { return std::launder(reinterpret_cast<T*>(inline_)); }
  const T* inlineData() const { return std::launder(reinterpret_cast<const T*>(inline_)); }

  void grow(size_t n) {
    T* fresh = static_cast<T*>(::operator new(n * sizeof(T)));
    std::uninitialized_move(data_, data_ + size_, fresh);
    std::destroy(data_, data_ + size_);
    releaseHeap();
    data_ = fresh;
    capacity_ = n;
  }
  void releaseHeap() {
    if (onHeap()) ::operator delete(data_);
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* data_ = inlineData();
  size_t size_ = 0;
  size_t capacity_ = N;
};

}  // namespace weir
