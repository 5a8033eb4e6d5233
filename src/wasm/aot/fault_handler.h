// Guard pages for compiled code: code built with MemoryChecks::kGuardPages
// does not compare addresses against the memory size; an access past the end
// lands in the PROT_NONE part of the memory's 8 GiB reservation and faults.
// The process-wide SIGSEGV/SIGBUS handler installed here turns such a fault
// into the out-of-bounds trap when, and only when, the faulting thread is
// running compiled code and the address is inside that code's reservation;
// every other fault goes to the handler that was installed before (a real
// crash still crashes).
#pragma once

#include <cstdint>

#include "base/status.h"

namespace weir::wasm::aot {

// What the current thread's compiled code may fault in, and how to raise the
// trap: a function of the compiled object that longjmps to its entry point.
struct GuardRegion {
  const uint8_t* begin = nullptr;
  uint64_t size = 0;
  void (*raise_oob)() = nullptr;
};

// Installs the handler once per process (later calls return the first
// result). Fails only if sigaction does; callers then use explicit checks.
Status installFaultHandler();

// Marks the current thread as running compiled code against `region` (nullptr:
// not running compiled code, e.g. during a host call) until destroyed; nests.
// The first guarded scope on a thread gives it an alternate signal stack
// unless it has one, so the handler also runs when the fault is a stack
// overflow.
class GuardScope {
 public:
  explicit GuardScope(const GuardRegion* region);
  ~GuardScope();
  GuardScope(const GuardScope&) = delete;
  GuardScope& operator=(const GuardScope&) = delete;

 private:
  const GuardRegion* prev_;
};

}  // namespace weir::wasm::aot
