package main

import (
	"context"
	"fmt"
	"io"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/config"
)

const outboxUsage = `outbox list [--pending] [--to ADRESSE] [--limit N]
       campagnon outbox show ID`

// outboxScan bounds how many messages a command reads to filter them
// (unsent messages of one address, one message by ID).
const outboxScan = 10000

// runOutbox reads the email outbox, for developers and operators: it
// changes nothing.
func runOutbox(ctx context.Context, args []string, out, errOut io.Writer) error {
	return dispatch(ctx, "outbox", outboxUsage, "Lit la boîte d'envoi des courriels (lecture seule) : list les énumère, show en affiche un.", map[string]subcommand{
		"list": outboxList,
		"show": outboxShow,
	}, args, out, errOut)
}

func outboxList(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("outbox list", "outbox list [--pending] [--to ADRESSE] [--limit N]\n\n"+
		"Les courriels les plus récents d'abord ; avec --pending, ceux qui attendent leur envoi, dans l'ordre d'envoi.", errOut)
	pending := fs.Bool("pending", false, "seulement les courriels non envoyés (en attente ou abandonnés)")
	to := fs.String("to", "", "seulement les courriels adressés à ADRESSE")
	limit := fs.Int("limit", 20, "nombre maximal de courriels listés, de 1 à 1000")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *limit < 1 || *limit > 1000 {
		fmt.Fprintf(errOut, "erreur : --limit %d hors limites : de 1 à 1000.\nAide : campagnon outbox list -h\n", *limit)
		return errUsage
	}
	addr := ""
	if *to != "" {
		var ok bool
		if addr, ok = normalizeAddress(*to); !ok {
			fmt.Fprintf(errOut, "erreur : --to %q n'est pas une adresse électronique (forme nom@domaine.fr).\nAide : campagnon outbox list -h\n", *to)
			return errUsage
		}
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	ms, err := listOutbox(ctx, a.Accounts, *pending, addr, *limit)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		fmt.Fprintln(out, "Aucun courriel.")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCRÉÉ LE\tÉTAT\tESSAIS\tDESTINATAIRE\tOBJET")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, when(m.CreatedAt), state(m), m.Attempts, m.To, m.Subject)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d courriel(s). Détail : campagnon outbox show ID\n", len(ms))
	return nil
}

// listOutbox returns what "outbox list" shows: the last limit messages
// (of one address when to is set), newest first; with pending, the unsent
// ones, oldest first as they are sent.
func listOutbox(ctx context.Context, accounts *account.Service, pending bool, to string, limit int) ([]account.Message, error) {
	n := limit
	if pending {
		n = outboxScan // the unsent are filtered from the address's messages
	}
	ms, err := accounts.Outbox(ctx, to, n)
	if err != nil || !pending {
		return ms, err
	}
	ms = slices.DeleteFunc(ms, func(m account.Message) bool { return m.SentAt != nil })
	slices.Reverse(ms)
	return ms[:min(limit, len(ms))], nil
}

// outboxID is the shape of an outbox message's ID (a UUID).
var outboxID = regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)

// linkToken finds the single-use token of a link in an email's body.
var linkToken = regexp.MustCompile(`(jeton=)[^\s&]+`)

func outboxShow(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, c := newFlags("outbox show", "outbox show ID\n\n"+
		"Affiche un courriel de la boîte d'envoi ; en production, les jetons de ses liens sont masqués.", errOut)
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fmt.Fprintln(errOut, "erreur : indiquez l'identifiant du courriel (colonne ID de « campagnon outbox list »).\nUsage : campagnon outbox show ID")
		return errUsage
	}
	id := pos[0]
	if !outboxID.MatchString(id) {
		fmt.Fprintf(errOut, "erreur : %q n'est pas un identifiant de courriel (colonne ID de « campagnon outbox list »).\n", id)
		return errUsage
	}
	a, err := openReady(ctx, c, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	m, err := a.Accounts.Message(ctx, id)
	if err != nil {
		return err
	}
	body := m.Body
	if a.Config.Env == config.EnvProduction {
		// A live token would let whoever reads the terminal act as the resident.
		body = linkToken.ReplaceAllString(body, "${1}(masqué en production)")
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\t%s\n", m.ID)
	fmt.Fprintf(tw, "type\t%s\n", m.Kind)
	fmt.Fprintf(tw, "destinataire\t%s\n", m.To)
	fmt.Fprintf(tw, "objet\t%s\n", m.Subject)
	fmt.Fprintf(tw, "créé le\t%s\n", when(m.CreatedAt))
	fmt.Fprintf(tw, "état\t%s\n", state(*m))
	fmt.Fprintf(tw, "essais\t%d (au plus %d)\n", m.Attempts, account.MaxSendAttempts)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "\n%s", body)
	return err
}

// state says where a message stands, in French.
func state(m account.Message) string {
	switch {
	case m.SentAt != nil:
		return "envoyé le " + when(*m.SentAt)
	case m.Attempts >= account.MaxSendAttempts:
		return "abandonné (trop d'échecs)"
	default:
		return "en attente"
	}
}

func when(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }

// normalizeAddress trims and lower-cases an address, as accounts store
// them, and reports whether it is one bare address.
func normalizeAddress(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := netmail.ParseAddress(s)
	return s, err == nil && a.Name == "" && a.Address == s && strings.Contains(s, "@")
}
