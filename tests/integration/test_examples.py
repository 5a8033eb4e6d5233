"""Every config in examples/ is valid for `weir validate` once the example
filters are built (examples/build.sh), and the demo filter works in the
real binary."""

import glob
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="weir-examples-")
        subprocess.run([os.path.join(EXAMPLES, "build.sh"), cls.out], check=True, stdout=subprocess.DEVNULL)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_every_example_config_validates(self):
        configs = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))
        self.assertGreaterEqual(len(configs), 4)
        for config in configs:
            r = subprocess.run([harness.weir_bin(), "validate", "-c", os.path.abspath(config)], cwd=self.out,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(r.returncode, 0, "%s:\n%s" % (os.path.basename(config), r.stdout))

    def test_hello_example_serves_its_header(self):
        with open(os.path.join(EXAMPLES, "wasm-hello.yaml")) as f:
            text = f.read()
        listener, admin = harness.free_port(), harness.free_port()
        text = text.replace("port_value: 10000", "port_value: %d" % listener)
        text = text.replace("port_value: 9901", "port_value: %d" % admin)
        text = text.replace("filename: hello.wasm", "filename: %s" % os.path.join(self.out, "hello.wasm"))
        config = os.path.join(self.out, "hello.yaml")
        with open(config, "w") as f:
            f.write(text)
        log = open(os.path.join(self.out, "hello.log"), "wb")
        proc = subprocess.Popen([harness.weir_bin(), "proxy", "-c", config], stdout=log, stderr=subprocess.STDOUT)
        try:
            harness.wait_until(lambda: harness.admin_get(admin, "/ready")[0] == 200, what="weir /ready", proc=proc)
            status, headers, body = harness.http_get(listener, "/")
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("x-weir-filter"), "configured in wasm-hello.yaml")
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()


if __name__ == "__main__":
    unittest.main()
