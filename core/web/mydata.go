package web

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
)

// section is one part of the export, made generic for display.
type section struct {
	Name string
	Data any
}

// myData shows the signed-in person's data, every section readable; the
// JSON file is one link away.
func (p *pages) myData(c *fiber.Ctx, v *view) error {
	e, err := p.d.Privacy.Export(c.UserContext(), v.Account.ID)
	if err != nil {
		return err
	}
	// Through JSON: each section becomes maps and lists with the field
	// names of the JSON file, which the labels translate.
	var generic struct {
		Sections []section `json:"sections"`
		Staff    any       `json:"staff_access"`
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("my data: %w", err)
	}
	if err := json.Unmarshal(b, &generic); err != nil {
		return fmt.Errorf("my data: %w", err)
	}
	generic.Sections = append(generic.Sections, section{Name: "staff_access", Data: generic.Staff})
	v.Title = v.T("mydata.title")
	v.Body = map[string]any{"Generated": e.GeneratedAt.In(paris).Format("02/01/2006 15:04"), "Sections": generic.Sections, "Name": v.Account.DisplayName}
	return p.render(c, v, "mydata.html")
}

// labels translates the export's field and section names for the page.
var labels = map[string]string{
	"account": "Mon compte", "roles": "Mes rôles", "mediation": "Médiation", "staff_access": "Consultations de mes données par l'équipe",
	"id": "Identifiant", "email": "Adresse électronique", "email_verified_at": "Adresse confirmée le", "display_name": "Nom affiché",
	"commune": "Commune (code INSEE)", "resident": "Habitant", "professional": "Professionnel", "staff": "Équipe",
	"company_name": "Entreprise", "siret": "SIRET", "naf": "Code NAF", "sap_number": "Déclaration services à la personne",
	"created_at": "Créé le", "updated_at": "Modifié le", "sessions": "Sessions", "last_seen_at": "Dernière activité",
	"expires_at": "Expire le", "revoked_at": "Révoqué le", "user_agent": "Navigateur", "api_tokens": "Jetons d'API",
	"scope": "Portée", "account_id": "Compte", "emails": "Courriels envoyés", "subject": "Objet", "sent_at": "Envoyé le",
	"user": "Compte", "role": "Rôle", "territory": "Territoire", "as_resident": "Pour moi (habitant)",
	"as_mediator": "Par moi (médiateur)", "consents": "Consentements", "actions": "Actions faites pour vous",
	"resident_id": "Habitant", "mediator_id": "Médiateur", "method": "Donné par", "given_at": "Donné le",
	"recorded_at": "Enregistré le", "revoked_by": "Révoqué par", "territory_id": "Territoire", "consent_id": "Consentement",
	"object": "Objet", "action": "Action", "route": "Requête", "status": "Résultat", "at": "Le",
	"staff_id": "Membre de l'équipe", "subject_id": "Personne concernée", "what": "Quoi", "request_id": "Requête",
}

func label(k string) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return k
}

func isMap(v any) bool  { _, ok := v.(map[string]any); return ok }
func isList(v any) bool { _, ok := v.([]any); return ok }

// entry is one field of a map, in a stable order.
type entry struct {
	Key   string
	Value any
}

// value renders a scalar for people: yes/no, dates in French form, "—"
// for nothing; a map becomes its sorted entries.
func value(v any) any {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return "oui"
		}
		return "non"
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.UTC().Format("02/01/2006 15:04 UTC")
		}
		if x == "" {
			return "—"
		}
		return x
	case map[string]any:
		out := make([]entry, 0, len(x))
		for k, v := range x {
			out = append(out, entry{k, v})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	return v
}
