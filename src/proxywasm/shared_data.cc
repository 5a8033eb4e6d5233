#include "proxywasm/shared_data.h"

#include "event/dispatcher.h"
#include "proxywasm/wasm_vm.h"

namespace weir::proxywasm {

// Limits so a filter cannot grow process memory without bound.
constexpr size_t kMaxQueueItems = 100000;

SharedData& SharedData::global() {
  static SharedData* data = new SharedData();  // never destroyed: used from worker exits
  return *data;
}

uint32_t SharedData::nextCas() {
  if (++cas_ == 0) ++cas_;
  return cas_;
}

WasmResult SharedData::get(std::string_view vm_id, std::string_view key, std::string& value, uint32_t& cas) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto vm = data_.find(vm_id);
  if (vm == data_.end()) return WasmResult::kNotFound;
  auto it = vm->second.find(key);
  if (it == vm->second.end()) return WasmResult::kNotFound;
  value = it->second.value;
  cas = it->second.cas;
  return WasmResult::kOk;
}

WasmResult SharedData::set(std::string_view vm_id, std::string_view key, std::string_view value, uint32_t cas) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto vm = data_.find(vm_id);
  if (vm == data_.end()) vm = data_.emplace(std::string(vm_id), std::map<std::string, Entry, std::less<>>()).first;
  auto it = vm->second.find(key);
  if (it == vm->second.end()) {
    vm->second.emplace(std::string(key), Entry{std::string(value), nextCas()});
    return WasmResult::kOk;
  }
  if (cas != 0 && cas != it->second.cas) return WasmResult::kCasMismatch;
  it->second.value.assign(value);
  it->second.cas = nextCas();
  return WasmResult::kOk;
}

SharedQueues& SharedQueues::global() {
  static SharedQueues* queues = new SharedQueues();
  return *queues;
}

uint32_t SharedQueues::registerQueue(std::string_view vm_id, std::string_view name, event::Dispatcher* dispatcher,
                                     std::weak_ptr<WasmVm> vm, uint32_t root_context_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_pair(std::string(vm_id), std::string(name));
  uint32_t token;
  if (auto it = by_name_.find(key); it != by_name_.end()) {
    token = it->second;
  } else {
    token = next_token_++;
    by_name_.emplace(key, token);
    queues_[token].vm_id = key.first;
    queues_[token].name = key.second;
  }
  Queue& q = queues_[token];
  q.dispatcher = dispatcher;
  q.vm_raw = vm.lock().get();
  q.vm = std::move(vm);
  q.root_context_id = root_context_id;
  return token;
}

std::optional<uint32_t> SharedQueues::resolve(std::string_view vm_id, std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_name_.find(std::make_pair(std::string(vm_id), std::string(name)));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

WasmResult SharedQueues::enqueue(uint32_t token, std::string_view value) {
  event::Dispatcher* dispatcher = nullptr;
  std::weak_ptr<WasmVm> weak_vm;
  uint32_t root_id = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = queues_.find(token);
    if (it == queues_.end()) return WasmResult::kNotFound;
    if (it->second.items.size() >= kMaxQueueItems) return WasmResult::kInternalFailure;
    it->second.items.emplace_back(value);
    dispatcher = it->second.dispatcher;
    weak_vm = it->second.vm;
    root_id = it->second.root_context_id;
  }
  if (dispatcher) {
    // Posted even to our own thread: the module must not be re-entered.
    dispatcher->post([weak_vm, root_id, token] {
      std::shared_ptr<WasmVm> vm = weak_vm.lock();
      if (!vm || vm->failed()) return;
      Context* root = vm->findContext(root_id);
      if (!root) return;
      (void)vm->call(Callback::kOnQueueReady, *root, {root_id, token});
    });
  }
  return WasmResult::kOk;
}

WasmResult SharedQueues::dequeue(uint32_t token, std::string& value) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = queues_.find(token);
  if (it == queues_.end()) return WasmResult::kNotFound;
  if (it->second.items.empty()) return WasmResult::kEmpty;
  value = std::move(it->second.items.front());
  it->second.items.pop_front();
  return WasmResult::kOk;
}

void SharedQueues::unbind(const WasmVm* vm) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [token, q] : queues_) {
    if (q.vm_raw == vm) {
      q.dispatcher = nullptr;
      q.vm.reset();
      q.vm_raw = nullptr;
    }
  }
}

}  // namespace weir::proxywasm
