package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Kinds of messages in a thread.
type msgKind int

const (
	msgIntro msgKind = iota
	msgAccept
	msgDecline
	msgSchedule
	msgThanks
	msgDispute
	// msgMediated is the first message a mediator writes for a resident.
	msgMediated
)

var messageTexts = map[msgKind][]string{
	msgIntro: {
		"Bonjour {prenom}, votre annonce « {titre} » m'intéresse beaucoup. Seriez-vous disponible dans les prochains jours ?",
		"Bonjour {prenom}, je viens de voir « {titre} ». Est-ce toujours d'actualité ? J'habite à {commune}.",
		"Bonjour {prenom} ! « {titre} » : c'est exactement ce qu'il me faut. Quand pourrions-nous en parler ?",
		"Bonsoir {prenom}, je suis intéressé(e) par « {titre} ». Je suis plutôt disponible en fin de semaine.",
	},
	msgMediated: {
		"Bonjour {prenom}, c'est {mediateur} : j'écris pour {auteur}, qui est passé(e) nous voir. Votre annonce « {titre} » l'intéresse ; seriez-vous disponible ces jours-ci ? Répondez ici, nous lui transmettrons.",
		"Bonjour {prenom}, ici {mediateur}. {auteur} n'a pas internet et nous a demandé de vous écrire : « {titre} » l'aiderait beaucoup. Quand pourriez-vous ?",
	},
	msgAccept: {
		"Bonjour {prenom}, avec plaisir ! Je vous propose qu'on fixe une date ensemble.",
		"C'est d'accord {prenom}, je peux m'en occuper. Dites-moi ce qui vous arrange.",
		"Bonjour {prenom}, oui bien sûr. Je connais bien {commune_autre}, ce ne sera pas un problème.",
	},
	msgDecline: {
		"Bonjour {prenom}, je suis désolé(e), je ne suis pas disponible en ce moment. Bonne chance pour votre recherche !",
		"Merci pour votre message {prenom}, mais c'est trop loin pour moi cette fois-ci. Peut-être une autre fois.",
	},
	msgSchedule: {
		"Je vous propose le {date} vers {heure}, est-ce que ça vous va ?",
		"Parfait, on dit le {date} à {heure}. Je vous envoie un message la veille.",
		"Le {date} à {heure} me convient très bien. À bientôt {prenom} !",
	},
	msgThanks: {
		"Merci beaucoup {prenom}, tout s'est très bien passé. À la prochaine !",
		"Un grand merci {prenom} pour votre aide et votre gentillesse.",
		"Merci {prenom} ! Travail soigné, je recommande sans hésiter.",
	},
	msgDispute: {
		"Bonjour {prenom}, je suis déçu(e) : ce qui était convenu n'a pas été fait. J'ai signalé le problème à l'équipe du territoire.",
		"Bonjour {prenom}, nous ne sommes pas d'accord sur la durée réelle de l'intervention ; je préfère que l'équipe du territoire regarde.",
	},
}

var notes = map[exchange.Event][]string{
	exchange.Cancel: {"Empêchement de dernière minute, désolé(e).", "J'ai finalement trouvé une autre solution, merci quand même.",
		"Je suis hospitalisé(e) cette semaine, je reviendrai vers vous."},
	exchange.Dispute: {"Le service n'a pas été rendu comme convenu.", "Désaccord sur la durée déclarée.",
		"Le règlement convenu n'a pas été reçu."},
	exchange.Resolve: {"Les deux parties ont été appelées : accord trouvé sur la durée réelle, échange clos.",
		"Malentendu sur les horaires, réglé par téléphone avec chacun ; rien d'autre à faire."},
}

var reviewTexts = map[int][]string{
	5: {"Très serviable et ponctuel, je recommande vivement !", "Parfait, un grand merci.", "Personne adorable, travail impeccable.",
		"Toujours prêt à rendre service, merci encore !"},
	4: {"Très bien, un petit retard mais rien de grave.", "Bon contact, service rendu comme prévu.", "Sérieux et efficace."},
	3: {"Correct, mais il a fallu relancer plusieurs fois.", "Service rendu, communication à améliorer."},
	2: {"Arrivé(e) avec une heure de retard, sans prévenir.", "Déçu(e), le travail était à reprendre."},
}

// noteFor draws the note of an event that takes one.
func (w *world) noteFor(ev exchange.Event) string {
	if list, ok := notes[ev]; ok {
		return pick(w, list)
	}
	return ""
}

func (w *world) reviewText(rating int) string { return pick(w, reviewTexts[rating]) }

// say is a move in which the member on side s writes a message of kind k.
func (w *world) say(k msgKind, s side) func(ctx context.Context, pe *plannedExchange) error {
	text, mediated := pick(w, messageTexts[k]), pick(w, messageTexts[msgMediated])
	return func(ctx context.Context, pe *plannedExchange) error {
		author := pe.who(s)
		other := pe.seeker
		if author == pe.seeker {
			other = pe.provider
		}
		text := text
		mediator := ""
		if pe.mediator != nil && author == pe.seeker {
			mediator = pe.mediator.name
			if k == msgIntro {
				text = mediated
			}
		}
		body := strings.NewReplacer("{prenom}", other.first, "{auteur}", author.first, "{mediateur}", mediator, "{titre}", pe.l.in.Title,
			"{commune}", w.placeName(pe.t, author.commune), "{commune_autre}", w.placeName(pe.t, other.commune),
			"{date}", frenchDate(pe.service), "{heure}", frenchHour(pe.service)).Replace(text)
		done, err := w.mediated(ctx, pe, author, "message", "send", "POST /api/v1/t/:territory/exchanges/:id/messages")
		if err != nil {
			return err
		}
		mediatorID := ""
		if pe.mediator != nil && author == pe.seeker {
			mediatorID = pe.mediator.id
		}
		_, err = w.svc.messages.Send(ctx, pe.x, author.id, mediatorID, body)
		done(err)
		return err
	}
}

var (
	weekdays = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	months   = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

func frenchDate(t time.Time) string {
	return fmt.Sprintf("%s %d %s", weekdays[t.Weekday()], t.Day(), months[t.Month()-1])
}

func frenchHour(t time.Time) string {
	if t.Minute() == 0 {
		return fmt.Sprintf("%d h", t.Hour())
	}
	return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
}

// Kinds of payment moves.
const (
	paymentQuote = iota
	paymentInvoice
	paymentSettlement
)

// payment is a move recording how an exchange is paid, when its mode has
// something to record: a professional's quote, invoice and payment, or the
// prefunded CESU titles handed over.
func (w *world) payment(kind int) func(ctx context.Context, pe *plannedExchange) error {
	face := pick(w, []int64{1000, 1500, 2000})
	methodDraw := w.rng.IntN(100)
	return func(ctx context.Context, pe *plannedExchange) error {
		mode := pe.in.Mode
		if mode != abi.ModeProfessional && (mode != abi.ModeCESUPrefinance || kind != paymentSettlement) {
			return nil
		}
		c := w.caller(pe, pe.provider)
		d, err := w.svc.exchanges.Get(ctx, pe.t.t, c, pe.id)
		if err != nil {
			return err
		}
		year := w.clk.t.Year()
		var in exchange.PaymentInput
		switch {
		case mode == abi.ModeCESUPrefinance:
			c = w.caller(pe, pe.seeker)
			n := int(math.Ceil(float64(max(d.PayableCents, 100)) / float64(face)))
			in = exchange.PaymentInput{Kind: exchange.PaymentCESUTitles, TitlesCount: min(max(n, 1), 200), FaceValueCents: face,
				Reference: fmt.Sprintf("e-CESU %d-%06d", year, pe.ref*97%1_000_000)}
		case kind == paymentQuote:
			in = exchange.PaymentInput{Kind: exchange.PaymentQuote, AmountCents: max(d.TotalCents, 1), Reference: fmt.Sprintf("DEV-%d-%04d", year, pe.ref)}
		case kind == paymentInvoice:
			in = exchange.PaymentInput{Kind: exchange.PaymentInvoice, AmountCents: max(d.TotalCents, 1), Reference: fmt.Sprintf("FAC-%d-%04d", year, pe.ref)}
		default:
			c = w.caller(pe, pe.seeker)
			methods := []string{"card", "transfer", "cheque", "cash"}
			if pe.provider.pro != nil && pe.provider.pro.sap != "" {
				methods = []string{"card", "transfer", "cheque", "cesu_titles", "avance_immediate"}
			}
			in = exchange.PaymentInput{Kind: exchange.PaymentSettlement, AmountCents: max(d.PayableCents, 1), Method: methods[methodDraw%len(methods)],
				Reference: fmt.Sprintf("FAC-%d-%04d", year, pe.ref)}
		}
		_, err = w.svc.exchanges.RecordPayment(ctx, pe.t.t, c, pe.id, in)
		return err
	}
}

// mediatedSpecs chooses, for each mediator of tr, two residents who give
// them their consent (on paper, by phone or in person), records it, and
// asks for the exchanges the mediator then makes for them.
func (w *world) mediatedSpecs(tr *terr) []spec {
	var out []spec
	for _, med := range tr.mediators {
		for range 2 {
			var pool []*member
			for _, m := range tr.active(w.now.Add(-40 * day)) {
				if m.pro == nil && m != tr.habitant && m.consentFor == nil {
					pool = append(pool, m)
				}
			}
			if len(pool) == 0 {
				return out
			}
			res := pick(w, pool)
			from := later(res.verified, med.verified.Add(6*time.Hour)).Add(time.Hour)
			to := w.now.Add(-30 * day)
			if !to.After(from) {
				continue
			}
			at := w.between(from, to)
			res.consentFor = med
			res.role = roleMediated
			given := later(at.Add(-w.hours(0, 48)), res.verified)
			method := pick(w, mediation.Methods)
			w.at(at, whatMediation, func(ctx context.Context) error {
				_, err := w.svc.actions.RecordConsent(ctx, tr.t, med.id, mediation.ConsentInput{ResidentID: res.id,
					Scope: []string{"exchange", "message", "review"}, Method: method, GivenAt: given, Days: 365})
				return err
			})
			for _, st := range []exchange.State{exchange.Reviewed, pick(w, []exchange.State{exchange.Scheduled, exchange.Requested, exchange.Confirmed})} {
				out = append(out, spec{state: st, party: res, mediator: med, consentAt: at})
			}
		}
	}
	return out
}

// logins are the demo's known accounts, in the order they are printed.
func (w *world) logins() []Login {
	var out []Login
	add := func(m *member, tr *terr) {
		if m == nil {
			return
		}
		l := Login{Email: m.email, Name: m.name, Role: m.role}
		if tr != nil {
			l.Territory = tr.t.Slug
		}
		out = append(out, l)
	}
	add(w.operator, nil)
	for _, tr := range w.terrs {
		add(tr.admin, tr)
		add(tr.mediators[0], tr)
		add(tr.habitant, tr)
		add(tr.pro, tr)
		if i := slices.IndexFunc(tr.members, func(m *member) bool { return m.role == roleMediated }); i >= 0 {
			add(tr.members[i], tr)
		}
	}
	return out
}
