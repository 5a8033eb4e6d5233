"""One result row from a wrk --latency report and the proxy's CPU ticks:
   wrk_row.py WRK_OUTPUT NAME TICKS_BEFORE TICKS_AFTER CLK_TCK
prints "NAME req/s p50_ms p99_ms cpu_us_per_request"; fails on non-2xx."""
import re
import sys


def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]


text = open(sys.argv[1]).read()
name, before, after, tck = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
reqs = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if bad:
    sys.exit("%s: %s non-2xx responses" % (name, bad.group(1)))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
print(name, rps, p50, p99, (after - before) / tck * 1e6 / reqs)
