package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/referential"
)

func runCommune(_ context.Context, args []string, out, errOut io.Writer) error {
	fs, _ := newFlags("commune", "commune RECHERCHE (nom, code postal ou code INSEE) [--near KM]", errOut)
	near := fs.Float64("near", 0, "lister aussi les communes à moins de KM kilomètres de la première trouvée")
	words, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(strings.Join(words, " "))
	if q == "" {
		fmt.Fprintln(errOut, "erreur : indiquez un nom, un code postal ou un code INSEE : campagnon commune \"ferte st aubin\"")
		return errUsage
	}
	if *near < 0 || *near > 200 {
		fmt.Fprintln(errOut, "erreur : --near accepte de 0 à 200 km.")
		return errUsage
	}
	ref, err := referential.Load()
	if err != nil {
		return err
	}
	// Five digits may be an INSEE code and a postal code at once (45240 is
	// Outarville's code and La Ferté-Saint-Aubin's postal code): show both.
	var found []*referential.Commune
	if c, ok := ref.Commune(strings.ToUpper(q)); ok { // Corsican codes: 2A004
		found = append(found, c)
	}
	for _, c := range ref.ByPostalCode(q) {
		if len(found) == 0 || c != found[0] {
			found = append(found, c)
		}
	}
	if len(found) == 0 {
		found = ref.SearchName(q, 20)
	}
	if len(found) == 0 {
		fmt.Fprintln(out, "Aucune commune ne correspond.")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INSEE\tCOMMUNE\tDÉP.\tCODES POSTAUX\tHABITANTS\tEPCI")
	for _, c := range found {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", c.INSEE, c.Name, c.Departement, strings.Join(c.PostalCodes, " "), c.Population, c.EPCI)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *near > 0 {
		around, err := ref.Within(found[0].INSEE, *near)
		if err != nil {
			return apperr.Wrap(err, apperr.KindInvalid, "commune_no_centre",
				fmt.Sprintf("Le centre de %s (%s) n'est pas connu du référentiel : impossible de chercher autour.", found[0].Name, found[0].INSEE),
				fmt.Sprintf("The centre of %s (%s) is not in the referential: cannot search around it.", found[0].Name, found[0].INSEE))
		}
		fmt.Fprintf(out, "\nÀ moins de %g km de %s :\n", *near, found[0].Name)
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, n := range around {
			fmt.Fprintf(tw, "%.1f km\t%s\t%s\n", n.DistanceKm, n.Commune.Name, n.Commune.INSEE)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "\nSource :", referential.Attribution)
	return nil
}
