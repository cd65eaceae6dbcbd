// Drives Debian's Chromium (playwright-core, no browser download) against the
// running component, for tests/runtimes/browser.rs:
//   node reload.mjs URL PATH_OF_index.html SCREENSHOT.png
// Asserts from the browser's own network events (Chrome DevTools Protocol)
// that the first load is a 200 with its stylesheet, script and image, a
// reload a 304 answered from the browser's cache with every sub-resource
// revalidated (304) or taken from the cache, a missing page the site's 404
// page, and, once the file changed, a reload a 200 with the new page. Prints
// one line per step; exits non-zero on the first failed assertion.

import assert from "node:assert/strict";
import fs from "node:fs";
import { launch } from "./chromium.mjs";

const [url, pageFile, screenshot] = process.argv.slice(2);
assert.ok(url && pageFile && screenshot, "usage: node reload.mjs URL PAGE_FILE SCREENSHOT");

const { context, close } = await launch({ viewport: { width: 1100, height: 1250 } });

try {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");

  // The document's requests and responses, as the browser's network layer saw them.
  // responseReceived shows the response the page gets (after a 304, the
  // cached 200); responseReceivedExtraInfo the status that came over the wire.
  const sentHeaders = new Map();
  const wireStatus = new Map();
  const documents = [];
  const finished = new Map();
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => sentHeaders.set(e.requestId, e.headers));
  cdp.on("Network.responseReceivedExtraInfo", (e) => wireStatus.set(e.requestId, e.statusCode));
  // Every request of the page's files: its URL path, in order.
  const requests = [];
  const fromCache = new Set();
  cdp.on("Network.requestWillBeSent", (e) => {
    requests.push({ id: e.requestId, path: new URL(e.request.url).pathname, type: e.type });
  });
  cdp.on("Network.requestServedFromCache", (e) => fromCache.add(e.requestId));
  const responseHeaders = new Map();
  cdp.on("Network.responseReceived", (e) => {
    responseHeaders.set(e.requestId, e.response.headers);
    if (e.response.fromDiskCache || e.response.fromPrefetchCache) fromCache.add(e.requestId);
    if (e.type === "Document") {
      documents.push({ id: e.requestId, status: e.response.status, headers: e.response.headers });
    }
  });
  const subresources = ["/css/site.css", "/js/site.js", "/img/revalidation.df07e244.svg"];
  // A fingerprinted name: sent `immutable`, never asked for again.
  const fingerprinted = "/img/revalidation.df07e244.svg";
  const codings = new Map();
  cdp.on("Network.responseReceivedExtraInfo", (e) => {
    const coding = Object.entries(e.headers).find(([k]) => k.toLowerCase() === "content-encoding");
    codings.set(e.requestId, coding ? coding[1] : "identity");
  });
  cdp.on("Network.loadingFinished", (e) => finished.set(e.requestId, e.encodedDataLength));

  const field = (headers, name) => {
    const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : headers[key];
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  const heading = () => page.locator("h1").innerText();

  // 1. The first load: 200 with the validators.
  await page.goto(url, { waitUntil: "load" });
  await settle();
  const first = documents.at(-1);
  assert.equal(wireStatus.get(first.id), 200, "the first load is a 200");
  const etag = field(first.headers, "etag");
  assert.match(etag, /^"[0-9a-f]{32}"$/, "a strong, quoted MD5 ETag");
  const size = (await page.content()).length;
  console.log(`first load: ${first.status}, ETag ${etag}, ${finished.get(first.id)} bytes over the network`);
  for (const file of subresources) {
    const request = requests.find((r) => r.path === file);
    assert.ok(request, `the page loaded ${file}`);
    assert.equal(wireStatus.get(request.id), 200, `${file} is a 200 on the first load`);
  }
  console.log(`first load: ${subresources.join(", ")}: 200`);
  // The build's precompressed variants: Chromium accepts br and gets it.
  for (const file of ["/css/site.css", "/js/site.js"]) {
    const request = requests.find((r) => r.path === file);
    const coding = codings.get(request.id);
    assert.ok(coding === "br" || coding === "gzip", `${file} came as ${coding}, not a precompressed variant`);
    console.log(`first load: ${file}: Content-Encoding ${coding}`);
  }
  const imageRequest = requests.find((r) => r.path === fingerprinted);
  const imageCaching = field(responseHeaders.get(imageRequest.id), "cache-control");
  assert.match(imageCaching ?? "", /immutable/, `${fingerprinted}: Cache-Control ${imageCaching}`);
  console.log(`first load: ${fingerprinted}: Cache-Control ${imageCaching}`);
  const loadedImage = await page.evaluate(() => document.querySelector("img").naturalWidth);
  assert.ok(loadedImage > 0, "the image is shown");
  const reloadStart = requests.length;

  // 2. A reload: the browser revalidates with If-None-Match and gets a 304;
  //    the page it shows comes from its cache.
  const before = await heading();
  await page.reload({ waitUntil: "load" });
  await settle();
  const reload = documents.at(-1);
  assert.notEqual(reload.id, first.id, "the reload made a request");
  assert.equal(field(sentHeaders.get(reload.id), "if-none-match"), etag, "the reload sent If-None-Match");
  assert.equal(wireStatus.get(reload.id), 304, "the reload is answered 304");
  assert.equal(reload.status, 200, "the page gets the cached 200");
  assert.equal(await heading(), before, "the page shown is the cached one");
  const reloadBytes = finished.get(reload.id);
  assert.ok(reloadBytes < 1000, `a 304 is a few hundred bytes, not ${reloadBytes}`);
  console.log(
    `reload: ${wireStatus.get(reload.id)} on the wire (If-None-Match ${etag}), ` +
      `page from the browser's cache, ${reloadBytes} bytes over the network`,
  );
  // Each sub-resource: revalidated (304 on the wire), taken from the
  // browser's cache, or not requested at all (its memory cache). Never a 200.
  for (const file of subresources) {
    const request = requests.slice(reloadStart).find((r) => r.path === file);
    let what = "not requested (memory cache)";
    if (file === fingerprinted) {
      assert.ok(!request || fromCache.has(request.id), `${file} is immutable: no request on reload`);
    }
    if (request && fromCache.has(request.id)) {
      what = "from the browser's cache";
    } else if (request) {
      const status = wireStatus.get(request.id);
      assert.equal(status, 304, `${file} on reload: ${status}, expected 304 or the cache`);
      what = "304";
    }
    console.log(`reload sub-resource ${file}: ${what}`);
  }
  await page.waitForFunction(() => Number(document.body.dataset.subresources) >= 3, null, { timeout: 10000 });
  // The page's own table agrees: no file of the page was downloaded again.
  const table = await page.locator("#subresources").innerText();
  assert.ok(!table.includes("downloaded: 200"), `the page's table after a reload:\n${table}`);

  // 3. The page's own button re-fetches with cache: 'no-cache'; Resource
  //    Timing shows a few hundred bytes against the page's size.
  await page.click("#revalidate");
  await page.waitForFunction(() => document.body.dataset.revalidated !== undefined, null, { timeout: 10000 });
  const revalidated = Number(await page.evaluate(() => document.body.dataset.revalidated));
  assert.ok(revalidated > 0 && revalidated < 1000, `the button's revalidation took ${revalidated} bytes`);
  assert.equal(await page.locator("#status").innerText(), "304 Not Modified");
  assert.equal(await page.locator("#etag").innerText(), etag, "the page shows its ETag");
  console.log(`button: revalidated with ${revalidated} bytes over the network (page ${size} bytes)`);
  await new Promise((resolve) => setTimeout(resolve, 600)); // the bars' transition
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);

  // 4. A missing page: the site's 404 page, with status 404, styled by the
  //    site's stylesheet.
  const missingResponse = await page.goto(new URL("/no-such-page", url).href, { waitUntil: "load" });
  assert.equal(missingResponse.status(), 404, "a missing page is a 404");
  assert.equal(await heading(), "404: nothing here", "the site's 404 page");
  console.log(`missing page: ${missingResponse.status()}, the site's 404 page`);
  await page.goto(url, { waitUntil: "load" });
  await settle();

  // 5. The file changes: the next reload gets a 200 with the new page.
  const original = fs.readFileSync(pageFile, "utf8");
  const changed = original.replace(
    "This page is served with HTTP validators",
    "This page has just changed",
  );
  assert.notEqual(changed, original, "the page has the heading the test changes");
  fs.writeFileSync(pageFile + ".new", changed);
  fs.renameSync(pageFile + ".new", pageFile);
  await page.reload({ waitUntil: "load" });
  await settle();
  const after = documents.at(-1);
  assert.equal(wireStatus.get(after.id), 200, "after the change, a 200");
  assert.notEqual(field(after.headers, "etag"), etag, "a new ETag");
  assert.equal(await heading(), "This page has just changed");
  console.log(`after change: ${wireStatus.get(after.id)}, ETag ${field(after.headers, "etag")}`);
} finally {
  await close();
}
