"""Clusters and connection pools through the real weir binary: proxying to
nginx and to our test upstream, keep-alive reuse, load balancing, circuit
breakers, connection failures and DNS clusters."""

import collections
import concurrent.futures
import hashlib
import json
import unittest

from upstream_harness import (UpstreamTestCase, cluster, refused_port, route)


class ProxyingTest(UpstreamTestCase):
    def test_get_is_proxied_to_nginx(self):
        nginx = self.start_nginx()
        weir = self.start_weir([route(cluster="nginx")], [cluster("nginx", [nginx.port])])
        resp, body = weir.request("GET", "/hello")
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b"hello from nginx\n")

    def test_post_body_reaches_upstream_intact(self):
        up = self.start_upstream()
        weir = self.start_weir([route(cluster="up")], [cluster("up", [up.port])])
        payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
        resp, body = weir.request("POST", "/echo", body=payload,
                                  headers={"content-type": "application/octet-stream"})
        self.assertEqual(resp.status, 200)
        seen = json.loads(body)
        self.assertEqual(seen["method"], "POST")
        self.assertEqual(seen["body_size"], len(payload))
        self.assertEqual(seen["body_sha256"], hashlib.sha256(payload).hexdigest())

    def test_upstream_connection_is_reused_across_client_connections(self):
        up = self.start_upstream()
        weir = self.start_weir([route(cluster="up")], [cluster("up", [up.port])])
        for _ in range(20):
            resp, _ = weir.request("GET", "/echo")  # a new client connection each time
            self.assertEqual(resp.status, 200)
        self.assertEqual(up.stats()["connections"], 1)
        self.assertEqual(up.stats()["requests"], 20)

    def test_upstream_closing_keep_alive_connection_is_survived(self):
        up = self.start_upstream()
        weir = self.start_weir([route(cluster="up")], [cluster("up", [up.port])])
        for _ in range(5):
            resp, body = weir.request("GET", "/close-after")
            self.assertEqual(resp.status, 200)
            self.assertEqual(body, b"bye\n")
        self.assertEqual(up.stats()["connections"], 5)

    def test_round_robin_spreads_evenly_over_three_upstreams(self):
        ups = [self.start_upstream("u%d" % i) for i in range(3)]
        weir = self.start_weir([route(cluster="rr")], [cluster("rr", [u.port for u in ups])])
        counts = collections.Counter()
        for _ in range(30):
            resp, _ = weir.request("GET", "/echo")
            counts[resp.getheader("x-upstream-name")] += 1
        self.assertEqual(counts, {"u0": 10, "u1": 10, "u2": 10})

    def test_least_request_and_random_use_every_upstream(self):
        for policy in ("LEAST_REQUEST", "RANDOM"):
            with self.subTest(policy=policy):
                ups = [self.start_upstream("%s%d" % (policy, i)) for i in range(2)]
                weir = self.start_weir([route(cluster="c")],
                                       [cluster("c", [u.port for u in ups], lb_policy=policy)])
                names = set()
                for _ in range(40):
                    resp, _ = weir.request("GET", "/echo")
                    self.assertEqual(resp.status, 200)
                    names.add(resp.getheader("x-upstream-name"))
                self.assertEqual(names, {"%s0" % policy, "%s1" % policy})

    def test_strict_dns_cluster_resolves_localhost(self):
        up = self.start_upstream()
        weir = self.start_weir(
            [route(cluster="dns")],
            [cluster("dns", [up.port], type_="STRICT_DNS", address="localhost",
                     dns_lookup_family="V4_ONLY", dns_refresh_rate="1s")])
        resp, body = weir.request("GET", "/echo")
        self.assertEqual(resp.status, 200)

    def test_logical_dns_cluster_resolves_localhost(self):
        up = self.start_upstream()
        weir = self.start_weir(
            [route(cluster="dns")],
            [cluster("dns", [up.port], type_="LOGICAL_DNS", address="localhost",
                     dns_lookup_family="V4_ONLY")])
        resp, _ = weir.request("GET", "/echo")
        self.assertEqual(resp.status, 200)


class FailureTest(UpstreamTestCase):
    def test_refused_upstream_gives_503_connection_failure(self):
        weir = self.start_weir([route(cluster="dead")], [cluster("dead", [refused_port()])])
        resp, body = weir.request("GET", "/")
        self.assertEqual(resp.status, 503)
        self.assertIn(b"connection failure", body)
        self.assertGreaterEqual(weir.stats().get("cluster.dead.upstream_cx_connect_fail", 0), 1)

    def test_upstream_reset_before_response_gives_503(self):
        up = self.start_upstream()
        weir = self.start_weir([route(cluster="up")], [cluster("up", [up.port])])
        resp, body = weir.request("GET", "/reset-before")
        self.assertEqual(resp.status, 503)
        self.assertIn(b"connection termination", body)

    def test_upstream_reset_mid_response_closes_client_connection(self):
        up = self.start_upstream()
        weir = self.start_weir([route(cluster="up")], [cluster("up", [up.port])])
        with self.assertRaises(Exception):
            resp, body = weir.request("GET", "/reset")
            # A truncated body must not be presented as complete.
            if len(body) != 100000:
                raise IOError("truncated")

    def test_circuit_breaker_overflow_gives_503(self):
        up = self.start_upstream()
        weir = self.start_weir(
            [route(cluster="cb", timeout="5s")],
            [cluster("cb", [up.port], circuit_breakers={"thresholds": [
                {"max_connections": 1, "max_pending_requests": 1, "max_requests": 1}]})])
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(lambda i: weir.request("GET", "/slow/400"), range(6)))
        codes = collections.Counter(r[0].status for r in results)
        self.assertGreaterEqual(codes[200], 1)
        self.assertGreaterEqual(codes[503], 1)
        for resp, body in results:
            if resp.status == 503:
                self.assertIn(b"overflow", body)
        self.assertGreaterEqual(weir.stats().get("cluster.cb.upstream_rq_pending_overflow", 0), 1)


if __name__ == "__main__":
    unittest.main()
