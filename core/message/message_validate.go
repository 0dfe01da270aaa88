package message

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
)

// CheckBody returns body as it is stored: line ends made "\n", surrounding
// blanks trimmed. It refuses an empty body, one longer than MaxBody
// characters, invalid UTF-8, and control characters other than the line
// end (a tab included) as well as the bidirectional overrides that can make
// a text read otherwise than it is written.
func CheckBody(body string) (string, error) {
	if !utf8.ValidString(body) {
		return "", invalid("message_encoding", "Le message contient des caractères illisibles : écrivez-le en texte (UTF-8).",
			"The message holds unreadable characters: send it as text (UTF-8).")
	}
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	body = strings.TrimSpace(body)
	n := utf8.RuneCountInString(body)
	if n == 0 {
		return "", invalid("message_empty", "Le message est vide : écrivez quelques mots.", "The message is empty: write a few words.")
	}
	if n > MaxBody {
		return "", invalid("message_too_long",
			fmt.Sprintf("Message trop long : %d caractères, %d au plus. Coupez-le en deux messages.", n, MaxBody),
			fmt.Sprintf("Message too long: %d characters, at most %d. Split it in two messages.", n, MaxBody))
	}
	for _, r := range body {
		if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) {
			return "", invalid("message_control",
				fmt.Sprintf("Le message contient un caractère de contrôle (U+%04X) : retirez-le (seuls les retours à la ligne sont permis).", r),
				fmt.Sprintf("The message holds a control character (U+%04X): remove it (only line breaks are allowed).", r))
		}
	}
	return body, nil
}

// isBidiControl reports the bidirectional embeddings, overrides and
// isolates (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

func invalid(code, fr, en string) error { return apperr.New(apperr.KindInvalid, code, fr, en) }
