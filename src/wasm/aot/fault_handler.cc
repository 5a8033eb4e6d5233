#include "wasm/aot/fault_handler.h"

#include <signal.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

namespace weir::wasm::aot {

namespace {

// Read by the signal handler: a plain pointer with constant initialization,
// so the access is a TLS load with no wrapper or lazy allocation.
constinit thread_local const GuardRegion* t_region = nullptr;

// The handlers in place before ours, by signal (SIGSEGV, SIGBUS).
struct sigaction g_previous[2];

int slotOf(int sig) { return sig == SIGBUS ? 1 : 0; }

void chainToPrevious(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = g_previous[slotOf(sig)];
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  // Default action: put it back and let the faulting instruction run again,
  // so the process dies of the original signal (core dump included). A
  // signal sent by kill() is not re-raised by returning: raise it.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  if (info->si_code <= 0) raise(sig);
}

void onFault(int sig, siginfo_t* info, void* context) {
  const GuardRegion* r = t_region;
  if (r && r->raise_oob && info->si_code > 0) {
    auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    auto begin = reinterpret_cast<uintptr_t>(r->begin);
    // Does not return: longjmps to the compiled object's entry point. The
    // handler is installed with SA_NODEFER and an empty mask, so the thread's
    // signal mask is unchanged after the jump.
    if (addr - begin < r->size) r->raise_oob();
  }
  chainToPrevious(sig, info, context);
}

struct AltStack {
  void* base = nullptr;
  size_t size = 0;
  bool checked = false;

  ~AltStack() {
    if (!base) return;
    stack_t cur{};
    if (sigaltstack(nullptr, &cur) == 0 && cur.ss_sp == base) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    munmap(base, size);
  }

  void ensure() {
    if (checked) return;
    checked = true;
    stack_t cur{};
    // Keep one the thread already has (the embedder's, a sanitizer's).
    if (sigaltstack(nullptr, &cur) == 0 && !(cur.ss_flags & SS_DISABLE)) return;
    size_t want = std::max<size_t>(64 * 1024, static_cast<size_t>(SIGSTKSZ));
    void* p = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return;  // the handler then runs on the thread's stack
    stack_t ss{};
    ss.ss_sp = p;
    ss.ss_size = want;
    if (sigaltstack(&ss, nullptr) != 0) {
      munmap(p, want);
      return;
    }
    base = p;
    size = want;
  }
};

thread_local AltStack t_alt_stack;

}  // namespace

Status installFaultHandler() {
  static std::once_flag once;
  static Status result = Status::ok();
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = &onFault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &g_previous[0]) != 0) {
      result = internalError(std::string("cannot install the SIGSEGV handler: ") + std::strerror(errno));
      return;
    }
    if (sigaction(SIGBUS, &sa, &g_previous[1]) != 0) {
      result = internalError(std::string("cannot install the SIGBUS handler: ") + std::strerror(errno));
      sigaction(SIGSEGV, &g_previous[0], nullptr);
    }
  });
  return result;
}

GuardScope::GuardScope(const GuardRegion* region) : prev_(t_region) {
  if (region) t_alt_stack.ensure();
  t_region = region;
}

GuardScope::~GuardScope() { t_region = prev_; }

}  // namespace weir::wasm::aot
