package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/store"
)

func runConfig(_ context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("config", "config [--keys] [--config FICHIER] [--set clé=valeur]", errOut)
	keys := fs.Bool("keys", false, "lister toutes les clés, leur variable d'environnement, leur défaut et les valeurs permises")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if *keys {
		fmt.Fprintln(tw, "CLÉ\tVARIABLE\tDÉFAUT\tVALEURS PERMISES")
		for _, k := range config.Keys() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.EnvName(), k.Default, k.Allowed)
		}
		return tw.Flush()
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Configuration valide.")
	for _, kv := range cfg.Describe() {
		if kv[0] == "database.postgres_dsn" {
			kv[1] = store.RedactDSN(kv[1])
		}
		fmt.Fprintf(tw, "%s\t%s\n", kv[0], kv[1])
	}
	return tw.Flush()
}
