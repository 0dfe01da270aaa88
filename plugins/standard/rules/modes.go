package rules

import "github.com/campagnon/campagnon/sdk/abi"

// Indexes of the modalities and payment modes, so that the hot path works
// on small integers and bit masks instead of strings and maps.
const (
	resident     = 0
	professional = 1
)

const (
	modeFree = iota
	modeTimeCredits
	modeCESUDeclaratif
	modeCESUPrefinance
	modeProfessional
	modeCount
)

// modeMask is a set of payment modes, one bit per mode index.
type modeMask uint8

func (m modeMask) has(mode int) bool { return m&(1<<mode) != 0 }

// Mode sets used by the rules.
const (
	maskPaid        modeMask = 1<<modeCESUDeclaratif | 1<<modeCESUPrefinance | 1<<modeProfessional
	maskCESU        modeMask = 1<<modeCESUDeclaratif | 1<<modeCESUPrefinance
	maskResident    modeMask = 1<<modeFree | 1<<modeTimeCredits | 1<<modeCESUDeclaratif | 1<<modeCESUPrefinance
	maskPro         modeMask = 1<<modeProfessional | 1<<modeCESUPrefinance
	maskTransportRe modeMask = 1<<modeFree | 1<<modeTimeCredits
)

// modalityIndex returns the index of a modality name, or -1.
func modalityIndex(s string) int {
	switch s {
	case abi.ModalityResident:
		return resident
	case abi.ModalityProfessional:
		return professional
	}
	return -1
}

// modeIndex returns the index of a payment mode name, or -1.
func modeIndex(s string) int {
	switch s {
	case abi.ModeFree:
		return modeFree
	case abi.ModeTimeCredits:
		return modeTimeCredits
	case abi.ModeCESUDeclaratif:
		return modeCESUDeclaratif
	case abi.ModeCESUPrefinance:
		return modeCESUPrefinance
	case abi.ModeProfessional:
		return modeProfessional
	}
	return -1
}

// modeNames are the wire names by mode index.
var modeNames = [modeCount]string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance, abi.ModeProfessional}

// modalityNames are the wire names by modality index.
var modalityNames = [2]string{abi.ModalityResident, abi.ModalityProfessional}

// modeLabels name the payment modes in French.
var modeLabels = [modeCount]string{
	"Gratuit (bénévole)",
	"Crédits temps",
	"CESU déclaratif",
	"CESU préfinancé",
	"Paiement au professionnel (devis et facture)",
}

// modalityLabels name the modalities in French, inside a sentence.
var modalityLabels = [2]string{"entre particuliers", "avec un professionnel"}
var modalityLabelsEN = [2]string{"between residents", "with a professional"}

// maskOf turns mode names into a mask; ok is false on an unknown name.
func maskOf(names []string) (m modeMask, ok bool) {
	for _, n := range names {
		i := modeIndex(n)
		if i < 0 {
			return 0, false
		}
		m |= 1 << i
	}
	return m, true
}
