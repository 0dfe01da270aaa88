package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/store"
)

func runMigrate(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("migrate", "migrate up|down|status [--config FICHIER] [--set clé=valeur]", errOut)
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	a, err := c.open(ctx, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	switch pos[0] {
	case "up":
		applied, err := a.Migrator.Up(ctx)
		if err != nil {
			return app.MigrationError(err)
		}
		if len(applied) == 0 {
			fmt.Fprintln(out, "Schéma déjà à jour.")
		}
		for i, m := range applied {
			fmt.Fprintf(out, "[%d/%d] migration %04d %s appliquée\n", i+1, len(applied), m.Version, m.Name)
		}
	case "down":
		m, err := a.Migrator.Down(ctx)
		if err != nil {
			return app.MigrationError(err)
		}
		if m == nil {
			fmt.Fprintln(out, "Aucune migration à annuler.")
			return nil
		}
		fmt.Fprintf(out, "Migration %04d %s annulée.\n", m.Version, m.Name)
	case "status":
		st, err := a.Migrator.Status(ctx)
		if err != nil {
			return app.MigrationError(err)
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNOM\tÉTAT\tAPPLIQUÉE LE")
		for _, s := range st {
			state, at := "en attente", ""
			if s.Applied {
				state, at = "appliquée", s.AppliedAt.Format("2006-01-02 15:04:05")
			}
			if !s.Known {
				state = "inconnue de ce binaire"
			}
			fmt.Fprintf(tw, "%04d\t%s\t%s\t%s\n", s.Version, s.Name, state, at)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		switch err := a.Migrator.Check(ctx); {
		case errors.Is(err, store.ErrPendingMigrations):
			fmt.Fprintln(out, "Des migrations sont en attente : lancez « campagnon migrate up ».")
		case err != nil:
			return app.MigrationError(err)
		default:
			fmt.Fprintln(out, "Schéma à jour.")
		}
	default:
		fmt.Fprintf(errOut, "erreur : sous-commande inconnue %q (up, down ou status).\n", pos[0])
		return errUsage
	}
	return nil
}
