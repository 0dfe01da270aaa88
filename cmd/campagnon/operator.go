package main

import (
	"context"
	"fmt"
	"io"
)

const operatorUsage = "operator add EMAIL"

// runOperator names national operators from the server's shell: the way in
// for the first one (no HTTP route can make a national operator from
// nothing); later ones may also be named over HTTP by an operator.
func runOperator(ctx context.Context, args []string, out, errOut io.Writer) error {
	return dispatch(ctx, "operator", operatorUsage,
		"add fait d'un compte vérifié un opérateur national (tous les territoires) ; le changement est inscrit au journal d'audit.",
		map[string]subcommand{"add": operatorAdd}, args, out, errOut)
}

func operatorAdd(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("operator add", operatorUsage, errOut)
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fmt.Fprintln(errOut, "erreur : indiquez l'adresse électronique d'un compte vérifié.\nUsage : campagnon "+operatorUsage)
		return errUsage
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.StartAuthz(ctx); err != nil {
		return err
	}
	acct, err := a.Accounts.ByEmail(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := a.Authz.Bootstrap(ctx, acct.ID); err != nil {
		return fmt.Errorf("name %s national operator: %w", acct.ID, err)
	}
	fmt.Fprintf(out, "%s (compte %s) est opérateur national : les serveurs en cours le voient dans les 15 secondes.\n", acct.Email, acct.ID)
	return nil
}
