package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/campagnon/campagnon/core/account"
)

const privacyUsage = `privacy purge`

// runPrivacy holds the personal-data commands of operators.
func runPrivacy(ctx context.Context, args []string, out, errOut io.Writer) error {
	return dispatch(ctx, "privacy", privacyUsage, "purge applique tout de suite les durées de conservation des données personnelles (le serveur le fait aussi toutes les heures).", map[string]subcommand{
		"purge": privacyPurge,
	}, args, out, errOut)
}

func privacyPurge(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("privacy purge", "privacy purge\n\n"+
		"Efface ce que les durées de conservation n'autorisent plus à garder, en une transaction, et affiche les nombres de lignes effacées.", errOut)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.Accounts.Purge(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Purge effectuée. Lignes effacées :")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  comptes jamais vérifiés (après %s)\t%d\n", days(account.UnverifiedRetention), p.Accounts)
	fmt.Fprintf(tw, "  jetons expirés, utilisés ou révoqués (après %s)\t%d\n", days(account.SpentRetention), p.Tokens)
	fmt.Fprintf(tw, "  sessions terminées (après %s)\t%d\n", days(account.SpentRetention), p.Sessions)
	fmt.Fprintf(tw, "  compteurs d'échecs de connexion échus\t%d\n", p.Throttle)
	fmt.Fprintf(tw, "  courriels envoyés (après %s)\t%d\n", days(account.SpentRetention), p.Outbox)
	return tw.Flush()
}

func days(d time.Duration) string { return fmt.Sprintf("%d jours", int(d/(24*time.Hour))) }
