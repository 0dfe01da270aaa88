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

// parse parses args, flags and positional arguments in any order
// ("show portes-de-sologne --json" as well as "show --json portes-de-sologne"),
// turning -h and flag errors into errUsage (the flag package has printed
// them). The positional arguments are left in fs.Args().
func parse(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			positional = append(positional, rest[1:]...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
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
