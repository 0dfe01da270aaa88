package abi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestCategoriesTimeCreditsRoundTrip holds the optional time-credit policy
// of the categories result to its wire form: written with its snake_case
// names when present (zero values included), left out when absent, and
// decoded back to the same value; a v1 answer written before the field
// existed still decodes, without a policy.
func TestCategoriesTimeCreditsRoundTrip(t *testing.T) {
	t.Parallel()
	cat := Category{ID: "mobilite", Label: "Mobilité", Icon: "car", Modalities: []string{ModalityResident}, Modes: []string{ModeTimeCredits}}
	cases := []struct {
		name   string
		policy *TimeCreditPolicy
		json   string
	}{
		{"absent", nil, `{"categories":[` + catJSON + `]}`},
		{"pilot values", &TimeCreditPolicy{FloorMinutes: -600, CeilingMinutes: 2400, WelcomeMinutes: 120},
			`{"categories":[` + catJSON + `],"time_credits":{"floor_minutes":-600,"ceiling_minutes":2400,"welcome_minutes":120}}`},
		{"zeros are written", &TimeCreditPolicy{CeilingMinutes: 600},
			`{"categories":[` + catJSON + `],"time_credits":{"floor_minutes":0,"ceiling_minutes":600,"welcome_minutes":0}}`},
		{"bounds", &TimeCreditPolicy{FloorMinutes: -MaxBalanceMinutes, CeilingMinutes: MaxBalanceMinutes, WelcomeMinutes: MaxWelcomeMinutes},
			`{"categories":[` + catJSON + `],"time_credits":{"floor_minutes":-60000,"ceiling_minutes":60000,"welcome_minutes":6000}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := Categories{Categories: []Category{cat}, TimeCredits: tc.policy}
			b, err := json.Marshal(&in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.json {
				t.Errorf("encoded\n%s\nwant\n%s", b, tc.json)
			}
			var out Categories
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out, in) {
				t.Errorf("decoded %+v (policy %+v)\nwant    %+v (policy %+v)", out, out.TimeCredits, in, in.TimeCredits)
			}
			if err := out.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// catJSON is the encoding of the category of the round-trip cases.
const catJSON = `{"id":"mobilite","label":"Mobilité","icon":"car","modalities":["resident"],"modes":["time_credits"],"sap":{"eligible":false}}`

// TestCategoriesWithoutTimeCreditsStillDecode: an answer of a plugin that
// predates the policy decodes with a nil policy, so the platform applies
// its defaults; the policy's names match case-insensitively like any field.
func TestCategoriesWithoutTimeCreditsStillDecode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		json string
		want *TimeCreditPolicy
	}{
		{"no field", `{"categories":[` + catJSON + `]}`, nil},
		{"null", `{"categories":[` + catJSON + `],"time_credits":null}`, nil},
		{"empty object", `{"categories":[` + catJSON + `],"time_credits":{}}`, &TimeCreditPolicy{}},
		{"other case", `{"categories":[` + catJSON + `],"Time_Credits":{"FLOOR_MINUTES":-60,"ceiling_minutes":60}}`, &TimeCreditPolicy{FloorMinutes: -60, CeilingMinutes: 60}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got Categories
			if err := json.Unmarshal([]byte(tc.json), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.TimeCredits, tc.want) {
				t.Errorf("policy %+v, want %+v", got.TimeCredits, tc.want)
			}
		})
	}
	// An empty policy object is not the absence of one: it states a floor
	// and a ceiling of zero, which the checks refuse.
	var empty Categories
	_ = json.Unmarshal([]byte(`{"categories":[`+catJSON+`],"time_credits":{}}`), &empty)
	if err := empty.Check(); err == nil || !strings.Contains(err.Error(), "time_credits: floor_minutes and ceiling_minutes are both 0") {
		t.Errorf("Check of an empty policy: %v", err)
	}
}
