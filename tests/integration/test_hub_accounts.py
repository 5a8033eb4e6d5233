"""weir hub --accounts: accounts, tokens and the web UI, end to end.

AccountsAuthTest drives the hub with real clients (weir login/push/pull, curl-
style HTTP from http.client): private repositories invisible and unpullable to
others, API tokens limited to their scopes, login attempts rate-limited, CSRF
checks on forms and API writes, no plaintext secret in the database.

BrowserTest runs the web UI in headless Chromium (Debian's chromium, driven by
playwright-core from tests/integration/browser/): sign up, create a token,
push with `weir push`, search, open the repository page, check the tags table
and the deploy snippet, star it. If Chromium cannot start, the test fails.
"""

import base64
import http.client
import json
import os
import re
import sqlite3
import subprocess
import unittest
import urllib.parse

import harness
from hub_harness import HubTestCase, compat_layout, wasm_module

FAST = ["--accounts", "--kdf-iterations", "1000", "--login-attempts", "4"]
BROWSER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")


def request(port, method, path, body=None, headers=None):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        headers = dict(headers or {}, **{"Content-Type": "application/json"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        hd = {}
        for k, v in resp.getheaders():  # Set-Cookie repeats: keep them all
            hd[k.lower()] = hd[k.lower()] + "\n" + v if k.lower() in hd else v
        return resp.status, hd, data
    finally:
        conn.close()


def basic(user, secret):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()}


def cookie_of(headers, name):
    for part in headers.get("set-cookie", "").split("\n"):
        m = re.search(r"(?:^|\s)%s=([^;]*)" % name, part)
        if m:
            return m.group(1)
    return None


def csrf_in(html):
    m = re.search(rb'name="csrf" value="([0-9a-f]+)"', html)
    return m.group(1).decode() if m else None


class AccountsTestCase(HubTestCase):
    def start(self):
        self.h = self.hub(args=FAST)
        return self.h

    def signup(self, user, password):
        """Signs up through the web form; returns the session cookie value."""
        st, hd, page = request(self.h.port, "GET", "/signup")
        self.assertEqual(st, 200)
        pre = cookie_of(hd, "weir_pre")
        form = urllib.parse.urlencode({"csrf": csrf_in(page), "username": user, "password": password})
        st, hd, _ = request(self.h.port, "POST", "/signup", body=form,
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Cookie": "weir_pre=" + pre})
        self.assertEqual(st, 303, "sign-up of %s" % user)
        session = cookie_of(hd, "weir_session")
        self.assertTrue(session)
        self.assertIn("HttpOnly", hd["set-cookie"])
        self.assertIn("SameSite=Lax", hd["set-cookie"])
        return session

    def token(self, user, password, scopes, name="t"):
        st, _, body = request(self.h.port, "POST", "/api/v1/tokens", {"name": name, "scopes": scopes},
                              basic(user, password))
        self.assertEqual(st, 201, body)
        return json.loads(body)["token"]

    def push(self, user, secret, repo, tag="v1", description="", readme=None, check=True, name="f"):
        self.weir("login", self.h.host, "-u", user, "--password-stdin", input=secret + "\n")
        args = ["push", self.write(name + ".wasm", wasm_module(name=name)), "%s/%s:%s" % (self.h.host, repo, tag),
                "--language", "c", "--root-id", "my_root"]
        if description:
            args += ["--description", description]
        if readme is not None:
            args += ["--readme", self.write("README.md", readme.encode())]
        return self.weir(*args, check=check)


class AccountsAuthTest(AccountsTestCase):
    def test_private_repositories_are_invisible_and_unpullable_to_others(self):
        self.start()
        self.signup("alice", "alice-password")
        self.signup("bob", "bob-password")
        self.push("alice", self.token("alice", "alice-password", ["push"]), "alice/secret",
                  description="alice's hidden filter")
        st, _, body = request(self.h.port, "POST", "/api/v1/settings/alice/secret", {"private": True},
                              basic("alice", "alice-password"))
        self.assertEqual(st, 200, body)
        self.assertTrue(json.loads(body)["private"])
        # Anonymous: 401 challenge on the registry, 404 on the pages and API, not in search or _catalog.
        st, hd, _ = request(self.h.port, "GET", "/v2/alice/secret/manifests/v1")
        self.assertEqual(st, 401)
        self.assertIn("Bearer", hd["www-authenticate"])
        self.assertEqual(request(self.h.port, "GET", "/r/alice/secret")[0], 404)
        self.assertEqual(request(self.h.port, "GET", "/api/v1/repositories/alice/secret")[0], 404)
        self.assertNotIn(b"alice/secret", request(self.h.port, "GET", "/api/v1/search?q=alice")[2])
        self.assertNotIn(b"alice/secret", request(self.h.port, "GET", "/v2/_catalog")[2])
        # Bob: the repository does not exist for him.
        self.assertEqual(request(self.h.port, "GET", "/v2/alice/secret/manifests/v1",
                                 headers=basic("bob", "bob-password"))[0], 404)
        self.assertNotIn(b"alice/secret", request(self.h.port, "GET", "/api/v1/search?q=hidden",
                                                  headers=basic("bob", "bob-password"))[2])
        self.weir("login", self.h.host, "-u", "bob", "--password-stdin", input="bob-password\n")
        p = self.weir("pull", "%s/alice/secret:v1" % self.h.host, "-o", os.path.join(self.tmp, "x.wasm"), check=False)
        self.assertNotEqual(p.returncode, 0)
        # Bob cannot push into alice's namespace either.
        p = self.push("bob", "bob-password", "alice/secret", tag="v2", check=False)
        self.assertNotEqual(p.returncode, 0)
        # Alice pulls it, finds it, sees its page.
        self.weir("login", self.h.host, "-u", "alice", "--password-stdin", input="alice-password\n")
        self.weir("pull", "%s/alice/secret:v1" % self.h.host, "-o", os.path.join(self.tmp, "y.wasm"))
        st, _, body = request(self.h.port, "GET", "/api/v1/search?q=hidden", headers=basic("alice", "alice-password"))
        self.assertEqual([r["name"] for r in json.loads(body)["results"]], ["alice/secret"])

    def test_tokens_are_limited_to_their_scopes(self):
        self.start()
        self.signup("alice", "alice-password")
        pull = self.token("alice", "alice-password", ["pull"], "ro")
        push = self.token("alice", "alice-password", ["push"], "rw")
        self.assertTrue(pull.startswith("weir_"))
        p = self.push("alice", pull, "alice/f", check=False)
        self.assertNotEqual(p.returncode, 0, "a pull-only token pushed")
        self.push("alice", push, "alice/f")
        self.weir("login", self.h.host, "-u", "alice", "--password-stdin", input=pull + "\n")
        self.weir("pull", "%s/alice/f:v1" % self.h.host, "-o", os.path.join(self.tmp, "f.wasm"))
        # skopeo (the docker token flow with the token as password) is held to the same scopes.
        layout = os.path.join(self.tmp, "layout")
        compat_layout(layout, wasm_module(name="compat"))
        for token, ok in ((pull, False), (push, True)):
            p = self.skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:" + token,
                            "oci:%s:v1" % layout, "docker://%s/alice/compat:v1" % self.h.host, check=False)
            self.assertEqual(p.returncode == 0, ok, p.stderr)
        # Deleting needs the delete scope; a token cannot manage tokens.
        st, _, _ = request(self.h.port, "DELETE", "/v2/alice/f/manifests/v1", headers=basic("alice", push))
        self.assertEqual(st, 403)
        st, _, _ = request(self.h.port, "POST", "/api/v1/tokens", {"name": "x", "scopes": ["delete"]},
                           basic("alice", push))
        self.assertEqual(st, 403)
        # The docker token flow honours the limit too.
        st, _, body = request(self.h.port, "GET", "/token?service=weir-hub&scope=repository:alice/f:pull,push,delete",
                              headers=basic("alice", pull))
        self.assertEqual(st, 200)
        claims = json.loads(base64.urlsafe_b64decode(json.loads(body)["token"].split(".")[0] + "=="))
        self.assertEqual(claims["access"], [{"type": "repository", "name": "alice/f", "actions": ["pull"]}])
        # A revoked token stops working at once.
        st, _, body = request(self.h.port, "GET", "/api/v1/tokens", headers=basic("alice", "alice-password"))
        ids = {t["name"]: t["id"] for t in json.loads(body)["tokens"]}
        self.assertEqual(request(self.h.port, "DELETE", "/api/v1/tokens/" + ids["ro"],
                                 headers=basic("alice", "alice-password"))[0], 200)
        self.assertEqual(request(self.h.port, "GET", "/v2/", headers=basic("alice", pull))[0], 401)

    def test_login_attempts_are_rate_limited(self):
        self.start()
        self.signup("carol", "carol-password")
        st, hd, page = request(self.h.port, "GET", "/login")
        pre = cookie_of(hd, "weir_pre")

        def login(password):
            form = urllib.parse.urlencode({"csrf": csrf_in(page), "username": "carol", "password": password})
            return request(self.h.port, "POST", "/login", body=form,
                           headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "weir_pre=" + pre})
        for _ in range(4):
            self.assertEqual(login("wrong-password")[0], 401)
        st, hd, body = login("carol-password")
        self.assertEqual(st, 429)
        self.assertIn("retry-after", hd)
        self.assertIn(b"Too many failed attempts", body)
        # The registry's Basic path shares the limit.
        self.assertEqual(request(self.h.port, "GET", "/v2/", headers=basic("carol", "carol-password"))[0], 429)

    def test_forms_and_api_writes_need_the_csrf_token(self):
        self.start()
        session = self.signup("dave", "dave-password")
        cookie = {"Cookie": "weir_session=" + session}
        st, _, page = request(self.h.port, "GET", "/settings/tokens", headers=cookie)
        self.assertEqual(st, 200)
        good = csrf_in(page)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for csrf in ("", "0" * 64):
            body = urllib.parse.urlencode({"csrf": csrf, "name": "x", "scope": "pull"})
            self.assertEqual(request(self.h.port, "POST", "/settings/tokens", body=body,
                                     headers=dict(cookie, **form))[0], 403)
        body = urllib.parse.urlencode({"csrf": good, "name": "x", "scope": "pull"})
        self.assertEqual(request(self.h.port, "POST", "/settings/tokens", body=body,
                                 headers=dict(cookie, **form, Origin="http://evil.example"))[0], 403)
        st, _, page = request(self.h.port, "POST", "/settings/tokens", body=body, headers=dict(cookie, **form))
        self.assertEqual(st, 200)
        self.assertRegex(page, rb"weir_[0-9a-f]{64}")
        # API writes with the session cookie need X-CSRF-Token.
        self.assertEqual(request(self.h.port, "POST", "/api/v1/orgs", {"name": "dave-org"}, cookie)[0], 403)
        self.assertEqual(request(self.h.port, "POST", "/api/v1/orgs", {"name": "dave-org"},
                                 dict(cookie, **{"X-CSRF-Token": good}))[0], 201)
        # Every page carries a strict CSP.
        _, hd, _ = request(self.h.port, "GET", "/")
        self.assertIn("default-src 'none'", hd["content-security-policy"])
        self.assertIn("script-src 'self'", hd["content-security-policy"])

    def test_no_plaintext_secret_is_stored(self):
        self.start()
        session = self.signup("erin", "erin-password-123")
        token = self.token("erin", "erin-password-123", ["pull", "push"])
        self.h.stop()
        db = sqlite3.connect(os.path.join(self.tmp, "hub", "meta.db"))
        dump = "\n".join(db.iterdump())
        db.close()
        for secret in ("erin-password-123", token, token[5:], session):
            self.assertNotIn(secret, dump)
        self.assertIn("pbkdf2-sha256$1000$", dump)

    def test_orgs_members_push_and_catalog_metadata(self):
        self.start()
        self.signup("alice", "alice-password")
        self.signup("bob", "bob-password")
        self.assertEqual(request(self.h.port, "POST", "/api/v1/orgs", {"name": "acme"},
                                 basic("alice", "alice-password"))[0], 201)
        p = self.push("bob", "bob-password", "acme/auth", check=False)
        self.assertNotEqual(p.returncode, 0, "a non-member pushed into an organization")
        self.assertEqual(request(self.h.port, "PUT", "/api/v1/orgs/acme/members/bob", {"role": "member"},
                                 basic("alice", "alice-password"))[0], 200)
        # A member may not manage members.
        self.assertEqual(request(self.h.port, "PUT", "/api/v1/orgs/acme/members/bob", {"role": "owner"},
                                 basic("bob", "bob-password"))[0], 403)
        self.push("bob", "bob-password", "acme/auth", description="JWT auth filter", readme="# Auth\n\n*fast*\n")
        st, _, body = request(self.h.port, "GET", "/api/v1/search?q=jwt&language=c&abi=0_2_1&sort=pulls")
        results = json.loads(body)["results"]
        self.assertEqual([r["name"] for r in results], ["acme/auth"])
        self.assertEqual(results[0]["abi_versions"], ["proxy_abi_version_0_2_1"])
        self.weir("pull", "%s/acme/auth:v1" % self.h.host, "-o", os.path.join(self.tmp, "a.wasm"))
        st, _, body = request(self.h.port, "GET", "/api/v1/repositories/acme/auth")
        detail = json.loads(body)
        self.assertEqual(detail["pulls"], 1)
        self.assertEqual(detail["readme_html"], "<h1>Auth</h1>\n<p><em>fast</em></p>\n")
        self.assertEqual(detail["tags"][0]["root_ids"], ["my_root"])
        self.assertEqual(detail["deploy"], "weir deploy %s/acme/auth:v1 --admin http://127.0.0.1:9901 --name auth"
                         % self.h.host)
        # Whatever the artifact says reaches the page escaped.
        self.push("bob", "bob-password", "acme/xss", description='<script>alert(1)</script>',
                  readme='[x](javascript:alert(1)) <img src=x onerror=alert(2)>', name="xss")
        st, _, page = request(self.h.port, "GET", "/r/acme/xss")
        self.assertEqual(st, 200)
        self.assertIn(b"&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn(b"<script>alert", page)
        self.assertNotIn(b"<img", page)
        self.assertNotIn(b'href="javascript', page)
        self.assertEqual(json.loads(request(self.h.port, "PUT", "/api/v1/stars/acme/auth",
                                            headers=basic("alice", "alice-password"))[2])["stars"], 1)


class AddUserTest(AccountsTestCase):
    def test_adduser_creates_an_account_whose_token_pushes_and_refuses_bad_input(self):
        data = os.path.join(self.tmp, "hub")
        os.makedirs(data)
        p = self.weir("hub", "adduser", "--data", data, "ci-bot", "--token", "ci", "--scopes", "pull,push",
                      "--kdf-iterations", "1000")
        token = p.stdout.strip()
        self.assertTrue(token.startswith("weir_"), p.stdout)
        p = self.weir("hub", "adduser", "--data", data, "ci-bot", "--kdf-iterations", "1000", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ci-bot", p.stderr)
        p = self.weir("hub", "adduser", "--data", data, "other", "--token", "t", "--scopes", "pull,admin", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown scope 'admin'", p.stderr)
        p = self.weir("hub", "adduser", "--data", data, "pw-user", "--password-stdin", "--kdf-iterations", "1000",
                      input="short\n", check=False)
        self.assertNotEqual(p.returncode, 0, "a password under 8 bytes is refused")
        self.h = self.hub(data=data, args=FAST)
        self.push("ci-bot", token, "ci-bot/built", description="pushed by a token from adduser")
        st, _, body = request(self.h.port, "GET", "/api/v1/search?q=adduser")
        self.assertEqual(st, 200, body)
        self.assertEqual([r["name"] for r in json.loads(body)["results"]], ["ci-bot/built"])


class BrowserTest(AccountsTestCase):
    def test_sign_up_token_push_search_page_star_in_chromium(self):
        self.start()
        script = os.path.join(BROWSER_DIR, "hub_ui.js")
        module = self.write("ui.wasm", wasm_module(name="ui"))
        readme = self.write("UI-README.md", b"# UI filter\n\nAdds a `x-ui` header.\n")
        env = dict(self.env, HUB_URL="http://%s" % self.h.host, HUB_HOST=self.h.host,
                   WEIR_BIN=harness.weir_bin(), WASM_FILE=module, README_FILE=readme)
        p = subprocess.run(["node", script], env=env, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            self.fail("browser test failed (%d):\n%s%s" % (p.returncode, p.stdout, p.stderr))
        self.assertIn("browser test passed", p.stdout)


if __name__ == "__main__":
    unittest.main()
