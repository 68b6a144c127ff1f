#pragma once
// A non-owning doubly-linked list threaded through a member of the elements,
// so one element can sit in several orders at once (the sticky table keeps
// every entry both in access order and in change order) and moving an element
// to the back is O(1) without allocation.
//
// Threading: none of its own; the owner's lock guards it.

#include <cstddef>

namespace tandem::tables {

template <typename T>
struct ListLink {
  T* prev = nullptr;
  T* next = nullptr;
};

// `Link` names the member of T that this list uses; an element is in at most
// one list per link member. The list never frees elements.
template <typename T, ListLink<T> T::*Link>
class IntrusiveList {
 public:
  IntrusiveList() = default;
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  T* front() const { return head_; }
  T* back() const { return tail_; }
  bool empty() const { return head_ == nullptr; }
  size_t size() const { return size_; }
  static T* next(const T* e) { return (e->*Link).next; }
  static T* prev(const T* e) { return (e->*Link).prev; }

  // Precondition: `e` is in no list through this link.
  void push_back(T* e) {
    ListLink<T>& l = e->*Link;
    l.prev = tail_;
    l.next = nullptr;
    if (tail_) (tail_->*Link).next = e; else head_ = e;
    tail_ = e;
    ++size_;
  }

  // Precondition: `e` is in this list.
  void erase(T* e) {
    ListLink<T>& l = e->*Link;
    if (l.prev) (l.prev->*Link).next = l.next; else head_ = l.next;
    if (l.next) (l.next->*Link).prev = l.prev; else tail_ = l.prev;
    l.prev = l.next = nullptr;
    --size_;
  }

  // Precondition: `e` is in this list.
  void move_to_back(T* e) {
    if (e == tail_) return;
    erase(e);
    push_back(e);
  }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tandem::tables
