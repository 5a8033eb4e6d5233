// Process-wide state shared by every VM with the same vm_id, on any worker:
// the key/value store with compare-and-swap, and the shared queues whose
// enqueue posts proxy_on_queue_ready to the registering VM's worker.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "proxywasm/abi.h"

namespace weir::event {
class Dispatcher;
}

namespace weir::proxywasm {

class WasmVm;

class SharedData {
 public:
  static SharedData& global();

  // NotFound if absent.
  WasmResult get(std::string_view vm_id, std::string_view key, std::string& value, uint32_t& cas);
  // cas 0: unconditional; otherwise it must match (CasMismatch). A missing
  // key is created whatever the cas. Every write gets a new non-zero cas.
  WasmResult set(std::string_view vm_id, std::string_view key, std::string_view value, uint32_t cas);

 private:
  struct Entry {
    std::string value;
    uint32_t cas = 0;
  };
  uint32_t nextCas();
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, Entry, std::less<>>, std::less<>> data_;
  uint32_t cas_ = 0;
};

class SharedQueues {
 public:
  static SharedQueues& global();

  // Creates or reopens (vm_id, name) and binds its notifications to this VM,
  // root context and dispatcher (the last registrant wins). Tokens start at 1.
  uint32_t registerQueue(std::string_view vm_id, std::string_view name, event::Dispatcher* dispatcher,
                         std::weak_ptr<WasmVm> vm, uint32_t root_context_id);
  std::optional<uint32_t> resolve(std::string_view vm_id, std::string_view name);
  // NotFound for an unknown token; posts proxy_on_queue_ready.
  WasmResult enqueue(uint32_t token, std::string_view value);
  // Empty when nothing is queued, NotFound for an unknown token.
  WasmResult dequeue(uint32_t token, std::string& value);
  // A VM going away stops receiving notifications.
  void unbind(const WasmVm* vm);

 private:
  struct Queue {
    std::string vm_id;
    std::string name;
    std::deque<std::string> items;
    event::Dispatcher* dispatcher = nullptr;
    std::weak_ptr<WasmVm> vm;
    const WasmVm* vm_raw = nullptr;
    uint32_t root_context_id = 0;
  };
  std::mutex mutex_;
  std::map<uint32_t, Queue> queues_;
  std::map<std::pair<std::string, std::string>, uint32_t> by_name_;
  uint32_t next_token_ = 1;
};

}  // namespace weir::proxywasm
