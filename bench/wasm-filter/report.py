"""Medians per config of the rows wrk_row.py wrote, with ratios to `none`:
   report.py RESULTS DURATION CONNECTIONS ROUNDS"""
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    name, *values = line.split()
    rows.setdefault(name, []).append([float(v) for v in values])
med = {n: [statistics.median(r[i] for r in v) for i in range(4)] for n, v in rows.items()}
print("bench/wasm-filter: %ss x %s rounds, %s connections, weir with 1 worker on CPU 0; medians"
      % (sys.argv[2], sys.argv[4], sys.argv[3]))
print("%-11s %10s %9s %9s %12s %9s" % ("config", "req/s", "p50 ms", "p99 ms", "CPU us/req", "vs none"))
base = med["none"][3]
for name in ("none", "builtin", "wasm-c", "wasm-c-aot", "wasm-as", "wasm-as-aot", "wasm-wat"):
    rps, p50, p99, cpu = med[name]
    print("%-11s %10.0f %9.3f %9.3f %12.2f %8.3fx" % (name, rps, p50, p99, cpu, cpu / base))


def extra(name):
    return (med[name][3] / base - 1) * 100


print("targets: a Wasm header filter adds <= 10%% CPU per request over none (interpreter), <= 5%% on the "
      "compiled tier: wasm-c %+.1f%%, wasm-as %+.1f%%; wasm-c-aot %+.1f%%, wasm-as-aot %+.1f%%"
      % (extra("wasm-c"), extra("wasm-as"), extra("wasm-c-aot"), extra("wasm-as-aot")))
