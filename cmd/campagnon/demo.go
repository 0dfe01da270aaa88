package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/demo"
)

const demoUsage = "demo [--seed N] [--members N] [--if-empty]"

// runDemo installs the demo on a new database: it migrates and creates the
// configured territories as serve does, seeds them, and prints what it
// installed and the logins.
func runDemo(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("demo", demoUsage+"\n\n"+
		"Installe sur une base neuve une plateforme vivante pour les deux pilotes : membres répartis sur les communes\n"+
		"selon leur population, professionnels, médiateurs, annonces dans chaque catégorie, échanges dans chaque état et\n"+
		"chaque mode de paiement, messages, avis, crédits temps — quelques mois d'histoire simulée. Tout passe par les\n"+
		"services de la plateforme. Une base qui a déjà des comptes est refusée ; la démo est refusée en production.", errOut)
	seed := fs.Uint64("seed", 1, "graine : la même graine donne la même démo")
	members := fs.Int("members", demo.DefaultMembers, "nombre de membres, partagés entre les pilotes selon leur population")
	ifEmpty := fs.Bool("if-empty", false, "si la base a déjà des comptes, ne rien faire et réussir (pour « make run »)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	if cfg.Env == config.EnvProduction {
		return apperr.New(apperr.KindRefused, "demo_production",
			"La démo est refusée en production (env: production) : ses comptes, dont un opérateur national, ont un mot de passe publié.",
			"The demo is refused in production: its accounts, a national operator among them, have a published password.")
	}
	log, err := app.NewLogger(cfg, errOut)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Bootstrap(ctx); err != nil {
		return err
	}
	if *ifEmpty {
		empty, err := demo.Empty(ctx, a)
		if err != nil {
			return err
		}
		if !empty {
			fmt.Fprintln(out, "La base contient déjà des comptes : la démo n'est pas installée, rien n'a changé.")
			return nil
		}
	}
	var last time.Time
	sum, err := demo.Seed(ctx, a, demo.Options{Seed: *seed, Members: *members, Progress: func(done, total int, what string) {
		if time.Since(last) < 200*time.Millisecond && done < total {
			return
		}
		last = time.Now()
		fmt.Fprintf(errOut, "\rdémo : %d / %d actions (%d %%), %-20s", done, total, done*100/max(total, 1), what)
	}})
	if !last.IsZero() {
		fmt.Fprintln(errOut)
	}
	if err != nil {
		return err
	}
	printDemo(out, sum, cfg.Security.PublicURL)
	return nil
}

var (
	stateLabels = []struct{ key, label string }{{"requested", "demandés"}, {"accepted", "acceptés"}, {"scheduled", "planifiés"},
		{"done", "réalisés"}, {"confirmed", "confirmés"}, {"reviewed", "évalués"}, {"declined", "refusés"}, {"cancelled", "annulés"},
		{"expired", "expirés"}, {"disputed", "en litige"}, {"resolved", "résolus"}}
	modeLabels = []struct{ key, label string }{{"free", "gratuit"}, {"time_credits", "crédits temps"}, {"cesu_declaratif", "CESU déclaratif"},
		{"cesu_prefinance", "CESU préfinancé"}, {"professional", "professionnel"}}
	listingLabels = []struct{ key, label string }{{"published", "publiées"}, {"paused", "en pause"}, {"closed", "closes"},
		{"expired", "expirées"}, {"draft", "brouillons"}, {"hidden", "masquée(s) par la modération"}}
)

// counts writes "n label, n label" in the order of labels, then any other key.
func counts(m map[string]int, labels []struct{ key, label string }) string {
	var parts []string
	seen := map[string]bool{}
	for _, l := range labels {
		seen[l.key] = true
		if n := m[l.key]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, l.label))
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func printDemo(out io.Writer, s *demo.Summary, url string) {
	fmt.Fprintf(out, "Démo installée en %s : %d jours d'histoire simulée (du %s au %s), %d actions.\n",
		s.Elapsed.Round(100*time.Millisecond), int(s.To.Sub(s.From).Hours()/24+0.5), s.From.Format("02/01/2006"), s.To.Format("02/01/2006"), s.Actions)
	for _, t := range s.Territories {
		fmt.Fprintf(out, "\n%s (%s)\n", t.Name, t.Slug)
		fmt.Fprintf(out, "  membres      %d, dont %d professionnels (%d déclarés services à la personne), %d médiateur(s), %d administrateur(s)\n",
			t.Members, t.Professionals, t.SAP, t.Mediators, t.Admins)
		fmt.Fprintf(out, "  annonces     %d : %s\n", total(t.Listings), counts(t.Listings, listingLabels))
		fmt.Fprintf(out, "               par catégorie : %s\n", counts(t.Categories, nil))
		fmt.Fprintf(out, "  échanges     %d : %s\n", total(t.Exchanges), counts(t.Exchanges, stateLabels))
		fmt.Fprintf(out, "               par mode de paiement : %s\n", counts(t.Modes, modeLabels))
		fmt.Fprintf(out, "               %d accord(s) régulier(s) (%d mois déclarés), %d paiement(s) enregistré(s)\n", t.Recurring, t.Months, t.Payments)
		fmt.Fprintf(out, "  messages     %d, avis %d, consentements %d (%d actions de médiation)\n", t.Messages, t.Reviews, t.Consents, t.MediatedActions)
		check := "vérifié : aucune différence"
		if !t.LedgerOK {
			check = "DIFFÉRENCES : lancez « campagnon ledger check »"
		}
		fmt.Fprintf(out, "  crédits temps %d transfert(s), grand livre %s\n", t.Transfers, check)
	}
	fmt.Fprintf(out, "\nComptes de démonstration (mot de passe de chacun : %s) :\n", s.Password)
	for _, l := range s.Logins {
		where := ""
		if l.Territory != "" {
			where = ", " + l.Territory
		}
		fmt.Fprintf(out, "  %-48s %s (%s%s)\n", l.Email, l.Role, l.Name, where)
	}
	fmt.Fprintf(out, "\nLancez « campagnon serve » puis ouvrez %s et connectez-vous avec l'un de ces comptes.\n", url)
}
