package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/ledger"
)

const ledgerUsage = `ledger check [--territory SLUG] | ledger reverse TRANSFER_ID --memo TEXTE`

// runLedger holds the time-credit commands of operators.
func runLedger(ctx context.Context, args []string, out, errOut io.Writer) error {
	return dispatch(ctx, "ledger", ledgerUsage, "Crédits temps : check recalcule chaque solde à partir des écritures et signale toute différence (lecture seule) ; "+
		"reverse annule un transfert en passant l'écriture inverse (la seule correction possible).", map[string]subcommand{
		"check":   ledgerCheck,
		"reverse": ledgerReverse,
	}, args, out, errOut)
}

func ledgerCheck(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("ledger check", "ledger check [--territory SLUG]\n\n"+
		"Recalcule chaque solde de crédits temps à partir de ses écritures et vérifie que chaque transfert s'équilibre ;\n"+
		"ne modifie rien. Code de sortie 1 quand une différence est trouvée.", errOut)
	slug := fs.String("territory", "", "seulement le territoire SLUG (défaut : tous les territoires)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	territoryID, scope := "", "tous les territoires"
	if *slug != "" {
		t, err := a.Territories.Lookup(ctx, *slug, true)
		if err != nil {
			return err
		}
		territoryID, scope = t.ID, "territoire "+t.Slug
	}
	r, err := a.Ledger.Check(ctx, territoryID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Grand livre des crédits temps, %s : %d compte(s), %d transfert(s), %d écriture(s) vérifiés.\n",
		scope, r.Accounts, r.Transfers, r.Postings)
	if r.OK() {
		fmt.Fprintln(out, "Aucune différence : chaque solde est la somme de ses écritures et chaque transfert s'équilibre.")
		return nil
	}
	if err := printLedgerReport(ctx, a, r, out); err != nil {
		return err
	}
	n := len(r.Differences) + len(r.Unbalanced)
	return apperr.New(apperr.KindInternal, "ledger_check_failed",
		fmt.Sprintf("Le grand livre des crédits temps présente %d anomalie(s), détaillée(s) ci-dessus. Sauvegardez la base et cherchez "+
			"la cause (modification directe de la base, restauration partielle) avant toute correction : les écritures font foi, et une "+
			"erreur de transfert se corrige par une annulation, jamais en modifiant une écriture.", n),
		fmt.Sprintf("The time-credit ledger has %d problem(s), listed above. Back the database up and find the cause (a direct "+
			"edit of the database, a partial restore) before correcting anything: the postings are the record, and a wrong "+
			"transfer is corrected by a reversal, never by editing a posting.", n))
}

// printLedgerReport lists what Check found, territories by slug.
func printLedgerReport(ctx context.Context, a *app.App, r *ledger.Report, out io.Writer) error {
	slugs := map[string]string{}
	slug := func(id string) string {
		if s, ok := slugs[id]; ok {
			return s
		}
		slugs[id] = id
		if t, err := a.Territories.ByID(ctx, id); err == nil {
			slugs[id] = t.Slug
		}
		return slugs[id]
	}
	holder := func(h string) string {
		if h == ledger.TerritoryAccount {
			return "compte du territoire"
		}
		return h
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if len(r.Differences) > 0 {
		fmt.Fprintln(tw, "\nSoldes différents de la somme de leurs écritures :")
		fmt.Fprintln(tw, "TERRITOIRE\tTITULAIRE\tCOMPTE DU GRAND LIVRE\tSOLDE ENREGISTRÉ\tSOMME DES ÉCRITURES\tÉCART")
		for _, d := range r.Differences {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", slug(d.TerritoryID), holder(d.Holder), d.AccountID,
				ledger.FormatMinutes(d.StoredMinutes), ledger.FormatMinutes(d.ComputedMinutes),
				ledger.FormatMinutes(d.StoredMinutes-d.ComputedMinutes))
		}
	}
	if len(r.Unbalanced) > 0 {
		fmt.Fprintln(tw, "\nTransferts dont les écritures ne s'équilibrent pas (il en faut 2, de somme nulle, sur le territoire du transfert) :")
		fmt.Fprintln(tw, "TERRITOIRE\tTRANSFERT\tSOMME\tÉCRITURES\tHORS TERRITOIRE")
		for _, u := range r.Unbalanced {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", slug(u.TerritoryID), u.TransferID, ledger.FormatMinutes(u.SumMinutes), u.Postings, u.Foreign)
		}
	}
	if r.Truncated {
		fmt.Fprintln(tw, "\n(Listes arrêtées à leurs 1 000 premières lignes.)")
	}
	return tw.Flush()
}

// ledgerReverse corrects a mistaken transfer the only way the ledger
// allows: by posting its reverse, once, recorded under the operator.
func ledgerReverse(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("ledger reverse", "ledger reverse TRANSFER_ID --memo TEXTE\n\n"+
		"Passe l'écriture inverse d'un transfert (une seule fois) : chaque solde revient où il serait sans lui.", errOut)
	memo := fs.String("memo", "", "pourquoi (obligatoire ; ne nommez personne)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) == 0 || *memo == "" {
		fmt.Fprintln(errOut, "erreur : indiquez l'identifiant du transfert et --memo (pourquoi il est annulé).\nUsage : campagnon ledger reverse TRANSFER_ID --memo TEXTE")
		return errUsage
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.Ledger.Reverse(ctx, pos[0], "operator:cli", *memo)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Transfert %s annulé par l'écriture %s (%s).\n", pos[0], t.ID, ledger.FormatMinutes(t.Minutes))
	return nil
}
