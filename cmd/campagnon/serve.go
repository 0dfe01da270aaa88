package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/config"
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
	go deliverOutbox(ctx, a)
	ln, err := net.Listen("tcp", a.Config.Server.Addr)
	if err != nil {
		return fmt.Errorf("écoute sur %s impossible (port déjà pris ? changez server.addr ou --addr) : %w", a.Config.Server.Addr, err)
	}
	a.Log.Info("Campagnon prêt", "url", "http://"+displayAddr(ln.Addr()), "database", a.Config.Database.Driver,
		"startup_ms", time.Since(start).Milliseconds())
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

// deliverOutbox delivers the emails of the outbox. No SMTP adapter exists
// yet: in development each email is written to the log (that is how a
// developer reads the verification link) and marked sent; in production
// the emails stay pending and a warning says so once.
func deliverOutbox(ctx context.Context, a *app.App) {
	t := time.NewTicker(outboxEvery)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		msgs, err := a.Accounts.Pending(ctx, 50)
		if err != nil {
			if ctx.Err() == nil {
				a.Log.Error("read the email outbox", "error", err)
			}
			continue
		}
		if len(msgs) == 0 {
			continue
		}
		if a.Config.Env == config.EnvProduction {
			if !warned {
				a.Log.Warn("emails are waiting in the outbox and no mail adapter is configured: they are not sent", "pending", len(msgs))
				warned = true
			}
			continue
		}
		for _, m := range msgs {
			a.Log.Info("email (développement : écrit ici, non envoyé)", "to", m.To, "subject", m.Subject, "body", m.Body)
			if err := a.Accounts.MarkSent(ctx, m.ID, true); err != nil && ctx.Err() == nil {
				a.Log.Error("mark email sent", "id", m.ID, "error", err)
			}
		}
	}
}
