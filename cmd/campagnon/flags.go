package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/config"
)

// errUsage reports a command line that was already explained to the user.
var errUsage = errors.New("usage")

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// common holds the flags every command accepts.
type common struct {
	configFile string
	sets       multiFlag
}

// newFlags returns a flag set for one command with the common flags.
func newFlags(name, usageLine string, errOut io.Writer) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	c := &common{}
	fs.StringVar(&c.configFile, "config", "", "fichier de configuration YAML (défaut : "+config.DefaultFile+" s'il existe)")
	fs.Var(&c.sets, "set", "clé=valeur qui l'emporte sur le fichier et l'environnement (répétable)")
	fs.Usage = func() {
		fmt.Fprintf(errOut, "Usage : campagnon %s\n\nOptions :\n", usageLine)
		fs.PrintDefaults()
	}
	return fs, c
}

// errHelp reports that a command's help was asked for and printed.
var errHelp = errors.New("help")

// parse parses args, flags and positional arguments in any order
// ("show portes-de-sologne --json" as well as "show --json portes-de-sologne");
// everything after "--" is positional. It returns the positional arguments,
// refusing more than maxPositional (-1: any number). Errors are explained in
// French on the flag set's output and returned as errUsage; -h prints the
// usage and returns errHelp.
func parse(fs *flag.FlagSet, args []string, maxPositional int) ([]string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			f := fs.Lookup(name)
			if f == nil {
				continue // reported by Parse below
			}
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(flags)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return nil, errHelp
	case err != nil:
		fmt.Fprintf(out, "erreur : %s.\n", frenchFlagError(err))
		fmt.Fprintf(out, "Aide : campagnon %s -h\n", fs.Name())
		return nil, errUsage
	case maxPositional >= 0 && len(positional) > maxPositional:
		fmt.Fprintf(out, "erreur : argument(s) en trop : %s.\n", strings.Join(positional[maxPositional:], " "))
		fmt.Fprintf(out, "Aide : campagnon %s -h\n", fs.Name())
		return nil, errUsage
	}
	return positional, nil
}

// frenchFlagError translates the flag package's messages.
func frenchFlagError(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		return "option inconnue " + strings.TrimPrefix(msg, "flag provided but not defined: ")
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return "l'option " + strings.TrimPrefix(msg, "flag needs an argument: ") + " attend une valeur"
	case strings.HasPrefix(msg, "invalid value "):
		// invalid value "x" for flag -near: parse error
		rest := strings.TrimPrefix(msg, "invalid value ")
		value, flagPart, _ := strings.Cut(rest, " for flag ")
		name, _, _ := strings.Cut(flagPart, ":")
		return fmt.Sprintf("valeur %s refusée pour l'option %s", value, name)
	case strings.HasPrefix(msg, "invalid boolean value "):
		return "valeur booléenne refusée : " + strings.TrimPrefix(msg, "invalid boolean value ")
	default:
		return msg
	}
}

// load reads the configuration the common flags point to.
func (c *common) load() (*config.Config, error) {
	return config.Load(config.Options{File: c.configFile, Environ: os.Environ(), Sets: c.sets})
}

// open loads the configuration and opens the application's services.
func (c *common) open(ctx context.Context, errOut io.Writer) (*app.App, error) {
	cfg, err := c.load()
	if err != nil {
		return nil, err
	}
	log, err := app.NewLogger(cfg, errOut)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, log)
}

// subcommand runs one sub-command of a command group with its arguments.
type subcommand func(ctx context.Context, args []string, out, errOut io.Writer) error

// dispatch runs the sub-command named by args[0] in the group name (such as
// "territory"), whose usage line and optional description about are shown
// for help or when no sub-command is given; an unknown one is a usage error.
func dispatch(ctx context.Context, name, usage, about string, subs map[string]subcommand, args []string, out, errOut io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(errOut, "Usage : campagnon "+usage)
		if about != "" {
			fmt.Fprintln(errOut, "\n"+about)
		}
		if len(args) == 0 {
			return errUsage
		}
		return errHelp
	}
	run, ok := subs[args[0]]
	if !ok {
		fmt.Fprintf(errOut, "erreur : sous-commande inconnue %q pour %s.\nUsage : campagnon %s\n", args[0], name, usage)
		return errUsage
	}
	return run(ctx, args[1:], out, errOut)
}
