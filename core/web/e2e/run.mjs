#!/usr/bin/env node
// run.mjs — runs the browser journeys against a running Campagnon server and
// writes one JSON report.
//
//   node run.mjs --base http://127.0.0.1:8080 [--out result.json]
//                [--only name[,name…]] [--shots DIR] [--serverlog PATH]
//                [--bin CAMPAGNON --serverenv KEY=VALUE …]
//
// Each journey (an exported async function of journeys/*.mjs) runs with
// JavaScript on and off, at phone and desktop width (unless it says
// otherwise), in Debian's Chromium. Exit code 0 when everything passed,
// 1 when something failed, 2 when the run itself could not be done.

import { mkdtemp, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  launch, newPage, checkPage, measure, MAX_PAGE_BYTES, AXE_TAGS, VIEWPORTS, CHROMIUM,
} from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = { out: 'result.json', only: [], journeys: path.join(here, 'journeys'), serverEnv: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--base': args.base = value().replace(/\/+$/, ''); break;
      case '--out': args.out = value(); break;
      case '--only': args.only.push(...value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--shots': args.shots = value(); break;
      case '--serverlog': args.serverlog = value(); break;
      case '--journeys': args.journeys = value(); break;
      // The campagnon binary and the CAMPAGNON_* variables the server runs
      // with: journeys run commands on the server's data (operator add).
      case '--bin': args.bin = value(); break;
      case '--serverenv': {
        const kv = value();
        const eq = kv.indexOf('=');
        if (eq < 1) usage(`--serverenv ${kv}: want KEY=VALUE`);
        args.serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!args.base) usage('--base is required');
  return args;
}

function usage(msg) {
  if (msg) process.stderr.write(`run.mjs: ${msg}\n`);
  process.stderr.write('usage: node run.mjs --base http://127.0.0.1:PORT [--out result.json] [--only name[,name]] [--shots DIR] [--serverlog PATH] [--journeys DIR] [--bin CAMPAGNON] [--serverenv KEY=VALUE]…\n');
  process.exit(msg ? 2 : 0);
}

// Every exported function of journeys/*.mjs is a journey, named after its
// export; properties on the function tune how it runs:
//   fn.viewports = ['phone']   widths to run at (default: phone and desktop)
//   fn.js = [true]             JavaScript modes (default: [true, false])
//   fn.timeout = 60_000        ms for one run (default 120 s)
async function loadJourneys(dir) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.mjs')).sort();
  const out = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(path.join(dir, file)).href);
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== 'function' || name.startsWith('_')) continue;
      if (out.some((j) => j.name === name)) throw new Error(`journey ${name} is exported twice (${file})`);
      out.push({ name, file: `journeys/${file}`, fn });
    }
  }
  return out;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const modeName = (js, viewport) => `${js ? 'js' : 'no-js'}, ${viewport}`;

function pageProblems(p) {
  const out = [];
  if (p.bytes > MAX_PAGE_BYTES) out.push(`${kb(p.bytes)} transferred, over ${kb(MAX_PAGE_BYTES)}`);
  for (const b of p.broken) out.push(`broken resource ${b}`);
  for (const v of p.violations) out.push(`axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  return out;
}

async function runOne(browser, journey, js, viewport, args, shots) {
  const started = Date.now();
  const id = `${journey.name}-${js ? 'js' : 'nojs'}-${viewport}`;
  const run = {
    journey: journey.name, file: journey.file, js, viewport, ok: true, error: null,
    screenshot: null, html: null, duration_ms: 0, pages: [], console_errors: [], log: [],
  };
  const contexts = [];
  let lastPage = null;
  const problems = [];
  const t = {
    base: args.base, js, viewport, browser, serverlog: args.serverlog, id,
    bin: args.bin, serverEnv: args.bin ? { ...args.serverEnv } : undefined,
    /** A new person (own cookies) with a page in this run's mode; opts may
     * override viewport or js. */
    async newPage(opts = {}) {
      const pjs = opts.js ?? js;
      const { context, page } = await newPage(browser, { js: pjs, viewport: opts.viewport ?? viewport, base: args.base });
      contexts.push(context);
      lastPage = page;
      page.on('pageerror', (err) => problems.push(`script error on ${page.url()}: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const text = msg.text();
        run.console_errors.push(text);
        // Our pages have a strict Content-Security-Policy: a blocked inline
        // style or script is a bug (the style silently does not apply).
        if (/Content Security Policy/i.test(text)) problems.push(`CSP violation on ${page.url()}: ${text}`);
      });
      return page;
    },
    /** Checks a page: check(page, '/path') navigates there; check(page, async
     * () => …) runs the action (a key press, a form submission) and checks
     * the page it leads to. Records bytes and axe violations in the report. */
    async check(page, target, opts = {}) {
      lastPage = page;
      const res = typeof target === 'function'
        ? await measure(page, target, opts)
        : await checkPage(page, target, opts);
      res.problems = pageProblems(res);
      res.ok = res.problems.length === 0;
      run.pages.push(res);
      return res;
    },
    /** A line in the report and on stderr. */
    log(...parts) {
      const line = parts.join(' ');
      run.log.push(line);
      process.stderr.write(`    ${journey.name} [${modeName(js, viewport)}] ${line}\n`);
    },
    /** A unique address for a person this run signs up. */
    email(who = 'habitant') {
      return `${who}-${id}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.fr`.toLowerCase();
    },
  };
  const limit = journey.fn.timeout || 120_000;
  let timer;
  try {
    await Promise.race([
      journey.fn(t),
      new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`timed out after ${limit / 1000} s`)), limit); }),
    ]);
  } catch (err) {
    run.ok = false;
    run.error = err && err.message ? err.message.split('\n').slice(0, 12).join('\n') : String(err);
  } finally {
    clearTimeout(timer);
  }
  if (problems.length) {
    run.ok = false;
    run.error = [run.error, ...problems].filter(Boolean).join('\n');
  }
  if (run.pages.some((p) => !p.ok)) run.ok = false;
  if (!run.ok && lastPage && !lastPage.isClosed()) {
    const dir = await shots();
    const file = path.join(dir, `${id}.png`);
    try {
      await lastPage.screenshot({ path: file, fullPage: true, timeout: 10_000 });
      run.screenshot = file;
      const html = path.join(dir, `${id}.html`);
      await writeFile(html, await lastPage.content());
      run.html = html;
    } catch (err) {
      run.screenshot = null;
      run.log.push(`no screenshot: ${err.message}`);
    }
  }
  for (const c of contexts) await c.close().catch(() => {});
  run.duration_ms = Date.now() - started;
  return run;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // The screenshots folder is made at the first failure only.
  let shotsDir = args.shots;
  const shots = async () => {
    shotsDir ??= await mkdtemp(path.join(tmpdir(), 'campagnon-e2e-shots-'));
    await mkdir(shotsDir, { recursive: true });
    return shotsDir;
  };
  const started = Date.now();
  const report = {
    base: args.base,
    started: new Date(started).toISOString(),
    chromium: CHROMIUM,
    browser_version: null,
    limits: { max_page_bytes: MAX_PAGE_BYTES, axe_tags: AXE_TAGS, viewports: VIEWPORTS },
    shots: null,
    ok: false,
    error: null,
    runs: [],
    summary: null,
  };
  const write = () => writeFile(args.out, JSON.stringify(report, null, 2) + '\n');

  let journeys;
  let browser;
  try {
    journeys = await loadJourneys(args.journeys);
    if (args.only.length) {
      const unknown = args.only.filter((n) => !journeys.some((j) => j.name === n));
      if (unknown.length) throw new Error(`--only: no journey named ${unknown.join(', ')} (have: ${journeys.map((j) => j.name).join(', ')})`);
      journeys = journeys.filter((j) => args.only.includes(j.name));
    }
    browser = await launch();
    report.browser_version = browser.version();
  } catch (err) {
    report.error = err.message;
    await write();
    process.stderr.write(`run.mjs: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Chromium ${report.browser_version} — ${journeys.length} journey${journeys.length === 1 ? "" : "s"} against ${args.base}\n`);

  for (const j of journeys) {
    for (const js of j.fn.js || [true, false]) {
      for (const viewport of j.fn.viewports || ['phone', 'desktop']) {
        const run = await runOne(browser, j, js, viewport, args, shots);
        report.runs.push(run);
        const pages = run.pages.length ? `, ${run.pages.length} pages, heaviest ${kb(Math.max(...run.pages.map((p) => p.bytes)))}` : '';
        process.stderr.write(`${run.ok ? 'ok  ' : 'FAIL'} ${j.name} [${modeName(js, viewport)}] ${(run.duration_ms / 1000).toFixed(1)} s${pages}\n`);
        if (!run.ok) {
          if (run.error) process.stderr.write(`     ${run.error.replace(/\n/g, '\n     ')}\n`);
          for (const p of run.pages) for (const pr of p.problems) process.stderr.write(`     ${p.url}: ${pr}\n`);
          if (run.screenshot) process.stderr.write(`     screenshot: ${run.screenshot}\n`);
        }
      }
    }
  }
  await browser.close().catch(() => {});
  report.shots = shotsDir || null;

  const pages = report.runs.flatMap((r) => r.pages);
  report.summary = {
    runs: report.runs.length,
    passed: report.runs.filter((r) => r.ok).length,
    failed: report.runs.filter((r) => !r.ok).length,
    pages_checked: pages.length,
    pages_over_budget: pages.filter((p) => p.bytes > MAX_PAGE_BYTES).length,
    axe_violations: pages.reduce((n, p) => n + p.violations.length, 0),
    duration_ms: Date.now() - started,
  };
  report.ok = report.runs.length > 0 && report.summary.failed === 0;
  if (!report.runs.length) report.error = 'no journey ran';
  await write();
  process.stderr.write(`${report.summary.passed} passed, ${report.summary.failed} failed (journey runs); report: ${args.out}\n`);
  process.exit(report.ok ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`run.mjs: ${err.stack || err}\n`);
  process.exit(2);
});
