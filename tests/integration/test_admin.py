"""Admin API endpoints over real HTTP."""

import json
import unittest

import harness
from harness import admin_get, admin_post, bootstrap


class AdminTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.w = self.start_weir(bootstrap(self.port(), self.port()))
        self.a = self.w.admin_port

    def test_ready_and_healthcheck_fail_ok(self):
        self.assertEqual(admin_get(self.a, "/ready")[:1], (200,))
        self.assertEqual(admin_post(self.a, "/healthcheck/fail")[0], 200)
        status, _, body = admin_get(self.a, "/ready")
        self.assertEqual((status, body), (503, b"DRAINING\n"))
        admin_post(self.a, "/healthcheck/ok")
        self.assertEqual(admin_get(self.a, "/ready")[2], b"LIVE\n")

    def test_mutating_endpoints_require_post(self):
        self.assertEqual(admin_get(self.a, "/healthcheck/fail")[0], 405)
        self.assertEqual(admin_get(self.a, "/ready")[0], 200)

    def test_stats_text_json_filter_and_prometheus(self):
        harness.http_get(self.w.listener_port, "/")
        status, _, body = admin_get(self.a, "/stats?filter=downstream_rq_2xx")
        self.assertEqual(status, 200)
        self.assertIn(b"http.ingress_http.downstream_rq_2xx: 1", body)
        self.assertNotIn(b"downstream_cx_total", body)
        self.assertEqual(self.w.stat("http.ingress_http.downstream_rq_total"), 1)
        status, headers, body = admin_get(self.a, "/stats/prometheus")
        self.assertEqual(status, 200)
        self.assertIn(b"envoy_http_downstream_rq_total", body)

    def test_server_info_config_dump_listeners(self):
        info = json.loads(admin_get(self.a, "/server_info")[2])
        self.assertEqual(info["state"], "LIVE")
        dump = json.loads(admin_get(self.a, "/config_dump")[2])
        self.assertEqual(dump["configs"][0]["@type"],
                         "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump")
        self.assertIn("static_resources", dump["configs"][0]["bootstrap"])
        listeners = json.loads(admin_get(self.a, "/listeners?format=json")[2])
        addr = listeners["listener_statuses"][0]["local_address"]["socket_address"]
        self.assertEqual(addr["port_value"], self.w.listener_port)
        self.assertEqual(admin_get(self.a, "/clusters")[0], 200)

    def test_logging_level_and_help(self):
        status, _, body = admin_post(self.a, "/logging?level=debug")
        self.assertEqual(status, 200)
        self.assertIn(b"debug", body)
        self.assertIn(b"/stats/prometheus", admin_get(self.a, "/")[2])
        self.assertEqual(admin_get(self.a, "/nope")[0], 404)

    def test_quitquitquit_exits_zero(self):
        admin_post(self.a, "/quitquitquit")
        self.assertEqual(self.w.proc.wait(timeout=10), 0)


if __name__ == "__main__":
    unittest.main()
