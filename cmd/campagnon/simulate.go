package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/simulator"
)

const simulateUsage = "simulate --territory SLUG --from AAAA-MM-JJ --to AAAA-MM-JJ [--commission POURCENT] [--subscription CENTIMES] " +
	"[--subsidy CENTIMES] [--plugin-config CONFIG.json] [--plugin FICHIER.wasm | --module NOM] [--differences N] [--json]"

// runSimulate replays a period's exchanges under other rules and prints,
// side by side, what was recorded, the current rules and the scenario.
func runSimulate(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("simulate", simulateUsage+"\n\n"+
		"Simulateur du modèle économique : rejoue les échanges conclus de la période (par date de demande, annulés exclus)\n"+
		"avec le plugin du territoire sous une autre configuration, ou un autre plugin, et des leviers de la plateforme ;\n"+
		"compare côte à côte le coût pour les habitants, les recettes, les aides de la communauté de communes, et liste\n"+
		"les échanges dont le prix ou le mode de paiement change. Ne modifie rien.", errOut)
	slug := fs.String("territory", "", "territoire (son identifiant, par exemple portes-de-sologne)")
	fromDay := fs.String("from", "", "premier jour de la période (AAAA-MM-JJ)")
	toDay := fs.String("to", "", "dernier jour de la période, inclus (AAAA-MM-JJ)")
	commission := fs.String("commission", "", "commission de la plateforme sur les services des professionnels, en %, par exemple 5 ou 2,5 (défaut : celle du plugin)")
	subscription := fs.Int64("subscription", 0, "abonnement de chaque professionnel, en centimes par mois où il rend un service (1500 = 15 €)")
	subsidy := fs.Int64("subsidy", 0, "aide de la communauté de communes, en centimes par échange où l'habitant paie (200 = 2 €)")
	configFile := fs.String("plugin-config", "", "configuration du plugin (objet JSON) pour le scénario, comme territory set-plugin la donnerait (défaut : celle du territoire)")
	file := fs.String("plugin", "", "autre module WebAssembly pour le scénario (sa signature FICHIER.wasm.sig est lue si présente)")
	module := fs.String("module", "", "autre module de plugins.dir pour le scénario (standard, picardie-verte, …)")
	differences := fs.Int("differences", 20, "nombre d'échanges modifiés à détailler (0 : aucun)")
	asJSON := fs.Bool("json", false, "écrit le rapport complet en JSON")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	switch {
	case *slug == "" || *fromDay == "" || *toDay == "":
		fmt.Fprintf(errOut, "erreur : indiquez le territoire et la période : --territory SLUG --from AAAA-MM-JJ --to AAAA-MM-JJ.\nUsage : campagnon %s\n", simulateUsage)
		return errUsage
	case *file != "" && *module != "":
		fmt.Fprintln(errOut, "erreur : --plugin et --module s'excluent : le scénario a un seul module.")
		return errUsage
	case *differences < 0:
		fmt.Fprintln(errOut, "erreur : --differences attend un nombre positif ou nul.")
		return errUsage
	}
	req := simulator.Request{Territory: *slug}
	var err error
	if req.From, err = simulator.Day(*fromDay, "--from"); err != nil {
		return err
	}
	if req.To, err = simulator.Day(*toDay, "--to"); err != nil {
		return err
	}
	alt := &req.Alternative
	if *commission != "" {
		v, err := simulator.ParsePercent(*commission, "--commission")
		if err != nil {
			return err
		}
		alt.CommissionBP = &v
	}
	alt.SubscriptionCentsPerProMonth, alt.SubsidyCentsPerExchange = *subscription, *subsidy
	if *configFile != "" {
		if alt.Config, err = readUserFile(*configFile); err != nil {
			return err
		}
	}
	if *file != "" {
		if alt.Module, err = readUserFile(*file); err != nil {
			return err
		}
		if alt.Signature, err = rules.ReadSignatureFile(*file); err != nil {
			return err
		}
	}

	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	if *module != "" {
		path := a.Rules.ModuleFile(*module)
		if alt.Module, err = readUserFile(path); err != nil {
			return err
		}
		if alt.Signature, err = rules.ReadSignatureFile(path); err != nil {
			return err
		}
	}
	sim := simulator.NewService(a.Store, a.Plugins, a.Rules, a.Territories, simulator.Options{})
	req.Progress = progressPrinter(errOut)
	r, err := sim.Run(ctx, req)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, r)
	}
	return printSimulation(out, r, *differences)
}

// progressPrinter reports a run's progress on stderr: the period read,
// then each scenario's pricing, at most every second and at its end.
func progressPrinter(w io.Writer) func(simulator.Progress) {
	var last time.Time
	return func(p simulator.Progress) {
		switch {
		case p.Phase == "read":
			fmt.Fprintf(w, "Période lue : %s échange(s) à rechiffrer.\n", simulator.Thousands(int64(p.Total)))
		case p.Done == p.Total || time.Since(last) >= time.Second:
			last = time.Now()
			name := "référence"
			if p.Phase == "alternative" {
				name = "scénario"
			}
			fmt.Fprintf(w, "Chiffrage (%s) : %s / %s\n", name, simulator.Thousands(int64(p.Done)), simulator.Thousands(int64(p.Total)))
		}
	}
}

// lineLabels name the side-by-side table's rows, in French.
var lineLabels = map[string]string{
	"exchanges":      "Échanges chiffrés",
	"refused":        "Échanges refusés par les règles",
	"total":          "Montant des services",
	"cost":           "Coût pour les habitants",
	"commission":     "Commission de la plateforme",
	"subscription":   "Abonnements des professionnels",
	"revenue":        "Recettes de la plateforme",
	"plugin_subsidy": "Aides prévues par le plugin",
	"extra_subsidy":  "Aide par échange du scénario",
	"subsidy":        "Aides de la communauté de communes",
	"provider":       "Reçu par les prestataires",
	"time_credits":   "Crédits temps échangés",
}

// changeLabels name the kinds of change, in French.
var changeLabels = map[string]string{
	simulator.ChangePrice: "prix", simulator.ChangeMode: "mode", simulator.ChangeRefused: "refusé", simulator.ChangeAccepted: "devenu possible",
}

// printSimulation writes the report for an operator, in French.
func printSimulation(out io.Writer, r *simulator.Report, maxDiffs int) error {
	fmt.Fprintf(out, "Simulation du modèle économique — %s (%s)\n", r.TerritoryName, r.Territory)
	fmt.Fprintf(out, "Période du %s au %s : %s échange(s) conclu(s), rechiffré(s) par le plugin (%s devis en %s s).\n\n",
		r.From.Format("02/01/2006"), r.To.Format("02/01/2006"), simulator.Thousands(int64(r.Exchanges)),
		simulator.Thousands(r.Quotes), strings.Replace(fmt.Sprintf("%.2f", r.Elapsed.Seconds()), ".", ",", 1))
	for _, s := range []*simulator.ScenarioReport{&r.Baseline, &r.Alternative} {
		fmt.Fprintf(out, "%-10s %s\n", s.Name+" :", describeScenario(s))
	}
	fmt.Fprintln(out)
	const label, col = 36, 18
	fmt.Fprintf(out, "%s%s%s%s%s\n", pad("", label), lpad("Enregistré", col), lpad(r.Baseline.Name, col), lpad(r.Alternative.Name, col), lpad("Écart", col))
	for _, l := range r.Lines() {
		frozen := "—"
		if l.HasFrozen {
			frozen = figure(l.Unit, l.Frozen, false)
		}
		fmt.Fprintf(out, "%s%s%s%s%s\n", pad(lineLabels[l.Key], label), lpad(frozen, col), lpad(figure(l.Unit, l.Baseline, false), col),
			lpad(figure(l.Unit, l.Alternative, false), col), lpad(figure(l.Unit, l.Delta(), true), col))
	}
	ch := r.Changes
	fmt.Fprintf(out, "\nÉchanges qui changent : %d de prix, %d de mode de paiement, %d refusé(s) par le scénario, %d devenu(s) possible(s) ; %d inchangé(s).\n",
		ch.Price, ch.Mode, ch.Refused, ch.Accepted, ch.Unchanged)
	if n := min(maxDiffs, len(r.Differences)); n > 0 {
		fmt.Fprintf(out, "\nLes %d plus grands écarts de coût pour l'habitant :\n", n)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DATE\tÉCHANGE\tCATÉGORIE\tMODALITÉ\tCHANGEMENT\tAVANT\tAPRÈS\tÉCART\tDÉTAIL")
		for _, d := range r.Differences[:n] {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.CreatedAt.In(r.From.Location()).Format("02/01/2006"), d.ExchangeID,
				d.Category, d.Modality, changeLabels[d.Kind], outcome(d.Before), outcome(d.After), figure("cents", d.DeltaCostCents, true), detail(d))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if rest := r.Changes.Total() - n; rest > 0 {
			fmt.Fprintf(out, "(%d autre(s) : --differences N pour en voir plus, --json pour tout le rapport.)\n", rest)
		}
	}
	fmt.Fprintln(out, "\nNotes :")
	for _, n := range r.Notes {
		fmt.Fprintln(out, "- "+n.FR)
	}
	return nil
}

// describeScenario says what a scenario runs, in one line.
func describeScenario(s *simulator.ScenarioReport) string {
	parts := []string{fmt.Sprintf("%s %s (module %.12s)", s.PluginID, s.PluginVersion, s.ModuleHash)}
	if !s.CurrentModule {
		parts[0] += ", autre module que celui du territoire"
	}
	if s.CurrentConfig {
		parts = append(parts, fmt.Sprintf("configuration du territoire (%.12s)", s.ConfigHash))
	} else {
		parts = append(parts, fmt.Sprintf("configuration donnée (%.12s)", s.ConfigHash))
	}
	if s.CommissionBP != nil {
		how := "règle « commission » du plugin"
		if s.CommissionApplied == simulator.CommissionPlatform {
			how = "appliquée par la plateforme"
		}
		parts = append(parts, fmt.Sprintf("commission %s (%s)", simulator.Percent(*s.CommissionBP), how))
	}
	if s.SubscriptionCentsPerProMonth > 0 {
		parts = append(parts, fmt.Sprintf("abonnement %s par mois et par professionnel", simulator.Euros(s.SubscriptionCentsPerProMonth)))
	}
	if s.SubsidyCentsPerExchange > 0 {
		parts = append(parts, fmt.Sprintf("aide de %s par échange payant", simulator.Euros(s.SubsidyCentsPerExchange)))
	}
	return strings.Join(parts, ", ")
}

// figure writes one figure of the table; signed writes a + before a gain.
func figure(unit string, v int64, signed bool) string {
	var s string
	switch unit {
	case "cents":
		s = simulator.Euros(v)
	case "minutes":
		s = hoursMinutes(v)
	default:
		s = simulator.Thousands(v)
	}
	if signed && v > 0 {
		s = "+" + s
	}
	return s
}

// hoursMinutes writes minutes as "12 h 30".
func hoursMinutes(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	if m%60 == 0 {
		return fmt.Sprintf("%s%s h", sign, simulator.Thousands(m/60))
	}
	return fmt.Sprintf("%s%s h %02d", sign, simulator.Thousands(m/60), m%60)
}

// outcome writes how a scenario prices an exchange: its mode and the
// resident's cost.
func outcome(o simulator.Outcome) string {
	if o.Refused() {
		return "refusé"
	}
	return o.Mode + " " + simulator.Euros(o.PayableCents)
}

// detail says why an exchange changes.
func detail(d simulator.Difference) string {
	switch {
	case d.After.Refused():
		return d.After.Refusal.Message
	case d.Before.Refused():
		return "refusé par la référence : " + d.Before.Refusal.Message
	case d.Kind == simulator.ChangeMode:
		return "mode " + d.Before.Mode + " refusé, " + d.After.Mode + " à la place"
	}
	var parts []string
	if d.Before.CommissionCents != d.After.CommissionCents {
		parts = append(parts, "commission "+simulator.Euros(d.Before.CommissionCents)+" → "+simulator.Euros(d.After.CommissionCents))
	}
	if b, a := d.Before.SubsidyCents+d.Before.ExtraSubsidyCents, d.After.SubsidyCents+d.After.ExtraSubsidyCents; b != a {
		parts = append(parts, "aides "+simulator.Euros(b)+" → "+simulator.Euros(a))
	}
	if d.Before.TotalCents != d.After.TotalCents {
		parts = append(parts, "montant "+simulator.Euros(d.Before.TotalCents)+" → "+simulator.Euros(d.After.TotalCents))
	}
	return strings.Join(parts, ", ")
}

// pad and lpad pad s with spaces to width runes, on the right or the left.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(width-utf8.RuneCountInString(s), 1))
}

func lpad(s string, width int) string {
	return strings.Repeat(" ", max(width-utf8.RuneCountInString(s), 1)) + s
}
