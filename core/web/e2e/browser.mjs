// browser.mjs — the small library the journeys use: Debian's Chromium driven
// by playwright-core, page weight and axe-core checks, keyboard helpers, and
// the links the server's development mail log prints.
//
// No browser is ever downloaded: Chromium is the system one (/usr/bin/chromium,
// or CAMPAGNON_CHROMIUM), and only playwright-core is installed.

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

/** The Chromium binary: Debian's package, never one Playwright downloads. */
export const CHROMIUM = process.env.CAMPAGNON_CHROMIUM || '/usr/bin/chromium';

/** Launch flags: as root the sandbox cannot run, and without the networking
 * flags Chromium reaches out to Google's hosts and is refused on this closed
 * network. playwright-core adds a fresh temporary --user-data-dir itself. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The two widths every page is checked at. */
export const VIEWPORTS = {
  phone: { width: 360, height: 640 },
  desktop: { width: 1280, height: 800 },
};

/** A page's first load (document and everything it loads, compressed, headers
 * included, empty cache) must transfer at most this many bytes. */
export const MAX_PAGE_BYTES = 100 * 1024;

/** The accessibility rules: WCAG 2.1 level AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Launches Chromium headless with CHROMIUM_ARGS. */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

// Whether each page made by newPage runs JavaScript (axe needs to know).
const scripts = new WeakMap();

/**
 * A new context (its own cookies and cache: one person) and a page in it.
 * @param {import('playwright-core').Browser} browser
 * @param {{js?: boolean, viewport?: 'phone'|'desktop', base?: string}} opts
 */
export async function newPage(browser, { js = true, viewport = 'phone', base } = {}) {
  const size = VIEWPORTS[viewport];
  if (!size) throw new Error(`unknown viewport ${viewport} (phone or desktop)`);
  const context = await browser.newContext({
    javaScriptEnabled: js,
    viewport: size,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    baseURL: base,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  scripts.set(page, js);
  return { context, page };
}

// ---------------------------------------------------------------------------
// Page weight and accessibility

/**
 * Navigates page to url (relative to the context's base) and checks it:
 * the bytes its first load transfers and the axe violations.
 * Returns {url, status, contentType, bytes, requests, resources, broken, violations}.
 * Options: axe (default true for HTML), name (a label for the report).
 */
export async function checkPage(page, url, opts = {}) {
  const res = await measure(page, () => page.goto(url, { waitUntil: 'load' }), { name: url, ...opts });
  return { requested: url, ...res };
}

/**
 * Runs action (a click, a key press, a form submission: anything that loads
 * a page) and checks the page it leads to, as checkPage does for a URL.
 * The HTTP cache is off while the action runs: the bytes are a first load's.
 */
export async function measure(page, action, { axe = true, name, js } = {}) {
  const cdp = await page.context().newCDPSession(page);
  const requests = new Map(); // requestId -> resource
  const order = [];
  const resource = (id) => {
    let r = requests.get(id);
    if (!r) {
      r = { url: '', type: '', method: '', status: 0, mime: '', bytes: 0, done: false, failed: '' };
      requests.set(id, r);
      order.push(r);
    }
    return r;
  };
  cdp.on('Network.requestWillBeSent', (e) => {
    const r = resource(e.requestId);
    if (e.redirectResponse) {
      // The redirect's own response (a 303 after a form post) was transferred too.
      r.bytes += e.redirectResponse.encodedDataLength || 0;
      r.redirects = (r.redirects || 0) + 1;
    }
    r.url = e.request.url;
    r.method = e.request.method;
    r.type = e.type || r.type;
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = resource(e.requestId);
    r.status = e.response.status;
    r.mime = e.response.mimeType;
    r.type = e.type || r.type;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = resource(e.requestId);
    r.bytes += e.encodedDataLength;
    r.done = true;
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = resource(e.requestId);
    r.done = true;
    r.failed = e.errorText || 'failed';
  });
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let response;
  try {
    response = await action();
    await page.waitForLoadState('load');
    // Let the requests still under way finish (at most 5 s).
    for (let i = 0; i < 100 && order.some((r) => !r.done && !ignored(r.url)); i++) {
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false }).catch(() => {});
    await cdp.detach().catch(() => {});
  }

  const counted = order.filter((r) => r.url && !ignored(r.url) && !r.url.startsWith('data:'));
  const doc = [...counted].reverse().find((r) => r.type === 'Document');
  const status = response && typeof response.status === 'function' ? response.status() : doc ? doc.status : 0;
  const contentType = response && typeof response.headerValue === 'function'
    ? ((await response.headerValue('content-type')) || '')
    : doc ? doc.mime : '';
  const origin = new URL(page.url()).origin;
  const short = (u) => (u.startsWith(origin) ? u.slice(origin.length) || '/' : u);
  const resources = counted.map((r) => ({
    url: short(r.url), type: r.type, method: r.method, status: r.status, bytes: r.bytes,
    ...(r.failed ? { failed: r.failed } : {}),
  }));
  // A stylesheet, image or script that does not load is a broken page.
  const broken = counted
    .filter((r) => r !== doc && (r.failed || r.status >= 400 || !r.done))
    .map((r) => `${short(r.url)}: ${r.failed || (r.done ? `HTTP ${r.status}` : 'never finished')}`);
  const html = /html/i.test(contentType || (doc && doc.mime) || '');
  const result = {
    name: name || short(page.url()),
    url: short(page.url()),
    status,
    contentType,
    bytes: counted.reduce((n, r) => n + r.bytes, 0),
    requests: counted.length,
    resources,
    broken,
    violations: [],
    axe: false,
  };
  if (html && axe) {
    result.violations = await axeViolations(page, { js });
    result.axe = true;
  }
  return result;
}

// The browser asks for /favicon.ico by itself after the load, whatever the
// page says: not part of the page's weight, and its 404 is not the page's.
function ignored(url) {
  try {
    return new URL(url).pathname === '/favicon.ico';
  } catch {
    return false;
  }
}

const axeSource = (() => {
  const req = createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright'));
  return req.resolve('axe-core/axe.min.js');
})();
let axeSourceText;

/**
 * The WCAG 2.1 AA violations of the page as it is now:
 * [{id, impact, help, helpUrl, nodes: [{target, html}]}].
 *
 * With JavaScript off (javaScriptEnabled: false) the page runs no script and
 * no timer ever fires, yet Playwright can still evaluate in it: axe then runs
 * with its timers replaced by microtasks (the page's own scripts never ran, so
 * this changes nothing of what is checked), in "legacy" mode (axe.run in the
 * page itself; the default mode finishes in a new blank page, where scripts
 * would be off as well).
 */
export async function axeViolations(page, { js = scripts.get(page) ?? true } = {}) {
  let builder = new AxeBuilder({ page }).withTags(AXE_TAGS);
  if (!js) {
    axeSourceText ??= await readFile(axeSource, 'utf8');
    await page.evaluate(() => {
      const soon = (fn, ...args) => { Promise.resolve().then(() => fn(...args)); return 1; };
      window.setTimeout = soon;
      window.setInterval = soon;
      window.requestAnimationFrame = soon;
      window.requestIdleCallback = soon;
      window.clearTimeout = () => {};
      window.clearInterval = () => {};
    });
    builder = new AxeBuilder({ page, axeSource: axeSourceText }).withTags(AXE_TAGS).setLegacyMode(true);
  }
  const res = await builder.analyze();
  return res.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.map(String), html: String(n.html || '').slice(0, 200) })),
  }));
}

// ---------------------------------------------------------------------------
// Keyboard: journeys are done without the mouse.

function locate(page, target) {
  return typeof target === 'string' ? page.locator(target) : target;
}

/** Describes the focused element: {tag, id, name, href, type, text, outlineStyle,
 * outlineWidth, boxShadow, rect, inViewport}, or null when nothing has focus. */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || '',
      name: el.getAttribute('name') || '',
      href: el.getAttribute('href'),
      type: el.getAttribute('type') || '',
      text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
      outlineStyle: s.outlineStyle,
      outlineWidth: s.outlineWidth,
      boxShadow: s.boxShadow,
      rect: { x: r.x, y: r.y, width: r.width, height: r.height },
      inViewport: r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0
        && r.left < window.innerWidth && r.top < window.innerHeight,
    };
  });
}

const describe = (f) => (f ? `${f.tag}${f.id ? '#' + f.id : ''}${f.href != null ? `[href="${f.href}"]` : ''}${f.name ? `[name="${f.name}"]` : ''} "${f.text}"` : '(nothing)');

/**
 * Presses Tab (Shift+Tab with back: true) until target has focus; target is
 * a CSS selector or a Playwright locator matching one element. Throws, naming
 * the elements the focus went through, when it is not reached in max presses.
 */
export async function tabTo(page, target, { max = 60, back = false } = {}) {
  const loc = locate(page, target);
  const n = await loc.count();
  if (n !== 1) throw new Error(`tabTo: ${loc} matches ${n} elements, want 1`);
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await loc.evaluate((el) => el === document.activeElement)) return focused(page);
    seen.push(describe(await focused(page)));
  }
  throw new Error(`tabTo: ${loc} never got focus in ${max} Tab presses; focus went: ${seen.slice(0, 15).join(' → ')}`);
}

/**
 * Tabs to target and presses key (Enter by default; ' ' for a checkbox).
 * With navigation: true (the default) it waits for the page this loads.
 */
export async function activate(page, target, { key = 'Enter', navigation = true, max } = {}) {
  await tabTo(page, target, { max });
  if (!navigation) {
    await page.keyboard.press(key);
    return null;
  }
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.keyboard.press(key),
  ]);
  return response;
}

/** Tabs to a text field and types text into it (replacing what it held). */
export async function typeInto(page, target, text, { max } = {}) {
  await tabTo(page, target, { max });
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(String(text));
}

/** Throws unless the focused element shows where the focus is: an outline
 * (not "none", wider than 0) or a box-shadow, and is on screen. */
export async function expectVisibleFocus(page) {
  const f = await focused(page);
  if (!f) throw new Error('no element has focus');
  const outline = f.outlineStyle !== 'none' && parseFloat(f.outlineWidth) > 0;
  const shadow = f.boxShadow && f.boxShadow !== 'none';
  if (!outline && !shadow) {
    throw new Error(`focus not visible on ${describe(f)}: outline-style ${f.outlineStyle}, outline-width ${f.outlineWidth}, box-shadow ${f.boxShadow}`);
  }
  if (!f.inViewport) throw new Error(`focused element ${describe(f)} is off screen: ${JSON.stringify(f.rect)}`);
  return f;
}

/**
 * The markup every page has, checked just after a navigation (focus still
 * at the top of the page): <html lang="fr">, an <h1>, a skip link to
 * #contenu as the first thing Tab reaches, shown when focused, a focus
 * outline, and the #contenu target.
 */
export async function expectPageBasics(page) {
  const where = page.url();
  const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
  if (lang !== 'fr' && lang !== 'en') throw new Error(`${where}: <html lang="${lang}">, want lang="fr" (or "en" when chosen)`);
  const h1 = await page.locator('h1').count();
  if (h1 < 1) throw new Error(`${where}: no <h1>`);
  const title = await page.title();
  if (!title.trim()) throw new Error(`${where}: empty <title>`);
  await page.keyboard.press('Tab');
  const f = await focused(page);
  if (!f || f.href !== '#contenu') {
    throw new Error(`${where}: the first Tab reaches ${describe(f)}, want the skip link (href="#contenu")`);
  }
  await expectVisibleFocus(page);
  if (!(await page.locator('#contenu').count())) throw new Error(`${where}: the skip link's target #contenu is missing`);
  return { lang, h1, title };
}

// ---------------------------------------------------------------------------
// The server's development mail log

/** The size of the server log now: pass it as {since} to mailLink to wait
 * for a mail sent after this point. */
export async function logOffset(serverlog) {
  try {
    return (await stat(serverlog)).size;
  } catch {
    return 0;
  }
}

/**
 * Waits (up to timeout ms) for a mail to email whose body has a link to
 * path?jeton=… in the server log (the development mail log writes each mail
 * there) and returns the latest such link as a path with its query, e.g.
 * "/compte/verifier?jeton=cmp_verify_…", to open against the base URL.
 * With since (a byte offset from logOffset), only mails logged after it count.
 */
export async function mailLink(serverlog, email, path, { timeout = 20_000, since = 0 } = {}) {
  if (!serverlog) throw new Error('mailLink: no server log (run.mjs --serverlog PATH)');
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = new RegExp(`${esc(path)}\\?jeton=([A-Za-z0-9_-]+)`, 'g');
  const to = [`to=${email}`, `to="${email}"`, `"to":"${email}"`];
  const deadline = Date.now() + timeout;
  for (;;) {
    let text = '';
    try {
      text = (await readFile(serverlog)).subarray(since).toString('utf8');
    } catch {
      // not written yet
    }
    let found = null;
    for (const line of text.split('\n')) {
      if (!to.some((t) => line.includes(t))) continue;
      for (const m of line.matchAll(link)) found = `${path}?jeton=${m[1]}`;
    }
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no mail to ${email} with a ${path} link in ${serverlog} after ${timeout} ms`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** The account-verification link mailed to email ("/compte/verifier?jeton=cmp_verify_…"). */
export function verificationLink(serverlog, email, opts) {
  return mailLink(serverlog, email, '/compte/verifier', opts);
}

/** The password-reset link mailed to email ("/compte/nouveau-mot-de-passe?jeton=…"). */
export function passwordResetLink(serverlog, email, opts) {
  return mailLink(serverlog, email, '/compte/nouveau-mot-de-passe', opts);
}

// ---------------------------------------------------------------------------
// Steps the journeys share

/** The submit button of a page's main form. */
export const SUBMIT = 'main form.stack button[type=submit]';

/** Throws unless the page's <main> says text. */
export async function expectText(page, text) {
  const body = await page.locator('main').innerText();
  if (!body.includes(text)) throw new Error(`${page.url()}: the page does not say "${text}":\n${body.slice(0, 600)}`);
}

/** Presses, with the keyboard, the button of <main> labelled label, and
 * checks the page it leads to. */
export async function press(t, page, label) {
  await t.check(page, () => activate(page, `main button:has-text("${label}")`));
}

// signUp signs a person up from the sign-up page, opens the emailed link,
// confirms and signs in (as journeys/resident.mjs does); the page ends on
// their territory's home.
export async function signUp(t, page, name, commune) {
  const email = t.email(name.toLowerCase());
  await t.check(page, '/inscription');
  await typeInto(page, '#display_name', name);
  await typeInto(page, '#email', email);
  await typeInto(page, '#commune', commune);
  await typeInto(page, '#password', 'bocage-verger-2026');
  await t.check(page, () => activate(page, SUBMIT));
  await expectText(page, 'Un courriel vient');
  const link = await verificationLink(t.serverlog, email);
  await t.check(page, link);
  await t.check(page, () => activate(page, SUBMIT));
  await expectText(page, 'Votre adresse est confirmée');
  await typeInto(page, '#email', email);
  await typeInto(page, '#password', 'bocage-verger-2026');
  await t.check(page, () => activate(page, SUBMIT));
  if (!/\/t\/[a-z0-9-]+/.test(page.url())) throw new Error(`after sign-in: ${page.url()}`);
  return email;
}

// requireCampagnon fails unless run.mjs gave the binary and the server's
// environment.
export function requireCampagnon(t) {
  if (!t.bin || !t.serverEnv || typeof t.serverEnv !== 'object') {
    throw new Error('the operator journey needs the campagnon binary (t.bin) and the server\'s environment (t.serverEnv) '
      + 'to name a national operator with `campagnon operator add` on the server\'s database: run.mjs must take '
      + '--bin PATH and --serverenv KEY=VALUE (repeated) and give them to journeys, and e2e_test.go must pass them');
  }
}

// campagnon runs the binary with the server's configuration (its
// CAMPAGNON_* variables only: the binary refuses variables it does not
// know) in the server's folder, and returns its output.
export function campagnon(t, ...args) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPAGNON_')));
  Object.assign(env, t.serverEnv);
  return new Promise((ok, fail) => {
    execFile(t.bin, args, { env, cwd: path.dirname(t.bin), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`campagnon ${args.join(' ')}: ${err.message}\n${stderr}`));
      else ok(stdout);
    });
  });
}
