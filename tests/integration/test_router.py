"""The router filter through the real weir binary: rewrites, headers, weighted
clusters, redirects, retries and timeouts against real upstreams."""

import collections
import json
import time
import unittest
import uuid

from upstream_harness import (UpstreamTestCase, cluster, refused_port, route)


def echo_of(body):
    return json.loads(body)


def header(seen, name):
    for k, v in seen["headers"]:
        if k == name:
            return v
    return None


class RewriteTest(UpstreamTestCase):
    def setUp(self):
        super().setUp()
        self.up = self.start_upstream()

    def test_prefix_rewrite_replaces_matched_prefix(self):
        weir = self.start_weir([route("/api/", cluster="up", prefix_rewrite="/echo/")],
                               [cluster("up", [self.up.port])])
        resp, body = weir.request("GET", "/api/users?x=1")
        self.assertEqual(resp.status, 200)
        self.assertEqual(echo_of(body)["target"], "/echo/users?x=1")

    def test_regex_rewrite_substitutes_groups(self):
        weir = self.start_weir(
            [route("/v1/", cluster="up", regex_rewrite={
                "pattern": {"regex": "^/v1/([a-z]+)/(\\d+)$"}, "substitution": "/echo/\\2/\\1"})],
            [cluster("up", [self.up.port])])
        resp, body = weir.request("GET", "/v1/item/42")
        self.assertEqual(echo_of(body)["target"], "/echo/42/item")

    def test_host_rewrite_literal_sets_upstream_host(self):
        weir = self.start_weir([route(cluster="up", host_rewrite_literal="backend.internal")],
                               [cluster("up", [self.up.port])])
        resp, body = weir.request("GET", "/echo", headers={"Host": "public.example"})
        self.assertEqual(header(echo_of(body), "host"), "backend.internal")

    def test_auto_host_rewrite_uses_dns_name(self):
        weir = self.start_weir(
            [route(cluster="dns", auto_host_rewrite=True)],
            [cluster("dns", [self.up.port], type_="STRICT_DNS", address="localhost",
                     dns_lookup_family="V4_ONLY")])
        resp, body = weir.request("GET", "/echo", headers={"Host": "public.example"})
        self.assertEqual(header(echo_of(body), "host"), "localhost")

    def test_route_headers_are_added_and_removed(self):
        r = route(cluster="up")
        r["request_headers_to_add"] = [{"header": {"key": "x-added", "value": "yes"}}]
        r["request_headers_to_remove"] = ["x-secret"]
        r["response_headers_to_add"] = [{"header": {"key": "x-resp", "value": "r1"}}]
        weir = self.start_weir([r], [cluster("up", [self.up.port])],
                               vhost_extra={"request_headers_to_add": [
                                   {"header": {"key": "x-vhost", "value": "v"}}]})
        resp, body = weir.request("GET", "/echo", headers={"x-secret": "s"})
        seen = echo_of(body)
        self.assertEqual(header(seen, "x-added"), "yes")
        self.assertEqual(header(seen, "x-vhost"), "v")
        self.assertIsNone(header(seen, "x-secret"))
        self.assertEqual(resp.getheader("x-resp"), "r1")


class ClusterChoiceTest(UpstreamTestCase):
    def test_weighted_clusters_follow_weights(self):
        a, b = self.start_upstream("a"), self.start_upstream("b")
        weir = self.start_weir(
            [route(weighted_clusters={"clusters": [{"name": "ca", "weight": 80},
                                                    {"name": "cb", "weight": 20}]})],
            [cluster("ca", [a.port]), cluster("cb", [b.port])])
        counts = collections.Counter()
        for _ in range(400):
            resp, _ = weir.request("GET", "/echo")
            counts[resp.getheader("x-upstream-name")] += 1
        # 80/20 of 400: expect 320; 4 standard deviations is +-32.
        self.assertLess(abs(counts["a"] - 320), 40, counts)
        self.assertEqual(counts["a"] + counts["b"], 400)

    def test_cluster_header_selects_cluster(self):
        a, b = self.start_upstream("a"), self.start_upstream("b")
        weir = self.start_weir([route(cluster_header="x-cluster")],
                               [cluster("ca", [a.port]), cluster("cb", [b.port])])
        resp, _ = weir.request("GET", "/echo", headers={"x-cluster": "cb"})
        self.assertEqual(resp.getheader("x-upstream-name"), "b")
        resp, _ = weir.request("GET", "/echo", headers={"x-cluster": "nope"})
        self.assertEqual(resp.status, 503)

    def test_redirect_route_answers_with_location(self):
        up = self.start_upstream()
        weir = self.start_weir(
            [{"match": {"prefix": "/old/"},
              "redirect": {"prefix_rewrite": "/new/", "response_code": "FOUND"}},
             route(cluster="up")],
            [cluster("up", [up.port])])
        resp, _ = weir.request("GET", "/old/page", headers={"Host": "example.com"})
        self.assertEqual(resp.status, 302)
        self.assertEqual(resp.getheader("location"), "http://example.com/new/page")
        self.assertEqual(up.stats()["requests"], 0)

    def test_https_redirect(self):
        up = self.start_upstream()
        weir = self.start_weir([{"match": {"prefix": "/"}, "redirect": {"https_redirect": True}}],
                               [cluster("up", [up.port])])
        resp, _ = weir.request("GET", "/a?b=c", headers={"Host": "example.com"})
        self.assertEqual(resp.status, 301)
        self.assertEqual(resp.getheader("location"), "https://example.com/a?b=c")


class RetryTest(UpstreamTestCase):
    def setUp(self):
        super().setUp()
        self.up = self.start_upstream()

    def key(self):
        return uuid.uuid4().hex

    def test_retry_on_5xx_recovers_after_two_503(self):
        weir = self.start_weir(
            [route(cluster="up", retry_policy={"retry_on": "5xx", "num_retries": 2})],
            [cluster("up", [self.up.port])])
        resp, body = weir.request("GET", "/seq/%s/503,503,200" % self.key())
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b"seq 2\n")
        stats = weir.stats()
        self.assertEqual(stats.get("cluster.up.upstream_rq_retry"), 2)
        self.assertEqual(stats.get("cluster.up.upstream_rq_retry_success"), 1)

    def test_retries_exhausted_returns_last_upstream_response(self):
        weir = self.start_weir(
            [route(cluster="up", retry_policy={"retry_on": "5xx", "num_retries": 1})],
            [cluster("up", [self.up.port])])
        resp, body = weir.request("GET", "/seq/%s/503,503,200" % self.key())
        self.assertEqual(resp.status, 503)
        self.assertEqual(body, b"seq 1\n")

    def test_no_retry_policy_means_no_retry(self):
        weir = self.start_weir([route(cluster="up")], [cluster("up", [self.up.port])])
        resp, _ = weir.request("GET", "/seq/%s/503,200" % self.key())
        self.assertEqual(resp.status, 503)

    def test_retriable_status_codes(self):
        weir = self.start_weir(
            [route(cluster="up", retry_policy={"retry_on": "retriable-status-codes",
                                               "retriable_status_codes": [418],
                                               "num_retries": 1})],
            [cluster("up", [self.up.port])])
        resp, _ = weir.request("GET", "/seq/%s/418,200" % self.key())
        self.assertEqual(resp.status, 200)
        resp, _ = weir.request("GET", "/seq/%s/500,200" % self.key())
        self.assertEqual(resp.status, 500)

    def test_post_body_is_replayed_on_retry(self):
        weir = self.start_weir(
            [route(cluster="up", retry_policy={"retry_on": "gateway-error", "num_retries": 1})],
            [cluster("up", [self.up.port])])
        resp, body = weir.request("POST", "/seq/%s/502,200" % self.key(), body=b"x" * 5000)
        self.assertEqual(resp.status, 200)

    def test_connect_failure_retries_on_another_host(self):
        weir = self.start_weir(
            [route(cluster="mixed", retry_policy={"retry_on": "connect-failure",
                                                  "num_retries": 2})],
            [cluster("mixed", [refused_port(), self.up.port])])
        for _ in range(6):
            resp, _ = weir.request("GET", "/echo")
            self.assertEqual(resp.status, 200)

    def test_reset_retries_then_gives_503(self):
        weir = self.start_weir(
            [route(cluster="up", retry_policy={"retry_on": "reset", "num_retries": 2})],
            [cluster("up", [self.up.port])])
        resp, body = weir.request("GET", "/reset-before")
        self.assertEqual(resp.status, 503)
        self.assertEqual(self.up.stats()["requests"], 3)
        self.assertEqual(weir.stats().get("cluster.up.upstream_rq_retry"), 2)


class TimeoutTest(UpstreamTestCase):
    def setUp(self):
        super().setUp()
        self.up = self.start_upstream()

    def test_route_timeout_gives_504(self):
        weir = self.start_weir([route(cluster="up", timeout="0.3s")],
                               [cluster("up", [self.up.port])])
        start = time.monotonic()
        resp, body = weir.request("GET", "/slow/3000")
        elapsed = time.monotonic() - start
        self.assertEqual(resp.status, 504)
        self.assertEqual(body, b"upstream request timeout")
        self.assertLess(elapsed, 2.0)
        self.assertEqual(weir.stats().get("cluster.up.upstream_rq_timeout"), 1)

    def test_per_try_timeout_retries_a_slow_attempt(self):
        weir = self.start_weir(
            [route(cluster="up", timeout="5s", retry_policy={
                "retry_on": "5xx", "num_retries": 1, "per_try_timeout": "0.3s"})],
            [cluster("up", [self.up.port])])
        resp, body = weir.request("GET", "/delayseq/%s/3000,0" % uuid.uuid4().hex)
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b"attempt 1\n")

    def test_idle_timeout_gives_504_when_upstream_goes_silent(self):
        weir = self.start_weir([route(cluster="up", timeout="0s", idle_timeout="0.3s")],
                               [cluster("up", [self.up.port])])
        resp, _ = weir.request("GET", "/hang")
        self.assertEqual(resp.status, 504)


if __name__ == "__main__":
    unittest.main()
