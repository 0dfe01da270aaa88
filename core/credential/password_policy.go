package credential

import (
	"bufio"
	_ "embed"
	"errors"
	"strings"
	"unicode/utf8"
)

// Bounds of the password policy, counted in characters (Unicode code points).
const (
	MinPasswordChars = 12
	MaxPasswordChars = 128
)

// Errors returned by CheckPassword. Their text is French, addressed to the
// person choosing the password, and says what to do.
var (
	ErrPasswordShort   = errors.New("mot de passe trop court : choisissez-en un d'au moins 12 caractères, par exemple une phrase de quatre ou cinq mots")
	ErrPasswordLong    = errors.New("mot de passe trop long : choisissez-en un de 128 caractères au plus")
	ErrPasswordInvalid = errors.New("mot de passe illisible : il contient des caractères non valides ; saisissez-le de nouveau au clavier")
	ErrPasswordRepeat  = errors.New("mot de passe trop simple : il répète un seul caractère ; mélangez des mots, des chiffres ou des signes")
	ErrPasswordCommon  = errors.New("mot de passe trop courant : il figure parmi les plus utilisés et serait deviné en quelques secondes ; choisissez une phrase qui vous est propre")
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords holds the embedded list, lower-cased, one entry a line.
var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{})
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
}()

// CheckPassword applies the password policy when a password is chosen: at
// least MinPasswordChars and at most MaxPasswordChars characters of valid
// UTF-8, not a single character repeated, and not in a small embedded list of
// very common passwords (compared without regard to case or surrounding
// spaces). It returns nil or one of the ErrPassword… errors, whose French text
// can be shown as is. The input is measured before it is scanned, so an
// oversized password costs no more than its length check.
func CheckPassword(pw string) error {
	if len(pw) > 4*MaxPasswordChars {
		return ErrPasswordLong
	}
	if !utf8.ValidString(pw) {
		return ErrPasswordInvalid
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordChars {
		return ErrPasswordShort
	}
	if n > MaxPasswordChars {
		return ErrPasswordLong
	}
	first, _ := utf8.DecodeRuneInString(pw)
	if strings.Trim(pw, string(first)) == "" {
		return ErrPasswordRepeat
	}
	if _, ok := commonPasswords[strings.ToLower(strings.TrimSpace(pw))]; ok {
		return ErrPasswordCommon
	}
	return nil
}
