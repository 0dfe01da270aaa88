package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/campagnon/campagnon/core/app"
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

// rulesRefresh is how often a server rereads the territories' rules, so
// that an assignment made elsewhere (another replica, the CLI) goes into
// force without a restart.
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
		}
	}
}
