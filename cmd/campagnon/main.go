// Command campagnon is the Campagnon platform: the web server and the
// operators' commands, in one binary.
//
//	campagnon serve                         run the platform
//	campagnon import --territory SLUG [--mapping FILE] [--apply] FILE   import a form export
//	campagnon simulate --territory SLUG --from … --to …   replay a period's exchanges under other rules
//	campagnon demo [--seed N] [--members N] [--if-empty]   install a living demo on a new database
//	campagnon migrate up|down|status        manage the database schema
//	campagnon territory create|list|show|disable|enable|epci|set-plugin
//	campagnon plugin build|inspect|test|quote|keygen|sign
//	campagnon commune QUERY                 look a commune up in the national referential
//	campagnon config                        print the effective configuration
//	campagnon outbox list|show              read the email outbox
//	campagnon privacy purge                 apply the retention periods now
//	campagnon version
//
// Every command accepts --config FILE and --set key=value (repeatable).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, out, errOut io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "lance la plateforme (serveur web)", runServe},
		{"migrate", "gère le schéma de la base : up, down, status", runMigrate},
		{"territory", "gère les territoires : create, list, show, disable, enable, epci, set-plugin", runTerritory},
		{"plugin", "pour les intégrateurs : build, inspect, test, quote, keygen, sign", runPlugin},
		{"commune", "cherche une commune dans le référentiel national", runCommune},
		{"config", "affiche la configuration effective et ses clés", runConfig},
		{"outbox", "lit la boîte d'envoi des courriels : list, show", runOutbox},
		{"privacy", "données personnelles : purge (applique les durées de conservation)", runPrivacy},
		{"ledger", "crédits temps : check (recalcule les soldes, signale toute différence)", runLedger},
		{"operator", "opérateurs nationaux : add EMAIL (le premier se nomme ainsi)", runOperator},
		{"demo", "installe une démo vivante des deux pilotes sur une base neuve (comptes, annonces, échanges…)", runDemo},
		{"reindex", "reconstruit l'index de recherche à partir de la base", runReindex},
		{"search", "recherche : check (compare la base et l'index)", runSearch},
		{"import", "importe les réponses des formulaires (CSV, XLSX) : besoins et offres, recensement des entreprises", runImport},
		{"simulate", "simulateur du modèle économique : rejoue une période sous d'autres règles (commission, abonnement, aide)", runSimulate},
		{"version", "affiche la version", func(_ context.Context, _ []string, out, _ io.Writer) error {
			_, err := fmt.Fprintln(out, "campagnon", version)
			return err
		}},
	}
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return report(errOut, c.run(ctx, args[1:], out, errOut))
		}
	}
	fmt.Fprintf(errOut, "erreur : commande inconnue %q.\n", args[0])
	usage(errOut)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Campagnon — plateforme d'échange de services entre habitants et professionnels des territoires ruraux.")
	fmt.Fprintln(w, "\nUsage : campagnon COMMANDE [options]\n\nCommandes :")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nOptions communes : --config FICHIER (défaut configs/campagnon.yaml), --set clé=valeur (répétable).")
	fmt.Fprintln(w, "Aide d'une commande : campagnon COMMANDE -h")
}

// report prints err for an operator and returns the exit code its kind calls for.
func report(errOut io.Writer, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	var cerr *config.Error
	if errors.As(err, &cerr) {
		fmt.Fprintln(errOut, "erreur :", cerr.Error())
		return 2
	}
	e := apperr.As(err)
	if e.Kind == apperr.KindInternal && e.Code == "internal" {
		// No public message: show the technical one, it is all there is.
		fmt.Fprintln(errOut, "erreur interne :", err)
	} else {
		fmt.Fprintln(errOut, "erreur :", e.Message)
	}
	return e.Kind.ExitCode()
}
