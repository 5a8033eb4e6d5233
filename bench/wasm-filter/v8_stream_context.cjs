// A Proxy-Wasm stream context's life on V8 (Node's WebAssembly), for the same
// module and the same callback sequence as BM_StreamContext in
// bench/micro/proxywasm_bench.cc: on_context_create, then on_log, on_done and
// on_delete, one stream at a time under one root context, with LIVE other
// stream contexts open meanwhile (as under concurrent requests; default 0).
//
//   node v8_stream_context.cjs MODULE.wasm ROOT_ID [ITERATIONS] [LIVE]
//
// The host functions are JavaScript stubs that do the least the ABI allows
// (proxy_log drops the message, properties and buffers answer from two
// strings), so the time printed is the guest code's alone: a lower bound for
// the same filter in Envoy with V8. Prints one line:
//   v8 <module> <ns per stream context> ns (<iterations> iterations, <live> live, best of 5)
'use strict';
const fs = require('fs');

const [file, rootId, itersArg, liveArg] = process.argv.slice(2);
if (!file || rootId === undefined) {
  console.error('usage: node v8_stream_context.cjs MODULE.wasm ROOT_ID [ITERATIONS] [LIVE]');
  process.exit(2);
}
const iterations = Number(itersArg || 200000);
const live = Number(liveArg || 0);
const kOk = 0, kNotFound = 1;
const kVmConfiguration = 6, kPluginConfiguration = 7;
const configuration = Buffer.from('bench');

let guest = null;
const mem = () => new DataView(guest.memory.buffer);
const bytes = () => new Uint8Array(guest.memory.buffer);
const alloc = () => guest.proxy_on_memory_allocate || guest.malloc;

// Copies `data` into guest memory allocated by the module and stores its
// address and size, as the host does for every returned value.
function give(data, ptrPtr, sizePtr) {
  const p = alloc()(data.length);
  bytes().set(data, p);
  mem().setUint32(ptrPtr, p, true);
  mem().setUint32(sizePtr, data.length, true);
  return kOk;
}

const env = new Proxy({
  proxy_log: () => kOk,
  proxy_get_property(pathPtr, pathSize, ptrPtr, sizePtr) {
    const path = Buffer.from(bytes().subarray(pathPtr, pathPtr + pathSize)).toString('latin1');
    if (path.replace(/\0+$/, '') === 'plugin_root_id') return give(Buffer.from(rootId), ptrPtr, sizePtr);
    return kNotFound;
  },
  proxy_get_buffer_bytes(type, start, length, ptrPtr, sizePtr) {
    if (type === kPluginConfiguration) return give(configuration.subarray(start, start + length), ptrPtr, sizePtr);
    if (type === kVmConfiguration) return give(Buffer.alloc(0), ptrPtr, sizePtr);
    return kNotFound;
  },
  proxy_set_effective_context: () => kOk,
}, {
  // Every other import: a stub answering NotFound, as no stream is attached.
  get: (target, name) => target[name] || (() => kNotFound),
});
const wasi = new Proxy({}, {
  get: (_, name) => name === 'proc_exit' ? (code => { throw new Error('proc_exit(' + code + ')'); }) : () => 0,
});

const wasmModule = new WebAssembly.Module(fs.readFileSync(file));
const imports = {};
for (const imp of WebAssembly.Module.imports(wasmModule)) {
  imports[imp.module] = imp.module === 'env' ? env : wasi;
}
guest = new WebAssembly.Instance(wasmModule, imports).exports;
if (guest._initialize) guest._initialize();
else if (guest._start) guest._start();

const root = 1;
guest.proxy_on_context_create(root, 0);
if (guest.proxy_on_vm_start && !guest.proxy_on_vm_start(root, 0)) throw new Error('proxy_on_vm_start returned false');
if (guest.proxy_on_configure && !guest.proxy_on_configure(root, configuration.length)) {
  throw new Error('proxy_on_configure returned false');
}

let next = 2;
for (let i = 0; i < live; ++i) guest.proxy_on_context_create(next++, root);
function streams(n) {
  for (let i = 0; i < n; ++i) {
    const id = next++;
    guest.proxy_on_context_create(id, root);
    if (guest.proxy_on_log) guest.proxy_on_log(id);
    if (guest.proxy_on_done) guest.proxy_on_done(id);
    if (guest.proxy_on_delete) guest.proxy_on_delete(id);
  }
}

streams(iterations);  // warm-up: Liftoff first, TurboFan once hot
let best = Infinity;
for (let r = 0; r < 5; ++r) {
  const t0 = process.hrtime.bigint();
  streams(iterations);
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  best = Math.min(best, ns);
}
console.log('v8 ' + require('path').basename(file) + ' ' + best.toFixed(1) + ' ns (' + iterations +
            ' iterations, ' + live + ' live, best of 5)');
