"""Medians per config of the rows wrk_row.py wrote, with ratios to `none`:
   report.py RESULTS DURATION CONNECTIONS ROUNDS
Rows come round by round, every config once per round. "vs none" is the
median over rounds of CPU/request divided by that round's `none`: configs
measured next to each other share the machine's state, so per-round ratios
wander less than ratios of medians."""
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    name, *values = line.split()
    rows.setdefault(name, []).append([float(v) for v in values])
med = {n: [statistics.median(r[i] for r in v) for i in range(4)] for n, v in rows.items()}
ratios = {n: sorted(r[3] / b[3] for r, b in zip(v, rows["none"])) for n, v in rows.items()}
ratio = {n: statistics.median(v) for n, v in ratios.items()}
print("bench/wasm-filter: %ss x %s rounds, %s connections, weir with 1 worker on CPU 0; medians"
      % (sys.argv[2], sys.argv[4], sys.argv[3]))
print("%-17s %10s %9s %9s %12s %9s %15s" % ("config", "req/s", "p50 ms", "p99 ms", "CPU us/req", "vs none",
                                            "rounds min-max"))
for name in rows:
    rps, p50, p99, cpu = med[name]
    print("%-17s %10.0f %9.3f %9.3f %12.2f %8.3fx %7.3f-%.3fx" % (name, rps, p50, p99, cpu, ratio[name],
                                                                ratios[name][0], ratios[name][-1]))

print("target: a Wasm header filter adds <= 10% CPU per request over none: " +
      ", ".join("%s %+.1f%%" % (n, (ratio[n] - 1) * 100) for n in rows if n.startswith("wasm-")))
