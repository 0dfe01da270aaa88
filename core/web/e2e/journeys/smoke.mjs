// The smoke journey: every page of PAGES loads, weighs at most 100 KB on its
// first load, has no WCAG 2.1 AA violation, and has the markup every page
// shares (lang="fr", an <h1>, the skip link first, a visible focus).

import { expectPageBasics } from '../browser.mjs';

// ===========================================================================
// PAGES — every page (and asset) the smoke journey opens. Extend this list
// as pages are written: { path, status } with the HTTP status of the page
// finally shown (after redirects) when nobody is signed in; status may be a
// list of accepted ones. HTML pages get the full check (weight including
// redirects, axe, markup); other content types (the stylesheet) only the
// status and the weight.
export const PAGES = [
  { path: '/static/campagnon.css', status: 200 },
  // A signed-in page: the sign-in page instead, in place (401) or after a
  // redirect to /connexion (200).
  { path: '/mon-compte/donnees', status: [200, 401] },
  { path: '/', status: 200 },
  { path: '/?commune=45240', status: 200 },
  { path: '/t/picardie-verte', status: 200 },
  { path: '/t/portes-de-sologne?commune=45193', status: 200 },
  { path: '/t/picardie-verte/recherche?q=tonte&commune=60623', status: 200 },
  { path: '/t/portes-de-sologne/professionnels', status: 200 },
  { path: '/t/portes-de-sologne/bulletin', status: 200 },
  { path: '/t/portes-de-sologne/flyer', status: 200 },
  { path: '/t/portes-de-sologne/chiffres', status: 200 },
  { path: '/t/portes-de-sologne/evenements', status: 200 },
  { path: '/inscription', status: 200 },
  { path: '/connexion', status: 200 },
  { path: '/compte/verifier?jeton=exemple', status: 200 },
  { path: '/accessibilite', status: 200 },
  { path: '/mentions-legales', status: 200 },
  { path: '/t/nulle-part', status: 404 },
  // Last: the English page leaves a language cookie.
  { path: '/t/picardie-verte/recherche?lang=en', status: 200 },
];
// ===========================================================================

export async function smoke(t) {
  const page = await t.newPage();
  for (const { path, status } of PAGES) {
    const res = await t.check(page, path);
    const want = [status].flat();
    if (!want.includes(res.status)) throw new Error(`${path}: HTTP ${res.status}, want ${want.join(' or ')}`);
    if (/html/i.test(res.contentType)) {
      await expectPageBasics(page);
    } else if (path.endsWith('.css') && !/text\/css/i.test(res.contentType)) {
      throw new Error(`${path}: Content-Type ${res.contentType}, want text/css`);
    }
  }
}
