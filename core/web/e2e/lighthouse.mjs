#!/usr/bin/env node
// lighthouse.mjs — runs Lighthouse on a few pages of a running Campagnon
// server and writes one JSON report (issue 7's quality bar: performance ≥ 90
// and accessibility 100 on the territory home, search and listing pages).
//
//   node lighthouse.mjs --base http://127.0.0.1:8080 --out report.json \
//     --pages '/t/portes-de-sologne,/t/portes-de-sologne/recherche?q=jardinage&commune=45193,/t/portes-de-sologne/annonces/ID'
//
// Lighthouse runs with its default configuration: the mobile form factor
// (a Moto G Power–sized screen) and simulated throttling, the "throttled"
// preset (slow 4G, 150 ms RTT, 1.6 Mbit/s down, 4× CPU slowdown), a cold
// cache and cleared storage for each page. Categories: performance and
// accessibility (the bar), best practices (for information).
//
// The browser is Debian's Chromium (/usr/bin/chromium, or CAMPAGNON_CHROMIUM)
// started by chrome-launcher (which comes with lighthouse) with the flags of
// the journeys (browser.mjs) and --headless=new: nothing is downloaded.
//
// Options: --min-performance N (default 90), --min-accessibility N (default
// 100). Exit code: 0 every page meets the bar, 1 a page is below it (or its
// run failed), 2 the run itself could not be done (bad arguments, Chromium
// would not start). Progress goes to stderr; the report, to --out:
//
//   { ok, error, base, lighthouse_version, browser_version, benchmark_index,
//     settings: {form_factor, throttling_method, throttling, screen},
//     thresholds: {performance, accessibility},
//     pages: [{ path, url, final_url, ok, problems, run_error, warnings,
//               scores: {performance, accessibility, best_practices},
//               metrics: {fcp_ms, lcp_ms, tbt_ms, cls, speed_index_ms, server_response_ms},
//               total_byte_weight, requests, duration_ms,
//               accessibility_failures: [{id, title, weight, items: [{selector, snippet, explanation}]}],
//               performance_issues: [{id, title, score, display_value}],
//               best_practices_failures: [{id, title, display_value, items}] }] }

import { writeFile } from 'node:fs/promises';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.mjs';

/** The journeys' flags, with the new headless mode named explicitly. */
export const LIGHTHOUSE_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS.filter((f) => f !== '--headless'),
  '--headless=new',
];

function parseArgs(argv) {
  const args = { out: 'lighthouse.json', pages: [], minPerformance: 90, minAccessibility: 100 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const number = () => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0 || n > 100) usage(`${a} takes a score from 0 to 100`);
      return n;
    };
    switch (a) {
      case '--base': args.base = value().replace(/\/+$/, ''); break;
      case '--out': args.out = value(); break;
      case '--pages': args.pages.push(...value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--min-performance': args.minPerformance = number(); break;
      case '--min-accessibility': args.minAccessibility = number(); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!args.base) usage('--base is required');
  if (!args.pages.length) usage('--pages is required');
  for (const p of args.pages) if (!p.startsWith('/')) usage(`--pages: ${p} is not a path (/t/…)`);
  return args;
}

function usage(msg) {
  if (msg) process.stderr.write(`lighthouse.mjs: ${msg}\n`);
  process.stderr.write('usage: node lighthouse.mjs --base http://127.0.0.1:PORT --pages /path[,/path…] [--out report.json] [--min-performance 90] [--min-accessibility 100]\n');
  process.exit(msg ? 2 : 0);
}

/** A category's score as Lighthouse shows it (0–100), or null. */
const score = (lhr, id) => {
  const s = lhr.categories[id]?.score;
  return typeof s === 'number' ? Math.round(s * 100) : null;
};

const numeric = (lhr, id) => {
  const v = lhr.audits[id]?.numericValue;
  return typeof v === 'number' ? v : null;
};

/** The audits of a category that do not pass (weighted or not). */
function failing(lhr, category, below = 1) {
  const out = [];
  for (const ref of lhr.categories[category]?.auditRefs || []) {
    const a = lhr.audits[ref.id];
    if (!a || a.score === null || a.score >= below) continue;
    if (!['binary', 'numeric', 'metricSavings'].includes(a.scoreDisplayMode)) continue;
    out.push({ ref, a });
  }
  return out;
}

function nodesOf(audit) {
  const items = audit.details?.items || [];
  return items.slice(0, 10).map((it) => ({
    selector: it.node?.selector || '',
    snippet: it.node?.snippet || '',
    explanation: (it.node?.explanation || '').slice(0, 500),
  }));
}

function summarize(path, url, lhr, args, started) {
  const page = {
    path, url, final_url: lhr.finalDisplayedUrl || lhr.finalUrl || url, ok: true, problems: [],
    run_error: lhr.runtimeError ? `${lhr.runtimeError.code}: ${lhr.runtimeError.message}` : null,
    warnings: lhr.runWarnings || [],
    scores: {
      performance: score(lhr, 'performance'),
      accessibility: score(lhr, 'accessibility'),
      best_practices: score(lhr, 'best-practices'),
    },
    metrics: {
      fcp_ms: numeric(lhr, 'first-contentful-paint'),
      lcp_ms: numeric(lhr, 'largest-contentful-paint'),
      tbt_ms: numeric(lhr, 'total-blocking-time'),
      cls: numeric(lhr, 'cumulative-layout-shift'),
      speed_index_ms: numeric(lhr, 'speed-index'),
      server_response_ms: numeric(lhr, 'server-response-time'),
    },
    total_byte_weight: numeric(lhr, 'total-byte-weight'),
    requests: lhr.audits['network-requests']?.details?.items?.length ?? null,
    duration_ms: Date.now() - started,
    accessibility_failures: failing(lhr, 'accessibility').map(({ ref, a }) => ({
      id: a.id, title: a.title, weight: ref.weight, items: nodesOf(a),
    })),
    performance_issues: failing(lhr, 'performance', 0.9).map(({ a }) => ({
      id: a.id, title: a.title, score: a.score, display_value: a.displayValue || '',
    })),
    best_practices_failures: failing(lhr, 'best-practices').map(({ a }) => ({
      id: a.id, title: a.title, display_value: a.displayValue || '',
      items: (a.details?.items || []).slice(0, 5).map((it) => [it.source, it.url, it.description].filter(Boolean).join(' ').slice(0, 300)),
    })),
  };
  if (page.run_error) page.problems.push(`Lighthouse could not measure the page: ${page.run_error}`);
  const perf = page.scores.performance;
  if (perf === null || perf < args.minPerformance) {
    page.problems.push(`performance ${perf ?? 'not scored'} < ${args.minPerformance}` +
      (page.performance_issues.length ? ` (${page.performance_issues.map((i) => `${i.id} ${i.display_value}`.trim()).join('; ')})` : ''));
  }
  // Accessibility 100 means every weighted audit passes, not a score that
  // rounds to 100.
  const a11y = lhr.categories.accessibility?.score;
  if (typeof a11y !== 'number' || Math.round(a11y * 100) < args.minAccessibility || (args.minAccessibility >= 100 && a11y < 1)) {
    page.problems.push(`accessibility ${page.scores.accessibility ?? 'not scored'} < ${args.minAccessibility}` +
      (page.accessibility_failures.length ? ` (${page.accessibility_failures.map((f) => f.id).join(', ')})` : ''));
  }
  page.ok = page.problems.length === 0;
  return page;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const report = {
    ok: false, error: null, base: args.base, lighthouse_version: null, browser_version: null, benchmark_index: null,
    settings: null, thresholds: { performance: args.minPerformance, accessibility: args.minAccessibility }, pages: [],
  };
  let chrome;
  let code = 2;
  try {
    chrome = await chromeLauncher.launch({
      chromePath: CHROMIUM,
      chromeFlags: LIGHTHOUSE_CHROMIUM_ARGS,
      logLevel: 'error',
      maxConnectionRetries: 200, // × 50 ms: a loaded 2-core machine starts Chromium slowly
    });
    for (const path of args.pages) {
      const url = args.base + path;
      const started = Date.now();
      process.stderr.write(`lighthouse: ${path} …\n`);
      // No config: Lighthouse's default, the mobile, simulated-throttling run.
      const result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
      });
      if (!result?.lhr) throw new Error(`Lighthouse returned no result for ${url}`);
      const { lhr } = result;
      report.lighthouse_version ??= lhr.lighthouseVersion;
      report.browser_version ??= lhr.environment?.hostUserAgent || null;
      report.benchmark_index ??= lhr.environment?.benchmarkIndex ?? null;
      report.settings ??= {
        form_factor: lhr.configSettings.formFactor,
        throttling_method: lhr.configSettings.throttlingMethod,
        throttling: lhr.configSettings.throttling,
        screen: lhr.configSettings.screenEmulation,
      };
      const page = summarize(path, url, lhr, args, started);
      report.pages.push(page);
      const m = page.metrics;
      process.stderr.write(`lighthouse: ${path}: performance ${page.scores.performance}, accessibility ${page.scores.accessibility}, ` +
        `best practices ${page.scores.best_practices}; FCP ${Math.round(m.fcp_ms)} ms, LCP ${Math.round(m.lcp_ms)} ms, ` +
        `TBT ${Math.round(m.tbt_ms)} ms, CLS ${m.cls?.toFixed(3)}, ${page.total_byte_weight} bytes, ${page.requests} requests ` +
        `(${(page.duration_ms / 1000).toFixed(1)} s)${page.ok ? '' : ' — ' + page.problems.join('; ')}\n`);
    }
    const s = report.settings;
    if (s && (s.form_factor !== 'mobile' || s.throttling_method !== 'simulate')) {
      throw new Error(`Lighthouse ran ${s.form_factor}/${s.throttling_method}, not the mobile, simulated-throttling default`);
    }
    report.ok = report.pages.every((p) => p.ok);
    code = report.ok ? 0 : 1;
  } catch (err) {
    report.error = String(err?.stack || err);
    process.stderr.write(`lighthouse.mjs: ${report.error}\n`);
    code = report.pages.length ? 1 : 2;
  } finally {
    if (chrome) {
      try { chrome.kill(); } catch { /* already gone */ }
    }
  }
  await writeFile(args.out, JSON.stringify(report, null, 2) + '\n');
  process.exit(code);
}

await main();
