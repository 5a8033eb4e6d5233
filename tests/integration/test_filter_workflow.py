"""The filter author's workflow as a new user runs it: `weir init` an
AssemblyScript project, `weir build` it with the real SDK and compiler,
`weir test` it offline, `weir push` it to a real `weir hub` (bcrypt
htpasswd accounts), `weir deploy` it into a running `weir proxy` in front of
real nginx and see it with curl; then build, push and deploy a new version
while wrk runs, with zero failed requests. Plus the errors a user meets
first: a missing toolchain, a refused config; and `--print envoy` output
that weir itself loads.

npm: a user runs `npm install` in the project. Here the project's
node_modules is a symlink to the SDK tests/testdata/proxywasm/assemblyscript
already installed (scripts/setup.sh runs `npm ci` there, same pinned
versions), so the test is offline. ASC_OPT= skips Binaryen's optimizer
(the template's `npm run build` passes -O3 by default) to keep the compile
short; the module is the same program."""

import json
import os
import re
import shutil
import subprocess
import unittest

import harness
import hub_harness

REPO = os.path.abspath(os.path.join(harness.HERE, "..", ".."))
AS_SDK = os.path.join(REPO, "tests", "testdata", "proxywasm", "assemblyscript", "node_modules")


def sdk_installed():
    return os.path.exists(os.path.join(AS_SDK, ".bin", "asc"))


class FilterWorkflowTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.workdir  # hub_harness.Hub keeps its log there
        self.env = dict(os.environ, WEIR_STORE=os.path.join(self.workdir, "store"),
                        DOCKER_CONFIG=os.path.join(self.workdir, "docker"), HOME=self.workdir, ASC_OPT="")

    def weir(self, *args, check=True, env=None, cwd=None):
        p = subprocess.run([harness.weir_bin()] + list(args), env=env or self.env, capture_output=True, text=True,
                           timeout=300, cwd=cwd)
        if check and p.returncode != 0:
            self.fail("weir %s failed (%d):\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def init_as_project(self, name, template="add-header"):
        project = os.path.join(self.workdir, name)
        out = self.weir("init", project, "--language", "assemblyscript", "--template", template).stdout
        self.assertIn("created %s" % project, out)
        # What `npm install` would put there (see the module docstring).
        os.symlink(AS_SDK, os.path.join(project, "node_modules"))
        return project

    def start_hub(self):
        htpasswd = os.path.join(self.workdir, "htpasswd")
        subprocess.run(["htpasswd", "-B", "-c", "-b", htpasswd, "alice", "s3cret"], check=True, capture_output=True)
        hub = hub_harness.Hub(self, os.path.join(self.workdir, "hub"), ["--htpasswd", htpasswd])
        self.addCleanup(hub.stop)
        os.makedirs(self.env["DOCKER_CONFIG"], exist_ok=True)
        p = subprocess.run([harness.weir_bin(), "login", hub.host, "-u", "alice", "--password-stdin"],
                           env=self.env, input="s3cret\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return hub

    def curl_headers(self, port):
        p = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "http://127.0.0.1:%d/" % port],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.lower()

    @unittest.skipUnless(sdk_installed(), "AssemblyScript SDK not installed (npm ci in tests/testdata/proxywasm/assemblyscript)")
    def test_init_build_test_push_deploy_then_redeploy_under_load(self):
        project = self.init_as_project("hello-filter")
        for f in ("weir.yaml", "package.json", "package-lock.json", "assembly/index.ts", "README.md", "test/run.sh"):
            self.assertTrue(os.path.exists(os.path.join(project, f)), f)
        self.assertTrue(os.access(os.path.join(project, "test", "run.sh"), os.X_OK))

        hub = self.start_hub()
        ref_v1 = "%s/team/hello-filter:v1" % hub.host
        out = self.weir("build", project, "-t", ref_v1).stdout
        self.assertRegex(out, r"ABI 0\.2\.[01]\)")
        self.assertIn("stored " + ref_v1, out)

        # The fast loop: what the project's test runs, offline.
        out = self.weir("test", os.path.join(project, "build", "filter.wasm"), "--root-id", "hello_filter",
                        "--config", "v1", "--request", os.path.join(project, "test", "request.http"),
                        "--response", os.path.join(project, "test", "response.http")).stdout
        self.assertIn("+ x-hello-filter: v1", out)
        self.assertIn("[info] request /hello?lang=en", out)

        out = self.weir("push", ref_v1).stdout
        self.assertIn("pushed " + ref_v1, out)

        nginx = self.start_nginx({"/": "return 200 'hello from nginx\\n';"})
        weir = self.start_weir(harness.bootstrap(
            listener_port=self.port(), admin_port=self.port(),
            virtual_hosts=[harness.vhost([harness.cluster_route("/", "nginx")])],
            clusters=[harness.static_cluster("nginx", [nginx.port])]), concurrency=2)
        self.assertNotIn("x-hello-filter", self.curl_headers(weir.listener_port))

        # Deploy from the registry: a store that has never seen the image.
        deploy_env = dict(self.env, WEIR_STORE=os.path.join(self.workdir, "deploy-store"))
        admin = "http://127.0.0.1:%d" % weir.admin_port
        out = self.weir("deploy", ref_v1, "--admin", admin, "--name", "hello", "--config", "v1", env=deploy_env).stdout
        digest_v1 = re.search(r"module digest:\s+(sha256:[0-9a-f]{64})", out).group(1)
        self.assertIn("x-hello-filter: v1", self.curl_headers(weir.listener_port))
        plugins = json.loads(harness.admin_get(weir.admin_port, "/plugins")[2])["plugins"]
        self.assertEqual([(p["name"], p["module_digest"], p["root_id"]) for p in plugins],
                         [("hello", digest_v1, "hello_filter")])

        # Version 2: the source changes, the same commands publish it.
        index = os.path.join(project, "assembly", "index.ts")
        with open(index) as f:
            src = f.read()
        line = 'stream_context.headers.response.add("x-hello-filter", this.root.value);'
        self.assertIn(line, src)
        src = src.replace(line, line + '\n    stream_context.headers.response.add("x-hello-version", "2");')
        with open(index, "w") as f:
            f.write(src)
        ref_v2 = "%s/team/hello-filter:v2" % hub.host
        self.weir("build", project, "-t", ref_v2)
        self.weir("push", ref_v2)

        wrk = subprocess.Popen(["wrk", "-t1", "-c4", "-d4s", "http://127.0.0.1:%d/" % weir.listener_port],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            out = self.weir("deploy", ref_v2, "--admin", admin, "--name", "hello", "--config", "v2",
                            env=deploy_env).stdout
            self.assertIsNone(wrk.poll(), "the deploy must happen while wrk runs")
            report, _ = wrk.communicate(timeout=60)
        finally:
            if wrk.poll() is None:
                wrk.kill()
                wrk.wait()
        digest_v2 = re.search(r"module digest:\s+(sha256:[0-9a-f]{64})", out).group(1)
        self.assertNotEqual(digest_v1, digest_v2)
        self.assertEqual(wrk.returncode, 0, report)
        requests = int(re.search(r"(\d+) requests in", report).group(1))
        self.assertGreater(requests, 100, report)
        self.assertNotIn("Non-2xx", report)
        self.assertNotIn("Socket errors", report)
        headers = self.curl_headers(weir.listener_port)
        self.assertIn("x-hello-filter: v2", headers)
        self.assertIn("x-hello-version: 2", headers)

        # The same image as config for Envoy (remote, by digest) and Istio.
        envoy = self.weir("deploy", ref_v2, "--print", "envoy", "--config", "v2", env=deploy_env).stdout
        self.assertRegex(envoy, r'uri: "oci://%s/team/hello-filter@sha256:[0-9a-f]{64}"' % re.escape(hub.host))
        self.assertIn('sha256: "%s"' % digest_v2.split(":")[1], envoy)
        self.assertIn('root_id: "hello_filter"', envoy)
        istio = self.weir("deploy", ref_v2, "--print", "istio", "--config", '{"greeting": "v2"}',
                          env=deploy_env).stdout
        self.assertIn("kind: WasmPlugin", istio)
        self.assertIn('pluginConfig: {"greeting":"v2"}', istio)
        self.assertIn('pluginName: "hello_filter"', istio)
        self.assertRegex(istio, r'url: "oci://%s/team/hello-filter@sha256:[0-9a-f]{64}"' % re.escape(hub.host))

        # Deploying the same thing again replaces it in place (idempotent).
        out = self.weir("deploy", ref_v2, "--admin", admin, "--name", "hello", "--config", "v2",
                        env=deploy_env).stdout
        self.assertIn(digest_v2, out)
        self.assertEqual(len(json.loads(harness.admin_get(weir.admin_port, "/plugins")[2])["plugins"]), 1)

        self.weir("undeploy", "hello", "--admin", admin)
        self.assertNotIn("x-hello-filter", self.curl_headers(weir.listener_port))

    @unittest.skipUnless(sdk_installed(), "AssemblyScript SDK not installed (npm ci in tests/testdata/proxywasm/assemblyscript)")
    def test_auth_template_test_script_passes_and_print_envoy_loads_in_weir(self):
        project = self.init_as_project("gate", template="auth")
        # The project's own test: weir build, then weir test with expectations.
        bindir = os.path.join(self.workdir, "bin")
        os.makedirs(bindir)
        os.symlink(harness.weir_bin(), os.path.join(bindir, "weir"))
        env = dict(self.env, PATH=bindir + os.pathsep + os.environ["PATH"])
        p = subprocess.run(["sh", "test/run.sh"], cwd=project, env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("gate: tests passed", p.stdout)

        # The module run.sh built, as a config entry that names the file.
        module = os.path.join(project, "build", "filter.wasm")
        entry = self.weir("deploy", module, "--name", "gate", "--root-id", "gate", "--print", "envoy",
                          "--config", "s3cret").stdout
        self.assertIn("envoy.filters.http.wasm", entry)
        self.assertIn('root_id: "gate"', entry)
        self.assertIn('filename: "%s"' % module, entry)
        # The printed entry goes into a config as is; weir loads it.
        config = os.path.join(self.workdir, "gate.yaml")
        with open(config, "w") as f:
            f.write("static_resources:\n  listeners:\n  - name: l\n    address: {socket_address: {address: 127.0.0.1,"
                    " port_value: %d}}\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network."
                    "http_connection_manager\n        typed_config:\n          \"@type\": type.googleapis.com/envoy."
                    "extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n"
                    "          stat_prefix: s\n          route_config:\n            virtual_hosts:\n"
                    "            - {name: all, domains: [\"*\"], routes: [{match: {prefix: /}, direct_response:"
                    " {status: 200}}]}\n          http_filters:\n" % self.port())
            for line in entry.splitlines():
                f.write("          " + line + "\n")
            f.write("          - name: envoy.filters.http.router\n            typed_config:\n"
                    "              \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\n")
        p = subprocess.run([harness.weir_bin(), "validate", "-c", config], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr + entry)


    def test_build_names_the_missing_toolchain(self):
        project = os.path.join(self.workdir, "rusty")
        self.weir("init", project, "--language", "rust")
        self.assertTrue(os.path.exists(os.path.join(project, "Cargo.toml")))
        with open(os.path.join(project, "src", "lib.rs")) as f:
            self.assertIn("proxy_wasm::main! {{", f.read())  # not a template placeholder
        env = dict(self.env, PATH="/nonexistent")
        p = subprocess.run([harness.weir_bin(), "build", project], env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("the rust toolchain is missing: 'cargo' is not on PATH", p.stderr)

        p = self.weir("init", project, "--language", "rust", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("exists and is not empty", p.stderr)
        p = self.weir("init", os.path.join(self.workdir, "x"), "--language", "cobol", check=False)
        self.assertIn("no templates for language 'cobol'", p.stderr)

    def test_deploy_reports_what_the_proxy_refused(self):
        weir = self.start_weir(harness.bootstrap(listener_port=self.port(), admin_port=self.port()))
        # A C test filter whose configuration "reject" makes on_configure fail.
        build = subprocess.run([os.path.join(REPO, "tests", "testdata", "proxywasm", "build.sh"),
                                os.path.join(self.workdir, "mods")], capture_output=True, text=True)
        self.assertEqual(build.returncode, 0, build.stderr)
        module = os.path.join(self.workdir, "mods", "test_filter.wasm")
        ref = module  # a module file deploys as is
        admin = "http://127.0.0.1:%d" % weir.admin_port
        p = self.weir("deploy", ref, "--admin", admin, "--name", "c", "--config", "reject", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("the proxy refused plugin 'c' (HTTP 400)", p.stderr)
        self.assertIn("on_configure", p.stderr)
        out = self.weir("deploy", ref, "--admin", admin, "--name", "c", "--config", "ok").stdout
        self.assertIn("deployed", out)
        status, headers, _ = harness.http_get(weir.listener_port, "/")
        self.assertEqual(headers.get("x-wasm-response"), "ok")


if __name__ == "__main__":
    unittest.main()
