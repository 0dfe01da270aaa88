// The national operator's journey of issue 7, with the keyboard only: a
// person signs up in a pilot commune and is named national operator with
// `campagnon operator add` (the way in for the first one, run against the
// server's data); a second person signs up to be the new territory's admin.
// The operator reads the list of territories with their figures, finds a
// communauté de communes in the national referential ("Vexin"), checks its
// communes, gives it the Picardie Verte plugin and the admin, and opens it;
// its page and its search answer at once, and its admin reads its
// observatory. Every page on the way is checked (weight, axe, with and
// without JavaScript).
//
// It needs what run.mjs does not give journeys yet: the campagnon binary
// (t.bin) and the server's environment (t.serverEnv, an object of the
// CAMPAGNON_* variables the server runs with), to run `operator add` on the
// same database. Without them it fails at once, saying so.

import { activate, tabTo, typeInto, expectPageBasics, expectText, signUp, requireCampagnon, campagnon, SUBMIT } from '../browser.mjs';

// Each run opens an EPCI not open yet: the first such among the results of
// these searches (four runs share one server; a rerun by hand finds others).
const SEARCHES = ['Vexin', 'Bocage', 'Val'];

export async function operator(t) {
  requireCampagnon(t);
  const op = await t.newPage();
  const opEmail = await signUp(t, op, 'Operatrice', 'Marcilly-en-Villette');
  const admin = await t.newPage();
  const adminEmail = await signUp(t, admin, 'Agnes', 'Sennely');

  // A resident is refused the operators' pages.
  let res = await t.check(op, '/operateur');
  if (res.status !== 403) throw new Error(`/operateur before being named: HTTP ${res.status}, want 403`);
  await expectText(op, 'réservées aux opérateurs nationaux');

  // Named operator; the server rereads the roles every 15 seconds.
  t.log(await campagnon(t, 'operator', 'add', opEmail));
  let status = 0;
  for (let i = 0; i < 40 && status !== 200; i++) {
    status = (await op.request.get('/operateur')).status();
    if (status !== 200) await new Promise((ok) => setTimeout(ok, 500));
  }
  if (status !== 200) throw new Error(`/operateur 20 s after operator add: HTTP ${status}`);
  res = await t.check(op, '/operateur');
  await expectPageBasics(op);
  await expectText(op, 'CC des Portes de Sologne');
  await expectText(op, 'CC de la Picardie Verte');
  await expectText(op, 'Échanges ce mois-ci');

  // Step 1: find an EPCI not open yet.
  await t.check(op, () => activate(op, 'main a[href="/operateur/ouvrir"]'));
  let href = null;
  for (const q of SEARCHES) {
    await typeInto(op, '#q', q);
    await t.check(op, () => activate(op, 'main form[role=search] button'));
    const row = op.locator('main tbody tr', { hasText: 'pas encore ouvert' }).first();
    if (await row.count()) {
      href = await row.locator('th a').getAttribute('href');
      break;
    }
  }
  if (!href) throw new Error(`no EPCI left to open among the results of ${SEARCHES.join(', ')}`);
  await t.check(op, () => activate(op, `main a[href="${href}"]`));

  // Step 2: its communes, its address, its rules, its admin.
  await expectText(op, 'Ses communes, à vérifier');
  const slug = await op.inputValue('#slug');
  const name = await op.inputValue('#name');
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)) throw new Error(`the address offered is ${slug}`);
  await tabTo(op, 'main input[name=plugin]:checked'); // the standard configuration
  await op.keyboard.press('ArrowDown'); // the next choice: the Picardie Verte plugin
  if (!(await op.locator('main input[name=plugin][value="picardie-verte"]').isChecked())) {
    throw new Error('the arrow key did not choose the Picardie Verte plugin');
  }
  await typeInto(op, '#admins', adminEmail);
  await t.check(op, () => activate(op, SUBMIT));
  if (!op.url().includes(`/t/${slug}`)) throw new Error(`opening ${href} led to ${op.url()}`);
  await expectText(op, name);
  await expectText(op, 'Mobilité'); // a category of the Picardie Verte plugin

  // The new territory serves its search; its admin reads its observatory.
  await t.check(op, `/t/${slug}/recherche`);
  await expectText(op, 'Trouver un service');
  await t.check(admin, `/t/${slug}/observatoire`);
  await expectText(admin, 'Observatoire des besoins');

  // Back on the list, with its figures.
  await t.check(op, '/operateur');
  await expectText(op, name);
}
operator.timeout = 240_000;
