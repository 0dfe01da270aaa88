package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// importData is a file of core/importer's testdata, by absolute path (the
// commands run in a temporary folder).
func importData(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "core", "importer", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportCommand is issue 8's "done when" at the command line: the
// export of a territory's form has three bad lines; checking it lists them
// (French first, with suggestions) and exits 1; --apply imports nothing;
// the corrected file is imported with a progress bar; importing it again
// creates nothing.
func TestImportCommand(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		bad, fixed := importData(t, "besoins-erreurs.csv"), importData(t, "besoins-erreurs-corrige.csv")
		problems := filepath.Join(t.TempDir(), "problemes.csv")
		mapping := filepath.Join(t.TempDir(), "correspondance.json")
		if err := os.WriteFile(mapping, []byte(`{"kind": "listings", "columns": {"commune": 12}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		runSteps(t, tg, []step{
			{args: []string{"migrate", "up"}, stdout: []string{"appliquée"}},
			{args: []string{"territory", "create", "--epci", "200005932"}, stdout: []string{"portes-de-sologne"}},
			{args: []string{"import", bad}, code: 2, stderr: []string{"--territory"}},
			{args: []string{"import", "--territory", "portes-de-sologne"}, code: 2, stderr: []string{"fichier à importer"}},
			{args: []string{"import", "--territory", "nulle-part", bad}, code: 2, stderr: []string{"nulle-part"}},
			{args: []string{"import", "--territory", "portes-de-sologne", "--mapping", mapping, bad}, code: 2, stderr: []string{"Fichier de correspondance à corriger"}},
			{args: []string{"import", "--territory", "portes-de-sologne", "--kind", "voitures", bad}, code: 2, stderr: []string{"--kind"}},
			{args: []string{"import", "--territory", "portes-de-sologne", "--problems", problems, bad}, code: 1,
				stdout: []string{"3 problème(s) à corriger", "Ligne 3, colonne D — Commune : « Ferte St Aubain »", "Suggestion : La Ferté-Saint-Aubin (45146)",
					"Ligne 6, colonne B — Date : « 12/03/26 »", "Suggestion : 12/03/2026", "Ligne 8, colonne F — Catégorie : « Jardinnage »",
					"Petits travaux maison et jardin", "[en] Unknown commune", "Problèmes écrits dans"},
				stderr: []string{"rien n'a été importé"}},
			{args: []string{"import", "--territory", "portes-de-sologne", "--apply", bad}, code: 1, stderr: []string{"rien n'a été importé"},
				noStdout: []string{"Import terminé"}},
			{args: []string{"import", "--territory", "portes-de-sologne", fixed}, stdout: []string{"8 besoin(s) ou offre(s) à importer", "relancez avec --apply"},
				noStdout: []string{"Import terminé"}},
			{args: []string{"import", "--territory", "portes-de-sologne", "--apply", fixed},
				stdout: []string{"Import terminé", "8 besoin(s) ou offre(s) créé(s), 0 ligne(s) déjà importée(s)"},
				stderr: []string{"écriture", "100 %", "(8 / 8 lignes)"}},
			{args: []string{"import", "--territory", "portes-de-sologne", "--apply", fixed},
				stdout: []string{"0 besoin(s) ou offre(s) à importer, 8 ligne(s) déjà importée(s)", "Rien à importer : les 8 ligne(s) du fichier l'ont déjà été."}},
			{args: []string{"import", "--territory", "portes-de-sologne", "--kind", "entreprises", importData(t, "entreprises.csv")}, code: 1,
				stdout: []string{"SIRET à 13 chiffres", "Suggestion : 04512345200018"}},
			{args: []string{"import", "--territory", "portes-de-sologne", importData(t, "besoins-fusion.xlsx")},
				stdout: []string{"XLSX, feuille « Réponses »", "B3:B5", "6 besoin(s) ou offre(s) à importer"}},
		})
		b, err := os.ReadFile(problems)
		if err != nil || !strings.HasPrefix(string(b), "\ufeffLigne;Colonne;Valeur;Problème;Suggestion;Problem\r\n") || !strings.Contains(string(b), "3;D — Commune;Ferte St Aubain;") {
			t.Errorf("problems file: %v\n%s", err, b)
		}
	})
}
