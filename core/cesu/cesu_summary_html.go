package cesu

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// summaryTemplates render the printable summary: no script, no style
// attribute (the pages' Content-Security-Policy allows neither), class
// names for the stylesheet, French first.
var summaryTemplates = template.Must(template.New("page").Parse(`{{define "page"}}<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — Campagnon</title>
{{- if .Stylesheet}}
<link rel="stylesheet" href="{{.Stylesheet}}">
{{- end}}
</head>
<body class="cesu-print">
<main>
<h1>{{.Title}}</h1>
{{template "fragment" .Summaries}}
</main>
</body>
</html>
{{end}}
{{- define "fragment"}}{{range .}}<section class="cesu-summary">
<h2>{{.Heading}}</h2>
<dl class="cesu-parties">
<dt>Employeur</dt><dd>{{.Employer}}</dd>
<dt>Salarié</dt><dd>{{.Employee}}</dd>
<dt>Période d'emploi</dt><dd>{{.Month}} (jours travaillés : du {{.First}} au {{.Last}})</dd>
<dt>À déclarer</dt><dd>sur le site Cesu de l'Urssaf (www.cesu.urssaf.fr), au plus tard le {{.Due}}</dd>
</dl>
<table class="cesu-lines">
<caption>Heures et salaire net du mois</caption>
<thead>
<tr><th scope="col">Activité</th><th scope="col">Interventions</th><th scope="col">Nombre d'heures</th><th scope="col">Durée</th><th scope="col">Salaire horaire net</th><th scope="col">Salaire net total</th></tr>
</thead>
<tbody>
{{- range .Lines}}
<tr><td>{{.Activities}}</td><td class="num">{{.Interventions}}</td><td class="num">{{.Hours}}</td><td class="num">{{.Duration}}</td><td class="num">{{.Wage}}</td><td class="num">{{.Net}}</td></tr>
{{- end}}
</tbody>
{{- with .Total}}
<tfoot>
<tr><th scope="row">Total du mois</th><td class="num">{{.Interventions}}</td><td class="num">{{.Hours}}</td><td class="num">{{.Duration}}</td><td></td><td class="num">{{.Net}}</td></tr>
</tfoot>
{{- end}}
</table>
{{- range .Notes}}
<p class="cesu-note">{{.}}</p>
{{- end}}
</section>
{{else}}<p class="cesu-note">Aucune intervention CESU à déclarer.</p>
{{end}}{{end}}`))

// htmlSummary is one summary as the template shows it.
type htmlSummary struct {
	Heading, Employer, Employee, Month, First, Last, Due string
	Lines                                                []htmlLine
	Total                                                *htmlLine
	Notes                                                []string
}

type htmlLine struct {
	Activities, Interventions, Hours, Duration, Wage, Net string
}

// Notes under every printable summary.
const (
	noteHowTo           = "Sur le site Cesu, rubrique « Déclarer », saisissez le nombre d'heures et le salaire horaire net, ou le nombre d'heures et le salaire net total."
	noteNoContributions = "Campagnon ne calcule pas les cotisations sociales : l'Urssaf les calcule à partir de votre déclaration, les prélève et établit le bulletin de salaire. Le numéro de sécurité sociale du salarié se donne à l'Urssaf, jamais à Campagnon."
)

func viewSummary(s MonthlySummary) htmlSummary {
	v := htmlSummary{
		Heading:  "Relevé CESU de " + s.Month.French(),
		Employer: s.employerLabel(),
		Employee: s.employeeLabel(),
		Month:    s.Month.French(),
		First:    dateNumeric(s.FirstDay),
		Last:     dateNumeric(s.LastDay),
		Due:      dateFR(s.Declaration.DueDate),
		Notes:    []string{noteHowTo},
	}
	rounded := false
	n := 0
	for _, l := range s.Lines {
		v.Lines = append(v.Lines, htmlLine{
			Activities:    strings.Join(l.Activities, csvActivitiesSep),
			Interventions: strconv.Itoa(l.Interventions),
			Hours:         decimalFR(l.HoursHundredths()),
			Duration:      durationFR(l.Minutes),
			Wage:          eurosFR(l.NetHourlyCents),
			Net:           eurosFR(l.NetCents),
		})
		rounded = rounded || !l.HoursExact()
		n += l.Interventions
	}
	if len(s.Lines) > 1 {
		v.Total = &htmlLine{
			Interventions: strconv.Itoa(n),
			Hours:         decimalFR(s.HoursHundredths()),
			Duration:      durationFR(s.Minutes),
			Net:           eurosFR(s.NetCents),
		}
		v.Notes = append(v.Notes, remarkSeveral)
	}
	if rounded || !s.HoursExact() {
		v.Notes = append(v.Notes, remarkRounded)
	}
	v.Notes = append(v.Notes, noteNoContributions)
	return v
}

func viewSummaries(summaries []MonthlySummary) []htmlSummary {
	out := make([]htmlSummary, len(summaries))
	for i, s := range summaries {
		out[i] = viewSummary(s)
	}
	return out
}

// WriteHTML writes summaries as an HTML fragment, one <section
// class="cesu-summary"> each, for a page of core/web to embed.
func WriteHTML(w io.Writer, summaries []MonthlySummary) error {
	if err := summaryTemplates.ExecuteTemplate(w, "fragment", viewSummaries(summaries)); err != nil {
		return fmt.Errorf("render the CESU summary: %w", err)
	}
	return nil
}

// WriteHTMLPage writes summaries as a complete printable page. stylesheet
// is the address of the stylesheet to link ("/static/campagnon.css"), or
// empty for none: the page reads well unstyled.
func WriteHTMLPage(w io.Writer, summaries []MonthlySummary, stylesheet string) error {
	title := "Relevés CESU"
	if len(summaries) > 0 {
		same := true
		for _, s := range summaries {
			same = same && s.Month == summaries[0].Month
		}
		if same {
			title = "Relevé CESU — " + summaries[0].Month.French()
		}
	}
	data := struct {
		Title, Stylesheet string
		Summaries         []htmlSummary
	}{title, stylesheet, viewSummaries(summaries)}
	if err := summaryTemplates.ExecuteTemplate(w, "page", data); err != nil {
		return fmt.Errorf("render the CESU summary page: %w", err)
	}
	return nil
}
