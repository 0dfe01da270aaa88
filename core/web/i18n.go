package web

import (
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// LangCookie keeps the language a person chose with the page's link.
const LangCookie = "campagnon_lang"

// language is the page's language: ?lang= (then remembered in a cookie),
// the cookie, the browser's Accept-Language, French by default.
func language(c *fiber.Ctx) string {
	if l := c.Query("lang"); l == "fr" || l == "en" {
		c.Cookie(&fiber.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: fiber.CookieSameSiteLaxMode})
		return l
	}
	if l := c.Cookies(LangCookie); l == "fr" || l == "en" {
		return l
	}
	for _, part := range strings.Split(c.Get(fiber.HeaderAcceptLanguage), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "fr"):
			return "fr"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "fr"
}

// tr translates key into lang; a key missing from the catalogue shows as
// itself (a test walks every template for such keys).
func tr(lang, key string) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	if lang == "en" && m[1] != "" {
		return m[1]
	}
	return m[0]
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"t": tr, "label": label, "isMap": isMap, "isList": isList, "value": value,
	// switchLang is the page's path in the other language.
	"switchLang": func(path, lang string) string {
		other := "en"
		if lang == "en" {
			other = "fr"
		}
		base, query, _ := strings.Cut(path, "?")
		var keep []string
		for _, kv := range strings.Split(query, "&") {
			if kv != "" && !strings.HasPrefix(kv, "lang=") {
				keep = append(keep, kv)
			}
		}
		keep = append(keep, "lang="+other)
		return base + "?" + strings.Join(keep, "&")
	},
	"list": func(xs ...any) []any { return xs },
	"euros": func(cents int64) string {
		s := fmt.Sprintf("%d,%02d €", cents/100, cents%100)
		return s
	},
	"hours":   func(minutes int) string { return hoursText(int64(minutes)) },
	"hours64": hoursText,
	"neg":     func(n int64) int64 { return -n },
	"date": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.In(paris).Format("02/01/2006")
	},
	"datetime": func(t time.Time) string { return t.In(paris).Format("02/01/2006 15:04") },
	"has": func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"safeHighlight": func(s string) template.HTML {
		// The engines' highlights are escaped text with <mark> only
		// (core/search); anything else is escaped again.
		clean := template.HTMLEscapeString(s)
		clean = strings.ReplaceAll(clean, "&lt;mark&gt;", "<mark>")
		clean = strings.ReplaceAll(clean, "&lt;/mark&gt;", "</mark>")
		clean = strings.ReplaceAll(clean, "&amp;", "&")
		return template.HTML(clean)
	},
}

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return l
}()

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// hoursText writes a duration in minutes as hours: "2 h", "1 h 30".
func hoursText(minutes int64) string {
	if minutes%60 == 0 {
		return fmt.Sprintf("%d h", minutes/60)
	}
	return fmt.Sprintf("%d h %02d", minutes/60, minutes%60)
}
