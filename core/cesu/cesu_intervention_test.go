package cesu

import (
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
)

// minimum is a CESU minimum as a plugin would compute it: net SMIC plus
// 10 % paid leave, rounded up to the cent.
const minimum = 1034

func validIntervention() Intervention {
	return Intervention{
		Employer: "emp-1", Employee: "sal-1", Date: at(2025, time.March, 3, 9, 0),
		Minutes: 120, NetHourlyCents: 1200, Activity: "petits travaux de jardinage",
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Intervention)
		kind   apperr.Kind
		code   string // "" means valid
	}{
		{"valid", func(*Intervention) {}, 0, ""},
		{"wage exactly at the minimum", func(iv *Intervention) { iv.NetHourlyCents = minimum }, 0, ""},
		{"wage one cent below", func(iv *Intervention) { iv.NetHourlyCents = minimum - 1 }, apperr.KindRefused, "cesu_wage_below_minimum"},
		{"one minute", func(iv *Intervention) { iv.Minutes = 1 }, 0, ""},
		{"24 hours", func(iv *Intervention) { iv.Minutes = MaxMinutes }, 0, ""},
		{"no minute", func(iv *Intervention) { iv.Minutes = 0 }, apperr.KindInvalid, "cesu_minutes_out_of_range"},
		{"negative minutes", func(iv *Intervention) { iv.Minutes = -30 }, apperr.KindInvalid, "cesu_minutes_out_of_range"},
		{"more than a day", func(iv *Intervention) { iv.Minutes = MaxMinutes + 1 }, apperr.KindInvalid, "cesu_minutes_out_of_range"},
		{"no employer", func(iv *Intervention) { iv.Employer = " " }, apperr.KindInvalid, "cesu_party_missing"},
		{"no employee", func(iv *Intervention) { iv.Employee = "" }, apperr.KindInvalid, "cesu_party_missing"},
		{"employing oneself", func(iv *Intervention) { iv.Employee = "emp-1 " }, apperr.KindInvalid, "cesu_same_party"},
		{"no date", func(iv *Intervention) { iv.Date = time.Time{} }, apperr.KindInvalid, "cesu_date_missing"},
		{"no wage", func(iv *Intervention) { iv.NetHourlyCents = 0 }, apperr.KindInvalid, "cesu_wage_missing"},
		{"wage in cents typed as euros", func(iv *Intervention) { iv.NetHourlyCents = 120_000 }, apperr.KindInvalid, "cesu_wage_too_high"},
		{"blank activity", func(iv *Intervention) { iv.Activity = " \t" }, apperr.KindInvalid, "cesu_activity_missing"},
		{"activity too long", func(iv *Intervention) { iv.Activity = strings.Repeat("é", MaxActivityRunes+1) }, apperr.KindInvalid, "cesu_activity_invalid"},
		{"activity at the limit", func(iv *Intervention) { iv.Activity = strings.Repeat("é", MaxActivityRunes) }, 0, ""},
		{"activity not UTF-8", func(iv *Intervention) { iv.Activity = "jardin\xff" }, apperr.KindInvalid, "cesu_activity_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			iv := validIntervention()
			tt.change(&iv)
			err := iv.Validate(minimum)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantAppErr(t, err, tt.kind, tt.code)
		})
	}
}

func TestValidateNamesTheRule(t *testing.T) {
	t.Parallel()
	iv := validIntervention()
	iv.NetHourlyCents = 950
	ae := wantAppErr(t, iv.Validate(minimum), apperr.KindRefused, "cesu_wage_below_minimum")
	fr := "Le salaire horaire net (9,50 €) est inférieur au minimum légal en CESU : 10,34 € (SMIC net + 10 % de congés payés)."
	if !strings.HasPrefix(ae.Message, fr) {
		t.Errorf("message %q does not start with %q", ae.Message, fr)
	}
	if !strings.Contains(ae.MessageEN, "€9.50") || !strings.Contains(ae.MessageEN, "€10.34") {
		t.Errorf("English message %q lacks the amounts", ae.MessageEN)
	}
}

func TestValidateWithoutMinimumIsAPlatformFault(t *testing.T) {
	t.Parallel()
	for _, min := range []int64{0, -1, MaxNetHourlyCents + 1} {
		err := validIntervention().Validate(min)
		if err == nil || apperr.KindOf(err) != apperr.KindInternal {
			t.Errorf("Validate(%d) = %v, want an internal error", min, err)
		}
	}
}

func TestNetCentsRoundsHalfUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		minutes int
		wage    int64
		want    int64
	}{
		{120, 1200, 2400},
		{1, 1034, 17}, // 17,23 c
		{1, 1050, 18}, // 17,5 c: half up
		{1, 1049, 17}, // 17,48 c
		{440, 1200, 8800},
		{MaxMinutes, MaxNetHourlyCents, 2_400_000},
	}
	for _, tt := range tests {
		iv := Intervention{Minutes: tt.minutes, NetHourlyCents: tt.wage}
		if got := iv.NetCents(); got != tt.want {
			t.Errorf("%d min at %d c/h = %d c, want %d", tt.minutes, tt.wage, got, tt.want)
		}
	}
}
