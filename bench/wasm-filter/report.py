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
print("%-9s %10s %9s %9s %12s %9s" % ("config", "req/s", "p50 ms", "p99 ms", "CPU us/req", "vs none"))
base = med["none"][3]
for name in ("none", "builtin", "wasm-c", "wasm-as", "wasm-wat"):
    rps, p50, p99, cpu = med[name]
    print("%-9s %10.0f %9.3f %9.3f %12.2f %8.3fx" % (name, rps, p50, p99, cpu, cpu / base))
print("target: a Wasm header filter adds <= 10%% CPU per request over none: wasm-c %+.1f%%, wasm-as %+.1f%%"
      % ((med["wasm-c"][3] / base - 1) * 100, (med["wasm-as"][3] / base - 1) * 100))
