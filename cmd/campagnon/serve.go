package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/config"
	"github.com/campagnon/campagnon/core/mail"
	"github.com/campagnon/campagnon/core/server"
)

func runServe(ctx context.Context, args []string, _, errOut io.Writer) error {
	fs, c := newFlags("serve", "serve [--config FICHIER] [--set clé=valeur] [--addr ADRESSE] [--no-migrate]", errOut)
	addr := fs.String("addr", "", "adresse d'écoute, raccourci de --set server.addr=…")
	noMigrate := fs.Bool("no-migrate", false, "ne pas migrer ni créer les territoires configurés au démarrage (la base doit être à jour) ; les plugins des territoires existants sont chargés")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *addr != "" {
		c.sets = append(c.sets, "server.addr="+*addr)
	}
	start := time.Now()
	gc := server.TuneGC()
	a, err := c.open(ctx, errOut)
	if err != nil {
		return err
	}
	defer a.Close()
	if *noMigrate {
		if err := a.Ready(ctx); err != nil {
			return err
		}
		if err := a.StartRules(ctx); err != nil {
			return err
		}
	} else if err := a.Bootstrap(ctx); err != nil {
		return err
	}
	go refreshRules(ctx, a)
	// The search index follows the database through the outbox.
	go a.Indexer.Run(ctx, a.Config.Search.IndexEvery)
	if err := startMail(ctx, a); err != nil {
		return err
	}
	go purgeRegularly(ctx, a)
	go notifyRegularly(ctx, a)
	ln, err := net.Listen("tcp", a.Config.Server.Addr)
	if err != nil {
		return fmt.Errorf("écoute sur %s impossible (port déjà pris ? changez server.addr ou --addr) : %w", a.Config.Server.Addr, err)
	}
	a.Log.Info("Campagnon prêt", "url", "http://"+displayAddr(ln.Addr()), "database", a.Config.Database.Driver,
		"startup_ms", time.Since(start).Milliseconds(), "gc_percent", gc)
	return a.Server().Serve(ctx, ln)
}

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// rulesRefresh is how often a server rereads the territories' rules and the
// authorization policies, so that a change made elsewhere (another replica,
// the CLI) goes into force without a restart.
const rulesRefresh = 15 * time.Second

func refreshRules(ctx context.Context, a *app.App) {
	t := time.NewTicker(rulesRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Rules.Refresh(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("refresh territory rules", "error", err)
			}
			// Roles and policies changed through another replica.
			if _, err := a.Authz.ReloadIfChanged(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("reload authorization policies", "error", err)
			}
		}
	}
}

// outboxEvery is how often the server looks for emails to deliver.
const outboxEvery = 2 * time.Second

// startMail starts delivering the email outbox: through SMTP when
// mail.smtp_host is set, else to the log in development. In production
// without SMTP nothing is delivered: the emails stay in the outbox and one
// warning at start says which keys to set.
func startMail(ctx context.Context, a *app.App) error {
	mc := a.Config.Mail
	var sender mail.Sender
	switch {
	case mc.SMTPHost != "":
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: mc.SMTPHost, Port: mc.SMTPPort, Username: mc.SMTPUsername,
			Password: mc.SMTPPassword, TLS: mail.TLSMode(mc.SMTPTLS), From: mc.From, LocalName: heloName(a.Config.Security.PublicURL)})
		if err != nil {
			return apperr.Wrap(err, apperr.KindInvalid, "mail_config",
				fmt.Sprintf("Configuration des courriels refusée (%v) : corrigez les clés mail.* (campagnon config --keys) puis relancez.", err),
				fmt.Sprintf("Mail settings refused (%v): fix the mail.* keys (campagnon config --keys) and restart.", err))
		}
		sender = s
		a.Log.Info("emails are sent through SMTP", "host", mc.SMTPHost, "port", mc.SMTPPort, "tls", mc.SMTPTLS)
	case a.Config.Env == config.EnvProduction:
		a.Log.Warn("no SMTP server configured: emails stay unsent in the outbox (campagnon outbox list --pending shows them); " +
			"set mail.smtp_host, mail.smtp_port, mail.smtp_tls, mail.smtp_username, mail.smtp_password and mail.from, then restart")
		return nil
	default:
		sender = mail.LogSender{Log: a.Log}
	}
	d := mail.NewDeliverer(accountOutbox{a.Accounts}, sender, a.Log, mail.DeliverOptions{MaxAttempts: account.MaxSendAttempts})
	go d.Run(ctx, outboxEvery)
	return nil
}

// heloName is the name the server gives in EHLO: the host of its public
// address when it has one, else localhost.
func heloName(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}

// accountOutbox lets core/mail deliver the accounts' outbox.
type accountOutbox struct{ accounts *account.Service }

func (o accountOutbox) Pending(ctx context.Context, limit int) ([]mail.Queued, error) {
	ms, err := o.accounts.Pending(ctx, limit)
	if err != nil {
		return nil, err
	}
	qs := make([]mail.Queued, len(ms))
	for i, m := range ms {
		qs[i] = mail.Queued{Message: mail.Message{ID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, Body: m.Body}, Attempts: m.Attempts}
	}
	return qs, nil
}

func (o accountOutbox) MarkSent(ctx context.Context, id string, sent bool) error {
	return o.accounts.MarkSent(ctx, id, sent)
}

// retentionEvery is how often the server applies the retention periods.
const retentionEvery = time.Hour

// purgeRegularly applies the retention periods (account.Purge), expires
// listings (listing.Sweep, with their reminders), runs the exchanges'
// timers (exchange.Sweep) and forgets old idempotency keys, at start, then
// every retentionEvery, and logs what it did. Replicas may all run
// it: a purge is one transaction and deletes nothing twice.
func purgeRegularly(ctx context.Context, a *app.App) {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		p, err := a.Accounts.Purge(ctx)
		switch {
		case err == nil:
			a.Log.Info("retention purge", "accounts", p.Accounts, "tokens", p.Tokens, "sessions", p.Sessions,
				"throttle", p.Throttle, "outbox", p.Outbox)
		case ctx.Err() == nil:
			a.Log.Error("retention purge", "error", err)
		}
		// Listings never die silently: a reminder a week before, then expiry.
		sw, err := a.Listings.Sweep(ctx)
		switch {
		case err == nil:
			a.Log.Info("listings sweep", "expired", sw.Expired, "reminded", sw.Reminded)
		case ctx.Err() == nil:
			a.Log.Error("listings sweep", "error", err)
		}
		xs, err := a.Exchanges.Sweep(ctx)
		switch {
		case err == nil:
			a.Log.Info("exchanges sweep", "expired", xs.Expired, "auto_confirmed", xs.AutoConfirmed, "reviews_closed", xs.ReviewsClosed)
		case ctx.Err() == nil:
			a.Log.Error("exchanges sweep", "error", err)
		}
		if n, err := a.Exchanges.CESUReminders(ctx, a.Accounts, a.Config.Security.PublicURL); err != nil && ctx.Err() == nil {
			a.Log.Error("CESU reminders", "error", err)
		} else if n > 0 {
			a.Log.Info("CESU reminders", "sent", n)
		}
		if _, err := a.Idempotency.Purge(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("idempotency purge", "error", err)
		}
		if ip, err := a.Importer.Purge(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("import purge", "error", err)
		} else if ip.Held+ip.Contacts > 0 {
			a.Log.Info("import purge", "held_files", ip.Held, "contacts", ip.Contacts)
		}
		if n, err := a.Agenda.Purge(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("agenda purge", "error", err)
		} else if n > 0 {
			a.Log.Info("agenda purge", "events", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// notifyEvery is how often the server looks for weekly digests and alerts
// to send. Both are idempotent (keyed by member and week, by need), so
// running often only catches up sooner after a stop, and replicas may all
// run it.
const notifyEvery = time.Hour

// unansweredAfterDays is how long a need may wait without any request
// before its territory's mediators and admins are told: the observatory's
// wait before a need counts as unmet.
const unansweredAfterDays = 7

// notifyRegularly sends the weekly digests (notify.Digest: the past ISO
// week's, from Monday on) and the alerts about needs unanswered for
// unansweredAfterDays (notify.Unanswered), at start then every
// notifyEvery, and logs what it sent. The expiry reminders are
// listing.Sweep's, in purgeRegularly.
func notifyRegularly(ctx context.Context, a *app.App) {
	t := time.NewTicker(notifyEvery)
	defer t.Stop()
	for {
		now := time.Now()
		d, err := a.Notify.Digest(ctx, now)
		switch {
		case err == nil && (d.Sent > 0 || d.Empty > 0):
			a.Log.Info("weekly digests", "week", d.Week, "sent", d.Sent, "empty", d.Empty, "capped", d.Capped)
		case err != nil && ctx.Err() == nil:
			a.Log.Error("weekly digests", "error", err)
		}
		u, err := a.Notify.Unanswered(ctx, now, unansweredAfterDays)
		switch {
		case err == nil && (u.Needs > 0 || len(u.NoStaff) > 0):
			a.Log.Info("unanswered needs alerted", "needs", u.Needs, "emails", u.Emails, "no_staff", u.NoStaff, "capped", u.Capped)
		case err != nil && ctx.Err() == nil:
			a.Log.Error("unanswered needs alerts", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
