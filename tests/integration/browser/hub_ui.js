// The hub's web UI in headless Chromium: sign up, create an API token, push a
// filter with `weir push` using it, find the filter by search, open its page,
// check the tags table and the deploy snippet, star it. Exits non-zero on the
// first failed check, on a console error (a CSP violation, a script error), or
// when Chromium cannot start. Driven by test_hub_accounts.py (BrowserTest),
// which starts the hub and passes HUB_URL, HUB_HOST, WEIR_BIN, WASM_FILE,
// README_FILE.
"use strict";
const { execFileSync } = require("child_process");
const assert = require("assert");
const { chromium } = require("playwright-core");

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const HUB_URL = env("HUB_URL");
const HUB_HOST = env("HUB_HOST");
const WEIR = env("WEIR_BIN");
const user = "uitest";
const password = "ui-test-password";
const repo = `${user}/ui-filter`;

function weir(args, input) {
  return execFileSync(WEIR, args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: 30000 });
}

async function main() {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });  // a phone
    const page = await context.newPage();
    page.setDefaultTimeout(5000);
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });

    // Sign up: labelled fields, keyboard submit.
    await page.goto(`${HUB_URL}/signup`);
    await page.getByLabel("User name").fill(user);
    await page.getByLabel("Password").fill(password);
    await page.getByLabel("Password").press("Enter");
    await page.waitForURL(`${HUB_URL}/u/${user}`);
    assert.strictEqual(await page.locator("h1").innerText(), `${user} user`);

    // A push token, shown once.
    await page.getByRole("link", { name: "Tokens" }).click();
    await page.getByLabel("Name").fill("laptop");
    await page.getByLabel("push").check();
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.locator("#new-token").innerText()).trim();
    assert.match(token, /^weir_[0-9a-f]{64}$/);
    assert.match(await page.locator("#token-list").innerText(), /laptop\s+pull,push/);

    // weir login with the token, then push.
    weir(["login", HUB_HOST, "-u", user, "--password-stdin"], token + "\n");
    weir(["push", env("WASM_FILE"), `${HUB_HOST}/${repo}:v1`, "--description", "Adds a UI header",
          "--readme", env("README_FILE"), "--language", "assemblyscript", "--root-id", "ui_root"]);

    // Find it from the home page's search.
    await page.goto(`${HUB_URL}/`);
    await page.getByLabel("Search filters").fill("UI header");
    await page.getByLabel("Search filters").press("Enter");
    await page.waitForURL(/\/search\?q=UI\+header/);
    const link = page.getByRole("link", { name: repo });
    await link.click();
    await page.waitForURL(`${HUB_URL}/r/${repo}`);

    // The tags table.
    const row = page.locator("#tags tbody tr");
    assert.strictEqual(await row.count(), 1);
    const cells = await row.first().locator("td").allInnerTexts();
    assert.strictEqual(cells[0], "v1");
    assert.match(cells[1], /^sha256:[0-9a-f]{12}$/);
    assert.match(cells[2], /B$/);
    assert.match(cells[3], /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.strictEqual(cells[4], "proxy_abi_version_0_2_1");
    assert.strictEqual(cells[5], "ui_root");

    // The deploy snippets and README.
    assert.strictEqual((await page.locator("#snippet-weir").innerText()).trim(),
                       `weir deploy ${HUB_HOST}/${repo}:v1 --admin http://127.0.0.1:9901 --name ui-filter`);
    assert.match(await page.locator("#snippet-istio").innerText(), new RegExp(`url: oci://${HUB_HOST}/${repo}:v1`));
    assert.match(await page.locator("#snippet-envoy").innerText(), /root_id: ui_root/);
    assert.strictEqual(await page.locator(".readme h1").innerText(), "UI filter");
    assert.strictEqual(await page.locator(".readme code").innerText(), "x-ui");

    // Star it (a plain form post).
    assert.strictEqual(await page.locator("#stars").innerText(), "0 stars");
    await page.locator("#star").click();
    await page.waitForURL(`${HUB_URL}/r/${repo}`);
    assert.strictEqual(await page.locator("#stars").innerText(), "1 stars");
    assert.strictEqual(await page.locator("#star").innerText(), "Unstar");
    assert.strictEqual(await page.locator("#star").getAttribute("aria-pressed"), "true");

    assert.deepStrictEqual(errors, [], "console errors");
  } finally {
    await browser.close();
  }
  console.log("browser test passed");
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
