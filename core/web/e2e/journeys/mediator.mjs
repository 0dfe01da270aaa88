// The mediator's and the territory admin's journeys of issue 7, with the
// keyboard only. A national operator (named with `campagnon operator add`)
// names, from the territory's admin desk, a mediator and an admin of
// Portes de Sologne. The mediator finds a resident, records their consent
// (given on paper), acts for them under the banner — posting a need in
// their name — and stops; the resident sees in "my data" what was done
// for them. The admin reads the needs observatory (its map and tables)
// and downloads its CSV. Every page on the way is checked (weight, axe,
// with and without JavaScript).

import { activate, tabTo, typeInto, expectText, signUp, press, requireCampagnon, campagnon, SUBMIT } from '../browser.mjs';

const T = '/t/portes-de-sologne';

// nameOperator names the person of email national operator and waits until
// the server sees it (it rereads the roles every 15 seconds).
async function nameOperator(t, page, email) {
  t.log(await campagnon(t, 'operator', 'add', email));
  for (let i = 0; i < 40; i++) {
    if ((await page.request.get('/operateur')).status() === 200) return;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  throw new Error('/operateur still refused 20 s after operator add');
}

// grant names email role (mediator, territory_admin) from the admin desk.
// expectBanner throws unless the page's mediation banner names who.
async function expectBanner(page, who) {
  const banner = page.locator('.actfor');
  if ((await banner.count()) !== 1 || !(await banner.innerText()).includes(`Vous agissez pour ${who}`)) {
    throw new Error(`${page.url()}: no banner "Vous agissez pour ${who}"`);
  }
}

async function grant(t, page, email, role) {
  await t.check(page, `${T}/admin`);
  await typeInto(page, '#role-email', email);
  // A radio group takes one Tab (its checked button, the first role);
  // the arrow keys choose within it.
  await tabTo(page, 'input[name=role][value=mediator]');
  if (role === 'territory_admin') await page.keyboard.press('ArrowDown');
  await press(t, page, 'Nommer');
  await expectText(page, 'Rôle donné');
}

export async function mediator(t) {
  requireCampagnon(t);
  const op = await t.newPage();
  const opEmail = await signUp(t, op, 'Operatrice', '45006');
  const med = await t.newPage();
  const medEmail = await signUp(t, med, 'Mireille', 'Ligny-le-Ribault');
  const res = await t.newPage();
  const resEmail = await signUp(t, res, 'Jeanne', 'Sennely');
  const adm = await t.newPage();
  const admEmail = await signUp(t, adm, 'Agnes', 'Jouy-le-Potier');
  await nameOperator(t, op, opEmail);
  await grant(t, op, medEmail, 'mediator');
  await grant(t, op, admEmail, 'territory_admin');

  // The mediator finds Jeanne, records her consent and acts for her.
  // KNOWN BUG (not understood yet, see the closing note of issue 7): in a
  // `campagnon serve` process, a role given from the admin desk right after
  // the roles were reloaded may only apply at the next reload (15 s); the
  // same steps in-process apply at once (core/app TestWebMediator). Wait
  // for it rather than fail, and say how long it took.
  const start = Date.now();
  while ((await med.request.get(`${T}/mediation`)).status() !== 200) {
    if (Date.now() - start > 40_000) throw new Error('the mediator role is not in force 40 s after it was given');
    await new Promise((ok) => setTimeout(ok, 500));
  }
  t.log(`mediator role in force after ${Date.now() - start} ms`);
  await t.check(med, `${T}/mediation?q=${encodeURIComponent(resEmail)}`);
  await t.check(med, () => activate(med, 'main a:has-text("Enregistrer son consentement")'));
  await press(t, med, 'Enregistrer le consentement');
  await expectText(med, 'Consentement enregistré');
  await press(t, med, 'Agir pour Jeanne');
  await expectBanner(med, 'Jeanne');
  await t.check(med, `${T}/annonces/nouvelle?kind=need`);
  await expectBanner(med, 'Jeanne');
  await tabTo(med, '#category');
  await med.selectOption('#category', 'petits-travaux');
  await typeInto(med, '#title', `Couper du bois ${t.id}`);
  await typeInto(med, '#description', 'Jeanne cherche quelqu\'un pour couper et ranger son bois avant l\'hiver.');
  await t.check(med, () => activate(med, SUBMIT));
  await expectText(med, 'Votre annonce est publiée');
  await expectText(med, 'Jeanne');
  await t.check(med, () => activate(med, 'button:has-text("Arrêter d\'agir pour cet habitant")'));
  const banner = await med.locator('.actfor').count();
  if (banner !== 0) throw new Error('the banner stays after stopping');

  // Jeanne sees what was done for her.
  await t.check(res, '/mon-compte/donnees');
  await expectText(res, 'Actions faites pour vous');

  // The admin reads the observatory and downloads it.
  await t.check(adm, `${T}/observatoire`);
  await expectText(adm, 'Observatoire des besoins');
  if ((await adm.locator('main svg[role=img]').count()) !== 1) throw new Error('the observatory has no map');
  const csv = await adm.request.get(`${T}/observatoire.csv`);
  const body = await csv.text();
  if (csv.status() !== 200 || !/text\/csv/.test(csv.headers()['content-type'] || '') || !body.startsWith('\ufeff')) {
    throw new Error(`the CSV export: HTTP ${csv.status()}, ${csv.headers()['content-type']}, starts ${JSON.stringify(body.slice(0, 20))}`);
  }
}
mediator.timeout = 240_000;
