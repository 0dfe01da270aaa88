package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/pluginbuild"
	"github.com/campagnon/campagnon/core/pluginhost"
	"github.com/campagnon/campagnon/core/plugintest"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/wasmfile"
)

const pluginUsage = `plugin build DOSSIER [-o FICHIER.wasm]
       campagnon plugin inspect FICHIER.wasm [--json]
       campagnon plugin test DOSSIER|FICHIER.wasm [--golden DOSSIER]
       campagnon plugin quote FICHIER.wasm --input DEMANDE.json [--plugin-config CONFIG.json]
       campagnon plugin keygen --out PRÉFIXE
       campagnon plugin sign FICHIER.wasm --key PRÉFIXE.key`

func runPlugin(ctx context.Context, args []string, out, errOut io.Writer) error {
	return dispatch(ctx, "plugin", pluginUsage, "", map[string]subcommand{
		"build":   pluginBuild,
		"inspect": pluginInspect,
		"test":    pluginTest,
		"quote":   pluginQuote,
		"keygen": func(_ context.Context, args []string, out, errOut io.Writer) error {
			return pluginKeygen(args, out, errOut)
		},
		"sign": func(_ context.Context, args []string, out, errOut io.Writer) error {
			return pluginSign(args, out, errOut)
		},
	}, args, out, errOut)
}

func pluginBuild(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, _ := newFlags("plugin build", "plugin build DOSSIER [-o FICHIER.wasm]", errOut)
	output := fs.String("o", "", "module à écrire (défaut : NOM_DU_DOSSIER.wasm dans le dossier courant)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(errOut, "erreur : indiquez le dossier du plugin : campagnon plugin build ./mon-plugin")
		return errUsage
	}
	dir := pos[0]
	if *output == "" {
		abs, _ := filepath.Abs(dir)
		*output = filepath.Base(abs) + ".wasm"
	}
	fmt.Fprintf(out, "Construction de %s (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared)…\n", dir)
	start := time.Now()
	if err := pluginbuild.Build(ctx, dir, *output, pluginbuild.Options{Stderr: errOut}); err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "plugin_build_failed",
			"La construction du plugin a échoué : "+err.Error(), "The plugin build failed: "+err.Error())
	}
	wasm, err := os.ReadFile(*output)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(wasm)
	fmt.Fprintf(out, "%s : %d octets, sha256 %s, en %s.\nEnsuite : campagnon plugin test %s\n",
		*output, len(wasm), hex.EncodeToString(sum[:]), time.Since(start).Round(time.Millisecond), dir)
	return nil
}

// trustedKeyFlag adds the repeatable --trusted-key flag of the commands
// that load a module.
func trustedKeyFlag(fs *flag.FlagSet) *multiFlag {
	keys := &multiFlag{}
	fs.Var(keys, "trusted-key", "clé publique (base64) qui vérifie la signature FICHIER.wasm.sig (répétable)")
	return keys
}

// quietHost starts a plugin host for a command, with the compiled-module
// cache of the user and the trusted keys given (base64 ed25519).
func quietHost(ctx context.Context, errOut io.Writer, keys []string) (*pluginhost.Host, error) {
	log := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := pluginhost.Config{CacheDir: filepath.Join(pluginbuild.TestCacheDir(), "compiled")}
	for _, k := range keys {
		pub, err := pluginhost.ParsePublicKey(k)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.KindInvalid, "trusted_key_invalid",
				fmt.Sprintf("Clé %q refusée : une clé publique ed25519 en base64 (le contenu d'un fichier .pub) est attendue.", k),
				fmt.Sprintf("Key %q refused: a base64 ed25519 public key (a .pub file's content) is expected.", k))
		}
		cfg.TrustedKeys = append(cfg.TrustedKeys, pub)
	}
	return pluginhost.New(ctx, cfg, log)
}

// readUserFile reads a file an operator named, bounded in size, with a
// French message when it cannot be read.
func readUserFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err == nil && info.Size() > maxUserFile {
		return nil, apperr.New(apperr.KindTooLarge, "file_too_large",
			fmt.Sprintf("%s est trop volumineux (%d octets, au plus %d).", path, info.Size(), maxUserFile),
			fmt.Sprintf("%s is too large (%d bytes, at most %d).", path, info.Size(), maxUserFile))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.KindInvalid, "file_unreadable",
			fmt.Sprintf("Lecture de %s impossible : %v", path, err), fmt.Sprintf("Cannot read %s: %v", path, err))
	}
	return data, nil
}

// maxUserFile bounds the files commands read: modules, requests, configurations, keys.
const maxUserFile = 64 << 20

// loadFile reads and loads a module, with its signature FILE.sig when present.
func loadFile(ctx context.Context, h *pluginhost.Host, path string) (*pluginhost.Module, []byte, error) {
	wasm, err := readUserFile(path)
	if err != nil {
		return nil, nil, err
	}
	sig, err := rules.ReadSignatureFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := h.Load(ctx, wasm, sig)
	if err != nil {
		var pe *pluginhost.Error
		if errors.As(err, &pe) {
			fr, en := pe.PublicMessage()
			return nil, wasm, apperr.Wrap(err, apperr.KindInvalid, "plugin_refused", fr, en)
		}
		return nil, wasm, err
	}
	return m, wasm, nil
}

func pluginInspect(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, _ := newFlags("plugin inspect", "plugin inspect FICHIER.wasm [--json] [--trusted-key CLÉ]", errOut)
	asJSON := fs.Bool("json", false, "sortie JSON")
	keys := trustedKeyFlag(fs)
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(errOut, "erreur : indiquez le module : campagnon plugin inspect plugin.wasm")
		return errUsage
	}
	wasm, err := readUserFile(pos[0])
	if err != nil {
		return err
	}
	shape, err := wasmfile.Parse(wasm)
	if err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "plugin_not_wasm",
			fmt.Sprintf("%s n'est pas un module WebAssembly lisible : %v", pos[0], err),
			fmt.Sprintf("%s is not a readable WebAssembly module: %v", pos[0], err))
	}
	sum := sha256.Sum256(wasm)
	report := struct {
		File      string            `json:"file"`
		Size      int               `json:"size"`
		SHA256    string            `json:"sha256"`
		Signature string            `json:"signature"`
		ABI       string            `json:"abi"`
		Exports   []wasmfile.Export `json:"exports"`
		Imports   []wasmfile.Import `json:"imports"`
		Manifest  *abi.Manifest     `json:"manifest,omitempty"`
		Verdict   string            `json:"verdict"`
	}{File: pos[0], Size: len(wasm), SHA256: hex.EncodeToString(sum[:]), Exports: shape.Exports, Imports: shape.Imports}
	_, statErr := os.Stat(pos[0] + ".sig")
	switch {
	case statErr != nil:
		report.Signature = "absente"
	case len(*keys) == 0:
		report.Signature = "présente, non vérifiée (donnez --trusted-key)"
	}
	for _, e := range shape.Exports {
		if strings.HasPrefix(e.Name, abi.VersionExportPrefix) {
			report.ABI = strings.TrimPrefix(e.Name, abi.VersionExportPrefix)
		}
	}
	h, err := quietHost(ctx, errOut, *keys)
	if err != nil {
		return err
	}
	defer h.Close(context.Background())
	m, _, err := loadFile(ctx, h, pos[0])
	if report.Signature == "" { // present, and checked against the keys given
		report.Signature = "valide"
		var pe *pluginhost.Error
		if errors.As(err, &pe) && pe.Kind == pluginhost.KindBadSignature {
			report.Signature = "invalide"
		}
	}
	if err != nil {
		report.Verdict = "refusé : " + apperr.As(err).Message
	} else {
		man := m.Manifest()
		report.Manifest = &man
		report.Verdict = "accepté par l'hôte (ABI, exports, imports, manifeste)"
	}
	if *asJSON {
		return writeJSON(out, report)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "fichier\t%s\ntaille\t%d octets\nsha256\t%s\nsignature\t%s\nABI\tv%s\nverdict\t%s\n",
		report.File, report.Size, report.SHA256, report.Signature, report.ABI, report.Verdict)
	if report.Manifest != nil {
		m := report.Manifest
		fmt.Fprintf(tw, "plugin\t%s %s — %s\nopérations\t%s\n", m.ID, m.Version, m.Name, strings.Join(m.Operations, ", "))
		if len(m.Territories) > 0 {
			fmt.Fprintf(tw, "territoires\t%s\n", strings.Join(m.Territories, ", "))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nExports :")
	for _, e := range shape.Exports {
		fmt.Fprintf(out, "  %s (%s)\n", e.Name, e.Kind)
	}
	fmt.Fprintln(out, "Imports :")
	for _, i := range shape.Imports {
		fmt.Fprintf(out, "  %s.%s (%s)\n", i.Module, i.Name, i.Kind)
	}
	return nil
}

func pluginTest(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, _ := newFlags("plugin test", "plugin test DOSSIER|FICHIER.wasm [--golden DOSSIER] [--trusted-key CLÉ]", errOut)
	goldenDir := fs.String("golden", "", "dossier des cas de référence (défaut : DOSSIER/testdata/golden)")
	keys := trustedKeyFlag(fs)
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(errOut, "erreur : indiquez le dossier du plugin ou son module : campagnon plugin test ./mon-plugin")
		return errUsage
	}
	target := pos[0]
	wasmPath := target
	if info, err := os.Stat(target); err == nil && info.IsDir() {
		if *goldenDir == "" {
			*goldenDir = filepath.Join(target, "testdata", "golden")
		}
		fmt.Fprintf(out, "Construction de %s…\n", target)
		wasmPath, err = pluginbuild.Cached(ctx, target, pluginbuild.TestCacheDir(), pluginbuild.Options{Stderr: errOut})
		if err != nil {
			return apperr.Wrap(err, apperr.KindInvalid, "plugin_build_failed",
				"La construction du plugin a échoué : "+err.Error(), "The plugin build failed: "+err.Error())
		}
	} else if *goldenDir == "" {
		*goldenDir = filepath.Join(filepath.Dir(target), "testdata", "golden")
	}
	cases, err := plugintest.LoadCases(*goldenDir)
	if err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "plugin_golden_unreadable", "Cas de référence illisibles : "+err.Error(), "Unreadable golden cases: "+err.Error())
	}
	h, err := quietHost(ctx, errOut, *keys)
	if err != nil {
		return err
	}
	defer h.Close(context.Background())
	m, _, err := loadFile(ctx, h, wasmPath)
	if err != nil {
		return err
	}
	rep := plugintest.Run(ctx, m, cases)
	fmt.Fprintf(out, "%s (sha256 %s), %d cas de référence\n", rep.Plugin, rep.Hash[:16], len(cases))
	for _, r := range rep.Results {
		mark := "ok  "
		if !r.Passed {
			mark = "ÉCHEC"
		}
		line := fmt.Sprintf("  %s %s", mark, r.Name)
		if r.Detail != "" {
			line += " — " + r.Detail
		}
		fmt.Fprintln(out, line)
	}
	if rep.QuoteP50 > 0 {
		fmt.Fprintf(out, "Devis à travers l'hôte : p50 %s, p99 %s (mesure indicative)\n", rep.QuoteP50, rep.QuoteP99)
	}
	failed := rep.Failed()
	fmt.Fprintf(out, "%d passed, %d failed\n", len(rep.Results)-len(failed), len(failed))
	if len(failed) > 0 {
		return apperr.New(apperr.KindInvalid, "plugin_test_failed",
			fmt.Sprintf("%d vérification(s) en échec : corrigez le plugin ou ses cas de référence.", len(failed)),
			fmt.Sprintf("%d check(s) failed.", len(failed)))
	}
	return nil
}

func pluginQuote(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs, _ := newFlags("plugin quote", "plugin quote FICHIER.wasm --input DEMANDE.json [--plugin-config CONFIG.json] [--trusted-key CLÉ]", errOut)
	keys := trustedKeyFlag(fs)
	input := fs.String("input", "", "demande de devis (JSON de abi.QuoteRequest ; context.now et config_hash remplis si absents)")
	configFile := fs.String("plugin-config", "", "configuration du territoire (JSON) ; défaut : celle de la demande, ou {}")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *input == "" {
		fmt.Fprintln(errOut, "erreur : indiquez le module et la demande : campagnon plugin quote plugin.wasm --input demande.json")
		return errUsage
	}
	data, err := readUserFile(*input)
	if err != nil {
		return err
	}
	var req abi.QuoteRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "quote_input_invalid", "Demande illisible (JSON attendu) : "+err.Error(), "Unreadable request: "+err.Error())
	}
	if *configFile != "" {
		cfg, err := readUserFile(*configFile)
		if err != nil {
			return err
		}
		req.Context.Config = cfg
	}
	if len(req.Context.Config) == 0 {
		req.Context.Config = rules.EmptyConfig
	}
	var compacted bytes.Buffer
	if err := json.Compact(&compacted, req.Context.Config); err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "quote_config_invalid", "Configuration illisible (objet JSON attendu) : "+err.Error(), "Unreadable configuration: "+err.Error())
	}
	req.Context.Config = json.RawMessage(compacted.Bytes())
	req.Context.ConfigHash = rules.HashConfig(req.Context.Config)
	if req.Context.Now == "" {
		req.Context.Now = time.Now().UTC().Format(time.RFC3339)
	}
	if req.Context.Territory.Slug == "" {
		req.Context.Territory = abi.Territory{Slug: "territoire-essai", Name: "Territoire d'essai"}
	}
	if req.Occurrences == 0 {
		req.Occurrences = 1
	}
	if err := req.Check(); err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "quote_input_invalid", "Demande invalide : "+err.Error(), "Invalid request: "+err.Error())
	}
	h, err := quietHost(ctx, errOut, *keys)
	if err != nil {
		return err
	}
	defer h.Close(context.Background())
	m, _, err := loadFile(ctx, h, pos[0])
	if err != nil {
		return err
	}
	start := time.Now()
	q, err := m.Quote(ctx, &req)
	elapsed := time.Since(start)
	if err != nil {
		var refusal *pluginhost.RefusalError
		if errors.As(err, &refusal) {
			fmt.Fprintf(out, "Refus du plugin (%s) : %s\n", refusal.Refusal.Code, refusal.Refusal.Message)
			return apperr.New(apperr.KindRefused, refusal.Refusal.Code, refusal.Refusal.Message, refusal.Refusal.MessageEN)
		}
		var pe *pluginhost.Error
		if errors.As(err, &pe) {
			fr, en := pe.PublicMessage()
			return apperr.Wrap(err, apperr.KindInvalid, "plugin_fault", fr, en)
		}
		return err
	}
	man := m.Manifest()
	fmt.Fprintf(errOut, "%s@%s sha256:%s — %s\n", man.ID, man.Version, m.Hash()[:16], elapsed.Round(time.Microsecond))
	return writeJSON(out, q)
}

func pluginKeygen(args []string, out, errOut io.Writer) error {
	fs, _ := newFlags("plugin keygen", "plugin keygen --out PRÉFIXE", errOut)
	prefix := fs.String("out", "", "préfixe des fichiers : PRÉFIXE.key (privée) et PRÉFIXE.pub (publique)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *prefix == "" {
		fmt.Fprintln(errOut, "erreur : indiquez --out PRÉFIXE")
		return errUsage
	}
	for _, ext := range []string{".key", ".pub"} {
		if _, err := os.Stat(*prefix + ext); err == nil {
			return apperr.New(apperr.KindConflict, "key_exists",
				fmt.Sprintf("%s%s existe déjà : choisissez un autre préfixe (rien n'a été écrit).", *prefix, ext),
				fmt.Sprintf("%s%s already exists: choose another prefix (nothing written).", *prefix, ext))
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := writeNew(*prefix+".key", []byte(base64.StdEncoding.EncodeToString(priv)+"\n"), 0o600); err != nil {
		return fmt.Errorf("write private key: %w", err)
	}
	pubText := base64.StdEncoding.EncodeToString(pub)
	if err := writeNew(*prefix+".pub", []byte(pubText+"\n"), 0o644); err != nil {
		return fmt.Errorf("write public key: %w", err)
	}
	fmt.Fprintf(out, "Clé privée : %s.key (à garder secrète)\nClé publique : %s.pub\nPour l'accepter : plugins.trusted_keys: [\"%s\"]\n", *prefix, *prefix, pubText)
	return nil
}

func pluginSign(args []string, out, errOut io.Writer) error {
	fs, _ := newFlags("plugin sign", "plugin sign FICHIER.wasm --key PRÉFIXE.key", errOut)
	keyFile := fs.String("key", "", "clé privée écrite par campagnon plugin keygen")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *keyFile == "" {
		fmt.Fprintln(errOut, "erreur : indiquez le module et la clé : campagnon plugin sign plugin.wasm --key equipe.key")
		return errUsage
	}
	keyText, err := readUserFile(*keyFile)
	if err != nil {
		return err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(keyText)))
	if err != nil || len(key) != ed25519.PrivateKeySize {
		return apperr.New(apperr.KindInvalid, "key_invalid",
			"Clé privée illisible : utilisez un fichier .key écrit par campagnon plugin keygen.",
			"Unreadable private key: use a .key file written by campagnon plugin keygen.")
	}
	wasm, err := readUserFile(pos[0])
	if err != nil {
		return err
	}
	sig := pluginhost.Sign(ed25519.PrivateKey(key), wasm)
	if err := os.WriteFile(pos[0]+".sig", []byte(base64.StdEncoding.EncodeToString(sig)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write signature: %w", err)
	}
	fmt.Fprintf(out, "Signature écrite : %s.sig\n", pos[0])
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
