// Drives Debian's Chromium (playwright-core) against two running components,
// for tests/runtimes/browser.rs:
//   node site_rules.mjs PAGE_URL API_URL
// PAGE_URL and API_URL serve copies of tests/browser/rules-site on two ports,
// two origins; the API's `_headers` names the page's origin. Asserts that:
// - a page whose `_headers` rule sets `Content-Security-Policy: script-src
//   'self'` has its inline script blocked and its own script run, and the
//   same page without the rule runs both;
// - on reload, answered 304, the policy is still in force;
// - a page on one origin reads JSON from the other only where `_headers`
//   gives Access-Control-Allow-Origin, a preflight included (a request with
//   a custom header);
// - a `_redirects` rule moves the browser to the new page;
// - an allow-list of origins lets the page read JSON from the other origin
//   where it names the page's origin, and not where it names others;
// - a page that Basic-Auth protects answers 401 without credentials, is
//   shown to Chromium logged in with its credentials, and revalidated with a
//   304 on reload.
// Prints one line per step; exits non-zero on the first failed assertion.

import assert from "node:assert/strict";
import { launch } from "./chromium.mjs";

const [pageUrl, apiUrl] = process.argv.slice(2);
assert.ok(pageUrl && apiUrl, "usage: node site_rules.mjs PAGE_URL API_URL");

const { context, close } = await launch();

try {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  // The status of each document as it came over the wire (a 304 shows as
  // the cached 200 to the page).
  const wire = new Map();
  const documents = [];
  cdp.on("Network.responseReceivedExtraInfo", (e) => wire.set(e.requestId, e.statusCode));
  cdp.on("Network.responseReceived", (e) => {
    if (e.type === "Document") documents.push({ id: e.requestId, url: e.response.url });
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  const violations = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  const ran = () =>
    page.evaluate(() => ({ inline: window.inlineRan === true, external: window.externalRan === true }));

  // 1. The policy of `_headers` blocks the inline script, not the site's own.
  await page.goto(new URL("/csp/page.html", pageUrl).href);
  await settle();
  assert.deepEqual(await ran(), { inline: false, external: true }, "with the rule");
  assert.ok(violations.length > 0, "Chromium reports the violation");
  console.log(`csp: the inline script blocked, the site's own ran (${violations.length} violation reported)`);

  // 2. On reload, answered 304 over the wire, the policy is still in force.
  await page.reload();
  await settle();
  const reload = documents.at(-1);
  assert.equal(wire.get(reload.id), 304, "the reload is revalidated with a 304");
  assert.deepEqual(await ran(), { inline: false, external: true }, "after the 304");
  console.log("reload: 304, the policy still in force");

  // 3. Without the rule, both run.
  await page.goto(new URL("/nocsp/page.html", pageUrl).href);
  await settle();
  assert.deepEqual(await ran(), { inline: true, external: true }, "without the rule");
  console.log("no csp: the inline script ran");

  // 4. Cross-origin reads: allowed where `_headers` says so, with a preflight
  // (the custom header makes the request not simple); refused elsewhere.
  await page.goto(new URL("/", pageUrl).href);
  const read = (target) =>
    page.evaluate(async (url) => {
      try {
        const response = await fetch(url, { headers: { "X-Requested-With": "site-rules-test" } });
        return { ok: true, status: response.status, body: await response.json() };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    }, new URL(target, apiUrl).href);
  const allowed = await read("/api/data.json");
  assert.ok(allowed.ok, `the allowed read: ${JSON.stringify(allowed)}`);
  assert.equal(allowed.status, 200);
  assert.equal(allowed.body.allowed, true);
  console.log(`cors allowed: ${allowed.status} ${JSON.stringify(allowed.body)}`);
  const refused = await read("/private/data.json");
  assert.ok(!refused.ok, `the refused read: ${JSON.stringify(refused)}`);
  console.log(`cors refused: ${refused.error}`);

  // 5. A moved page: the browser follows the rule to the new one.
  await page.goto(new URL("/old-page", pageUrl).href);
  assert.equal(new URL(page.url()).pathname, "/new-page.html");
  assert.equal(await page.title(), "the new page");
  console.log(`redirect: ${new URL(page.url()).pathname}`);

  // 6. An allow-list of origins: the page's origin is echoed where listed.
  await page.goto(new URL("/", pageUrl).href);
  const listed = await read("/list/data.json");
  assert.ok(listed.ok, `the listed read: ${JSON.stringify(listed)}`);
  assert.equal(listed.body.listed, true);
  console.log(`cors list allowed: ${listed.status} ${JSON.stringify(listed.body)}`);
  const unlisted = await read("/list-other/data.json");
  assert.ok(!unlisted.ok, `the unlisted read: ${JSON.stringify(unlisted)}`);
  console.log(`cors list refused: ${unlisted.error}`);

  // 7. Basic-Auth: 401 without credentials; logged in, the page, then a 304.
  const members = new URL("/members/page.html", pageUrl).href;
  // Chromium without credentials to give ends the navigation itself (the
  // component's log shows the 401, tests/runtimes/browser.rs checks it).
  // A page of its own, before any credentials are known: the failed
  // navigation must not interrupt the next one.
  const stranger = await context.newPage();
  const anonymous = await stranger.goto(members).then(
    (response) => `status ${response.status()}`,
    (error) => String(error.message).split("\n")[0],
  );
  await stranger.close();
  assert.ok(/ERR_INVALID_AUTH_CREDENTIALS|status 401/.test(anonymous), anonymous);
  console.log(`basic-auth without credentials: refused (${anonymous})`);
  // Logged in through the URL's credentials, which Chromium keeps for the
  // realm and sends again (Playwright's httpCredentials would intercept the
  // requests, and Chromium then caches nothing, so no 304 could be seen).
  const login = new URL(members);
  login.username = "member";
  login.password = "letmein";
  const first = await page.goto(login.href);
  assert.equal(first.status(), 200, "logged in");
  assert.equal(await page.title(), "the members page");
  assert.match(first.headers()["cache-control"], /^private/);
  await page.reload();
  await settle();
  const reloaded = documents.at(-1);
  assert.equal(wire.get(reloaded.id), 304, "the reload is revalidated with a 304");
  console.log(`basic-auth logged in: ${first.status()}, then ${wire.get(reloaded.id)} on reload`);
} finally {
  await close();
}
