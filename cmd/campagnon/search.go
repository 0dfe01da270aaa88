package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
)

const searchUsage = "search check"

// runReindex rebuilds the search index from the database, with a
// progress line.
func runReindex(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("reindex", "reindex\n\n"+
		"Reconstruit l'index de recherche à partir de la base : chaque annonce visible est indexée de nouveau,\n"+
		"chaque document qui n'est plus une annonce visible est retiré. Le serveur peut rester en marche.", errOut)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.StartSearch(ctx); err != nil {
		return err
	}
	start, last := time.Now(), time.Time{}
	indexed, removed, err := a.Indexer.Reindex(ctx, func(done, total int) {
		if time.Since(last) < 200*time.Millisecond && done < total {
			return
		}
		last = time.Now()
		pct := 100
		if total > 0 {
			pct = done * 100 / total
		}
		fmt.Fprintf(errOut, "\rréindexation : %d / %d annonces (%d %%)", done, total, pct)
	})
	fmt.Fprintln(errOut)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Index reconstruit en %s : %d annonce(s) indexée(s), %d document(s) périmé(s) retiré(s).\n",
		time.Since(start).Round(time.Millisecond), indexed, removed)
	return nil
}

// runSearch holds the search commands of operators.
func runSearch(ctx context.Context, args []string, out, errOut io.Writer) error {
	return dispatch(ctx, "search", searchUsage, "check compare les annonces visibles de la base et l'index de recherche, et signale toute différence (lecture seule).",
		map[string]subcommand{"check": searchCheck}, args, out, errOut)
}

func searchCheck(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("search check", "search check\n\n"+
		"Compare la base et l'index de recherche ; code de sortie 1 quand ils diffèrent (corrigez avec « campagnon reindex »).", errOut)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.StartSearch(ctx); err != nil {
		return err
	}
	d, pending, err := a.Indexer.Check(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d annonce(s) visible(s) dans la base, %d document(s) dans l'index, %d changement(s) en attente d'indexation.\n", d.Visible, d.Indexed, pending)
	if d.OK() {
		fmt.Fprintln(out, "Aucune différence.")
		return nil
	}
	for _, l := range []struct {
		what string
		ids  []string
	}{{"absentes de l'index", d.Missing}, {"périmées dans l'index", d.Stale}, {"dans l'index mais plus visibles", d.Extra}} {
		if len(l.ids) > 0 {
			fmt.Fprintf(out, "Annonces %s (%d) :\n", l.what, len(l.ids))
			for _, id := range l.ids {
				fmt.Fprintf(out, "  %s\n", id)
			}
		}
	}
	return apperr.New(apperr.KindInternal, "search_differs",
		fmt.Sprintf("L'index de recherche diffère de la base (%d absente(s), %d périmée(s), %d en trop) : lancez « campagnon reindex ».", len(d.Missing), len(d.Stale), len(d.Extra)),
		fmt.Sprintf("The search index differs from the database (%d missing, %d stale, %d extra): run `campagnon reindex`.", len(d.Missing), len(d.Stale), len(d.Extra)))
}
