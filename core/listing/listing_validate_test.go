package listing

import (
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/apperr"
)

func validInput() Input {
	return Input{Kind: "offer", Category: "petits-travaux", Modality: "resident", Title: "Tonte de pelouse",
		Description: "Je tonds votre pelouse le samedi.", Modes: []string{"time_credits", "free", "free"},
		PriceKind: "free", Commune: "60620", TravelKm: 10,
		Availability: []Slot{{Day: 6, From: "09:00", To: "12:00"}}}
}

// TestInputCheck: every field's rule, and every problem reported at once.
func TestInputCheck(t *testing.T) {
	resident, pro := Owner{ID: "r"}, Owner{ID: "p", Professional: true}
	tests := []struct {
		name  string
		owner Owner
		edit  func(*Input)
		want  []string // fragments of the French message; none means valid
	}{
		{"valid", resident, func(*Input) {}, nil},
		{"kind", resident, func(in *Input) { in.Kind = "sale" }, []string{"le type"}},
		{"professional offer by a resident", resident, func(in *Input) { in.Modality = "professional" }, []string{"compte professionnel"}},
		{"professional offer by a professional", pro, func(in *Input) { in.Modality = "professional" }, nil},
		{"professional need by a resident", resident, func(in *Input) { in.Kind, in.Modality = "need", "professional" }, nil},
		{"short title", resident, func(in *Input) { in.Title = " abc " }, []string{"le titre"}},
		{"control character", resident, func(in *Input) { in.Description = "a\x00b" }, []string{"la description"}},
		{"no mode", resident, func(in *Input) { in.Modes = nil }, []string{"au moins un mode"}},
		{"unknown mode", resident, func(in *Input) { in.Modes = []string{"bitcoin"} }, []string{"mode de paiement inconnu"}},
		{"free with an amount", resident, func(in *Input) { in.PriceCents = 100 }, []string{"gratuit ou sur devis"}},
		{"hourly without amount", resident, func(in *Input) { in.PriceKind = "hourly" }, []string{"le prix va"}},
		{"hourly", resident, func(in *Input) { in.PriceKind, in.PriceCents = "hourly", 1500 }, nil},
		{"commune", resident, func(in *Input) { in.Commune = "Songeons" }, []string{"code INSEE"}},
		{"travel", resident, func(in *Input) { in.TravelKm = 500 }, []string{"déplacement"}},
		{"slot order", resident, func(in *Input) { in.Availability = []Slot{{Day: 1, From: "12:00", To: "09:00"}} }, []string{"créneau"}},
		{"slot day", resident, func(in *Input) { in.Availability = []Slot{{Day: 8, From: "09:00", To: "10:00"}} }, []string{"créneau"}},
		{"several at once", resident, func(in *Input) { in.Kind, in.Title, in.Commune = "", "", "" }, []string{"le type", "le titre", "code INSEE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.edit(&in)
			err := in.check(tt.owner)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("check = %v", err)
				}
				if strings.Join(in.Modes, ",") != "free,time_credits" {
					t.Errorf("modes not normalised: %v", in.Modes)
				}
				return
			}
			e := apperr.As(err)
			if e.Kind != apperr.KindInvalid || e.Code != "listing_invalid" || e.MessageEN == "" {
				t.Fatalf("check = %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message %q lacks %q", e.Message, w)
				}
			}
		})
	}
}
