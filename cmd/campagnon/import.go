package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/importer"
)

const importUsage = `import --territory SLUG [--mapping CORRESPONDANCE.json | --kind besoins|entreprises] [--apply] [--problems PROBLEMES.csv] FICHIER.csv|xlsx`

// runImport validates a form export and, with --apply, imports it all or
// nothing, with a progress bar on stderr.
func runImport(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("import", importUsage+"\n\n"+
		"Importe les réponses des formulaires d'une communauté de communes (CSV ou XLSX) : besoins et offres des habitants,\n"+
		"ou recensement des entreprises. Sans --apply, le fichier est seulement vérifié : chaque problème est listé (ligne,\n"+
		"colonne, valeur, ce qui ne va pas, une suggestion) et le code de sortie vaut 1 s'il y en a. Avec --apply, le fichier\n"+
		"est importé en une fois, ou pas du tout s'il reste un problème ; l'importer de nouveau ne crée aucun doublon.", errOut)
	slug := fs.String("territory", "", "identifiant du territoire (obligatoire)")
	mappingFile := fs.String("mapping", "", "fichier de correspondance JSON des colonnes (défaut : celui de --kind)")
	kind := fs.String("kind", "besoins", "sans --mapping : besoins (besoins et offres des habitants) ou entreprises (recensement)")
	apply := fs.Bool("apply", false, "importe le fichier s'il n'a aucun problème (sinon : vérification seule)")
	problems := fs.String("problems", "", "écrit aussi les problèmes dans ce fichier CSV, à ouvrir dans un tableur")
	files, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	switch {
	case *slug == "":
		fmt.Fprintln(errOut, "erreur : indiquez le territoire avec --territory SLUG (voir « campagnon territory list »).")
		return errUsage
	case len(files) == 0:
		fmt.Fprintln(errOut, "erreur : indiquez le fichier à importer (CSV ou XLSX).")
		fmt.Fprintln(errOut, "Usage : campagnon "+importUsage)
		return errUsage
	}
	m, err := importMapping(*mappingFile, *kind)
	if err != nil {
		return err
	}
	f, err := os.Open(files[0])
	if err != nil {
		return apperr.Wrap(err, apperr.KindNotFound, "import_file", fmt.Sprintf("Fichier %s illisible : %v.", files[0], err),
			fmt.Sprintf("Cannot read %s: %v.", files[0], err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.Territories.Lookup(ctx, *slug, false)
	if err != nil {
		return err
	}
	if err := a.Rules.Start(ctx); err != nil {
		return err
	}
	svc := importer.NewService(a.Store, a.Rules, a.Territories, a.Referential, nil)
	bar := &progressBar{w: errOut}
	rep, err := svc.Validate(ctx, t, importer.File{Name: filepath.Base(files[0]), Data: f, Size: st.Size()}, m, bar.update)
	bar.end()
	if err != nil {
		return err
	}
	if err := rep.WriteText(out); err != nil {
		return err
	}
	if *problems != "" && !rep.OK() {
		if err := writeProblems(*problems, rep); err != nil {
			return err
		}
		fmt.Fprintf(out, "Problèmes écrits dans %s.\n", *problems)
	}
	if !rep.OK() {
		return apperr.New(apperr.KindInternal, "import_problems",
			fmt.Sprintf("%d problème(s) à corriger dans %s : rien n'a été importé.", rep.ProblemCount, rep.FileName),
			fmt.Sprintf("%d problem(s) to fix in %s: nothing was imported.", rep.ProblemCount, rep.FileName))
	}
	if !*apply {
		fmt.Fprintln(out, "Vérification seule : relancez avec --apply pour importer.")
		return nil
	}
	start := time.Now()
	done, err := svc.Apply(ctx, t, rep, importer.CommandActor, bar.update)
	bar.end()
	if err != nil {
		return err
	}
	what := "besoin(s) ou offre(s)"
	if rep.Kind == importer.KindBusinesses {
		what = "entreprise(s)"
	}
	if done.Created == 0 {
		fmt.Fprintf(out, "Rien à importer : les %d ligne(s) du fichier l'ont déjà été.\n", done.Skipped)
		return nil
	}
	fmt.Fprintf(out, "Import terminé en %s : %d %s créé(s), %d ligne(s) déjà importée(s) laissée(s) telles quelles (import %s).\n",
		time.Since(start).Round(time.Millisecond), done.Created, what, done.Skipped, done.ImportID)
	return nil
}

// importMapping reads the mapping file, or the default of kind.
func importMapping(file, kind string) (*importer.Mapping, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.KindNotFound, "import_mapping_file", fmt.Sprintf("Fichier de correspondance %s illisible : %v.", file, err),
				fmt.Sprintf("Cannot read the mapping file %s: %v.", file, err))
		}
		return importer.ParseMapping(data)
	}
	switch strings.ToLower(kind) {
	case "besoins", "offres", "listings":
		return importer.DefaultMapping(importer.KindListings)
	case "entreprises", "recensement", "businesses":
		return importer.DefaultMapping(importer.KindBusinesses)
	}
	return nil, apperr.New(apperr.KindInvalid, "import_kind", fmt.Sprintf("--kind vaut « besoins » ou « entreprises », pas %q.", kind),
		fmt.Sprintf("--kind is \"besoins\" or \"entreprises\", not %q.", kind))
}

func writeProblems(path string, rep *importer.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "import_problems_file", fmt.Sprintf("Impossible d'écrire %s : %v.", path, err),
			fmt.Sprintf("Cannot write %s: %v.", path, err))
	}
	if err := rep.WriteProblemsCSV(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// progressBar draws the progress of an import on one line of a terminal,
// at most five times a second.
type progressBar struct {
	w     io.Writer
	last  time.Time
	drawn bool
}

const barWidth = 30

func (b *progressBar) update(phase string, done, total int64) {
	if time.Since(b.last) < 200*time.Millisecond && (total == 0 || done < total) {
		return
	}
	b.last, b.drawn = time.Now(), true
	label, unit := "vérification", "octets"
	if phase == importer.PhaseWrite {
		label, unit = "écriture", "lignes"
	}
	if total <= 0 {
		fmt.Fprintf(b.w, "\r%s : %d %s", label, done, unit)
		return
	}
	filled := int(min(done, total) * barWidth / total)
	fmt.Fprintf(b.w, "\r%-12s [%s%s] %3d %% (%d / %d %s)", label, strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled),
		min(done, total)*100/total, done, total, unit)
}

// end finishes the bar's line.
func (b *progressBar) end() {
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}
