package api

import (
	"encoding/json"
	"testing"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/listing"
)

// FuzzSignUpAndLoginDecoders feeds arbitrary bodies to the strict decoder
// of the sign-up and login routes: it never panics, refuses with a 400 and
// a message whatever is not exactly one JSON object of known fields, and
// what it accepts round-trips through encoding/json.
func FuzzSignUpAndLoginDecoders(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@example.fr","password":"bocage-verger-2026","display_name":"A","commune":"Songeons"}`,
		`{"email":"a@example.fr","password":"x","display_name":"A","commune":"60620","professional":{"company_name":"B","siret":"73282932000074","naf":"43.32A"}}`,
		`{"email":"a@example.fr","password":"x","territory":"portes-de-sologne"}`,
		`{"email":"a@example.fr","password":"x"} {"email":"b"}`,
		`{"email":1}`, `[]`, `null`, ``, `{`, `{"email":"\u0000"}`, `{"email":"a","email":"b"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(v any) {
			err := decodeStrict(body, v)
			if err != nil {
				if e := apperr.As(err); e.Kind != apperr.KindInvalid || e.Message == "" || e.MessageEN == "" {
					t.Fatalf("decode %q: %v is not a 400 with a message", body, err)
				}
				return
			}
			if !json.Valid(body) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("accepted %q into a value that does not encode: %v", body, err)
			}
		}
		check(new(account.SignUpInput))
		check(new(loginInput))
	})
}

// FuzzListingAndExchangeDecoders: the same properties for the bodies of
// listings and exchanges.
func FuzzListingAndExchangeDecoders(f *testing.F) {
	for _, seed := range []string{
		`{"kind":"offer","category":"petits-travaux","modality":"resident","title":"Tonte","description":"","modes":["free"],"price_kind":"free","commune":"60623","travel_km":5,"availability":[{"day":6,"from":"09:00","to":"12:00"}],"publish":true}`,
		`{"listing_id":"x","mode":"time_credits","minutes":90,"occurrences":2,"hourly_cents":1200}`,
		`{"scheduled_at":"2026-12-05T09:00:00Z","rating":5,"comment":"ok","note":"n"}`,
		`{"owner_id":"x"}`, `{"minutes":1e400}`, `{"availability":[{"day":"lundi"}]}`, `{"scheduled_at":"demain"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{new(listing.Input), new(exchange.RequestInput), new(exchange.TransitionInput)} {
			err := decodeStrict(body, v)
			if err != nil {
				if e := apperr.As(err); e.Kind != apperr.KindInvalid || e.Message == "" || e.MessageEN == "" {
					t.Fatalf("decode %q: %v is not a 400 with a message", body, err)
				}
				continue
			}
			if !json.Valid(body) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
		}
	})
}
