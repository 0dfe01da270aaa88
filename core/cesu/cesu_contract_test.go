package cesu

import (
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
)

// work is one intervention of the pair e–s.
func work(t time.Time, minutes int) Intervention {
	return Intervention{Employer: "e", Employee: "s", Date: t, Minutes: minutes, NetHourlyCents: 1200, Activity: "ménage"}
}

// weekly returns n interventions of minutes each, one a week from first.
func weekly(first time.Time, n, minutes int) []Intervention {
	var out []Intervention
	for i := range n {
		out = append(out, work(first.AddDate(0, 0, 7*i), minutes))
	}
	return out
}

func TestCheckContract(t *testing.T) {
	t.Parallel()
	// Mondays: 28 February 2022 starts a week that ends in March; 2025
	// dates fall under the rule of 11 March 2023.
	mon2022 := at(2022, time.February, 28, 9, 0)
	mon2025 := at(2025, time.April, 7, 9, 0)
	tests := []struct {
		name  string
		ivs   []Intervention
		rules []string  // rules crossed, in order
		from  time.Time // zero when not required
		text  string    // part of the first reason, French
	}{
		{"nothing", nil, nil, time.Time{}, ""},
		{"before 2023: exactly 8 h in a week", []Intervention{work(mon2022, 300), work(mon2022.AddDate(0, 0, 3), 180)}, nil, time.Time{}, ""},
		{"before 2023: 9 h in a week spanning two months",
			[]Intervention{work(mon2022, 300), work(mon2022.AddDate(0, 0, 3), 240)},
			[]string{RuleWeeklyHours}, at(2022, time.March, 3, 0, 0),
			"La semaine du lundi 28 février 2022 au dimanche 6 mars 2022 compte 9 h de travail pour cet employeur, plus de 8 h (article L1271-5"},
		{"before 2023: 4 consecutive weeks", weekly(mon2022, 4, 120), nil, time.Time{}, ""},
		{"before 2023: a fifth consecutive week", weekly(mon2022, 5, 120),
			[]string{RuleConsecutiveWeeks}, at(2022, time.March, 28, 0, 0),
			"5 semaines consécutives depuis la semaine du lundi 28 février 2022, plus de 4 semaines"},
		{"before 2023: a week off breaks the run",
			append(weekly(mon2022, 3, 120), weekly(mon2022.AddDate(0, 0, 28), 4, 120)...), nil, time.Time{}, ""},
		{"before 2023: both rules, earliest first",
			append(weekly(mon2022, 5, 120), work(mon2022.AddDate(0, 0, 15), 400)),
			[]string{RuleWeeklyHours, RuleConsecutiveWeeks}, at(2022, time.March, 15, 0, 0), "compte 8 h 40"},
		{"2025: 3 h a week for 4 weeks is exactly 12 h", weekly(mon2025, 4, 180), nil, time.Time{}, ""},
		{"2025: 2 h a week all year", weekly(mon2025, 40, 120), nil, time.Time{}, ""},
		{"2025: 8 h in one week", []Intervention{work(mon2025, 480)}, nil, time.Time{}, ""},
		{"2025: one minute more over 4 weeks",
			append(weekly(mon2025, 4, 180), work(mon2025.AddDate(0, 0, 26), 1)),
			[]string{RuleAverageHours}, at(2025, time.May, 3, 0, 0),
			"Sur les 4 semaines du lundi 7 avril 2025 au dimanche 4 mai 2025, le salarié a travaillé 12 h 01 pour cet employeur, plus de 12 h, soit plus de 3 h par semaine en moyenne (article L1271-5"},
		{"2025: 13 h in a week across the new year",
			[]Intervention{work(at(2024, time.December, 30, 9, 0), 420), work(at(2025, time.January, 2, 9, 0), 360)},
			[]string{RuleAverageHours}, at(2025, time.January, 2, 0, 0), "13 h"},
		{"2025: 4 h a week, crossed in the fourth week",
			weekly(mon2025, 6, 240), []string{RuleAverageHours}, at(2025, time.April, 28, 0, 0), "16 h"},
		{"2025: a window counts the weeks before the first day worked",
			[]Intervention{work(mon2025, 400), work(mon2025.AddDate(0, 0, 21), 400)},
			[]string{RuleAverageHours}, at(2025, time.April, 28, 0, 0), "13 h 20"},
		{"2025: weeks out of the window do not count",
			[]Intervention{work(mon2025, 400), work(mon2025.AddDate(0, 0, 28), 400)}, nil, time.Time{}, ""},
		{"early 2023: the old rule applies until 10 March",
			weekly(at(2023, time.February, 6, 9, 0), 5, 60), []string{RuleConsecutiveWeeks}, at(2023, time.March, 6, 0, 0), "5 semaines"},
		{"spring 2023: the new rule from 11 March",
			weekly(at(2023, time.March, 13, 9, 0), 8, 60), nil, time.Time{}, ""},
		{"summer time: a Sunday night and the next Monday are two weeks",
			[]Intervention{work(at(2022, time.March, 27, 23, 0), 300), work(utc(2022, time.March, 27, 22, 30), 300)}, nil, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := CheckContract(tt.ivs, DefaultContractRules())
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, r := range c.Reasons {
				rules = append(rules, r.Rule)
				if r.FR == "" || r.EN == "" || !strings.Contains(r.FR, "L1271-5") {
					t.Errorf("reason %+v lacks its text or source", r)
				}
			}
			if strings.Join(rules, ",") != strings.Join(tt.rules, ",") {
				t.Fatalf("rules %v, want %v (%s)", rules, tt.rules, c.FR)
			}
			if c.Required != (len(tt.rules) > 0) || !c.From.Equal(tt.from) {
				t.Errorf("required %v from %v, want from %v", c.Required, c.From, tt.from)
			}
			if c.FR == "" || c.EN == "" {
				t.Error("no summary sentence")
			}
			if tt.text != "" && !strings.Contains(c.Reasons[0].FR, tt.text) {
				t.Errorf("reason %q lacks %q", c.Reasons[0].FR, tt.text)
			}
			if c.Required && !strings.HasPrefix(c.FR, "Un contrat de travail écrit est obligatoire depuis le "+dateFR(tt.from)) {
				t.Errorf("sentence %q", c.FR)
			}
		})
	}
}

func TestCheckContractPair(t *testing.T) {
	t.Parallel()
	ivs := weekly(at(2025, time.April, 7, 9, 0), 2, 60)
	c, err := CheckContract(ivs, DefaultContractRules())
	if err != nil || c.Pair != (Pair{"e", "s"}) || c.Required {
		t.Fatalf("%+v, %v", c, err)
	}
	spaced := ivs[1]
	spaced.Employer = " e "
	if c, err := CheckContract([]Intervention{ivs[0], spaced}, DefaultContractRules()); err != nil || c.Pair != (Pair{"e", "s"}) {
		t.Errorf("IDs are not trimmed: %+v, %v", c, err)
	}
	other := ivs[1]
	other.Employee = "s2"
	_, err = CheckContract([]Intervention{ivs[0], other}, DefaultContractRules())
	wantAppErr(t, err, apperr.KindInvalid, "cesu_mixed_pairs")
	bad := ivs[1]
	bad.Minutes = 0
	_, err = CheckContract([]Intervention{ivs[0], bad}, DefaultContractRules())
	wantAppErr(t, err, apperr.KindInvalid, "cesu_minutes_out_of_range")
}

func TestCheckContractRules(t *testing.T) {
	t.Parallel()
	ivs := []Intervention{work(at(2025, time.April, 7, 9, 0), 60)}
	d := DefaultContractRules()
	broken := [][]ContractRule{
		nil,
		{{WindowWeeks: 0, MaxWindowMinutes: 60}},
		{{WindowWeeks: 1, MaxWindowMinutes: 0}},
		{{WindowWeeks: 1, MaxWindowMinutes: 60, MaxConsecutiveWeeks: -1}},
		{d[1], d[0]},
	}
	for i, rules := range broken {
		if _, err := CheckContract(ivs, rules); apperr.KindOf(err) != apperr.KindInternal {
			t.Errorf("rules %d: %v, want an internal error", i, err)
		}
	}
	// A caller's own rule: 2 h a week.
	c, err := CheckContract([]Intervention{work(at(2025, time.April, 7, 9, 0), 121)}, []ContractRule{{WindowWeeks: 1, MaxWindowMinutes: 120, SourceFR: "règle test", SourceEN: "test rule"}})
	if err != nil || !c.Required || !strings.Contains(c.Reasons[0].FR, "règle test") {
		t.Errorf("%+v, %v", c, err)
	}
}
