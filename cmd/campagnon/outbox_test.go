package main

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// testSessionSecret is a valid security.session_secret for production runs.
const testSessionSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

var outboxIDPattern = regexp.MustCompile(`(?m)^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s`)

// signUpAndStop runs a server in dir (its environment comes from the test's,
// set with t.Setenv), signs email up, stops the server and returns its log.
func signUpAndStop(t *testing.T, dir, email string) string {
	t.Helper()
	cmd, url, _, logs := startServe(t, dir)
	resp, err := http.Post(url+"/api/v1/auth/signup", "application/json",
		strings.NewReader(`{"email":"`+email+`","password":"bocage-verger-2026","display_name":"Claire","commune":"45146"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("signup: %d %s", resp.StatusCode, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve exited with %v:\n%s", err, logs.String())
	}
	return logs.String()
}

// outboxIDOf returns the first message ID "outbox list" prints.
func outboxIDOf(t *testing.T, tg storetest.Target, args ...string) string {
	t.Helper()
	code, out, errOut := cli(t, tg, append([]string{"outbox", "list"}, args...)...)
	m := outboxIDPattern.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("outbox list: exit %d, no message ID\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	return m[1]
}

// TestOutboxInProductionWithoutSMTP: the email of a sign-up stays pending,
// one warning names the keys to set, no log line names the resident, and
// the outbox commands show the email with its token masked.
// Not parallel: t.Setenv gives the server (and the commands) production.
func TestOutboxInProductionWithoutSMTP(t *testing.T) {
	t.Setenv("CAMPAGNON_ENV", "production")
	t.Setenv("CAMPAGNON_SECURITY_SESSION_SECRET", testSessionSecret)
	dir := t.TempDir()
	logs := signUpAndStop(t, dir, "Claire.Martin@example.fr")
	for _, want := range []string{"no SMTP server configured", "mail.smtp_host", "mail.from", "retention purge"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, "no SMTP server configured"); n != 1 {
		t.Errorf("%d warnings about SMTP, want 1", n)
	}
	if strings.Contains(strings.ToLower(logs), "claire.martin@example.fr") {
		t.Errorf("the production log names the resident:\n%s", logs)
	}
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "data", "campagnon.db")}
	id := outboxIDOf(t, tg, "--pending")
	runSteps(t, tg, []step{
		{args: []string{"outbox", "list"}, stdout: []string{id, "en attente", "claire.martin@example.fr", "Campagnon : confirmez votre adresse", "1 courriel(s)"}},
		{args: []string{"outbox", "list", "--pending", "--to", " CLAIRE.Martin@example.fr "}, stdout: []string{id, "en attente"}},
		{args: []string{"outbox", "list", "--to", "autre@example.fr"}, stdout: []string{"Aucun courriel."}, noStdout: []string{id}},
		{args: []string{"outbox", "show", id}, stdout: []string{"destinataire  claire.martin@example.fr", "en attente", "essais        0", "/compte/verifier?jeton=(masqué en production)"},
			noStdout: []string{"cmp_verify_"}},
		{args: []string{"outbox", "show", id, "--set", "env=development"}, stdout: []string{"/compte/verifier?jeton=cmp_verify_"}},
		// A pending email and a new account are within their retention periods.
		{args: []string{"privacy", "purge"}, stdout: []string{"Purge effectuée", "comptes jamais vérifiés (après 7 jours)                0", "courriels envoyés (après 30 jours)                     0"}},
		{args: []string{"outbox", "list", "--pending"}, stdout: []string{id}},
	})
}

// TestOutboxWithAnUnreachableSMTPServer: a server that answers 421 pauses
// delivery without costing the email an attempt, and the development log
// sender is not used when SMTP is configured.
// Not parallel: t.Setenv gives the server its SMTP settings.
func TestOutboxWithAnUnreachableSMTPServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	answered := make(chan struct{}, 100)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(conn, "421 4.3.2 Service not available, closing channel\r\n")
			_ = conn.Close()
			answered <- struct{}{}
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	t.Setenv("CAMPAGNON_MAIL_SMTP_HOST", host)
	t.Setenv("CAMPAGNON_MAIL_SMTP_PORT", port)
	t.Setenv("CAMPAGNON_MAIL_SMTP_TLS", "none")
	dir := t.TempDir()
	cmd, url, _, logs := startServe(t, dir)
	resp, err := http.Post(url+"/api/v1/auth/signup", "application/json",
		strings.NewReader(`{"email":"louise@example.fr","password":"bocage-verger-2026","display_name":"Louise","commune":"45146"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-answered // the deliverer tried
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(logs.String(), "delivery paused") && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	out := logs.String()
	for _, want := range []string{"emails are sent through SMTP", "mail server unreachable: delivery paused", "code=421"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "écrit ici, non envoyé") {
		t.Errorf("the development log sender was used despite SMTP:\n%s", out)
	}
	tg := storetest.Target{Driver: "sqlite", SQLitePath: filepath.Join(dir, "data", "campagnon.db")}
	id := outboxIDOf(t, tg, "--pending")
	runSteps(t, tg, []step{
		{args: []string{"outbox", "show", id}, stdout: []string{"louise@example.fr", "en attente", "essais        0"}},
	})
}

func TestOutboxAndPrivacyCommands(t *testing.T) {
	t.Parallel()
	storetest.ForEachEngine(t, func(t *testing.T, tg storetest.Target) {
		runSteps(t, tg, []step{
			{args: []string{"outbox", "list"}, code: 3, stderr: []string{"migrate up"}},
			{args: []string{"privacy", "purge"}, code: 3, stderr: []string{"migrate up"}},
			{args: []string{"migrate", "up"}, stdout: []string{"appliquée"}},
			{args: []string{"outbox", "list"}, stdout: []string{"Aucun courriel."}},
			{args: []string{"outbox", "list", "--pending", "--limit", "1000"}, stdout: []string{"Aucun courriel."}},
			{args: []string{"outbox", "show", "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}, code: 2, stderr: []string{"introuvable", "campagnon outbox list"}},
			{args: []string{"privacy", "purge"}, stdout: []string{"Purge effectuée", "comptes jamais vérifiés", "jetons", "sessions terminées",
				"compteurs d'échecs de connexion", "courriels envoyés"}},
		})
	})
}

func TestOutboxAndPrivacyBadArguments(t *testing.T) {
	t.Parallel()
	tg := storetest.New(t, "sqlite")
	runSteps(t, tg, []step{
		{args: []string{"help"}, stdout: []string{"outbox", "privacy"}},
		{args: []string{"outbox"}, code: 2, stderr: []string{"Usage : campagnon outbox list"}},
		{args: []string{"outbox", "-h"}, code: 0, stderr: []string{"outbox show ID"}},
		{args: []string{"outbox", "frobnicate"}, code: 2, stderr: []string{"sous-commande inconnue \"frobnicate\""}},
		{args: []string{"outbox", "list", "--limit", "0"}, code: 2, stderr: []string{"--limit 0 hors limites : de 1 à 1000"}},
		{args: []string{"outbox", "list", "--limit", "1001"}, code: 2, stderr: []string{"hors limites"}},
		{args: []string{"outbox", "list", "--limit", "beaucoup"}, code: 2, stderr: []string{"valeur \"beaucoup\" refusée pour l'option -limit"}},
		{args: []string{"outbox", "list", "--to", "pas-une-adresse"}, code: 2, stderr: []string{"n'est pas une adresse électronique"}},
		{args: []string{"outbox", "list", "--to", "Claire <claire@example.fr>"}, code: 2, stderr: []string{"n'est pas une adresse électronique"}},
		{args: []string{"outbox", "list", "--all"}, code: 2, stderr: []string{"option inconnue -all"}},
		{args: []string{"outbox", "list", "extra"}, code: 2, stderr: []string{"en trop : extra"}},
		{args: []string{"outbox", "show"}, code: 2, stderr: []string{"indiquez l'identifiant du courriel"}},
		{args: []string{"outbox", "show", "a", "b"}, code: 2, stderr: []string{"en trop : b"}},
		{args: []string{"outbox", "show", "a;b"}, code: 2, stderr: []string{"n'est pas un identifiant de courriel"}},
		{args: []string{"privacy"}, code: 2, stderr: []string{"Usage : campagnon privacy purge"}},
		{args: []string{"privacy", "forget"}, code: 2, stderr: []string{"sous-commande inconnue \"forget\""}},
		{args: []string{"privacy", "purge", "maintenant"}, code: 2, stderr: []string{"en trop : maintenant"}},
		{args: []string{"config", "--keys"}, stdout: []string{"CAMPAGNON_MAIL_SMTP_HOST", "mail.smtp_tls", "starttls, tls, none", "Campagnon <no-reply@localhost>"}},
		{args: []string{"config", "--set", "mail.smtp_host=smtp.example.fr", "--set", "mail.smtp_username=campagnon", "--set", "mail.smtp_password=hunter2"},
			stdout: []string{"mail.smtp_host", "smtp.example.fr", "(définie, masquée)"}, noStdout: []string{"hunter2"}},
		{args: []string{"config", "--set", "mail.smtp_host=smtp.example.fr", "--set", "mail.smtp_tls=none"}, code: 2,
			stderr: []string{"mail.smtp_tls", "envoi en clair refusé"}},
	})
}
