// Package e2e holds Campagnon's real-browser tests: TestBrowserJourneys
// builds and starts `campagnon serve` on a fresh SQLite database and runs
// the journeys of journeys/*.mjs (run.mjs) in Debian's headless Chromium,
// driven by playwright-core: each journey with JavaScript on and off, at
// phone and desktop width; every page checked against WCAG 2.1 AA with
// axe-core and held to 100 KB on its first load. See README.md.
package e2e
