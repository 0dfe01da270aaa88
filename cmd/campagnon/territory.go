package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/territory"
)

const territoryUsage = `territory create --epci SIREN [--slug S] [--name NOM]
       campagnon territory create --name NOM --communes INSEE,INSEE,… [--slug S]
       campagnon territory list [--all] [--json]
       campagnon territory show SLUG [--json]
       campagnon territory disable|enable SLUG
       campagnon territory epci RECHERCHE
       campagnon territory set-plugin SLUG (--module NOM | --file FICHIER.wasm) [--plugin-config CONFIG.json]`

func runTerritory(ctx context.Context, args []string, out, errOut io.Writer) error {
	return dispatch(ctx, "territory", territoryUsage, "", map[string]subcommand{
		"create":     territoryCreate,
		"list":       territoryList,
		"show":       territoryShow,
		"set-plugin": territorySetPlugin,
		"disable": func(ctx context.Context, args []string, out, errOut io.Writer) error {
			return territorySetStatus(ctx, "disable", args, out, errOut)
		},
		"enable": func(ctx context.Context, args []string, out, errOut io.Writer) error {
			return territorySetStatus(ctx, "enable", args, out, errOut)
		},
		"epci": func(_ context.Context, args []string, out, errOut io.Writer) error {
			fs, _ := newFlags("territory epci", "territory epci RECHERCHE", errOut)
			words, err := parse(fs, args, -1)
			if err != nil {
				return err
			}
			return searchEPCI(words, out, errOut)
		},
	}, args, out, errOut)
}

// openReady opens the application and checks its database is usable.
func openReady(ctx context.Context, c *common, errOut io.Writer) (*app.App, error) {
	a, err := c.open(ctx, errOut)
	if err != nil {
		return nil, err
	}
	if err := a.Ready(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

func territoryCreate(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("territory create", "territory create --epci SIREN [--slug S] [--name NOM]\n       campagnon territory create --name NOM --communes INSEE,INSEE,… [--slug S]", errOut)
	epci := fs.String("epci", "", "code SIREN de l'EPCI (9 chiffres)")
	name := fs.String("name", "", "nom du territoire (obligatoire avec --communes)")
	communes := fs.String("communes", "", "codes INSEE séparés par des virgules, pour un territoire hors EPCI")
	slug := fs.String("slug", "", "identifiant d'URL (défaut : tiré du nom)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	switch {
	case *epci != "" && *communes != "":
		fmt.Fprintln(errOut, "erreur : --epci et --communes s'excluent : un territoire vient d'un EPCI ou d'une liste de communes.")
		return errUsage
	case *epci == "" && *communes == "":
		fmt.Fprintln(errOut, "erreur : indiquez --epci SIREN, ou --name et --communes.")
		return errUsage
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	var d *territory.Detail
	if *epci != "" {
		d, err = a.Territories.CreateFromEPCI(ctx, *epci, territory.CreateOptions{Slug: *slug, Name: *name})
	} else {
		d, err = a.Territories.CreateCustom(ctx, *name, strings.Split(*communes, ","), territory.CreateOptions{Slug: *slug})
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Territoire « %s » créé : %s, %d communes, %d habitants.\nAPI : /api/v1/territories/%s\n",
		d.Name, d.Slug, d.CommuneCount, d.Population, d.Slug)
	return nil
}

func territoryList(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("territory list", "territory list [--all] [--json]", errOut)
	all := fs.Bool("all", false, "inclure les territoires désactivés")
	asJSON := fs.Bool("json", false, "sortie JSON")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	ts, err := a.Territories.List(ctx, territory.ListOptions{IncludeDisabled: *all})
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
}

func territoryShow(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("territory show", "territory show SLUG [--json]", errOut)
	asJSON := fs.Bool("json", false, "sortie JSON")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(errOut, "erreur : indiquez le slug du territoire : campagnon territory show SLUG")
		return errUsage
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	d, err := a.Territories.Get(ctx, pos[0], true)
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
}

func territorySetStatus(ctx context.Context, sub string, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("territory "+sub, "territory "+sub+" SLUG", errOut)
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintf(errOut, "erreur : indiquez le slug du territoire : campagnon territory %s SLUG\n", sub)
		return errUsage
	}
	status := territory.StatusDisabled
	if sub == "enable" {
		status = territory.StatusActive
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.Territories.SetStatus(ctx, pos[0], status)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Territoire « %s » : %s.\n", t.Name, statusLabel(t.Status))
	return nil
}

func territorySetPlugin(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("territory set-plugin", "territory set-plugin SLUG (--module NOM | --file FICHIER.wasm) [--plugin-config CONFIG.json]", errOut)
	module := fs.String("module", "", "nom d'un module de plugins.dir (standard, picardie-verte, …)")
	file := fs.String("file", "", "module WebAssembly à installer (sa signature FICHIER.wasm.sig est lue si présente)")
	configFile := fs.String("plugin-config", "", "configuration du territoire pour ce plugin (objet JSON ; défaut : celle du plugin)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (*module == "") == (*file == "") {
		fmt.Fprintln(errOut, "erreur : indiquez le territoire et soit --module NOM, soit --file FICHIER.wasm.")
		return errUsage
	}
	var config []byte
	if *configFile != "" {
		if config, err = readUserFile(*configFile); err != nil {
			return err
		}
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	var res *rules.Info
	if *module != "" {
		res, err = a.Rules.AssignFile(ctx, pos[0], *module, config, "cli:"+currentUser())
	} else {
		var wasm, sig []byte
		if wasm, err = readUserFile(*file); err != nil {
			return err
		}
		if sig, err = rules.ReadSignatureFile(*file); err != nil {
			return err
		}
		res, err = a.Rules.InstallAndAssign(ctx, pos[0], wasm, sig, config, "cli:"+currentUser())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Territoire %s : plugin %s %s (sha256 %s), configuration %s.\nLes serveurs en marche l'appliquent d'eux-mêmes (sous 15 s).\n",
		res.Territory, res.PluginID, res.PluginVersion, res.ModuleHash[:16], res.ConfigHash[:16])
	return nil
}

// currentUser names the operator for the audit of rule changes.
func currentUser() string {
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if u := os.Getenv(k); u != "" {
			return u
		}
	}
	return "inconnu"
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
