// The resident journey of issue 7, with the keyboard only: a newcomer opens
// the home page, picks their commune, signs up, verifies, signs in and
// posts an offer; a neighbour finds it by searching with a typo near
// Marcilly-en-Villette and asks for it; the provider accepts, the date is
// set, the service is done, both confirm and both review. Every page on the
// way is checked (weight, axe at this run's width, with and without
// JavaScript).

import { activate, tabTo, typeInto, expectPageBasics, expectText, signUp, press, SUBMIT } from '../browser.mjs';

export async function resident(t) {
  const odile = await t.newPage();
  await t.check(odile, '/');
  await expectPageBasics(odile);
  await typeInto(odile, '#commune', 'Marcilly-en-Villette');
  await t.check(odile, () => activate(odile, 'main form[role=search] button'));
  if (!odile.url().includes('/t/portes-de-sologne?commune=45193')) throw new Error(`picking the commune led to ${odile.url()}`);
  await signUp(t, odile, 'Odile', 'Marcilly-en-Villette');

  // Odile offers gardening.
  await t.check(odile, () => activate(odile, 'main a:has-text("Proposer un service")'));
  await tabTo(odile, '#category');
  await odile.selectOption('#category', 'petits-travaux');
  const title = `Jardinage et tonte ${t.id}`;
  await typeInto(odile, '#title', title);
  await typeInto(odile, '#description', 'Je jardine et je tonds le samedi matin, outils fournis.');
  await t.check(odile, () => activate(odile, SUBMIT));
  await expectText(odile, 'Votre annonce est publiée');
  const listing = new URL(odile.url()).pathname;

  // Paul searches near Marcilly-en-Villette, with a typo, and asks.
  const paul = await t.newPage();
  await signUp(t, paul, 'Paul', '45146');
  let found = false;
  for (let i = 0; i < 40 && !found; i++) { // the index follows within about a second
    await t.check(paul, '/t/portes-de-sologne/recherche?q=jardinnage&commune=45193&radius_km=10&sort=distance', { axe: i === 0 });
    found = (await paul.locator(`main a[href="${listing}"]`).count()) === 1;
    if (!found) await new Promise((ok) => setTimeout(ok, 250));
  }
  if (!found) throw new Error('the new listing never showed in the search');
  await expectText(paul, 'Par catégorie');
  await t.check(paul, () => activate(paul, `main a[href="${listing}"]`));
  await expectText(paul, 'Prix d');
  await press(t, paul, 'Envoyer ma demande');
  const exchange = new URL(paul.url()).pathname;
  await expectText(paul, 'demandé');

  // Odile accepts; Paul sets the date; Odile marks it done; both confirm.
  await t.check(odile, '/mes-echanges');
  await t.check(odile, () => activate(odile, `main a[href="${exchange}"]`));
  await press(t, odile, 'Accepter');
  await t.check(paul, exchange);
  await tabTo(paul, '#date');
  const day = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
  await paul.fill('#date', day);
  await press(t, paul, 'Enregistrer la date');
  await t.check(odile, exchange);
  await press(t, odile, 'Déclarer le service rendu');
  await press(t, odile, 'Confirmer que le service est rendu');
  await t.check(paul, exchange);
  await press(t, paul, 'Confirmer que le service est rendu');
  await expectText(paul, 'confirmé');

  // Both review.
  for (const who of [paul, odile]) {
    await t.check(who, exchange);
    await typeInto(who, '#comment', 'Parfait, merci !');
    await press(t, who, 'Envoyer mon avis');
  }
  await t.check(paul, listing);
  await expectText(paul, 'Parfait, merci !');

  // A message in the thread; Paul's account, ledger and CESU pages.
  await t.check(paul, exchange);
  await typeInto(paul, '#body', 'Merci encore pour le potager !');
  await press(t, paul, 'Envoyer le message');
  await expectText(paul, 'Merci encore pour le potager !');
  await t.check(paul, '/mon-compte');
  await expectText(paul, 'Mes crédits temps');
  await t.check(paul, '/t/portes-de-sologne/mes-cesu');
  await t.check(paul, '/mes-echanges');
}
resident.timeout = 240_000;
