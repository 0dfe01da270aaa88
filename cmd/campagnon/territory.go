package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/territory"
)

const territoryUsage = `territory create --epci SIREN [--slug S] [--name NOM]
       campagnon territory create --name NOM --communes INSEE,INSEE,… [--slug S]
       campagnon territory list [--all] [--json]
       campagnon territory show SLUG [--json]
       campagnon territory disable|enable SLUG
       campagnon territory epci RECHERCHE`

func runTerritory(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(errOut, "Usage : campagnon "+territoryUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs, c := newFlags("territory "+sub, territoryUsage, errOut)
	epci := fs.String("epci", "", "code SIREN de l'EPCI (9 chiffres), pour create")
	name := fs.String("name", "", "nom du territoire, pour create")
	communes := fs.String("communes", "", "codes INSEE séparés par des virgules, pour create sans --epci")
	slug := fs.String("slug", "", "identifiant d'URL (défaut : tiré du nom)")
	all := fs.Bool("all", false, "inclure les territoires désactivés, pour list")
	asJSON := fs.Bool("json", false, "sortie JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if sub == "epci" {
		return searchEPCI(fs.Args(), out, errOut)
	}
	a, err := c.open(ctx, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Ready(ctx); err != nil {
		return err
	}
	svc := a.Territories
	switch sub {
	case "create":
		var d *territory.Detail
		switch {
		case *epci != "" && *communes != "":
			fmt.Fprintln(errOut, "erreur : --epci et --communes s'excluent : un territoire vient d'un EPCI ou d'une liste de communes.")
			return errUsage
		case *epci != "":
			d, err = svc.CreateFromEPCI(ctx, *epci, territory.CreateOptions{Slug: *slug, Name: *name})
		case *communes != "":
			d, err = svc.CreateCustom(ctx, *name, strings.Split(*communes, ","), territory.CreateOptions{Slug: *slug})
		default:
			fmt.Fprintln(errOut, "erreur : indiquez --epci SIREN, ou --name et --communes.")
			return errUsage
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Territoire « %s » créé : %s, %d communes, %d habitants.\nAdresse : /t/%s — API : /api/v1/territories/%s\n",
			d.Name, d.Slug, d.CommuneCount, d.Population, d.Slug, d.Slug)
	case "list":
		ts, err := svc.List(ctx, territory.ListOptions{IncludeDisabled: *all})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, ts)
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SLUG\tNOM\tEPCI\tCOMMUNES\tHABITANTS\tÉTAT")
		for _, t := range ts {
			siren := "-"
			if t.EPCISIREN != nil {
				siren = *t.EPCISIREN
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", t.Slug, t.Name, siren, t.CommuneCount, t.Population, statusLabel(t.Status))
		}
		return tw.Flush()
	case "show":
		if fs.NArg() != 1 {
			fmt.Fprintln(errOut, "erreur : indiquez le slug du territoire : campagnon territory show SLUG")
			return errUsage
		}
		d, err := svc.Get(ctx, fs.Arg(0), true)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, d)
		}
		fmt.Fprintf(out, "%s (%s) — %s, %d communes, %d habitants\n", d.Name, d.Slug, statusLabel(d.Status), d.CommuneCount, d.Population)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "INSEE\tCOMMUNE\tCODES POSTAUX\tHABITANTS")
		for _, cm := range d.Communes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", cm.INSEE, cm.Name, strings.Join(cm.PostalCodes, " "), cm.Population)
		}
		return tw.Flush()
	case "disable", "enable":
		if fs.NArg() != 1 {
			fmt.Fprintf(errOut, "erreur : indiquez le slug du territoire : campagnon territory %s SLUG\n", sub)
			return errUsage
		}
		status := territory.StatusDisabled
		if sub == "enable" {
			status = territory.StatusActive
		}
		t, err := svc.SetStatus(ctx, fs.Arg(0), status)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Territoire « %s » : %s.\n", t.Name, statusLabel(t.Status))
	default:
		fmt.Fprintf(errOut, "erreur : sous-commande inconnue %q.\nUsage : campagnon %s\n", sub, territoryUsage)
		return errUsage
	}
	return nil
}

func statusLabel(s string) string {
	if s == territory.StatusActive {
		return "actif"
	}
	return "désactivé"
}

// searchEPCI lists the EPCI whose name matches, to find a SIREN code.
func searchEPCI(args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(errOut, "erreur : indiquez un nom à chercher : campagnon territory epci sologne")
		return errUsage
	}
	ref, err := referential.Load()
	if err != nil {
		return err
	}
	found := ref.SearchEPCI(strings.Join(args, " "), 20)
	if len(found) == 0 {
		fmt.Fprintln(out, "Aucun EPCI ne correspond.")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SIREN\tNOM\tTYPE\tCOMMUNES\tHABITANTS")
	for _, e := range found {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", e.SIREN, e.Name, e.Kind, len(e.Members), e.Population)
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
